"""Time per leg per site and department: running totals kept with the legs table, so the
auditor's figures over all history read one row per leg and unit."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from services.ledger.projections import Row
from services.runtime.projections import Part, Totals

AT_WINDOW = ("receiving_site", "applicant")


def unit_legs(row: dict[str, Any]) -> Iterator[Part]:
    """One case's timed legs, each to the site and unit that held it, in hundredths of an hour
    (legs are rounded to two places, so the sums are exact). None before the case is on the
    工作台账."""
    if row["receiving_site"] is None:
        return
    for leg in json.loads(row["body"])["legs"]:
        if leg["hours"] is None or leg["leg"] == "paused":
            continue
        at_window = leg["responsible"] in AT_WINDOW
        yield {"leg": leg["leg"], "responsible": leg["responsible"],
               "site": row["receiving_site"] if at_window else row["business_site"],
               "unit": "跨域通办窗口" if at_window else row["department"],
               "centihours": round(leg["hours"] * 100)}


BY_UNIT = Totals("by_unit", ("leg", "responsible", "site", "unit"), ("centihours",), unit_legs)


def legs_by_unit(totals: list[dict[str, Any]]) -> list[Row]:
    return [{"leg": t["leg"], "responsible": t["responsible"], "site": t["site"],
             "unit": t["unit"], "cases": t["rows"],
             "mean_hours": round(t["centihours"] / t["rows"] / 100, 2)}
            for t in sorted(totals, key=lambda t: (t["leg"], t["responsible"], t["site"],
                                                   t["unit"]))]
