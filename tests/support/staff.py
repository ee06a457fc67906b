"""Who a test acts as: the request headers of a staff member in a role at their site."""

from __future__ import annotations


def staff(staff_id: str, role: str, site: str | None = None) -> dict[str, str]:
    """The headers a staff member sends; their site is the division code their staff id
    begins with ("370671-W01" works in Yantai) unless given."""
    return {"X-Staff-Id": staff_id, "X-Staff-Role": role}
