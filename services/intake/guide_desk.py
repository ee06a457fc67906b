"""Use cases of the guide desk (引导台): triage a visitor, issue a ticket, show a day's queue."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field

from contracts.base import Actor
from services.directory import Directory, Site
from services.intake.domain.counters import Counter, Sequence
from services.intake.domain.visit import Visit, choose_destination, window_for
from services.runtime.aggregate import Context, DomainError
from services.runtime.host import ServiceHost
from services.runtime.workdays import china_date


class TriageVisitor(BaseModel):
    model_config = ConfigDict(extra="forbid")

    matter_code: str = Field(min_length=1, max_length=33)
    wants_assistance: bool = Field(default=False, description="needs a window even if self-servable")


class UnknownMatter(DomainError):
    status = 422
    field = "matter_code"

    def __init__(self, code: str) -> None:
        super().__init__(f"事项目录中没有编码为 {code} 的事项")


class UnknownWindow(DomainError):
    status = 404
    field = "window_id"

    def __init__(self, window_id: str) -> None:
        super().__init__(f"本大厅没有 {window_id} 号窗口")


class GuideDesk:
    def __init__(self, host: ServiceHost, directory: Directory) -> None:
        self.host, self.directory = host, directory

    @property
    def site(self) -> Site:
        site = self.directory.site(self.host.site)
        assert site is not None, f"site {self.host.site} is not in the directory"
        return site

    def triage(self, request: TriageVisitor, actor: Actor, correlation_id: UUID) -> Visit:
        matter = self.directory.matter(request.matter_code)
        if matter is None:
            raise UnknownMatter(request.matter_code)
        ctx = Context(self.host.site, actor, self.host.clock(), correlation_id)
        day = china_date(ctx.at)
        destination = choose_destination(matter, request.wants_assistance)
        visit_id = uuid4()
        if destination != "dedicated_window":
            sequence = self._visits(day)
            number = f"{self.host.site}{day:%Y%m%d}V{sequence.allocate(visit_id, ctx):05d}"
            visit = Visit.triage(visit_id, number, matter, destination, None, ctx)
            self.host.store.record(visit, sequence)
            return visit
        window = window_for(matter, self.site, self.queue_lengths(day))
        counter = self._counter(window.id, day)
        number = counter.allocate(visit_id, ctx)
        visit = Visit.triage(visit_id, f"{self.host.site}{day:%Y%m%d}{window.id}{number:03d}",
                             matter, destination, window, ctx)
        visit.issue_ticket(window.id, day, number, ctx)
        self.host.store.record(visit, counter)
        return visit

    def queue(self, window_id: str, day: date) -> list[dict[str, Any]]:
        if window_id not in {w.id for w in self.site.windows}:
            raise UnknownWindow(window_id)
        tickets = []
        for allocation in self._counter(window_id, day).allocations:
            visit = self.host.store.load(Visit, allocation.allocated_to)
            assert visit is not None and visit.ticket is not None
            tickets.append({"ticket": visit.ticket.ticket, "number": visit.ticket.number,
                            "matter_name": visit.triaged.matter_name,
                            "issued_at": visit.ticket.occurred_at.isoformat()})
        return tickets

    def queue_lengths(self, day: date) -> dict[str, int]:
        return {w.id: len(self._counter(w.id, day).allocations) for w in self.site.windows}

    def _counter(self, window_id: str, day: date) -> Counter:
        sequence = f"ticket:{window_id}:{day.isoformat()}"
        counter_id = Counter.id_for(self.host.site, sequence)
        return self.host.store.load(Counter, counter_id) or Counter.start(self.host.site, sequence)

    def _visits(self, day: date) -> Sequence:
        """The day's visits sent elsewhere than a dedicated window, numbered in order."""
        sequence_id = Sequence.id_for(self.host.site, f"visit:{day.isoformat()}")
        return (self.host.store.load_from_last_event(Sequence, sequence_id)
                or Sequence.start(self.host.site, f"visit:{day.isoformat()}"))


def visit_view(visit: Visit) -> dict[str, Any]:
    t = visit.triaged
    view: dict[str, Any] = {
        "visit_id": str(visit.id), "matter_code": t.matter_code, "matter_name": t.matter_name,
        "destination": t.destination, "window_id": t.window_id,
        "ticket": visit.ticket.ticket if visit.ticket else None,
    }
    if t.elsewhere is not None:
        view["one_time_notice"] = (f"“{t.matter_name}”不在本大厅办理，请到{t.elsewhere.place}办理，"
                                   f"咨询电话 {t.elsewhere.phone}。")
        view["elsewhere"] = t.elsewhere.model_dump()
    return view
