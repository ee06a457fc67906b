"""好差评 for auditors (without the evaluator) and the log of personal-data reads."""

from __future__ import annotations

from contracts.base import DomainEvent
from services.ledger.projections.base import Projection

REVIEW_STEPS = ("review_opened", "review_called_back", "review_resolved",
                "rectification_completed", "review_appealed", "appeal_decided", "review_overdue")


class Ratings(Projection):
    name = "ratings"

    def on_service_rated(self, event: DomainEvent, position: int) -> str:
        key = str(event.event_id)
        self.rows[key] = {
            "case_number": event.case_number, "scope": event.scope,  # type: ignore[attr-defined]
            "unit": event.unit, "rated_site": event.rated_site,  # type: ignore[attr-defined]
            "rated_unit_name": event.rated_unit_name,  # type: ignore[attr-defined]
            "level": event.level, "service_day": event.service_day.isoformat(),  # type: ignore[attr-defined]
            "rated_at": event.occurred_at.isoformat(), "follow_up": []}
        return key

    def apply(self, event: DomainEvent, position: int) -> set[str]:
        if event.name in REVIEW_STEPS:
            key = str(event.rating_id)  # type: ignore[attr-defined]
            if key in self.rows:
                steps = self.rows[key]["follow_up"]
                steps.append({"step": event.name, "at": event.occurred_at.isoformat(),
                              "by": event.actor.staff_id, "site": event.acting_site,
                              "version": event.version})
                steps.sort(key=lambda s: (s["at"], s["version"]))
                return {key}
            return set()
        return super().apply(event, position)


class PersonalDataReads(Projection):
    name = "personal_data_reads"

    def on_personal_data_read(self, event: DomainEvent, position: int) -> str:
        key = str(event.event_id)
        self.rows[key] = {"at": event.occurred_at.isoformat(), "site": event.acting_site,
                          "reader": event.actor.staff_id, "role": event.actor.role,
                          "case_number": event.case_number,
                          "fields": list(event.fields),  # type: ignore[attr-defined]
                          "reason": event.reason}  # type: ignore[attr-defined]
        return key
