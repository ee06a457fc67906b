"""Use cases of the exchange's staff: dispatch a parcel, check and sign for one, and the clock
that flags a parcel nobody signed for."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from contracts.base import Actor
from contracts.routing import CaseAdmitted, CaseRouted, HandoverOverdue, SupervisionNoted
from services.routing.domain import Channel, RoutedCase
from services.runtime.aggregate import CaseNotFound, Context, system_actor
from services.runtime.host import ServiceHost
from services.runtime.workdays import WorkCalendar


class Custody:
    """The human steps of paper: dispatch at one end, check and sign at the other."""

    def __init__(self, host: ServiceHost, calendar: WorkCalendar, threshold_days: int) -> None:
        self.host, self.calendar, self.threshold_days = host, calendar, threshold_days

    def get(self, case_id: UUID) -> RoutedCase:
        case = self.host.store.load(RoutedCase, case_id)
        if case is None:
            raise CaseNotFound(case_id)
        return case

    def dispatch(self, case_id: UUID, number: str, carrier: str, tracking_number: str,
                 actor: Actor, correlation_id: UUID) -> RoutedCase:
        case = self.get(case_id)
        ctx = Context(self.host.site, actor, self.host.clock(), correlation_id)
        case.dispatch(number, carrier, tracking_number, ctx)
        self.host.store.record(case)
        return case

    def receive(self, case_id: UUID, number: str, received_pages: dict[str, int], actor: Actor,
                correlation_id: UUID) -> RoutedCase:
        case = self.get(case_id)
        case.receive(number, received_pages, Context(self.host.site, actor, self.host.clock(),
                                                     correlation_id))
        self.host.store.record(case)
        return case

    def sweep(self) -> int:
        """督办, fired by the clock: parcels nobody signed for and joint parts left undecided
        past their dates each raise one event. Returns how many were raised."""
        ctx = Context(self.host.site, system_actor("routing"), self.host.clock())
        raised = 0
        for case in self.cases():
            raised += case.flag_overdue(self.calendar, self.threshold_days, ctx)
            raised += case.supervise_silent_parts(ctx)
            raised += case.supervise_decision(ctx)
            self.host.store.record(case)
        return raised

    def cases(self) -> list[RoutedCase]:
        ids = {e.case_id for e in self.host.store.scan()
               if isinstance(e, (CaseRouted, CaseAdmitted))}
        return [self.get(case_id) for case_id in ids]

    def schedule_session(self, case_id: UUID, starts_at: datetime, link: str, actor: Actor,
                         correlation_id: UUID) -> RoutedCase:
        case = self.get(case_id)
        case.schedule_session(starts_at, link, Context(self.host.site, actor, self.host.clock(),
                                                       correlation_id))
        self.host.store.record(case)
        return case

    def record_session(self, case_id: UUID, minutes: str, actor: Actor,
                       correlation_id: UUID) -> RoutedCase:
        case = self.get(case_id)
        case.record_session(minutes, Context(self.host.site, actor, self.host.clock(),
                                             correlation_id))
        self.host.store.record(case)
        return case

    def supervision_list(self) -> list[dict[str, object]]:
        """Open supervision items: raised and not yet resolved by a decision or a signature."""
        items: list[dict[str, object]] = []
        for case in self.cases():
            for event in self.host.store.events.get(case.id):
                if isinstance(event, SupervisionNoted) and still_open(case, event):
                    items.append({"case_number": case.case_number, "leg": event.leg,
                                  "responsible_site": event.responsible_site,
                                  "detail": event.detail, "since": event.occurred_at.isoformat()})
                if (isinstance(event, HandoverOverdue)
                        and event.manifest_number not in case.confirmed):
                    items.append({"case_number": case.case_number, "leg": "parcel",
                                  "responsible_site": event.responsible_site,
                                  "detail": f"移交清单 {event.manifest_number} 超过"
                                            f"{event.threshold_days}个工作日未签收",
                                  "since": event.occurred_at.isoformat()})
        return items

    def consult(self, case_id: UUID, with_site: str, channel: Channel, topic: str, actor: Actor,
                correlation_id: UUID) -> RoutedCase:
        case = self.get(case_id)
        case.request_consultation(with_site, channel, topic, Context(
            self.host.site, actor, self.host.clock(), correlation_id))
        self.host.store.record(case)
        return case

    def record_consultation(self, case_id: UUID, approver: str, summary: str, actor: Actor,
                            correlation_id: UUID) -> RoutedCase:
        case = self.get(case_id)
        case.record_consultation(approver, summary, Context(
            self.host.site, actor, self.host.clock(), correlation_id))
        self.host.store.record(case)
        return case


def still_open(case: RoutedCase, noted: SupervisionNoted) -> bool:
    """A supervision item stays on the list until the leg it names is closed."""
    if noted.leg == "joint_part":
        return case.joint_decision is None
    return case.decision_reported is None
