"""A site's sealer picks, at each sealing, the newest key it holds that is valid then."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from contracts.seal import GENESIS, Seal
from services.runtime.keys import NoSigningKey, Sealable, dev_seed, site_sealer
from tests.support.events import sample
from tests.support.sealing import RING, verifier

MIDSUMMER_2025 = datetime(2025, 6, 30, 2, 0, tzinfo=UTC)
THURSDAY_2026 = datetime(2026, 11, 26, 1, 30, tzinfo=UTC)


def seal_one(sealer, at: datetime):  # type: ignore[no-untyped-def]
    event = sample("intake.case_opened.v1", uuid4())
    data = event.model_dump_json().encode()
    [seal] = sealer.seal([Sealable("370671.intake", event.case_id, GENESIS, data)], at)
    verifier().check(Seal.from_headers(seal.headers()), data, event)
    return seal


def test_the_development_sealer_rolls_over_to_the_new_key_by_the_clock() -> None:
    sealer = site_sealer("370671", RING)
    assert seal_one(sealer, MIDSUMMER_2025).key_id == "370671-2025"
    assert seal_one(sealer, THURSDAY_2026).key_id == "370671-2026"


def test_a_configured_seed_is_known_by_its_public_key_and_seals_only_in_its_period() -> None:
    sealer = site_sealer("370671", RING, seed=dev_seed("370671-2026"))
    assert seal_one(sealer, THURSDAY_2026).key_id == "370671-2026"
    with pytest.raises(NoSigningKey, match="370671-2026"):
        seal_one(sealer, MIDSUMMER_2025)


def test_a_seed_that_is_none_of_the_sites_keys_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="none of site 370671's keys"):
        site_sealer("370671", RING, seed=dev_seed("370202-2026"))
