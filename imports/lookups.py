"""Finding what a cell names: an industry chain, a town, a signing event, a member of staff, a unit.

Names are matched as officers type them: in any width, with or without spaces and quotes, and by a
unique beginning or part where the full name is long (安亭 for 安亭镇, 集成电路 for
智能传感器及物联网/集成电路). Only what the importer may use is found: staff within their scope,
units they may lead from.
"""

import datetime
import functools
import re

from django.utils.translation import gettext as _

from accounts.selectors import landing_areas, promotion_bodies, units_in_scope
from companies.models import IndustryChain, Qualification, RegistrationType
from projects.selectors import visible_signing_events
from servicerequests.selectors import assignable_staff

from .cleaning import CellError, display, match_key, parse_date

MIN_PARTIAL = 2
_LIST_SEPARATORS = re.compile(r"[、,，;；/\s]+")
REGISTRATION_WORDS = {
    RegistrationType.STATE_OWNED: ("国有", "国企", "内资国有"),
    RegistrationType.COLLECTIVE: ("集体", "内资集体"),
    RegistrationType.PRIVATE: ("民营", "私营", "内资民营", "内资"),
    RegistrationType.HMT: ("港澳台", "港澳台投资", "港澳台商投资"),
    RegistrationType.FOREIGN: ("外资", "外商", "外商投资", "外商投资企业"),
}


class Named:
    """Objects found by name: exactly, else by a unique beginning, else by a unique part."""

    def __init__(self, objects, names):
        self.entries = [(match_key(name), obj) for obj in objects for name in names(obj) if name]
        self.exact = {}
        for name, obj in self.entries:
            self.exact.setdefault(name, []).append(obj)

    def find(self, text, partial=True):
        """(object, None) when found; (None, candidates) otherwise."""
        key = match_key(text)
        exact = _unique(self.exact.get(key, ()))
        if exact:
            return exact
        if not partial or len(key) < MIN_PARTIAL:
            return None, []
        for test in (str.startswith, str.__contains__):
            found = _unique(obj for name, obj in self.entries if test(name, key))
            if found:
                return found
        return None, []


def once_per_text(find):
    """The answer for a cell's text (or its error) is kept for the rest of the run."""

    @functools.wraps(find)
    def lookup(self, text):
        key = (find.__name__, type(text), text)
        if key not in self._found:
            try:
                self._found[key] = (find(self, text), None)
            except CellError as error:
                self._found[key] = (None, str(error))
        found, message = self._found[key]
        if message is not None:
            raise CellError(message)
        return found

    return lookup


def _unique(objects):
    distinct = list(dict.fromkeys(objects))
    if not distinct:
        return None
    if len(distinct) == 1:
        return distinct[0], None
    return None, distinct


class Lookups:
    """The lookups of one import run, each loaded once; a cell's text is looked up once per run, as a
    sheet repeats the same towns, chains, events and officers on every row."""

    def __init__(self, actor):
        self.actor = actor
        self._cache = {}
        self._found = {}

    def _named(self, name, load):
        if name not in self._cache:
            self._cache[name] = load()
        return self._cache[name]

    def _find(self, named: Named, text, not_found, ambiguous):
        obj, candidates = named.find(text)
        if obj is not None:
            return obj
        if candidates:
            names = "、".join(str(c) for c in candidates[:5])
            raise CellError(ambiguous % {"value": display(text), "candidates": names})
        raise CellError(not_found % {"value": display(text)})

    @once_per_text
    def industry_chain(self, text):
        named = self._named("chains", lambda: Named(IndustryChain.objects.all(), lambda c: (c.code, c.name)))
        return self._find(
            named,
            text,
            _("没有名为“%(value)s”的产业链。"),
            _("“%(value)s”可以指多个产业链（%(candidates)s），请写全名。"),
        )

    @once_per_text
    def qualifications(self, text):
        named = self._named("qualifications", lambda: Named(Qualification.objects.all(), lambda q: (q.code, q.name)))
        parts = [part for part in _LIST_SEPARATORS.split(str(text)) if part]
        return [
            self._find(
                named,
                part,
                _("没有名为“%(value)s”的企业资质。"),
                _("“%(value)s”可以指多个企业资质（%(candidates)s），请写全名。"),
            )
            for part in parts
        ]

    @once_per_text
    def town(self, text):
        named = self._named("towns", lambda: Named(landing_areas(), lambda u: (u.name,)))
        return self._find(
            named,
            text,
            _("没有名为“%(value)s”的街镇或园区。"),
            _("“%(value)s”可以指多个街镇或园区（%(candidates)s），请写全名。"),
        )

    @once_per_text
    def leading_unit(self, text):
        named = self._named(
            "leading_units", lambda: Named(units_in_scope(self.actor, promotion_bodies()), lambda u: (u.name,))
        )
        return self._find(
            named,
            text,
            _("“%(value)s”不是您管辖范围内的招商主体，不能作为牵头单位。"),
            _("“%(value)s”可以指多个单位（%(candidates)s），请写全名。"),
        )

    @once_per_text
    def staff(self, text):
        """A member of staff within the importer's scope, by full name or user name, never by a part."""
        named = self._named(
            "staff",
            lambda: Named(
                assignable_staff(self.actor),
                lambda u: (u.username, u.display_name, f"{u.last_name}{u.first_name}", f"{u.first_name}{u.last_name}"),
            ),
        )
        obj, candidates = named.find(text, partial=False)
        if obj is not None:
            return obj
        if candidates:
            raise CellError(_("有多名工作人员名为“%(value)s”，请改填用户名。") % {"value": display(text)})
        raise CellError(_("您的管辖范围内没有名为“%(value)s”的工作人员。") % {"value": display(text)})

    @once_per_text
    def signing_event(self, text):
        """A signing event by its name, or by its date when the cell holds one."""
        try:
            day = parse_date(text)
        except CellError:
            day = None
        if day is not None:
            return self._event_on(day, text)
        named = self._named(
            "events", lambda: Named(visible_signing_events(self.actor).order_by("-date"), lambda e: (e.name,))
        )
        return self._find(
            named,
            text,
            _("没有名为“%(value)s”的签约活动。"),
            _("“%(value)s”可以指多个签约活动（%(candidates)s），请写全名或填写活动日期。"),
        )

    def _event_on(self, day: datetime.date, text):
        events = list(visible_signing_events(self.actor).filter(date=day)[:6])
        if len(events) == 1:
            return events[0]
        if not events:
            raise CellError(_("%(value)s 没有签约活动。") % {"value": day.isoformat()})
        raise CellError(
            _("%(value)s 有多个签约活动（%(candidates)s），请填写活动名称。")
            % {"value": day.isoformat(), "candidates": "、".join(e.name for e in events[:5])}
        )

    @once_per_text
    def registration_type(self, text):
        key = match_key(text)
        for value, label in RegistrationType.choices:
            if key in {match_key(value), match_key(label), *(match_key(w) for w in REGISTRATION_WORDS[value])}:
                return value
        raise CellError(
            _("“%(value)s”不是登记注册类型，应为：%(choices)s。")
            % {"value": display(text), "choices": "、".join(str(label) for _value, label in RegistrationType.choices)}
        )
