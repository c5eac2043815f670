import pytest
from django.core.exceptions import ValidationError

from lanqing.org.credit_code import check_character, credit_code_problem, make_credit_code
from lanqing.org.models import Enterprise

# Codes as printed on business licences (public registration records).
REAL_CODES = ["91350100M000100Y43", "91440300708461136T"]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_credit_codes_are_accepted(code):
    assert credit_code_problem(code) is None


def test_a_changed_check_character_is_rejected():
    code = REAL_CODES[0]
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    assert credit_code_problem(wrong) == "the check character does not match"


@pytest.mark.parametrize(("code", "problem"), [
    ("91350100M000100Y4", "must be 18 characters long"),
    ("91350100M000100YI3", "contains characters not allowed in a credit code"),
    ("91ABCDEFM000100Y43", "characters 3 to 8 must be a division code of 6 digits"),
])
def test_malformed_credit_codes_say_why(code, problem):
    assert credit_code_problem(code) == problem


def test_check_character_zero_when_sum_is_a_multiple_of_31():
    # Exhaustively the mapping is (31 - sum mod 31) mod 31; a multiple of 31 must give "0", not index 31.
    assert check_character("00000000000000000") == "0"


def test_made_codes_are_valid():
    assert credit_code_problem(make_credit_code("91141025MA0XYW123")) is None


def test_enterprise_with_bad_credit_code_fails_validation(cast):
    enterprise = Enterprise(credit_code="91141025MA00000010", name="x", industry=cast.enterprise_a.industry,
                            township=cast.yueyang)
    with pytest.raises(ValidationError) as error:
        enterprise.full_clean()
    assert "credit_code" in error.value.message_dict


def test_duplicate_credit_code_is_refused_with_a_message(cast):
    enterprise = Enterprise(credit_code=cast.enterprise_a.credit_code, name="copy",
                            industry=cast.enterprise_a.industry, township=cast.yueyang)
    with pytest.raises(ValidationError) as error:
        enterprise.full_clean()
    assert "credit_code" in error.value.message_dict


def test_village_outside_the_chosen_township_is_refused(cast):
    from lanqing.org.models import Jurisdiction

    enterprise = cast.enterprise_b  # in 北平镇
    enterprise.village = Jurisdiction.objects.get(code="141025100005")  # a village of 岳阳镇
    with pytest.raises(ValidationError) as error:
        enterprise.full_clean()
    assert "village" in error.value.message_dict
