"""Possible duplicates of an enterprise: a name or a USCC close to one already recorded."""

import operator
import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher

from django.db.models import Q
from django.utils.translation import gettext as _

from .models import Enterprise

# Words every company name carries; they say nothing about which company it is.
_NOISE = re.compile(
    r"(股份有限公司|有限责任公司|有限公司|集团|公司|分公司|（中国）|\(中国\)|（上海）|\(上海\)|上海市|上海|嘉定区|嘉定|中国)"
)
NAME_SIMILARITY = 0.8
NAME_MAX_LENGTH = Enterprise._meta.get_field("name").max_length


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
    # A name longer than the field is refused when saved and duplicates nothing stored; comparing it
    # would cost a query clause per character (an imported cell may hold megabytes).
    core = core_name(name) if len(name or "") <= NAME_MAX_LENGTH else ""
    candidates = Q()
    if uscc:
        candidates |= Q(uscc__startswith=uscc[:8])
    for i in range(max(len(core) - 1, 1) if core else 0):
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


def find_possible_duplicates_among(enterprises, limit: int = 5) -> list[list[PossibleDuplicate]]:
    """For each of `enterprises` (stored), the enterprises recorded before it that it may duplicate, by
    the rules of find_possible_duplicates applied in memory: a USCC with the same first eight characters
    and at most one other differing, a core name equal to it, one holding the other (three characters
    at least), or similar (ratio 0.8). Names are compared with those sharing one of the two rarest
    two-character pieces of the core name. One pass over the enterprises on record for them all."""
    index = DuplicateIndex(enterprises)
    for pk, name, uscc in Enterprise.objects.order_by("pk").values_list("pk", "name", "uscc"):
        index.add(pk, name, uscc)
    return [index.duplicates_of(enterprise, limit) for enterprise in enterprises]


class DuplicateIndex:
    """Enterprises on record by core name, by two-character piece of it and by USCC key, holding only
    the keys that the new `enterprises` look up (the pieces are counted for all, to find the rarest)."""

    RAREST = 2

    def __init__(self, enterprises):
        self.cores_sought, self.pieces_sought, self.usccs_sought = set(), set(), set()
        for enterprise in enterprises:
            core = core_name(enterprise.name)
            self.cores_sought.update(_core_and_parts(core))
            self.pieces_sought.update(_pieces(core))
            self.usccs_sought.update(_uscc_keys(enterprise.uscc or ""))
        self.found = {}  # pk -> (name, uscc, core) of the enterprises some key found
        self.by_core, self.by_piece, self.by_uscc = {}, {}, {}

    def add(self, pk, name, uscc):
        """Add the next enterprise on record (in the order of their pk)."""
        core, uscc = core_name(name), uscc or ""
        keys = [(self.by_piece, piece) for piece in self.pieces_sought.intersection(_piece_list(core))]
        if core in self.cores_sought:
            keys.append((self.by_core, core))
        keys.extend((self.by_uscc, key) for key in _uscc_keys(uscc) if key in self.usccs_sought)
        for index, key in keys:
            index.setdefault(key, []).append(pk)
        if keys:
            self.found[pk] = (name, uscc, core)

    def duplicates_of(self, enterprise, limit=5) -> list[PossibleDuplicate]:
        core, uscc = core_name(enterprise.name), enterprise.uscc or ""
        candidates = set()
        for key in _uscc_keys(uscc):
            candidates.update(self.by_uscc.get(key, ()))
        by_uscc = {
            pk for pk in candidates if _uscc_close(uscc, self.found[pk][1]) and self.found[pk][1][:8] == uscc[:8]
        }
        for part in _core_and_parts(core):
            candidates.update(self.by_core.get(part, ()))
        pieces = sorted(_pieces(core), key=lambda piece: len(self.by_piece.get(piece, ())))
        for piece in pieces[: self.RAREST]:
            candidates.update(self.by_piece.get(piece, ()))
        found = []
        for pk in sorted(candidates):
            if pk >= enterprise.pk:
                break
            name, other_uscc, other_core = self.found[pk]
            if pk in by_uscc:
                reason = _("统一社会信用代码相同或只差一位")
            elif _similar(core, other_core):
                reason = _("企业名称相近")
            else:
                continue
            found.append(PossibleDuplicate(Enterprise(pk=pk, name=name, uscc=other_uscc or None), reason))
            if len(found) == limit:
                break
        return found


def _core_and_parts(core: str) -> set:
    """The core name and its parts of three characters or more: the cores that one holding it may be."""
    parts = {core}
    for length in range(3, len(core)):
        parts.update(core[start : start + length] for start in range(len(core) - length + 1))
    return parts


def _pieces(core: str) -> set:
    return set(_piece_list(core))


def _piece_list(core: str):
    """The two-character pieces of the core name (the core itself when shorter), repeats included."""
    return map(operator.add, core, core[1:]) if len(core) > 1 else (core,)


def _uscc_keys(uscc: str) -> tuple:
    """Two keys, one of which two USCCs differing in one character after the eighth always share."""
    if len(uscc) != 18:
        return ()
    return (("head", uscc[:12]), ("tail", uscc[:8] + uscc[12:17]))


def _similar(core: str, other: str) -> bool:
    if not core or not other:
        return False
    if core == other or (min(len(core), len(other)) >= 3 and (core in other or other in core)):
        return True
    matcher = SequenceMatcher(None, core, other)
    return (
        matcher.real_quick_ratio() >= NAME_SIMILARITY
        and matcher.quick_ratio() >= NAME_SIMILARITY
        and matcher.ratio() >= NAME_SIMILARITY
    )
