"""Verify a ledger without trusting it: every stored event against its seal (hash, key and its
validity, the batch signature) and every chain link, in the order the ledger recorded them.
The first thing that does not hold is reported by event, case and what is wrong."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from uuid import UUID

from contracts.seal import GENESIS, Seal
from services.ledger.domain import EventObserved
from services.runtime.dead_letter_record import DeadLetterDropped
from services.runtime.keys import SealBroken, Verifier
from services.runtime.store import CaseStore


@dataclass
class Broken:
    event_id: str
    case_number: str
    event_type: str
    position: int
    reason: str


@dataclass
class Report:
    events: int = 0
    signatures: int = 0
    repeats: int = 0  # the same event observed twice (stored before replays were dropped)
    broken: Broken | None = None
    heads: dict[tuple[str, str], str] = field(default_factory=dict, repr=False)
    held: dict[str, tuple[str, int]] | None = field(default=None, repr=False)  # id → where
    dropped: set[tuple[str, int]] = field(default_factory=set, repr=False)  # (stream, seq)

    @property
    def intact(self) -> bool:
        return self.broken is None


def verify_ledger(store: CaseStore, verifier: Verifier, batch: int = 2000,
                  keep_held: bool = False, progress: Callable[[int], None] | None = None
                  ) -> Report:
    """`keep_held`: also note where each event was observed (some 200 bytes an event);
    `progress`: told the log position reached after each batch."""
    report = Report(held={} if keep_held else None)
    position = 0
    while notifications := store.recorder.select_notifications(position + 1, batch):
        for n in notifications:
            position = n.id
            if n.topic == DeadLetterDropped.type_key():  # not observed, on an operator's word
                letter = store.mapper.to_domain_event(n).letter
                _, stream, seq = letter.rsplit(":", 2)
                report.dropped.add((stream, int(seq)))
            if n.topic != EventObserved.type_key():
                continue
            broken = _check(n.id, n.state, verifier, report, n.originator_id)
            if broken is not None:
                report.broken = broken
                report.signatures = verifier.signatures_checked
                return report
            report.events += 1
        if progress is not None:
            progress(position)
    report.signatures = verifier.signatures_checked
    return report


def _check(position: int, state: bytes, verifier: Verifier, report: Report,
           case_file: UUID) -> Broken | None:
    """Plain JSON, not the event models: verifying needs the bytes and four fields, and
    skipping validation makes it several times faster."""
    try:
        entry = json.loads(state)
        raw: str = entry["observed_json"]
        event = json.loads(raw)
        case_id, site = UUID(event["case_id"]), event["acting_site"]
    except Exception as error:  # noqa: BLE001 - a stored record we cannot even read
        return Broken(_event_id_in(state), f"? (case file {case_file})", "?", position,
                      f"unreadable stored record: {error}")
    seal = Seal.from_headers(entry.get("seal"))
    try:
        verifier.check_raw(seal, raw.encode(), site, case_id)
        assert seal is not None
        key = (seal.chain, str(case_id))
        head = report.heads.get(key, GENESIS)
        if seal.event_hash == head:  # the event just verified, observed again: no new link
            report.repeats += 1
            return None
        if seal.prev != head:
            raise SealBroken(f"broken link in chain {seal.chain}: follows {seal.prev[:16]}…, "
                             f"the ledger's previous is {head[:16]}…")
        report.heads[key] = seal.event_hash
        if report.held is not None:  # for the streams to witness (`witness`)
            report.held.setdefault(str(event["event_id"]), (entry["stream"], entry["stream_seq"]))
    except SealBroken as error:
        return Broken(str(event.get("event_id")), str(event.get("case_number")),
                      entry.get("observed_type", "?"), position, str(error))
    return None


def _event_id_in(state: bytes) -> str:
    """The observed event's id in a record too damaged to parse, if it can still be read
    there (inside `observed_json`, its quotes escaped; not the ledger's own event id)."""
    found = re.search(rb'\\"event_id\\":\\"([0-9a-f-]{36})', state)
    return found.group(1).decode() if found else "?"
