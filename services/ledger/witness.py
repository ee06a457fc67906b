"""The streams as the ledger's witness. Verify proves that every event the ledger holds is
sealed and linked, but not that none is missing after the last one a later event links to (a
chain's end cut off) nor that an event sits at the stream position it was observed at. Both are
proven against the copy the senders published: every message of the ledger's streams up to the
position it has consumed must be in the ledger, at that stream and sequence — except those its
consumers dead-lettered and replays of an event already there (which it drops)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

Position = tuple[str, int]  # (stream, sequence)


@dataclass(frozen=True)
class StreamMessage:
    stream: str
    seq: int
    subject: str
    data: bytes


@dataclass(frozen=True)
class Missing:
    event_id: str
    case_number: str
    subject: str
    position: Position
    held_at: Position | None  # where the ledger says it observed it; None: not at all

    @property
    def reason(self) -> str:
        stream, seq = self.position
        if self.held_at is None:
            return f"{stream} #{seq} holds it, the ledger does not"
        return (f"{stream} #{seq} holds it, the ledger records it at "
                f"{self.held_at[0]} #{self.held_at[1]}")


def missing_from_ledger(held: dict[str, Position], messages: Iterable[StreamMessage],
                        dead_lettered: set[Position]) -> Iterator[Missing]:
    """Each message the ledger should hold and does not, or holds at another position.
    `held`: event id → where the ledger observed it first."""
    expected: set[str] = set()
    for message in messages:
        if (message.stream, message.seq) in dead_lettered:
            continue
        event = json.loads(message.data)  # not dead-lettered: its consumer could read it
        event_id = str(event["event_id"])
        if event_id in expected:
            continue  # a replay: dropped by the consumer, as it should be
        expected.add(event_id)
        at = held.get(event_id)
        if at != (message.stream, message.seq):
            yield Missing(event_id, str(event.get("case_number", "?")), message.subject,
                          (message.stream, message.seq), at)
