"""Seals for events a test publishes by hand, made with the sites' development keys the
directory ships, linked per chain and case like a relay links them."""

from __future__ import annotations

from datetime import UTC, datetime

from contracts.base import DomainEvent
from contracts.seal import GENESIS, digest
from services.directory import load_directory
from services.runtime.keys import KeyRing, Sealable, Verifier, sealer_for

SIGNED_AT = datetime(2026, 11, 26, 1, 30, tzinfo=UTC)
RING = KeyRing.of(load_directory())


def verifier() -> Verifier:
    return Verifier(RING)


class HandSealer:
    def __init__(self) -> None:
        self.heads: dict[tuple[str, object], str] = {}

    def headers(self, event: DomainEvent, data: bytes | None = None, chain: str | None = None,
                key_id: str | None = None, at: str | None = None) -> dict[str, str]:
        """The seal of `event` as the acting site's own service would publish it."""
        data = data if data is not None else event.model_dump_json().encode()
        chain = chain or f"{event.acting_site}.{event.service}"
        sealer = sealer_for(event.acting_site, RING, SIGNED_AT, key_id)
        prev = self.heads.get((chain, event.case_id), GENESIS)
        self.heads[(chain, event.case_id)] = digest(data)
        signed_at = datetime.fromisoformat(at) if at else SIGNED_AT
        [seal] = sealer.seal([Sealable(chain, event.case_id, prev, data)], signed_at)
        return seal.headers()
