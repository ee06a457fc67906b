"""Use cases of the exchange's staff: dispatch a parcel, check and sign for one, and the clock
that flags a parcel nobody signed for."""

from __future__ import annotations

from uuid import UUID

from contracts.base import Actor
from contracts.routing import ParcelDispatched
from services.routing.domain import RoutedCase
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

    def flag_overdue(self) -> int:
        """Fired by the clock over every case with a parcel in flight from here."""
        ctx = Context(self.host.site, system_actor("routing"), self.host.clock())
        flagged = 0
        for case_id in {e.case_id for e in self.host.store.scan()
                        if isinstance(e, ParcelDispatched)}:
            case = self.get(case_id)
            flagged += case.flag_overdue(self.calendar, self.threshold_days, ctx)
            self.host.store.record(case)
        return flagged
