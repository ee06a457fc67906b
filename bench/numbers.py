"""Taking the next case number as a year fills up, in a real SQLite intake store.

For each size of history (numbers already given this year) it times taking one more number the
way the window does (load the sequence, allocate, commit), beside the way it was done before
in the same run: replaying every allocation of the year (`store.load` of the whole sequence).

    python -m bench.numbers --sizes 0,10000,100000
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from uuid import uuid4

from contracts.base import Actor
from services.intake.domain.counters import Sequence
from services.runtime.aggregate import Context
from services.runtime.settings import for_service
from services.runtime.store import CaseStore
from tests.support.clock import THURSDAY_MORNING

SITE, NAME = "370671", "case:2026"
CTX = Context(SITE, Actor(staff_id="370671-W01", role="window"), THURSDAY_MORNING)
SEQUENCE_ID = Sequence.id_for(SITE, NAME)


def fill(store: CaseStore, count: int, batch: int = 2_000) -> None:
    """Numbers already given this year, stored in large transactions to save time."""
    sequence = store.load_from_last_event(Sequence, SEQUENCE_ID) or Sequence.start(SITE, NAME)
    while sequence.last < count:
        for _ in range(min(batch, count - sequence.last)):
            sequence.allocate(uuid4(), CTX)
        store.record(sequence)


def take(load: Callable[[], Sequence | None], store: CaseStore) -> None:
    sequence = load() or Sequence.start(SITE, NAME)
    sequence.allocate(uuid4(), CTX)
    store.record(sequence)


def median_ms(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 3)


def measure(sizes: list[int], runs: int) -> list[dict[str, float]]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        store = CaseStore("intake", for_service("intake", site=SITE, data_dir=Path(tmp)))
        try:
            for size in sizes:
                fill(store, size)
                sequence = median_ms(lambda: take(lambda: store.load_from_last_event(
                    Sequence, SEQUENCE_ID), store), runs)
                replay = median_ms(lambda: take(lambda: store.load(Sequence, SEQUENCE_ID),
                                                store), max(3, runs // 10))
                rows.append({"numbers_given": size, "take_ms": sequence,
                             "replay_baseline_ms": replay,
                             "baseline_over_take": round(replay / sequence, 1)})
        finally:
            store.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="0,10000,100000")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    rows = measure([int(s) for s in args.sizes.split(",")], args.runs)
    print("numbers given | take next (ms p50) | replay baseline (ms p50) | baseline / take")
    for r in rows:
        print(f"{r['numbers_given']:>13,} | {r['take_ms']:>18} | {r['replay_baseline_ms']:>24}"
              f" | {r['baseline_over_take']:>15}")
    if args.out:
        (args.out / "numbers.json").write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
