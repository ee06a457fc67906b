"""Applicants are checked by their national check digits: GB 11643 for resident ID numbers,
GB 32100 for unified social credit codes."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from contracts.identity import Applicant, Company, Person

WANG = {"name": "王强", "id_number": "370602198803141233", "phone": "13805351234"}
HAIAN = {"kind": "company", "name": "烟台海岸食品有限公司", "credit_code": "913706027654032157",
         "legal_representative": "赵海", "representative_id_number": "370602198803141233",
         "phone": "0535-6921234"}


def test_valid_id_numbers_are_accepted() -> None:
    assert Person(**{**WANG, "id_number": "370202199209093382"}).id_number == "370202199209093382"
    assert Person(**{**WANG, "id_number": "110108198501010011"}).id_number == "110108198501010011"


def test_a_lower_case_x_check_digit_is_accepted_and_written_upper_case() -> None:
    assert Person(**{**WANG, "id_number": "11010519491231002x"}).id_number == "11010519491231002X"


@pytest.mark.parametrize("bad", ["370602198803141234", "37060219880314123", "3706021988031412AB"])
def test_an_id_number_with_a_wrong_check_digit_or_shape_is_refused(bad: str) -> None:
    with pytest.raises(ValidationError, match="居民身份证号码"):
        Person(**{**WANG, "id_number": bad})


@pytest.mark.parametrize("code", ["913706027654032157", "91330100799655058B",
                                  "9144030071526726XG", "91350100M000100Y43"])
def test_valid_credit_codes_are_accepted(code: str) -> None:
    assert Company(**{**HAIAN, "credit_code": code}).credit_code == code


def test_a_lower_case_credit_code_is_accepted_and_written_upper_case() -> None:
    assert Company(**{**HAIAN, "credit_code": "91350100m000100y43"}).credit_code == (
        "91350100M000100Y43")


@pytest.mark.parametrize("letter", ["I", "O", "S", "V", "Z"])
def test_a_credit_code_with_a_letter_the_standard_excludes_is_refused(letter: str) -> None:
    with pytest.raises(ValidationError, match=f"不能含有字符 {letter}"):
        Company(**{**HAIAN, "credit_code": f"91370202589012345{letter}"})


def test_a_credit_code_with_a_wrong_check_character_is_refused() -> None:
    with pytest.raises(ValidationError, match="校验码不正确"):
        Company(**{**HAIAN, "credit_code": "913706027654032158"})


def test_a_phone_that_is_neither_mobile_nor_landline_is_refused() -> None:
    with pytest.raises(ValidationError, match="phone"):
        Person(**{**WANG, "phone": "12345"})


def test_an_applicant_is_a_person_or_a_company_by_its_kind() -> None:
    adapter = TypeAdapter(Applicant)
    assert isinstance(adapter.validate_python({"kind": "person", **WANG}), Person)
    assert isinstance(adapter.validate_python(HAIAN), Company)


def test_a_person_is_masked_to_the_surname_and_the_first_and_last_characters() -> None:
    """Not the area code and the last four: the birth date alone would then stay hidden."""
    assert Person(**WANG).masked() == "王* 3****************3"


def test_a_company_answers_to_its_credit_code_or_its_representatives_id_number() -> None:
    company = Company(**HAIAN)
    assert company.identifies("913706027654032157")
    assert company.identifies("370602198803141233")
    assert not company.identifies("370202199209093382")


def test_an_id_number_typed_in_full_width_digits_is_the_same_person() -> None:
    assert Person(**{**WANG, "id_number": "３７０６０２１９８８０３１４１２３３"}).id_number == (
        "370602198803141233")
    assert Person(**{**WANG, "id_number": "１１０１０５１９４９１２３１００２ｘ"}).id_number == (
        "11010519491231002X")


def test_an_id_number_in_digits_of_another_script_is_refused() -> None:
    arabic_indic = "٣٧٠٦٠٢١٩٨٨٠٣١٤١٢٣٣"  # isdigit() and int() accept these; NFKC keeps them
    with pytest.raises(ValidationError, match="前17位为数字"):
        Person(**{**WANG, "id_number": arabic_indic})


def test_a_credit_code_typed_in_full_width_is_the_same_company() -> None:
    assert Company(**{**HAIAN, "credit_code": "９１３５０１００ｍ０００１００ｙ４３"}).credit_code == (
        "91350100M000100Y43")


def test_a_person_answers_to_their_id_number_typed_in_full_width() -> None:
    assert Person(**WANG).identifies("３７０６０２１９８８０３１４１２３３")
    assert Company(**HAIAN).identifies("９１３７０６０２７６５４０３２１５７")
