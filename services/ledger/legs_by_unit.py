"""Time per leg per site and department, summed over the legs table read a page at a time:
how many cases took each leg there, and their mean hours."""

from __future__ import annotations

import json
from typing import Any

from services.ledger.projections import Row

AT_WINDOW = ("receiving_site", "applicant")


class LegTotals:
    def __init__(self) -> None:
        self.totals: dict[tuple[str, str, str, str], tuple[int, float]] = {}

    def add(self, row: dict[str, Any]) -> None:
        """One case's legs: its row in the legs table (none before the case is on the 工作台账)."""
        if row["receiving_site"] is None:
            return
        for leg in json.loads(row["body"])["legs"]:
            if leg["hours"] is None or leg["leg"] == "paused":
                continue
            at_window = leg["responsible"] in AT_WINDOW
            site = row["receiving_site"] if at_window else row["business_site"]
            unit = "跨域通办窗口" if at_window else row["department"]
            key = (leg["leg"], leg["responsible"], site, unit)
            cases, hours = self.totals.get(key, (0, 0.0))
            self.totals[key] = cases + 1, hours + leg["hours"]

    def rows(self) -> list[Row]:
        return [{"leg": leg, "responsible": who, "site": site, "unit": unit,
                 "cases": cases, "mean_hours": round(hours / cases, 2)}
                for (leg, who, site, unit), (cases, hours) in sorted(self.totals.items())]
