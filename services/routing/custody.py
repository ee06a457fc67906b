"""Paper on the move (移交清单): manifests from a routing decision, the check of a parcel on
arrival, and where each item is now."""

from __future__ import annotations

from typing import Any

from contracts.intake import SubmittedItem
from contracts.routing import Discrepancy, Manifest
from services.directory import Matter


def manifests_for(case_number: str, paper: list[SubmittedItem], matter: Matter) -> list[Manifest]:
    """One manifest per receiving department; none when no original travels."""
    if not paper:
        return []
    parts = [(p.site, p.department) for p in matter.joint_parts] or [
        (matter.owner_site, matter.department)]
    return [Manifest(number=f"{case_number}-{site}", to_site=site, department=department,
                     items=paper) for site, department in parts]


def discrepancies(manifest: Manifest, received_pages: dict[str, int]) -> list[Discrepancy]:
    """Every item whose pages differ from the manifest, a missing item counting zero pages."""
    return [
        Discrepancy(material_code=item.material_code, name=item.name,
                    expected_pages=item.pages, received_pages=received_pages.get(item.material_code, 0))
        for item in manifest.items
        if received_pages.get(item.material_code, 0) != item.pages
    ]


def custody_rows(manifest: Manifest, steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per item: where it is, since when, who signed; the last step of its manifest decides."""
    rows = []
    for item in manifest.items:
        last = steps[-1] if steps else None
        short = next((d for d in (last or {}).get("discrepancies", [])
                      if d.material_code == item.material_code), None)
        rows.append({
            "manifest_number": manifest.number, "material_code": item.material_code,
            "name": item.name, "form": item.form, "pages": item.pages,
            "where": last["where"] if last else "受理地窗口",
            "since": last["at"] if last else None, "signed_by": last["by"] if last else None,
            "discrepancy": (f"应{short.expected_pages}页，实收{short.received_pages}页"
                            if short else None),
        })
    return rows
