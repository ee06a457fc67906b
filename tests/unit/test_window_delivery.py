"""The receiving window's delivery rules: which changes of mind it takes, and when."""

from __future__ import annotations

from uuid import uuid4

import pytest

from services.delivery.domain import errors
from services.delivery.domain.case import DeliveryCase
from services.intake.domain.case import WindowCase
from tests.unit.test_evaluation import GT, WANG, at, served_case

EVERY_WAY = ["online", "mail_to_applicant", "pickup_at_window"]
HOME = "山东省烟台市芝罘区南大街88号3单元502室"


def test_an_accepted_case_changes_to_mail_home_with_an_address() -> None:
    case = served_case(None)
    case.change_choice("mail_to_applicant", HOME, EVERY_WAY, "370202", at(1))
    assert (case.choice, case.address) == ("mail_to_applicant", HOME)
    with pytest.raises(errors.SameChoice):
        case.change_choice("mail_to_applicant", HOME, EVERY_WAY, "370202", at(1))


def test_a_way_the_matter_does_not_offer_is_refused() -> None:
    with pytest.raises(errors.ChannelNotOffered):
        served_case(None).change_choice("pickup_at_window", None, ["online"], "370602", at(1))


def test_before_acceptance_the_choice_made_at_opening_stands() -> None:
    window = WindowCase.open(uuid4(), "37067120261126A1B2C3", GT, WANG, "online", at(0))
    case = DeliveryCase(window.id)
    for event in window.collect_events():
        case.note(event, event.model_dump_json().encode(), at(0))
    with pytest.raises(errors.NotYetAccepted):
        case.change_choice("pickup_at_window", None, EVERY_WAY, "370202", at(0))
