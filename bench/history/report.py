"""The history report (history-<store>.json) as one table per store: each request and job of
each service, its p50 / p99 at every number of cases in the store, and the ratio of the figure
at the largest number to the figure at 0, the one to watch."""

from __future__ import annotations

from typing import Any

Report = dict[str, list[dict[str, Any]]]


def costs(rows: list[dict[str, Any]]) -> list[str]:
    """The requests and jobs timed: every field of a row that holds percentiles."""
    return [key for key, value in rows[0].items() if isinstance(value, dict)]


def table(store: str, report: Report, titles: dict[str, str] | None = None) -> str:
    titles = titles or {}
    sizes = [row["cases"] for row in next(iter(report.values()))]
    ratio = f"×{sizes[-1]:,}/{sizes[0]:,} p50 / p99"
    lines = [["service", "request or job", *(f"{n:,}" for n in sizes), ratio]]
    for service, rows in report.items():
        for name in costs(rows):
            first, last = rows[0][name], rows[-1][name]
            lines.append([titles.get(service, service), name,
                          *(f"{row[name]['p50']} / {row[name]['p99']}" for row in rows),
                          f"{times(last['p50'], first['p50'])} / {times(last['p99'], first['p99'])}"])
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    text = [f"history on {store}: p50 / p99 ms with N finished cases already in the store"]
    text += [" | ".join([line[0].ljust(widths[0]), line[1].ljust(widths[1]),
                         *(cell.rjust(w) for cell, w in zip(line[2:], widths[2:], strict=True))])
             for line in lines]
    text.append(f"filling on {store} took (s, at {' / '.join(f'{n:,}' for n in sizes)}): " + "; ".join(
        f"{titles.get(service, service)} {' / '.join(str(r['fill_seconds']) for r in rows)}"
        for service, rows in report.items()))
    return "\n".join(text)


def times(last: float, first: float) -> str:
    """The growth factor; a figure rounded to 0 ms at N = 0 has none worth printing."""
    return f"×{last / first:.2f}" if first else "×—"
