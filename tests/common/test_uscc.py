import pytest
from django.core.exceptions import ValidationError

from common.validators import validate_uscc


@pytest.mark.parametrize("code", ["91310114570796872F", "914403001922038216", "91350100M000100Y43", "91310114570796872f"])
def test_valid_codes_are_accepted(code):
    validate_uscc(code)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91310114570796872E", "校验位错误：最后一位应为 F"),
        ("9131011457079687", "应为18位，当前为16位"),
        ("91310114570796872FF", "应为18位，当前为19位"),
        ("91310114570796872I", "不能包含字母 I"),
        ("9131011457079687O2", "不能包含字母 O"),
        ("913101145707968S2F", "不能包含字母 S"),
        ("91310114570796V72F", "不能包含字母 V"),
        ("9131011457079Z872F", "不能包含字母 Z"),
        ("91A10114570796872F", "第3至8位应为行政区划数字代码"),
    ],
)
def test_invalid_codes_are_refused_with_a_chinese_message(code, message):
    with pytest.raises(ValidationError) as raised:
        validate_uscc(code)
    assert message in raised.value.messages[0]
