"""The small aggregate base: state is a fold of contract events; new events are pending until saved.

Domain code never reads a clock or makes ids: the caller passes a `Context` with the time, the
acting site, the actor and the correlation id.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Self
from uuid import UUID, uuid4

from contracts.base import Actor, DomainEvent
from contracts.staff import SYSTEM_ROLE
from services.runtime.tracing import TRACE_CONTEXT, current_carrier


@dataclass(frozen=True)
class Context:
    site: str
    actor: Actor
    at: datetime
    correlation_id: UUID = field(default_factory=uuid4)


class DomainError(Exception):
    """A rule refused a command. `reason` is shown to staff, so it is in Chinese."""

    status = 409
    field = "case"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    @property
    def rule(self) -> str:
        """The rule broken, as a stable name clients can switch on: the class name in snake."""
        return re.sub(r"(?<!^)(?=[A-Z])", "_", type(self).__name__).lower()


class CaseNotFound(DomainError):
    status = 404

    def __init__(self, case_id: UUID) -> None:
        super().__init__(f"未找到办件 {case_id}")


def system_actor(service: str) -> Actor:
    return Actor(staff_id=f"system:{service}", role=SYSTEM_ROLE)


class Aggregate:
    """Subclasses define `apply_<event name>` methods and imperative commands."""

    def __init__(self, case_id: UUID) -> None:
        self.id = case_id
        self.case_number = ""
        self.version = 0
        self._pending: list[DomainEvent] = []
        self._requested: dict[tuple[str, UUID], DomainEvent] = {}  # see `_trigger`

    @classmethod
    def replay(cls, case_id: UUID, events: list[DomainEvent]) -> Self:
        aggregate = cls(case_id)
        aggregate.catch_up(events)
        return aggregate

    def catch_up(self, events: Iterable[DomainEvent]) -> None:
        """Fold events stored after this state: a replay, or a kept case brought up to date."""
        for event in events:
            self._apply(event)
            self._remember(event)

    def _trigger(self, event_type: type[DomainEvent], ctx: Context, *,
                 observed: DomainEvent | None = None, **fields: Any) -> DomainEvent:
        """Record a new event. Staff's request sent again with the same correlation id (a clerk
        pressing again when the first answer never came, the service killed after storing) is
        done once: an event of this type stored for that request is returned, not made again.
        `observed`: for a note of another service's event, that event as read (its personal
        fields open), so the note's `observed` need not be decoded without the site's keys."""
        if ctx.actor.role != SYSTEM_ROLE:
            done = self._requested.get((event_type.name, ctx.correlation_id))
            if done is not None:
                return done
        event = event_type(
            event_id=uuid4(),
            case_id=self.id,
            case_number=fields.pop("case_number", self.case_number),
            version=self.version + 1,
            occurred_at=ctx.at,
            acting_site=ctx.site,
            actor=ctx.actor,
            correlation_id=ctx.correlation_id,
            **fields,
        )
        if observed is not None:
            event.__dict__["observed"] = observed
        if event.published and (carrier := current_carrier()):  # the request or message it
            event.__dict__[TRACE_CONTEXT] = carrier  # answers: stored with it, for the relay
        self._apply(event)
        self._pending.append(event)
        return event

    def apply_personal_data_forgotten(self, event: DomainEvent) -> None:
        """The case's rows were made again once its keys were destroyed (runtime/forgetting)."""

    def _apply(self, event: DomainEvent) -> None:
        self.case_number = event.case_number
        self.version = event.version
        getattr(self, f"apply_{event.name}")(event)

    @property
    def has_pending(self) -> bool:
        return bool(self._pending)

    def collect_events(self) -> list[DomainEvent]:
        pending, self._pending = self._pending, []
        for event in pending:  # being stored: from now on a request sent again is known
            self._remember(event)
        return pending

    def _remember(self, event: DomainEvent) -> None:
        if event.actor.role != SYSTEM_ROLE:
            self._requested.setdefault((event.name, event.correlation_id), event)
