"""Resident ID numbers are checked by their GB 11643 check digit."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from contracts.identity import Applicant


def test_valid_id_numbers_are_accepted_and_a_lower_case_x_is_normalised() -> None:
    assert Applicant(name="陈静", id_number="370202199209093382").id_number == "370202199209093382"
    assert Applicant(name="张三", id_number="11010519491231002x").id_number == "11010519491231002X"


@pytest.mark.parametrize("bad", ["370602198803141234", "37060219880314123", "3706021988031412AB"])
def test_an_id_number_with_a_wrong_check_digit_or_shape_is_refused(bad: str) -> None:
    with pytest.raises(ValidationError, match="居民身份证号码"):
        Applicant(name="王强", id_number=bad)


def test_masking_keeps_only_the_area_code_and_the_last_four_characters() -> None:
    assert Applicant(name="王强", id_number="370602198803141233").masked() == (
        "王* 370602********1233")
