"""原件核验 before the decision: where the matter's catalogue entry says so, a case decides only
after this site signed for every parcel of originals the receiving window sent it.

Which parcels a case waits for is fixed when it is received (the catalogue as it stood then);
that this site signed for one is learned from the exchange's own ParcelReceived.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from contracts.base import DomainEvent
from contracts.routing import CaseAdmitted, CaseRouted, ParcelReceived
from services.runtime.aggregate import DomainError
from services.runtime.noted import Learning


class OriginalsAwaited(DomainEvent):
    """Private bookkeeping, never published: the parcels of originals this site must sign for
    before it may decide the case."""

    service = "approval"
    published = False
    manifest_numbers: list[str] = Field(min_length=1)


def waiting_reason(manifest_numbers: list[str]) -> str:
    return (f"原件尚未签收，须核验原件后方可作出决定"
            f"（待签收移交清单：{'、'.join(manifest_numbers)}）")


class OriginalsNotSignedFor(DomainError):
    def __init__(self, manifest_numbers: list[str]) -> None:
        super().__init__(waiting_reason(manifest_numbers))


def parcels_to_wait_for(routed: CaseRouted | CaseAdmitted, site: str,
                        originals_checked: bool) -> list[str]:
    """The manifests addressed to this site, when its matter checks originals first."""
    if not originals_checked:
        return []
    return [m.number for m in routed.manifests if m.to_site == site]


class OriginalsCheck(Learning):
    """The part of a case at the business site that waits for the originals."""

    def __init__(self, case_id: Any) -> None:
        super().__init__(case_id)
        self.originals_awaited: list[str] = []
        self.originals_signed: dict[str, ParcelReceived] = {}

    @property
    def originals_outstanding(self) -> list[str]:
        return [n for n in self.originals_awaited if n not in self.originals_signed]

    def check_originals_signed_for(self) -> None:
        if self.originals_outstanding:
            raise OriginalsNotSignedFor(self.originals_outstanding)

    def waits_for(self, parcel: ParcelReceived) -> bool:
        return parcel.manifest_number in self.originals_outstanding

    def apply_originals_awaited(self, event: OriginalsAwaited) -> None:
        self.originals_awaited = list(event.manifest_numbers)

    def learn_parcel_received(self, event: ParcelReceived) -> None:
        self.originals_signed[event.manifest_number] = event
