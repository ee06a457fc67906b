"""`/metrics` of every service, scraped once a second while the end-to-end bench runs: that each
answers, and how lag, processed and relay backlog moved (the most seen, and the counters' rise
from the first scrape to the last)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

FIGURES = {"lag": "tongban_consumer_lag", "backlog": "tongban_relay_backlog",
           "processed": "tongban_consumer_processed_total",
           "published": "tongban_relay_published_total"}


def figures(text: str) -> dict[str, float]:
    """Each figure summed over the service's consumers."""
    sums = dict.fromkeys(FIGURES, 0.0)
    names = {v: k for k, v in FIGURES.items()}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name in names:
                sums[names[sample.name]] += sample.value
    return sums


@dataclass
class Seen:
    scrapes: int = 0
    failed: int = 0
    first: dict[str, float] = field(default_factory=dict)
    last: dict[str, float] = field(default_factory=dict)
    most: dict[str, float] = field(default_factory=dict)

    def note(self, now: dict[str, float]) -> None:
        self.scrapes += 1
        self.first = self.first or now
        self.last = now
        self.most = {k: max(v, self.most.get(k, 0.0)) for k, v in now.items()}

    def report(self) -> dict[str, Any]:
        return {"scrapes": self.scrapes, "failed": self.failed,
                "lag_max": self.most.get("lag"), "backlog_max": self.most.get("backlog"),
                "processed": self.last.get("processed", 0) - self.first.get("processed", 0),
                "published": self.last.get("published", 0) - self.first.get("published", 0)}


async def scrape_while(urls: dict[str, str], running: asyncio.Event,
                       every: float = 1.0) -> dict[str, dict[str, Any]]:
    """Scrape until `running` is cleared; one answer per service a second."""
    seen = {name: Seen() for name in urls}
    async with httpx.AsyncClient(timeout=5.0) as http:
        while running.is_set():
            for name, url in urls.items():
                try:
                    answer = await http.get(f"{url}/metrics")
                    answer.raise_for_status()
                    seen[name].note(figures(answer.text))
                except httpx.HTTPError:
                    seen[name].failed += 1
            await asyncio.sleep(every)
    return {name: s.report() for name, s in seen.items()}


def summarise(moved: dict[str, dict[str, Any]]) -> None:
    print(f"{'/metrics during the run':<24} {'scrapes':>7} {'failed':>6} {'lag max':>7} "
          f"{'backlog max':>11} {'processed':>9} {'published':>9}")
    for name, m in sorted(moved.items()):
        print(f"{name:<24} {m['scrapes']:>7} {m['failed']:>6} {m['lag_max']!s:>7} "
              f"{m['backlog_max']!s:>11} {m['processed']:>9.0f} {m['published']:>9.0f}")
