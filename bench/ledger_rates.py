"""Ledger verify and rebuild rates, in events per second, beside raw baselines measured in the
same run on the same machine.

The events are made by the domain's own golden samples with fresh ids, sealed by the real
Sealer in relay-sized batches, and stored by the real ledger aggregate in a real SQLite event
store; then `verify_ledger` and a projection rebuild read them back, exactly as
`tongban ledger verify` and `tongban ledger rebuild` do.

    python -m bench.ledger_rates --events 200000
"""

from __future__ import annotations

import argparse
import hashlib
import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

from contracts.base import DomainEvent
from contracts.seal import GENESIS, digest
from services.directory import load_directory
from services.ledger.domain import CaseFile
from services.ledger.projections import Projector
from services.ledger.verify import verify_ledger
from services.runtime.aggregate import Context, system_actor
from services.runtime.keys import KeyRing, Sealable, Verifier, dev_seed, sealer_for
from services.runtime.settings import for_service
from services.runtime.store import CaseStore
from tests.support.events import sample

SITE = "370671"
AT = datetime(2026, 11, 26, 1, 30, tzinfo=UTC)
STORY = ["intake.case_opened.v1", "intake.materials_submitted.v1", "intake.identity_verified.v1",
         "intake.case_accepted.v1", "routing.case_routed.v1", "approval.case_approved.v1",
         "delivery.result_issued.v1", "delivery.result_pushed_online.v1",
         "intake.case_completed.v1", "delivery.service_rated.v1"]
RELAY_BATCH = 200


def case_events() -> list[DomainEvent]:
    case_id = uuid4()
    return [sample(key, case_id, acting_site=SITE, version=n)
            for n, key in enumerate(STORY, 1)]


def fill(store: CaseStore, total: int) -> tuple[float, float]:
    """Seal and store `total` observed events; returns seconds spent sealing and storing."""
    ring = KeyRing.of(load_directory())
    sealer = sealer_for(SITE, ring, AT)
    ctx = Context(SITE, system_actor("ledger"), AT)
    stored, seconds, sealing = 0, 0.0, 0.0
    while stored < total:
        files, pending = [], []
        for _ in range(RELAY_BATCH // len(STORY)):
            events = case_events()
            files.append((CaseFile(events[0].case_id), events))
            pending += events
        data = [e.model_dump_json().encode() for e in pending]
        prevs, heads = [], {}
        for event, body in zip(pending, data, strict=True):
            chain = f"{SITE}.{event.service}"
            prevs.append(heads.get((chain, event.case_id), GENESIS))
            heads[(chain, event.case_id)] = digest(body)
        started = time.perf_counter()
        seals = iter(sealer.seal([Sealable(f"{SITE}.{e.service}", e.case_id, p, d)
                                  for e, p, d in zip(pending, prevs, data, strict=True)], AT))
        sealing += time.perf_counter() - started
        bodies = iter(data)
        for file, events in files:
            for n, event in enumerate(events):
                file.observe(event, f"TB_{SITE}", stored + n + 1, "bench", next(bodies),
                             next(seals).headers(), ctx, archiving=False)
        started = time.perf_counter()
        store.record(*(f for f, _ in files))
        seconds += time.perf_counter() - started
        stored += len(pending)
    return sealing, seconds


def rate(events: int, seconds: float) -> float:
    return round(events / seconds) if seconds else 0.0


def raw_read(store: CaseStore) -> tuple[int, float]:
    """Baseline: read every stored record back, nothing else."""
    started, count, position = time.perf_counter(), 0, 0
    while batch := store.recorder.select_notifications(position + 1, 2000):
        count += len(batch)
        position = batch[-1].id
    return count, time.perf_counter() - started


def naive_verify(samples: int) -> float:
    """Baseline: one Ed25519 signature check per event (no batching), per second."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.from_private_bytes(dev_seed("bench"))
    message = hashlib.sha256(b"event").digest()
    signature, public = key.sign(message), key.public_key()
    started = time.perf_counter()
    for _ in range(samples):
        public.verify(signature, message)
    return rate(samples, time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = CaseStore("ledger", for_service("ledger", site=SITE, data_dir=Path(tmp)))
        seal_seconds, store_seconds = fill(store, args.events)
        observed, read_seconds = raw_read(store)
        started = time.perf_counter()
        report = verify_ledger(store, Verifier(KeyRing.of(load_directory())))
        verify_seconds = time.perf_counter() - started
        assert report.intact, report.broken
        started = time.perf_counter()
        projector = Projector()
        projector.catch_up(store)
        rebuild_seconds = time.perf_counter() - started
        store.close()
    figures = {
        "events": report.events,
        "seal_events_per_s": rate(report.events, seal_seconds),
        "store_events_per_s": rate(report.events, store_seconds),
        "raw_read_events_per_s": rate(observed, read_seconds),
        "verify_events_per_s": rate(report.events, verify_seconds),
        "verify_signatures_checked": report.signatures,
        "naive_signature_checks_per_s": naive_verify(20_000),
        "rebuild_events_per_s": rate(report.events, rebuild_seconds),
    }
    figures["verify_vs_raw_read"] = round(figures["verify_events_per_s"]
                                          / figures["raw_read_events_per_s"], 3)
    figures["rebuild_vs_raw_read"] = round(figures["rebuild_events_per_s"]
                                           / figures["raw_read_events_per_s"], 3)
    figures["verify_vs_naive_signatures"] = round(figures["verify_events_per_s"]
                                                  / figures["naive_signature_checks_per_s"], 3)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"ledger-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(figures, indent=2) + "\n")
    width = max(map(len, figures))
    for name, value in figures.items():
        print(f"{name:<{width}}  {value:>12,}")
    print(f"report: {path}")


if __name__ == "__main__":
    main()
