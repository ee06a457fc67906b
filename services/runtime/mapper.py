"""Stores contract events as their own JSON, keyed by their stable type name.

The stored topic is `intake.case_opened.v1`, not a Python import path, so that moving a module
never orphans stored events, and what is stored is byte for byte what is published: an event to
publish that NATS could not carry is refused here, before anything of its command is stored.
Personal fields are sealed here on the way in and opened on the way out (services/runtime/
personal): nothing personal is stored, or published, in the clear.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.persistence import JSONTranscoder, Mapper, StoredEvent

from contracts.base import DomainEvent, event_class
from services.runtime.aggregate import DomainError
from services.runtime.personal.fields import open_event, seal
from services.runtime.personal.vault import Vault


class EventTooLarge(DomainError):
    status = 422
    field = "body"

    def __init__(self, type_key: str, size: int, limit: int) -> None:
        super().__init__(f"内容过多：本次办理生成的记录（{type_key}）有 {size} 字节，"
                         f"超过上限 {limit} 字节，请精简后再办理")


class ContractMapper(Mapper[UUID]):
    def __init__(self, event_max_bytes: int | None = None, vault: Vault | None = None) -> None:
        super().__init__(transcoder=JSONTranscoder())
        self.event_max_bytes, self.vault = event_max_bytes, vault

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        event: DomainEvent = domain_event
        state = seal(event, self.vault)
        limit = self.event_max_bytes
        if limit is not None and event.published and len(state) > limit:
            raise EventTooLarge(event.type_key(), len(state), limit)
        return StoredEvent(
            originator_id=event.originator_id,
            originator_version=event.originator_version,
            topic=event.type_key(),
            state=state,
        )

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        return decode_event(stored_event.topic, stored_event.state, self.vault)


def decode_event(type_key: str, data: bytes, vault: Vault | None = None) -> DomainEvent:
    """The event, its personal fields opened with the vault's keys (without one, or without
    the key: `Withheld`)."""
    event = open_event(event_class(type_key), bytes(data), vault)
    if vault is not None and "observed_json" in type(event).model_fields:  # a note of another
        observed: Any = event  # service's event: read it now, while the vault is at hand
        event.__dict__["observed"] = decode_event(observed.observed_type,
                                                  observed.observed_json.encode(), vault)
    return event
