"""Seals: one signature per batch, each event provable by its Merkle path; what a receiver
refuses — a changed byte, a forged signature, an unknown key, a retired key after its end."""

from __future__ import annotations

import base64
from dataclasses import replace
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from contracts.seal import GENESIS, Seal, digest
from services.runtime.keys import Sealable, SealBroken, Sealer, sealer_for
from tests.support.events import sample
from tests.support.sealing import RING, verifier

AT = datetime(2026, 11, 26, 1, 30, tzinfo=UTC)


def sealed_batch(size: int, sealer: Sealer | None = None, at: datetime = AT):  # type: ignore[no-untyped-def]
    sealer = sealer or sealer_for("370671", RING, at)
    events = [sample("intake.case_opened.v1", uuid4()) for _ in range(size)]
    data = [e.model_dump_json().encode() for e in events]
    seals = sealer.seal([Sealable("370671.intake", e.case_id, GENESIS, d)
                         for e, d in zip(events, data, strict=True)], at)
    return events, data, seals


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8, 13])
def test_every_event_of_a_batch_verifies_under_one_signature(size: int) -> None:
    events, data, seals = sealed_batch(size)
    check = verifier()
    for event, body, seal in zip(events, data, seals, strict=True):
        check.check(Seal.from_headers(seal.headers()), body, event)
    assert len({s.signature for s in seals}) == 1
    assert check.signatures_checked == 1  # the batch's signature, checked once


def test_one_changed_byte_breaks_the_seal() -> None:
    [event], [body], [seal] = sealed_batch(1)
    tampered = body.replace(b'"version":1', b'"version":2')
    assert tampered != body
    with pytest.raises(SealBroken, match="hash mismatch"):
        verifier().check(seal, tampered, event)


def test_a_signature_by_another_key_is_refused() -> None:
    forger = Sealer("370671-2026", Ed25519PrivateKey.generate())
    [event], [body], [seal] = sealed_batch(1, forger)
    with pytest.raises(SealBroken, match="bad signature"):
        verifier().check(seal, body, event)
    with pytest.raises(SealBroken, match="unknown key"):
        verifier().check(replace(seal, key_id="370671-2099"), body, event)
    with pytest.raises(SealBroken, match="not the acting site"):
        verifier().check(replace(seal, chain="370202.intake"), body, event)


def test_a_retired_key_is_accepted_inside_its_validity_and_refused_after_it() -> None:
    retired = sealer_for("370671", RING, AT, key_id="370671-2025")
    inside = datetime(2025, 6, 30, 2, 0, tzinfo=UTC)
    [event], [body], [seal] = sealed_batch(1, retired, inside)
    verifier().check(seal, body, event)
    [event], [body], [seal] = sealed_batch(1, retired, AT)
    with pytest.raises(SealBroken, match="not valid at"):
        verifier().check(seal, body, event)


def test_the_leaf_covers_the_link_so_a_changed_prev_breaks_the_signature() -> None:
    [event], [body], [seal] = sealed_batch(1)
    relinked = replace(seal, prev=digest(b"another event"))
    with pytest.raises(SealBroken, match="bad signature"):
        verifier().check(relinked, body, event)
    assert base64.b64decode(seal.signature)
