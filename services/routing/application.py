"""Use cases of the exchange's staff (paper, joint sessions, consultations) and the clock that
supervises every leg a site is waiting on."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from contracts.base import Actor
from contracts.routing import HandoverOverdue, SupervisionNoted
from services.routing import read_side
from services.routing.domain import RoutedCase
from services.routing.views import open_parcels
from services.runtime.aggregate import CaseNotFound, Context, system_actor
from services.runtime.host import ServiceHost
from services.runtime.workdays import WorkCalendar, china_date


class Exchange:
    def __init__(self, host: ServiceHost, calendar: WorkCalendar, threshold_days: int) -> None:
        self.host, self.calendar, self.threshold_days = host, calendar, threshold_days

    def get(self, case_id: UUID) -> RoutedCase:
        """The case as routed here; 404 for one this site never routed or admitted."""
        case = self.host.store.get(RoutedCase, case_id)
        if not case.routed:
            raise CaseNotFound(case_id)
        return case

    def change(self, case_id: UUID, actor: Actor, correlation_id: UUID,
               command: Callable[[RoutedCase, Context], object]) -> RoutedCase:
        """Load a case, run one domain command on it as this staff member, store the result."""
        case = self.get(case_id)
        command(case, Context(self.host.site, actor, self.host.clock(), correlation_id))
        self.host.store.record(case)
        return case

    def sweep(self, batch: int = 100) -> int:
        """督办, fired by the clock: parcels nobody signed for and joint parts left undecided
        past their dates each raise one event. Reads only the cases due, a batch of each kind
        per tick. Returns how many were raised."""
        ctx = Context(self.host.site, system_actor("routing"), self.host.clock())
        today = china_date(ctx.at)
        sent_by = read_side.last_late_dispatch(self.calendar, self.threshold_days, today)
        due = [row["id"] for query in (read_side.parcels_unsigned(sent_by, batch),
                                       read_side.decisions_late(today, batch))
               for row in self.host.store.read(query)]
        raised = 0
        for case_id in dict.fromkeys(due):
            case = self.get(UUID(case_id))
            raised += case.flag_overdue(self.calendar, self.threshold_days, ctx)
            raised += case.supervise_silent_parts(ctx)
            raised += case.supervise_decision(ctx)
            self.host.store.record(case)
        return raised

    def open_parcels(self, limit: int, offset: int = 0) -> list[dict[str, object]]:
        """This site's open parcels, a page of cases at a time."""
        rows = self.host.store.read(read_side.with_open_parcels(limit, offset))
        return [parcel for row in rows
                for parcel in open_parcels(self.get(UUID(row["id"])), self.host.site)]

    def supervision_list(self, limit: int, offset: int = 0) -> list[dict[str, object]]:
        """Open supervision items: raised and not yet resolved by a decision or a signature;
        a page of cases at a time."""
        items: list[dict[str, object]] = []
        for row in self.host.store.read(read_side.with_open_items(limit, offset)):
            items += self.supervision_items(self.get(UUID(row["id"])))
        return items

    def supervision_items(self, case: RoutedCase) -> list[dict[str, object]]:
        items: list[dict[str, object]] = []
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


def still_open(case: RoutedCase, noted: SupervisionNoted) -> bool:
    """A supervision item stays on the list until the leg it names is closed."""
    if noted.leg == "joint_part":
        return case.joint_decision is None
    return case.decision_reported is None
