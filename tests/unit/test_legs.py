"""Time per leg, from a timeline: who held the case and for how long, pauses set apart."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from services.ledger.legs import legs_of
from tests.support.events import sample

CASE = uuid4()


def at(day: int, hour: int) -> str:
    return datetime(2026, 11, day, hour, tzinfo=UTC).isoformat()


def test_each_leg_is_timed_and_the_pause_is_not_counted_against_the_reviewer() -> None:
    timeline = [
        sample("intake.case_opened.v1", CASE, occurred_at=at(26, 1)),
        sample("intake.case_accepted.v1", CASE, occurred_at=at(26, 2)),
        sample("approval.case_received.v1", CASE, occurred_at=at(26, 4)),
        sample("approval.clock_paused.v1", CASE, occurred_at=at(27, 4)),
        sample("approval.clock_resumed.v1", CASE, occurred_at=at(28, 4)),
        sample("approval.case_approved.v1", CASE, occurred_at=at(29, 4)),
        sample("intake.case_completed.v1", CASE, occurred_at=at(29, 6)),
    ]
    legs = {row["leg"]: row["hours"] for row in legs_of(timeline)}
    assert legs == {"receiving_check": 1.0, "transit": 2.0, "review": 48.0, "delivery": 2.0,
                    "dispatch": None, "carriage": None, "collection": None, "paused": 24.0}


def test_a_paper_result_is_timed_at_the_business_site_with_the_carrier_and_at_the_window() -> None:
    timeline = [
        sample("approval.case_approved.v1", CASE, occurred_at=at(27, 1)),
        sample("delivery.result_mailed.v1", CASE, occurred_at=at(27, 3)),
        sample("delivery.result_arrived_at_window.v1", CASE, occurred_at=at(28, 3)),
        sample("delivery.result_handed_to_applicant.v1", CASE, occurred_at=at(29, 3)),
        sample("intake.case_completed.v1", CASE, occurred_at=at(29, 4)),
    ]
    legs = {row["leg"]: row["hours"] for row in legs_of(timeline)}
    assert (legs["dispatch"], legs["carriage"], legs["collection"], legs["delivery"]) == (
        2.0, 24.0, 24.0, 51.0)


def test_a_leg_not_reached_yet_has_no_duration() -> None:
    legs = {r["leg"]: r["hours"] for r in legs_of([sample("intake.case_opened.v1", CASE)])}
    assert legs["receiving_check"] is None and legs["paused"] == 0.0
