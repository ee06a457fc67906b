"""Cases kept loaded in memory: each load a copy of its own, the kept ones bounded by events."""

from __future__ import annotations

from collections import defaultdict
from uuid import UUID, uuid4

from contracts.base import DomainEvent
from services.runtime.aggregate import Aggregate
from services.runtime.loaded import LoadedCases, copy_state
from tests.support.events import sample


class Ledgerish(Aggregate):
    """A case holding events, a shared list, a defaultdict and a plain object."""

    def __init__(self, case_id: UUID) -> None:
        super().__init__(case_id)
        self.seen: list[DomainEvent] = []
        self.latest = self.seen  # the same list under two names
        self.by_type: defaultdict[str, list[str]] = defaultdict(list)

    def apply_case_opened(self, event: DomainEvent) -> None:
        self.seen.append(event)
        self.by_type[event.name].append(str(event.event_id))


def opened(case_id: UUID, times: int) -> Ledgerish:
    return Ledgerish.replay(case_id, [sample("intake.case_opened.v1", case_id,
                                             version=n) for n in range(1, times + 1)])


def test_a_copy_shares_the_events_and_nothing_a_command_could_change() -> None:
    case = opened(uuid4(), 2)
    copy = copy_state(case)
    copy.seen.append(case.seen[0])
    copy.by_type["case_rejected"].append("x")  # the factory came along
    assert copy.seen[0] is case.seen[0]  # a frozen event is never copied
    assert copy.latest is copy.seen and len(case.seen) == 2
    assert list(case.by_type) == ["case_opened"]


def test_cases_kept_beyond_their_events_budget_go_least_recently_loaded_first() -> None:
    kept = LoadedCases(max_events=5)
    first, second, third = (opened(uuid4(), 2) for _ in range(3))
    kept.keep(first)
    kept.keep(second)
    assert kept.get(Ledgerish, first.id) is not None  # loaded again: now the most recent
    kept.keep(third)
    assert kept.get(Ledgerish, second.id) is None
    assert kept.get(Ledgerish, first.id).version == 2  # type: ignore[union-attr]
    assert kept.get(Ledgerish, third.id) is not None and len(kept) == 2
    assert kept.get(Ledgerish, first.id) is not kept.get(Ledgerish, first.id)
