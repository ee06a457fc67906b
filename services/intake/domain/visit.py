"""引导分流: the guide desk sends a visitor to a window (with a ticket), to the self-service
terminal, or elsewhere with a one-time notice of the place and phone."""

from __future__ import annotations

from datetime import date
from typing import Self
from uuid import UUID

from contracts.intake import Destination, Place, TicketIssued, VisitorTriaged
from services.directory import Matter, Site, Window
from services.runtime.aggregate import Aggregate, Context, DomainError


class NoWindowForMatter(DomainError):
    def __init__(self, matter: Matter) -> None:
        super().__init__(f"本大厅没有受理“{matter.name}”的窗口")


def choose_destination(matter: Matter, wants_assistance: bool) -> Destination:
    if not matter.in_hall:
        return "elsewhere"
    if matter.self_servable and not wants_assistance:
        return "self_service"
    return "dedicated_window"  # or comprehensive, when no dedicated window takes the matter


def window_for(matter: Matter, site: Site, queue_lengths: dict[str, int]) -> Window:
    """A dedicated window for the matter if the hall has one; else the shortest comprehensive
    queue today."""
    dedicated = [w for w in site.windows if w.kind == "dedicated" and matter.code in w.matters]
    candidates = dedicated or [w for w in site.windows if w.kind == "comprehensive"]
    if not candidates:
        raise NoWindowForMatter(matter)
    return min(candidates, key=lambda w: (queue_lengths.get(w.id, 0), w.id))


class Visit(Aggregate):
    triaged: VisitorTriaged
    ticket: TicketIssued | None = None

    @classmethod
    def triage(cls, visit_id: UUID, visit_number: str, matter: Matter, destination: Destination,
               window: Window | None, ctx: Context) -> Self:
        visit = cls(visit_id)
        elsewhere = Place(**matter.elsewhere.model_dump()) if matter.elsewhere else None
        if window is not None:
            destination = "dedicated_window" if window.kind == "dedicated" else (
                "comprehensive_window")
        visit._trigger(
            VisitorTriaged, ctx, case_number=visit_number, matter_code=matter.code,
            matter_name=matter.name, destination=destination,
            window_id=window.id if window else None,
            elsewhere=elsewhere if destination == "elsewhere" else None,
        )
        return visit

    def issue_ticket(self, window_id: str, day: date, number: int, ctx: Context) -> None:
        self._trigger(TicketIssued, ctx, window_id=window_id, day=day, number=number,
                      ticket=f"{window_id}{number:03d}")

    def apply_visitor_triaged(self, event: VisitorTriaged) -> None:
        self.triaged = event

    def apply_ticket_issued(self, event: TicketIssued) -> None:
        self.ticket = event
