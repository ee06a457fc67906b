"""The chain of custody as legs of a case: a parcel per manifest dispatched by one site, checked
and signed for by the other, closed at the sender when the signature comes back, and flagged
once when nobody signs in time."""

from __future__ import annotations

from typing import Any

from contracts.routing import (
    HandoverConfirmed,
    HandoverOverdue,
    Manifest,
    ParcelDispatched,
    ParcelReceived,
)
from services.routing.custody import discrepancies
from services.runtime.aggregate import Aggregate, Context, DomainError
from services.runtime.workdays import WorkCalendar, china_date


class UnknownManifest(DomainError):
    status = 404
    field = "manifest_number"

    def __init__(self, number: str) -> None:
        super().__init__(f"本办件没有移交清单 {number}")


class ParcelOutOfOrder(DomainError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)


LOCAL_HANDOVER = "本地移交"


class CustodyLegs(Aggregate):
    receiving_site: str

    def __init__(self, case_id: Any) -> None:
        super().__init__(case_id)
        self.manifests: dict[str, Manifest] = {}
        self.dispatched: dict[str, ParcelDispatched] = {}
        self.received: dict[str, ParcelReceived] = {}
        self.confirmed: dict[str, HandoverConfirmed] = {}
        self.overdue: set[str] = set()

    def dispatch(self, number: str, carrier: str, tracking_number: str, ctx: Context) -> None:
        manifest = self.manifest(number)
        if manifest.to_site == ctx.site:
            raise ParcelOutOfOrder("不能向本地寄出移交清单")
        if number in self.dispatched:
            raise ParcelOutOfOrder(f"移交清单 {number} 已寄出")
        self._trigger(ParcelDispatched, ctx, manifest_number=number, to_site=manifest.to_site,
                      carrier=carrier, tracking_number=tracking_number)

    def hand_over_locally(self, number: str, ctx: Context) -> None:
        """A manifest for a department of this same site goes by hand, not by carrier."""
        manifest = self.manifest(number)
        if manifest.to_site != ctx.site:
            raise ParcelOutOfOrder(f"移交清单 {number} 须寄往 {manifest.to_site}")
        if number in self.dispatched:
            raise ParcelOutOfOrder(f"移交清单 {number} 已移交")
        self._trigger(ParcelDispatched, ctx, manifest_number=number, to_site=manifest.to_site,
                      carrier=LOCAL_HANDOVER, tracking_number=number)

    def receive(self, number: str, received_pages: dict[str, int], ctx: Context) -> None:
        """The receiving department checks the parcel item by item and signs."""
        manifest = self.manifest(number)
        if manifest.to_site != ctx.site:
            raise ParcelOutOfOrder(f"移交清单 {number} 不是寄给本地的")
        if number in self.received:
            raise ParcelOutOfOrder(f"移交清单 {number} 已签收")
        short = discrepancies(manifest, received_pages)
        self._trigger(ParcelReceived, ctx, manifest_number=number, from_site=self.receiving_site,
                      complete=not short, discrepancies=short)

    def flag_overdue(self, calendar: WorkCalendar, threshold_days: int, ctx: Context) -> int:
        """Raise HandoverOverdue once for each parcel not signed for within the threshold."""
        today, flagged = china_date(ctx.at), 0
        for number, sent in self.dispatched.items():
            sent_on = china_date(sent.occurred_at)
            late = calendar.add(sent_on, threshold_days) < today
            if late and number not in self.confirmed and number not in self.overdue:
                self._trigger(HandoverOverdue, ctx, manifest_number=number, dispatched_on=sent_on,
                              threshold_days=threshold_days, responsible_site=sent.to_site)
                flagged += 1
        return flagged

    def manifest(self, number: str) -> Manifest:
        if number not in self.manifests:
            raise UnknownManifest(number)
        return self.manifests[number]

    def apply_parcel_dispatched(self, event: ParcelDispatched) -> None:
        self.dispatched[event.manifest_number] = event

    def apply_parcel_received(self, event: ParcelReceived) -> None:
        self.received[event.manifest_number] = event

    def apply_handover_confirmed(self, event: HandoverConfirmed) -> None:
        self.confirmed[event.manifest_number] = event

    def apply_handover_overdue(self, event: HandoverOverdue) -> None:
        self.overdue.add(event.manifest_number)
