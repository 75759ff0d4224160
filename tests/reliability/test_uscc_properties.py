"""Properties of the unified social credit code (GB 32100-2015) as common.validators checks it.

A code built with the check character is accepted, however it is typed (lower case, spaces); any
one character changed, or two adjacent different characters swapped, is refused with a
ValidationError (a message for the person), never another exception.
"""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import assume, given
from hypothesis import strategies as st

from common.validators import USCC_ALPHABET, normalize_uscc, uscc_check_character, validate_uscc
from tests.api.conftest import client_for

from . import examples

alphabet_char = st.sampled_from(USCC_ALPHABET)
digit = st.sampled_from("0123456789")


@st.composite
def valid_codes(draw) -> str:
    """Registration authority and kind, a six-digit division code, a nine-character body, the check."""
    body = "".join(draw(st.lists(alphabet_char, min_size=2, max_size=2)))
    body += "".join(draw(st.lists(digit, min_size=6, max_size=6)))
    body += "".join(draw(st.lists(alphabet_char, min_size=9, max_size=9)))
    return body + uscc_check_character(body)


def refused(code: str) -> bool:
    """True when validate_uscc refuses `code` with a message; any other exception fails the test."""
    try:
        validate_uscc(code)
    except ValidationError as error:
        assert error.messages and all(message.strip() for message in error.messages)
        return True
    return False


@examples(quick=300, full=20000)
@given(valid_codes())
def test_a_code_with_its_check_character_is_accepted(code):
    assert not refused(code)
    assert uscc_check_character(code[:17]) == code[17]


@examples(quick=200, full=10000)
@given(valid_codes(), st.data())
def test_typed_in_lower_case_or_with_spaces_it_is_the_same_code(code, data):
    cuts = sorted(data.draw(st.lists(st.integers(0, 18), max_size=4)))
    spaces = data.draw(st.lists(st.sampled_from([" ", "\t", "\u3000", "\n"]), min_size=len(cuts), max_size=len(cuts)))
    typed = code.lower()
    for cut, space in reversed(list(zip(cuts, spaces, strict=True))):
        typed = typed[:cut] + space + typed[cut:]
    assert normalize_uscc(typed) == code
    assert not refused(typed)


@examples(quick=500, full=20000)
@given(valid_codes(), st.integers(0, 17), st.one_of(alphabet_char, st.characters(categories=["Nd"]), st.characters()))
def test_any_single_character_changed_is_refused(code, position, replacement):
    assume(replacement.upper() != code[position])
    assert refused(code[:position] + replacement + code[position + 1 :])


@examples(quick=500, full=20000)
@given(valid_codes(), st.integers(0, 16))
def test_two_adjacent_different_characters_swapped_are_refused(code, position):
    assume(code[position] != code[position + 1])
    swapped = code[:position] + code[position + 1] + code[position] + code[position + 2 :]
    assert refused(swapped)


@examples(quick=500, full=20000)
@given(st.text())
def test_normalizing_twice_changes_nothing(text):
    once = normalize_uscc(text)
    assert normalize_uscc(once) == once
    assert not any(ch.isspace() for ch in once)


@examples(quick=500, full=20000)
@given(st.text(max_size=30))
def test_any_text_is_accepted_or_refused_with_a_message(text):
    refused(text)


# Digits of other scripts match a regular expression's \d: before the fix they passed the format
# check and then crashed the check-character computation (a 500 on the enterprise form and API).
OTHER_SCRIPT_DIGITS = ["３", "٣", "३", "𝟑"]


@pytest.mark.parametrize("foreign_digit", OTHER_SCRIPT_DIGITS)
def test_digits_of_other_scripts_are_refused_not_a_crash(foreign_digit):
    code = "91310114570796872F"
    assert refused(code[:2] + foreign_digit + code[3:])


@pytest.mark.django_db
def test_the_api_answers_400_for_a_code_with_a_full_width_digit(settings):
    from accounts.models import Role
    from tests import factories as f

    manager = f.user("uscc_manager", role=Role.MANAGER, org_unit=f.district())
    response = client_for(manager).post(
        "/api/v1/enterprises/",
        {"name": "上海全角代码测试有限公司", "uscc": "91３10114570796872F", "registration_type": "private"},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "统一社会信用代码" in response.json()["uscc"][0]
