"""What loading one case costs as its history grows, on SQLite: a window case of ~15 events
(`store.get` as every command does), and a ledger case file of 50 and 500 observations both as
an auditor's query loads it (`store.get`, every entry) and as a message opens it (its rows).

    python -m bench.loading [--runs 200]
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from bench.history.measure import percentiles
from contracts.base import Actor, DomainEvent
from contracts.identity import Person
from contracts.subjects import own_stream, own_subject, parse_subject
from services.intake.domain.case import WindowCase
from services.intake.domain.inputs import HandedOver
from services.intake.main import build as build_window
from services.ledger.application import Ledger
from services.ledger.domain import CaseFile
from services.ledger.main import build as build_ledger
from services.runtime.aggregate import Context
from services.runtime.consumer import Delivery
from services.runtime.host import ServiceHost
from services.runtime.settings import for_service
from services.runtime.workdays import calendar_for
from tests.support.clock import FakeClock
from tests.support.events import sample

YANTAI, MATTER = "370671", "370202GT0001"
CLERK = Actor(staff_id="370671-W01", role="window")
WANG = Person(name="王强", id_number="370602198803141233", phone="13805351234")
CASE_OF_THE_LEDGER = ("intake.case_opened.v1", "intake.case_accepted.v1",
                      "routing.case_routed.v1", "approval.case_approved.v1",
                      "delivery.result_pushed_online.v1", "delivery.service_rated.v1")


def window_case(host: ServiceHost, clock: FakeClock) -> UUID:
    """王强's licence change: opened, each material handed over on its own, identity checked
    twice, fee guidance, accepted and completed; stored a command at a time."""
    matter = host.directory.matter(MATTER)
    case_id = uuid4()
    ctx = Context(YANTAI, CLERK, clock(), uuid4())
    steps: list[Callable[[WindowCase], None]] = [
        lambda c, code=m.code: c.submit([HandedOver(material_code=code)], matter, ctx)
        for m in matter.materials for _ in range(2)]
    steps += [lambda c: c.verify_identity("applicant", "id_card_reader", ctx),
              lambda c: c.verify_identity("applicant", "face_match", ctx),
              lambda c: c.give_fee_guidance(matter, ctx),
              lambda c: c.accept(matter, calendar_for(host.settings), "370671受〔2026〕00001号",
                                 ctx),
              lambda c: c.complete("370202", ctx)]
    host.store.record(WindowCase.open(case_id, f"{YANTAI}202611260000001", matter, WANG,
                                      "online", ctx))
    for step in steps:
        case = host.store.get(WindowCase, case_id)
        step(case)
        host.store.record(case)
    return case_id


def ledger_file(host: ServiceHost, observations: int, case_id: UUID | None = None,
                first: int = 1) -> UUID:
    """One case file observing `observations` events of 王强's case, message by message."""
    case_id = case_id or uuid4()
    handler, number = host.subscriptions[0].handler, "370671202611260000001"
    for seq in range(first, first + observations):
        event: DomainEvent = sample(CASE_OF_THE_LEDGER[(seq - 1) % len(CASE_OF_THE_LEDGER)],
                                    case_id, case_number=number)
        event = event.model_copy(update={"occurred_at": event.occurred_at
                                         + timedelta(minutes=seq)})
        subject = own_subject(event)
        effect = handler(Delivery(event=event, envelope=parse_subject(subject), subject=subject,
                                  stream=own_stream(YANTAI), seq=seq,
                                  data=event.model_dump_json().encode()))
        host.store.record(*effect.aggregates)
    return case_id


def guide_again(host: ServiceHost, case_id: UUID, clock: FakeClock) -> None:
    case = host.store.get(WindowCase, case_id)
    matter = host.directory.matter(MATTER)
    assert matter is not None
    case.give_fee_guidance(matter, Context(YANTAI, CLERK, clock(), uuid4()))
    host.store.record(case)


def timed(runs: int, call: Callable[[], Any], before: Callable[[], Any] = lambda: None
          ) -> dict[str, float]:
    call()  # warm: first-use costs are not the load's
    times = []
    for _ in range(runs):
        before()
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return percentiles(times)


def measure(data: Path, runs: int) -> list[tuple[str, int, dict[str, float]]]:
    clock = FakeClock()
    rows = []
    window = build_window(for_service("intake", site=YANTAI, data_dir=data), clock)
    try:
        case_id = window_case(window, clock)
        case = window.store.get(WindowCase, case_id)
        rows.append(("window case, store.get", case.version,
                     timed(runs, lambda: window.store.get(WindowCase, case_id))))
        rows.append(("  after a command stored one", case.version + runs, timed(
            runs, lambda: window.store.get(WindowCase, case_id),
            lambda: guide_again(window, case_id, clock))))
    finally:
        window.store.close()
    for observations in (50, 500):
        ledger = build_ledger(for_service("ledger", site=YANTAI, data_dir=data / str(observations)),
                              clock)
        try:
            file_id = ledger_file(ledger, observations)
            application = Ledger(ledger)
            version = ledger.store.get(CaseFile, file_id).version
            seqs = itertools.count(observations + 1)
            rows.append(("ledger file, store.get", version,
                         timed(runs, lambda: ledger.store.get(CaseFile, file_id))))  # noqa: B023
            rows.append(("  after a message observed", version + runs, timed(
                runs, lambda: ledger.store.get(CaseFile, file_id),  # noqa: B023
                lambda: ledger_file(ledger, 1, file_id, next(seqs)))))  # noqa: B023
            rows.append(("ledger file, a message opens it", version,
                         timed(runs, lambda: application._open(file_id))))  # noqa: B023
        finally:
            ledger.store.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data:
        rows = measure(Path(data), args.runs)
    print("load on SQLite                  | events | p50 ms | p99 ms")
    for name, events, times in rows:
        print(f"{name:<31} | {events:>6} | {times['p50']:>6} | {times['p99']:>6}")


if __name__ == "__main__":
    main()
