"""A projection: rows keyed by a string, built by folding events one at a time, folded the same
whatever order the events come in."""

from __future__ import annotations

import json
from typing import Any

from contracts.base import DomainEvent

Row = dict[str, Any]


def canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      default=str)


class Projection:
    name: str

    def __init__(self) -> None:
        self.rows: dict[str, Row] = {}

    def apply(self, event: DomainEvent, position: int) -> set[str]:
        """Fold one event seen at `position` of the ledger; returns the keys it changed."""
        handler = getattr(self, f"on_{event.name}", None)
        if handler is None:
            return set()
        changed: str | set[str] | None = handler(event, position)
        if changed is None:
            return set()
        return {changed} if isinstance(changed, str) else changed

    def finish(self, keys: set[str]) -> None:
        """After a run of events: derive what is costly to derive per event (for these keys)."""
