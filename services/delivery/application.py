"""Use cases of delivery: issue the result of an approved case and push it online."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from contracts.approval import CaseApproved
from services.delivery.domain import CaseResult
from services.runtime.aggregate import Context, system_actor
from services.runtime.consumer import Delivery, Effect
from services.runtime.host import ServiceHost


class ResultDelivery:
    def __init__(self, host: ServiceHost) -> None:
        self.host = host

    def on_case_approved(self, delivery: Delivery) -> Effect:
        approved = delivery.event
        assert isinstance(approved, CaseApproved)
        if self.host.store.load(CaseResult, approved.case_id) is not None:
            return Effect()
        ctx = Context(self.host.site, system_actor("delivery"), self.host.clock(),
                      approved.correlation_id)
        result = CaseResult.issue(approved, ctx)
        if approved.delivery_channel == "online":
            result.push_online(ctx)
        return Effect(aggregates=[result])

    def get(self, case_id: UUID) -> dict[str, Any]:
        result = self.host.store.get(CaseResult, case_id)
        issued = result.issued
        return {"case_id": str(case_id), "case_number": result.case_number,
                "result_type": issued.result_type, "document_number": issued.document_number,
                "pushed_online": result.pushed_online}
