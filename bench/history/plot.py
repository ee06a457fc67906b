"""The plot of cost against history: one panel per service, each request and job a colour, p50
solid and p99 dashed, at each number of cases in the store. The sizes are placed evenly (0,
10,000, 100,000 are categories, not a scale) and the cost is on one log scale for every panel,
so a flat line means the cost does not grow with history, whatever its size, and a tenth of a
millisecond of noise does not look like growth."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from bench.history.report import costs


def plot(report: dict[str, list[dict[str, Any]]], store: str, path: Path,
         titles: dict[str, str] | None = None) -> None:
    """`report` is history-<store>.json: for each service, one row per size with the cases,
    the fill time and {"p50", "p99"} in ms for each request or job."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    columns = min(3, len(report))
    lines = math.ceil(len(report) / columns)
    figure, axes = plt.subplots(lines, columns, squeeze=False, sharey=True,
                                figsize=(5.2 * columns, 4.2 * lines))
    for axis, (service, rows) in zip(axes.flat, report.items(), strict=False):
        panel(axis, (titles or {}).get(service, service), rows)
    for axis in list(axes.flat)[len(report):]:
        axis.set_visible(False)
    for axis in axes.flat:
        axis.yaxis.set_major_formatter(FuncFormatter(label))
        axis.yaxis.set_minor_formatter(FuncFormatter(label))
    figure.suptitle(f"cost against history on {store}: p50 solid, p99 dashed")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def panel(axis: Any, title: str, rows: list[dict[str, Any]]) -> None:
    places = range(len(rows))
    for name in costs(rows):
        p50 = axis.plot(places, [drawn(row[name]["p50"]) for row in rows], marker="o", label=name)
        axis.plot(places, [drawn(row[name]["p99"]) for row in rows], marker="o", linestyle="--",
                  color=p50[0].get_color())
    axis.set_title(title)
    axis.set_xticks(list(places), [f"{row['cases']:,}" for row in rows])
    axis.set_xlabel("finished cases in the store")
    axis.set_ylabel("ms")
    axis.tick_params(axis="y", which="both", labelleft=True)
    axis.set_yscale("log")
    axis.grid(True, which="both", alpha=0.3)
    axis.legend(fontsize="small")


def drawn(ms: float) -> float:
    """A figure rounded to 0 ms is drawn at the rounding step: a log scale has no 0."""
    return max(ms, 0.01)


def label(ms: float, _: int) -> str:
    """Plain milliseconds at 1, 2 and 5 times a power of ten: enough to read a panel that spans
    less than a decade, few enough not to crowd one that spans four."""
    return f"{ms:g}" if f"{ms:e}"[0] in "125" else ""
