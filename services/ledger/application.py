"""Use cases of the ledger: keep what arrives, show a case's timeline."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from services.ledger.domain import CaseFile
from services.ledger.legs import legs_of
from services.runtime.aggregate import Context, system_actor
from services.runtime.consumer import Delivery, Effect
from services.runtime.host import ServiceHost


class Ledger:
    def __init__(self, host: ServiceHost) -> None:
        self.host = host

    def on_event(self, delivery: Delivery) -> Effect:
        event = delivery.event
        case = self.host.store.load(CaseFile, event.case_id) or CaseFile(event.case_id)
        ctx = Context(self.host.site, system_actor("ledger"), self.host.clock(),
                      event.correlation_id)
        case.observe(event, delivery.stream, delivery.seq, delivery.subject, delivery.data, ctx)
        return Effect(aggregates=[case])

    def legs(self, case_id: UUID) -> dict[str, Any]:
        case = self.host.store.get(CaseFile, case_id)
        return {"case_id": str(case_id), "case_number": case.case_number,
                "legs": legs_of(case.timeline())}

    def timeline(self, case_id: UUID) -> dict[str, Any]:
        case = self.host.store.get(CaseFile, case_id)
        return {
            "case_id": str(case_id), "case_number": case.case_number, "archived": case.archived,
            "timeline": [
                {"site": e.acting_site, "service": e.service, "event": e.name,
                 "at": e.occurred_at.isoformat(), "actor": e.actor.staff_id,
                 "role": e.actor.role, "event_id": str(e.event_id)}
                for e in case.timeline()
            ],
        }
