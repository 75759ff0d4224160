"""Validators for the identifiers and quantities of Chinese investment statistics."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# GB 32100-2015: the code's alphabet leaves out I, O, S, V and Z.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# re.ASCII: \d is 0-9 only; a full-width or other script's digit would pass the pattern and then
# have no place in USCC_ALPHABET.
USCC_PATTERN = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$", re.ASCII)


def uscc_check_character(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(ch) * w for ch, w in zip(first17, USCC_WEIGHTS, strict=False))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def normalize_uscc(value: str) -> str:
    """Upper-case and strip spaces, so that a code typed in lower case still matches."""
    return "".join((value or "").split()).upper()


def validate_uscc(value: str) -> None:
    code = normalize_uscc(value)
    if len(code) != 18:
        raise ValidationError(
            _("统一社会信用代码应为18位，当前为%(length)d位。"), code="uscc_length", params={"length": len(code)}
        )
    forbidden = sorted(set(code) & set("IOSVZ"))
    if forbidden:
        raise ValidationError(
            _("统一社会信用代码不能包含字母 %(letters)s（GB 32100-2015 不使用 I、O、S、V、Z）。"),
            code="uscc_letters",
            params={"letters": "、".join(forbidden)},
        )
    if not USCC_PATTERN.match(code):
        raise ValidationError(
            _("统一社会信用代码格式不正确：第3至8位应为行政区划数字代码，其余为数字或大写字母。"),
            code="uscc_format",
        )
    expected = uscc_check_character(code[:17])
    if code[17] != expected:
        raise ValidationError(
            _("统一社会信用代码校验位错误：最后一位应为 %(expected)s，而不是 %(actual)s。"),
            code="uscc_check",
            params={"expected": expected, "actual": code[17]},
        )


GBT4754_PATTERN = re.compile(r"^[A-T](\d{2}(\d{1,2})?)?$", re.ASCII)


def validate_industry_code(value: str) -> None:
    """GB/T 4754 codes: a section letter, optionally followed by a 2-, 3- or 4-digit class."""
    if value and not GBT4754_PATTERN.match(value):
        raise ValidationError(_("国民经济行业代码格式不正确（GB/T 4754），例如 C3670 或 C36。"), code="industry_code")


MOBILE_PATTERN = re.compile(r"^1[3-9]\d{9}$", re.ASCII)


def validate_mobile(value: str) -> None:
    if value and not MOBILE_PATTERN.match(value):
        raise ValidationError(_("手机号码应为以1开头的11位数字。"), code="mobile")
