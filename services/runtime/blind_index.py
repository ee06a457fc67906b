"""Finding a case by an ID number or credit code without keeping the number: a read table keeps
the number's blind index (`Vault.blind`, a keyed HMAC of the site's), and a lookup compares the
blind index of the number it was given. Nobody who reads the table learns a number from it, nor
can test a guess without the site's key.

A projection whose rows hold blind indexes is made with the site's `Blind` (`blinded_by`); its
table's fingerprint names the key (`depends_on`), so a new master key makes the table again.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterable, Sequence

from services.runtime.projections import Projection, Value

Blind = Callable[[str], str]
Projections = Sequence[Projection] | Callable[[Blind], Sequence[Projection]]
"""What a service keeps: its projections, or how to make them with its site's blind index."""

PROBE = "tongban blind-index key"


def made_with(projections: Projections, blind: Blind) -> tuple[Projection, ...]:
    return tuple(projections(blind) if callable(projections) else projections)


def key_of(blind: Blind) -> str:
    """What a table of blind indexes depends on: which key made them (never the key)."""
    return f"blind:{blind(PROBE)[:12]}"


def blinds(numbers: Iterable[str], blind: Blind) -> Value:
    """A case's numbers as a read table keeps them: their blind indexes, space-separated."""
    kept = sorted({blind(n) for n in numbers})
    return " ".join(kept) if kept else None


def holds(kept: object, given: str) -> bool:
    """Whether a row's blind indexes (`blinds`) include `given`, a number's blind index."""
    found = False
    for index in str(kept or "").split():
        found |= hmac.compare_digest(index, given)
    return found
