"""Use cases of the window: open a case, accept it, read it, complete it on the result."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict

from contracts.base import Actor
from contracts.delivery import ResultPushedOnline
from contracts.identity import Applicant
from contracts.intake import DeliveryChannel
from services.directory import Directory
from services.intake.domain import WindowCase
from services.runtime.aggregate import CaseNotFound, Context, DomainError, system_actor
from services.runtime.consumer import Delivery, Effect, Rejected
from services.runtime.host import ServiceHost


class OpenCase(BaseModel):
    """What the window clerk enters to take in an application."""

    model_config = ConfigDict(extra="forbid")

    matter_code: str
    applicant: Applicant
    delivery_channel: DeliveryChannel = "online"


class UnknownMatter(DomainError):
    status = 422
    field = "matter_code"

    def __init__(self, code: str) -> None:
        super().__init__(f"事项目录中没有编码为 {code} 的事项")


class Intake:
    def __init__(self, host: ServiceHost, directory: Directory) -> None:
        self.host, self.directory = host, directory

    def _ctx(self, actor: Actor, correlation_id: UUID) -> Context:
        return Context(self.host.site, actor, self.host.clock(), correlation_id)

    def open_case(self, request: OpenCase, actor: Actor, correlation_id: UUID) -> WindowCase:
        matter = self.directory.matter(request.matter_code)
        if matter is None:
            raise UnknownMatter(request.matter_code)
        ctx = self._ctx(actor, correlation_id)
        case_id = uuid4()
        case = WindowCase.open(case_id, case_number(self.host.site, ctx.at, case_id), matter,
                               request.applicant, request.delivery_channel, ctx)
        self.host.store.record(case)
        return case

    def accept_case(self, case_id: UUID, actor: Actor, correlation_id: UUID) -> WindowCase:
        case = self.get(case_id)
        case.accept(self._ctx(actor, correlation_id))
        self.host.store.record(case)
        return case

    def get(self, case_id: UUID) -> WindowCase:
        case = self.host.store.load(WindowCase, case_id)
        if case is None:
            raise CaseNotFound(case_id)
        return case

    def on_result_pushed_online(self, delivery: Delivery) -> Effect:
        event = delivery.event
        assert isinstance(event, ResultPushedOnline)
        case = self.host.store.load(WindowCase, event.case_id)
        if case is None or event.receiving_site != self.host.site:
            raise Rejected(f"case {event.case_id} was not received at site {self.host.site}")
        ctx = Context(self.host.site, system_actor("intake"), self.host.clock(),
                      event.correlation_id)
        case.complete(event.acting_site, ctx)
        return Effect(aggregates=[case])


def case_number(site: str, at: datetime, case_id: UUID) -> str:
    """Readable at the window and unique without a counter: site, day, six hex digits."""
    return f"{site}{at:%Y%m%d}{case_id.hex[:6].upper()}"


def case_view(case: WindowCase) -> dict[str, Any]:
    o = case.opened
    return {
        "case_id": str(case.id), "case_number": case.case_number, "status": case.status,
        "matter_code": o.matter_code, "matter_name": o.matter_name,
        "applicant": o.applicant.masked(), "receiving_site": o.receiving_site,
        "delivery_channel": o.delivery_channel, "opened_at": o.occurred_at.isoformat(),
    }
