"""What an operator did with a dead letter (`tongban dlq replay|drop`), kept as events in the
store of the service whose consumer refused it: a replay's record commits in the same
transaction as the effect it had, so the store never holds one without the other.

One aggregate per letter, keyed by the message it refused (consumer, stream, sequence): a letter
replayed, refused again and replayed once more after a fix keeps all three in one history.
Private bookkeeping, never published."""

from __future__ import annotations

from uuid import UUID, uuid5

from contracts.base import Actor, DomainEvent
from services.runtime.aggregate import Aggregate, Context

LETTERS = UUID("8c0f5e0e-5b7a-4c57-9a43-1d2f3b6e7a10")  # the namespace of letters' ids
OPERATOR_ROLE = "operator"  # 运维: a person at the node, not a staff role of the halls


class DeadLetterReplayed(DomainEvent):
    """Private bookkeeping, never published: a dead letter sent again through the checks."""

    service = "runtime"
    published = False
    letter: str  # consumer:stream:seq
    dead_letter_seq: int  # where it was in the site's dead-letter stream
    rule: str  # the rule it was refused under
    outcome: str  # processed | duplicate | refused | failed
    detail: str  # why it was refused or failed again
    note: str  # the operator's why


class DeadLetterDropped(DomainEvent):
    """Private bookkeeping, never published: a dead letter removed without being processed."""

    service = "runtime"
    published = False
    letter: str
    dead_letter_seq: int
    rule: str
    note: str


def letter_id(key: str) -> UUID:
    return uuid5(LETTERS, key)


def operator(name: str) -> Actor:
    return Actor(staff_id=name[:64], role=OPERATOR_ROLE)


class DeadLetterHandling(Aggregate):
    def __init__(self, case_id: UUID) -> None:
        super().__init__(case_id)
        self.history: list[DeadLetterReplayed | DeadLetterDropped] = []

    @classmethod
    def of(cls, key: str) -> DeadLetterHandling:
        handling = cls(letter_id(key))
        handling.case_number = key[:50]
        return handling

    def replayed(self, key: str, dlq_seq: int, rule: str, outcome: str, detail: str, note: str,
                 ctx: Context) -> None:
        self._trigger(DeadLetterReplayed, ctx, letter=key, dead_letter_seq=dlq_seq, rule=rule,
                      outcome=outcome, detail=detail[:2000], note=note[:500])

    def dropped(self, key: str, dlq_seq: int, rule: str, note: str, ctx: Context) -> None:
        self._trigger(DeadLetterDropped, ctx, letter=key, dead_letter_seq=dlq_seq, rule=rule,
                      note=note[:500])

    def apply_dead_letter_replayed(self, event: DeadLetterReplayed) -> None:
        self.history.append(event)

    def apply_dead_letter_dropped(self, event: DeadLetterDropped) -> None:
        self.history.append(event)
