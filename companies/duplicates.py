"""Possible duplicates of an enterprise: a name or a USCC close to one already recorded."""

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher

from django.db.models import Q

from .models import Enterprise

# Words every company name carries; they say nothing about which company it is.
_NOISE = re.compile(
    r"(股份有限公司|有限责任公司|有限公司|集团|公司|分公司|（中国）|\(中国\)|（上海）|\(上海\)|上海市|上海|嘉定区|嘉定|中国)"
)
NAME_SIMILARITY = 0.8


def core_name(name: str) -> str:
    text = unicodedata.normalize("NFKC", name or "")
    text = "".join(text.split()).lower()
    return _NOISE.sub("", text) or text


@dataclass(frozen=True)
class PossibleDuplicate:
    enterprise: Enterprise
    reason: str


def _uscc_close(a: str, b: str) -> bool:
    """Equal but for one character of the body (a typo; the check character then differs too)."""
    return len(a) == len(b) == 18 and sum(x != y for x, y in zip(a[:17], b[:17], strict=True)) <= 1


def find_possible_duplicates(name: str, uscc: str | None = None, exclude_pk=None, limit: int = 5):
    """Enterprises whose USCC differs by at most one character or whose core name is similar."""
    from django.utils.translation import gettext as _

    core = core_name(name)
    candidates = Q()
    if uscc:
        candidates |= Q(uscc__startswith=uscc[:8])
    for i in range(max(len(core) - 1, 1)):
        candidates |= Q(name__contains=core[i : i + 2])
    if not candidates:
        return []
    queryset = Enterprise.objects.filter(candidates).only("id", "name", "uscc")
    if exclude_pk:
        queryset = queryset.exclude(pk=exclude_pk)
    found = []
    for other in queryset[:500]:
        if uscc and _uscc_close(uscc, other.uscc or ""):
            found.append(PossibleDuplicate(other, _("统一社会信用代码相同或只差一位")))
            continue
        other_core = core_name(other.name)
        if (
            core
            and other_core
            and (
                core == other_core
                or (min(len(core), len(other_core)) >= 3 and (core in other_core or other_core in core))
                or SequenceMatcher(None, core, other_core).ratio() >= NAME_SIMILARITY
            )
        ):
            found.append(PossibleDuplicate(other, _("企业名称相近")))
    return found[:limit]
