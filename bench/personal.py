"""What sealing personal data costs: events stored and read back per second in a real SQLite
intake store, with personal fields sealed (AES-256-GCM under the case's key from the vault,
as every service runs) beside the same events stored in the clear, as before issue 18 — the
two interleaved, round by round, in the same run.

Each case is five events as the window makes them (opened with the applicant, materials,
identity check, accepted with the applicant, completed), stored in one transaction per case
as a command stores them, then read back case by case as a load does.

    python -m bench.personal --cases 2000 --rounds 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.persistence import StoredEvent

from contracts.base import DomainEvent, event_class
from services.runtime.mapper import ContractMapper
from services.runtime.settings import for_service
from services.runtime.store import CaseStore
from tests.support.events import sample

SITE = "370671"
LIFE = ("intake.case_opened.v1", "intake.materials_submitted.v1",
        "intake.identity_verified.v1", "intake.case_accepted.v1", "intake.case_completed.v1")


class ClearMapper(ContractMapper):
    """The mapper as it was before personal fields were sealed: the baseline, never served."""

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        event: DomainEvent = domain_event
        return StoredEvent(originator_id=event.originator_id,
                           originator_version=event.originator_version,
                           topic=event.type_key(), state=event.model_dump_json().encode())

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        return event_class(stored_event.topic).model_validate_json(stored_event.state)


def cases(count: int) -> list[list[DomainEvent]]:
    made = []
    for _ in range(count):
        case_id = uuid4()
        made.append([sample(key, case_id, version=n) for n, key in enumerate(LIFE, start=1)])
    return made


def one_round(store: CaseStore, mapper: ContractMapper,
              made: list[list[DomainEvent]]) -> tuple[float, float]:
    """(events stored per second, events read per second)."""
    recorder = store.recorder
    started = time.perf_counter()
    for events in made:
        recorder.insert_events([mapper.to_stored_event(e) for e in events])
    stored = time.perf_counter() - started
    started = time.perf_counter()
    for events in made:
        case_id: UUID = events[0].case_id
        read = [mapper.to_domain_event(s) for s in recorder.select_events(case_id)]
        assert len(read) == len(LIFE)
    loaded = time.perf_counter() - started
    total = len(made) * len(LIFE)
    return total / stored, total / loaded


def measure(count: int, rounds: int) -> dict[str, Any]:
    rates: dict[str, list[tuple[float, float]]] = {"sealed": [], "clear": []}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(rounds):
            for kind in (("sealed", "clear") if r % 2 == 0 else ("clear", "sealed")):
                settings = for_service("intake", site=SITE, data_dir=Path(tmp) / f"{kind}{r}")
                store = CaseStore("intake", settings)
                try:
                    mapper = store.mapper if kind == "sealed" else ClearMapper()
                    rates[kind].append(one_round(store, mapper, cases(count)))
                finally:
                    store.close()
    result: dict[str, Any] = {"cases": count, "events_per_round": count * len(LIFE),
                              "rounds": rounds}
    for kind, pairs in rates.items():
        result[f"{kind}_stored_per_s"] = round(statistics.median(p[0] for p in pairs))
        result[f"{kind}_read_per_s"] = round(statistics.median(p[1] for p in pairs))
    result["store_sealed_over_clear"] = round(
        result["sealed_stored_per_s"] / result["clear_stored_per_s"], 2)
    result["read_sealed_over_clear"] = round(
        result["sealed_read_per_s"] / result["clear_read_per_s"], 2)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    r = measure(args.cases, args.rounds)
    print(f"personal data sealed vs in the clear, SQLite intake store, {r['events_per_round']:,} "
          f"events per round, median of {r['rounds']}:")
    print("            | stored events/s | read events/s")
    print(f"sealed      | {r['sealed_stored_per_s']:>15,} | {r['sealed_read_per_s']:>13,}")
    print(f"clear       | {r['clear_stored_per_s']:>15,} | {r['clear_read_per_s']:>13,}")
    print(f"sealed/clear| {r['store_sealed_over_clear']:>15} | {r['read_sealed_over_clear']:>13}")
    if args.out:
        (args.out / "personal.json").write_text(json.dumps(r, indent=2) + "\n")


if __name__ == "__main__":
    main()
