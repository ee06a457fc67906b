"""Delivery's read-table row and the watch's cut-off day agree with the domain's own rules, so
the watch reads exactly the cases that have something due."""

from __future__ import annotations

import json
from datetime import date, timedelta

from contracts.base import Actor
from services.delivery.read_side import arrived_by, delivery_case_row
from services.delivery.views import kept_record, rating_view
from services.runtime.aggregate import system_actor
from tests.unit.test_evaluation import CALENDAR, at, rate_badly, served_case

YANTAI = "370671"
SUPERVISOR = Actor(staff_id="370671-S01", role="supervisor")


def test_the_cut_off_day_counts_working_days_as_the_window_does_across_national_day() -> None:
    for today in (date(2026, 9, 20) + timedelta(days=n) for n in range(31)):
        for working_days in (1, 5, 10):
            last = arrived_by(today, working_days, CALENDAR)
            for arrived in (today - timedelta(days=n) for n in range(30)):
                waited = CALENDAR.between(arrived, today) >= working_days
                assert (arrived <= last) == waited, (today, working_days, arrived)


def test_a_bad_rating_is_due_until_its_late_call_back_is_flagged_and_leaves_when_voided() -> None:
    case = served_case()
    rating_id = rate_badly(case)  # rated Friday 27 Nov: call back by Monday 30 Nov
    row = delivery_case_row(case, YANTAI)
    assert (row["review_due"], row["level_4"], row["rated_since"]) == ("2026-11-30", 1,
                                                                       row["reviews_since"])
    case.flag_late_reviews(at(5, system_actor("delivery")))
    assert delivery_case_row(case, YANTAI)["review_due"] is None
    case.call_back(rating_id, True, False, "评价人承认误评", at(6))
    case.appeal(rating_id, "评价人误操作，经回访确认", CALENDAR, 5, at(6))
    assert delivery_case_row(case, YANTAI)["review_due"] == "2026-12-09"
    case.decide_appeal(rating_id, True, "回访录音证实为误评，撤销差评", at(7, SUPERVISOR))
    voided = delivery_case_row(case, YANTAI)
    assert (voided["review_due"], voided["reviews_since"], voided["level_4"]) == (None, None, 0)
    assert voided["rated_since"] is not None  # still among the site's ratings, not counted


def test_a_rating_of_the_yantai_window_is_not_among_qingdaos_ratings() -> None:
    case = served_case()
    rate_badly(case)
    elsewhere = delivery_case_row(case, "370202")  # as Qingdao would keep it
    assert (elsewhere["rated_since"], elsewhere["level_4"]) == (None, 0)


def test_the_row_shows_the_rating_and_its_follow_up_as_they_move_until_the_rating_is_voided(
) -> None:
    case = served_case()
    rating_id = rate_badly(case)
    rating = case.ratings[rating_id]
    opened = delivery_case_row(case, YANTAI)
    assert json.loads(str(opened["rating_views"])) == [rating_view(rating, case)]
    assert json.loads(str(opened["review_records"])) == [kept_record(case, rating_id)]
    assert json.loads(str(opened["review_records"]))[0]["evaluator"]["name"].endswith("*")
    case.call_back(rating_id, True, False, "评价人承认误评", at(6))
    called = json.loads(str(delivery_case_row(case, YANTAI)["review_records"]))
    assert [r["status"] for r in called] == ["awaiting_resolution"]
    case.appeal(rating_id, "评价人误操作，经回访确认", CALENDAR, 5, at(6))
    case.decide_appeal(rating_id, True, "回访录音证实为误评，撤销差评", at(7, SUPERVISOR))
    voided = delivery_case_row(case, YANTAI)
    assert [r["review_status"] for r in json.loads(str(voided["rating_views"]))] == ["voided"]
    assert voided["review_records"] is None  # no longer an open follow-up

