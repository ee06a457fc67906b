"""Every published event has a stored sample that keeps validating, byte for byte."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import contracts
from contracts.base import all_event_classes, event_class
from contracts.subjects import BadSubject, inbox_subject, own_subject, parse_subject

SAMPLES = Path(contracts.__file__).parent / "samples"
PUBLISHED = sorted((c for c in all_event_classes() if c.published), key=lambda c: c.type_key())


@pytest.mark.parametrize("event_type", PUBLISHED, ids=lambda c: c.type_key())
def test_every_published_event_has_a_golden_sample_that_round_trips(event_type: type) -> None:
    path = SAMPLES / f"{event_type.type_key()}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    event = event_type.model_validate(data)
    assert event.model_dump(mode="json") == data
    assert event.schema_version == 1


def test_no_sample_is_left_without_its_event_type() -> None:
    for path in SAMPLES.glob("*.json"):
        assert event_class(path.stem).type_key() == path.stem


def test_events_carry_the_fields_every_consumer_relies_on() -> None:
    opened = json.loads((SAMPLES / "intake.case_opened.v1.json").read_text(encoding="utf-8"))
    for field in ("event_id", "case_id", "case_number", "version", "occurred_at", "acting_site",
                  "actor", "correlation_id", "schema_version"):
        assert field in opened


def test_a_naive_timestamp_is_refused() -> None:
    data = json.loads((SAMPLES / "intake.case_opened.v1.json").read_text(encoding="utf-8"))
    data["occurred_at"] = "2026-11-26T09:00:00"
    with pytest.raises(ValueError, match="timezone"):
        event_class("intake.case_opened.v1").model_validate(data)


def test_subjects_name_the_site_the_service_the_event_and_its_version() -> None:
    routed = event_class("routing.case_routed.v1").model_validate_json(
        (SAMPLES / "routing.case_routed.v1.json").read_bytes())
    assert own_subject(routed) == "tb.370671.routing.case_routed.v1"
    assert inbox_subject("370202", routed) == "tb.to.370202.370671.case_routed.v1"
    envelope = parse_subject("tb.to.370202.370671.case_routed.v1")
    assert (envelope.event_type, envelope.from_site, envelope.to_site) == (
        type(routed), "370671", "370202")


def test_a_subject_that_names_no_event_is_refused() -> None:
    with pytest.raises(BadSubject):
        parse_subject("tb.370671.intake")


def test_the_asyncapi_document_lists_every_published_event_with_its_subject() -> None:
    from tongban.asyncapi import asyncapi_document

    channels = asyncapi_document()["channels"]
    addresses = {c["address"] for c in channels.values() if c["address"].startswith("tb.{site}.")}
    assert addresses == {f"tb.{{site}}.{c.service}.{c.name}.v1" for c in PUBLISHED}
