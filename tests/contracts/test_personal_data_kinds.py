"""A record of shredding names the kinds of personal data a case held: every personal field of
every event has a kind the published event accepts, and a name staff can read."""

from __future__ import annotations

from typing import get_args

from contracts.base import all_event_classes
from contracts.personal import DATA_KINDS, DATA_KINDS_ZH
from contracts.routing import PersonalDataKind


def test_every_personal_field_of_every_event_has_a_kind_a_shredding_record_accepts() -> None:
    fields = {name for cls in all_event_classes() for name in cls.personal}
    assert fields <= set(DATA_KINDS)
    assert {DATA_KINDS[f] for f in fields} <= set(get_args(PersonalDataKind))


def test_every_kind_has_a_chinese_name() -> None:
    assert set(get_args(PersonalDataKind)) == set(DATA_KINDS_ZH)
