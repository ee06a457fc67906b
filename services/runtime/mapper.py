"""Stores contract events as their own JSON, keyed by their stable type name.

The stored topic is `intake.case_opened.v1`, not a Python import path, so that moving a module
never orphans stored events, and what is stored is byte for byte what is published.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.persistence import JSONTranscoder, Mapper, StoredEvent

from contracts.base import DomainEvent, event_class


class ContractMapper(Mapper[UUID]):
    def __init__(self) -> None:
        super().__init__(transcoder=JSONTranscoder())

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        event: DomainEvent = domain_event
        return StoredEvent(
            originator_id=event.originator_id,
            originator_version=event.originator_version,
            topic=event.type_key(),
            state=event.model_dump_json().encode(),
        )

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        return decode_event(stored_event.topic, stored_event.state)


def decode_event(type_key: str, data: bytes) -> DomainEvent:
    return event_class(type_key).model_validate_json(data)
