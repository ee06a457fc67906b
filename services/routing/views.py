"""What the exchange shows: the parties of a case, the custody of its paper, open parcels."""

from __future__ import annotations

from typing import Any

from services.routing.custody import custody_rows
from services.routing.custody_legs import LOCAL_HANDOVER
from services.routing.domain import RoutedCase


def case_view(case: RoutedCase) -> dict[str, Any]:
    return {"case_id": str(case.id), "case_number": case.case_number,
            "receiving_site": case.receiving_site, "business_sites": case.business_sites,
            "handling_mode": case.handling_mode,
            "manifests": [{"number": m.number, "to_site": m.to_site, "department": m.department,
                           "items": [i.name for i in m.items]} for m in case.manifests.values()],
            "joint": joint_view(case) if case.joint_parts else None}


def joint_view(case: RoutedCase) -> dict[str, Any]:
    decision = case.joint_decision
    return {
        "parts": [{"site": p.site, "department": p.department, "role": p.role,
                   "decided": p.site in case.reports,
                   "approved": case.reports[p.site].approved if p.site in case.reports else None}
                  for p in case.joint_parts],
        "decide_by": case.decide_by.isoformat() if case.decide_by else None,
        "session": case.session.link if case.session else None,
        "outcome": None if decision is None else ("approved" if decision.approved else "denied"),
        "denied_part": decision.denied_part if decision else None,
        "reason": decision.reason if decision else None,
    }


def custody_view(case: RoutedCase) -> list[dict[str, Any]]:
    """Every paper item of the case: where it is, since when, who signed for it."""
    rows: list[dict[str, Any]] = []
    for number, manifest in case.manifests.items():
        steps: list[dict[str, Any]] = []
        if (sent := case.dispatched.get(number)) is not None:
            steps.append({"where": f"移交中（{sent.carrier}）" if sent.carrier == LOCAL_HANDOVER
                          else f"寄递中（{sent.carrier} {sent.tracking_number}）",
                          "at": sent.occurred_at.isoformat(), "by": sent.actor.staff_id})
        if (done := case.confirmed.get(number)) is not None:
            steps.append({"where": f"{done.received_by_site} {manifest.department}",
                          "at": done.received_at.isoformat(), "by": done.received_by,
                          "discrepancies": done.discrepancies})
        if (got := case.received.get(number)) is not None:
            steps.append({"where": f"{got.acting_site} {manifest.department}",
                          "at": got.occurred_at.isoformat(), "by": got.actor.staff_id,
                          "discrepancies": got.discrepancies})
        rows += custody_rows(manifest, steps)
    return rows


def open_parcels(case: RoutedCase, site: str) -> list[dict[str, Any]]:
    """Parcels this site sent that nobody signed for yet, and parcels it still awaits."""
    rows = []
    for number, manifest in case.manifests.items():
        outgoing = number in case.dispatched and number not in case.confirmed
        awaited = manifest.to_site == site and number not in case.received
        if outgoing or awaited:
            rows.append({"case_number": case.case_number, "manifest_number": number,
                         "to_site": manifest.to_site, "state": "in_transit" if outgoing
                         else "awaited", "overdue": number in case.overdue})
    return rows
