"""Stores contract events as their own JSON, keyed by their stable type name.

The stored topic is `intake.case_opened.v1`, not a Python import path, so that moving a module
never orphans stored events, and what is stored is byte for byte what is published: an event to
publish that NATS could not carry is refused here, before anything of its command is stored.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.persistence import JSONTranscoder, Mapper, StoredEvent

from contracts.base import DomainEvent, event_class
from services.runtime.aggregate import DomainError


class EventTooLarge(DomainError):
    status = 422
    field = "body"

    def __init__(self, type_key: str, size: int, limit: int) -> None:
        super().__init__(f"内容过多：本次办理生成的记录（{type_key}）有 {size} 字节，"
                         f"超过上限 {limit} 字节，请精简后再办理")


class ContractMapper(Mapper[UUID]):
    def __init__(self, event_max_bytes: int | None = None) -> None:
        super().__init__(transcoder=JSONTranscoder())
        self.event_max_bytes = event_max_bytes

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        event: DomainEvent = domain_event
        state = event.model_dump_json().encode()
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
        return decode_event(stored_event.topic, stored_event.state)


def decode_event(type_key: str, data: bytes) -> DomainEvent:
    return event_class(type_key).model_validate_json(data)
