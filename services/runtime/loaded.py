"""Cases kept loaded in memory by (type, id, version), so that a command or a message loads its
case from the events stored since it was last loaded, not from its first event.

The store still decides: a load reads the events after the kept version (one indexed read), so
a case another process changed meanwhile is brought up to date, never served stale. Only
whole cases folded from their events are kept, never one handed out (a command may change it)
nor one built another way (the ledger's file resumed from its rows lacks its entries). Kept
ones are never changed: each load gets its own copy. Bounded by the events folded into the
cases kept, least recently loaded out first.

Why not snapshots in the store: measured (bench/loading.py), unpickling a snapshot of a case
costs about what folding its events does for a window case and a quarter of it for a ledger
file of 500 observations, while copying a kept case costs a few per cent.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from types import BuiltinFunctionType, FunctionType, MethodType
from typing import Any, TypeVar
from uuid import UUID

from pydantic import BaseModel

from services.runtime.aggregate import Aggregate

A = TypeVar("A", bound=Aggregate)
ATOMS = (str, int, float, bool, bytes, type(None), UUID, datetime, date, time, timedelta,
         Decimal, Enum, type, FunctionType, BuiltinFunctionType, MethodType)


class LoadedCases:
    def __init__(self, max_events: int) -> None:
        self.max_events = max_events
        self._kept: OrderedDict[tuple[type, UUID], Aggregate] = OrderedDict()
        self._events = 0
        self._lock = threading.Lock()

    def get(self, cls: type[A], case_id: UUID) -> A | None:
        """A copy of the case as last kept, or None."""
        with self._lock:
            kept = self._kept.get((cls, case_id))
            if kept is None:
                return None
            self._kept.move_to_end((cls, case_id))
        return copy_state(kept)  # outside the lock: a kept case is never changed

    def keep(self, aggregate: Aggregate) -> None:
        """Keep a copy of a case just folded from the log; the caller may change its own."""
        if self.max_events <= 0 or aggregate.has_pending:
            return
        kept, key = copy_state(aggregate), (type(aggregate), aggregate.id)
        with self._lock:
            old = self._kept.pop(key, None)
            if old is not None and old.version > kept.version:
                kept = old  # a later load already kept a newer one
            self._kept[key] = kept
            self._events += kept.version - (old.version if old is not None else 0)
            while self._events > self.max_events and self._kept:
                _, out = self._kept.popitem(last=False)
                self._events -= out.version

    def __len__(self) -> int:
        return len(self._kept)


def copy_state(value: Any, memo: dict[int, Any] | None = None) -> Any:
    """A copy that shares what cannot change (frozen pydantic models such as every contract
    event, and atoms) and copies every container and plain object, keeping shared references
    shared: `copy.deepcopy` copies the events too, which costs more than replaying them."""
    if isinstance(value, ATOMS):
        return value
    memo = {} if memo is None else memo
    if id(value) in memo:
        return memo[id(value)]
    if isinstance(value, BaseModel):
        copied: Any = value if value.model_config.get("frozen") else value.model_copy(deep=True)
    elif isinstance(value, dict):
        copied = memo[id(value)] = {} if type(value) is dict else copy.copy(value)
        copied.clear()  # a copy of a defaultdict keeps its factory
        copied.update((k, copy_state(v, memo)) for k, v in value.items())
    elif isinstance(value, list):
        copied = memo[id(value)] = [] if type(value) is list else copy.copy(value)
        copied.clear()
        copied.extend(copy_state(v, memo) for v in value)
    elif isinstance(value, set | frozenset | tuple):
        copied = type(value)(copy_state(v, memo) for v in value)
    elif hasattr(value, "__dict__") and not hasattr(value, "__slots__"):
        copied = memo[id(value)] = object.__new__(type(value))
        copied.__dict__.update(copy_state(value.__dict__, memo))
    else:  # anything else (slots, a frozen dataclass): the slow general way
        copied = copy.deepcopy(value, memo)
    memo[id(value)] = copied
    return copied
