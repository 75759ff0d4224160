"""The officer's home ("My work") and the managers' dashboard."""

import calendar as month_calendar
import datetime as dt
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import ExtractMonth, ExtractYear
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.selectors import is_staff_member
from common.views import staff_required
from companies.selectors import visible_visits
from notifications.selectors import own_notifications, preferences_of
from projects.selectors import annual_targets_with_completion, ratio, visible_annual_targets, visible_projects
from reminders.rules import Clock
from reminders.selectors import stages_due_for
from servicerequests.models import ServiceRequest
from servicerequests.selectors import OPEN_STATUSES, request_list, with_days_left
from workdays.calendar import Calendar

from . import charts
from .forms import DashboardFilterForm
from .selectors import pipeline_reports

# The project list and detail pages (projects app) read the API's ProjectFilter parameters.
PROJECTS_URL = "/projects/"
HOME_ROWS = 20
HOME_SHORT_ROWS = 5


# --- My work ------------------------------------------------------------------------------------


def _days_left(due_on: dt.date, clock: Clock) -> int:
    """Working days until `due_on` (0 on the day), negative once overdue, as the reminders count them."""
    if due_on > clock.today:
        return clock.workdays_left(due_on)
    if due_on == clock.today:
        return 0
    return -max(1, clock.workdays_late(due_on))


@login_required
def home(request):
    """What the officer has to do: stages due soon or overdue, requests waiting, unread news, visits."""
    user = request.user
    if not is_staff_member(user):
        # The site root must work for an enterprise user too: their home is their requests.
        return redirect("servicerequests:list")
    today = timezone.localdate()
    workdays = Calendar(today.year - 1, today.year + 1)
    lead_days = max(preferences_of(user).lead_days, default=0)
    horizon = workdays.add(today, lead_days).date

    stages = stages_due_for(user, horizon).filter(project__in=visible_projects(user).values("pk"))
    clock = Clock(today, workdays)
    due_stages = list(stages[:HOME_ROWS])
    for stage in due_stages:
        stage.days_left = _days_left(stage.due_on, clock)

    waiting = (
        request_list(user)
        .filter(
            Q(assignee=user, status__in=OPEN_STATUSES)
            | Q(assignee__isnull=True, status=ServiceRequest.Status.SUBMITTED)
        )
        .order_by(F("due_on").asc(nulls_last=True), "pk")
    )
    unread = own_notifications(user).filter(read_at__isnull=True).order_by("-created_at", "-id")
    return render(
        request,
        "reports/home.html",
        {
            "today": today,
            "lead_days": lead_days,
            "due_stages": due_stages,
            "due_stage_total": stages.count(),
            "waiting_requests": with_days_left(waiting[:HOME_ROWS], today),
            "waiting_total": waiting.count(),
            "unread_notifications_list": list(unread[:HOME_SHORT_ROWS]),
            "unread_total": unread.count(),
            "recent_visits": visible_visits(user)
            .filter(officer=user)
            .select_related("enterprise")
            .order_by("-visited_on", "-id")[:HOME_SHORT_ROWS],
            "my_projects_url": _projects_url({"officer": user.pk}),
        },
    )


# --- Dashboard ----------------------------------------------------------------------------------


def _projects_url(params: dict, **extra) -> str:
    query = {key: value for key, value in {**params, **extra}.items() if value not in (None, "")}
    return f"{PROJECTS_URL}?{urlencode(query)}" if query else PROJECTS_URL


def _default_year(years: set[int], today: dt.date) -> int:
    """This year; if nothing the user sees was signed this year, the latest year something was."""
    return today.year if today.year in years or not years else max(years)


def _link_groups(groups, base: dict, param: str | None) -> None:
    """Give each report group the links behind its numbers (none for the “not filled in” group)."""
    for group in groups:
        if param is not None and group["key"] is None:
            group["links"] = None
            continue
        params = {**base, param: group["key"]} if param else base
        group["links"] = {
            "all": _projects_url(params),
            "landed": _projects_url(params, passed="landed"),
            "construction": _projects_url(params, passed="construction"),
            "production": _projects_url(params, passed="production"),
            "overdue": _projects_url(params, overdue="true"),
        }


def _signing_periods(projects, year: int | None, base: dict) -> list[dict]:
    """Signed projects and investment per month of `year`, or per year when no year is chosen."""
    period = ExtractMonth("signed_on") if year else ExtractYear("signed_on")
    rows = {
        row["period"]: row
        for row in projects.filter(signed_on__isnull=False)
        .order_by()
        .annotate(period=period)
        .values("period")
        .annotate(n=Count("pk"), amount=Sum("total_investment"))
    }
    if year:
        keys = range(1, 13)
    else:
        keys = range(min(rows), max(rows) + 1) if rows else []
    periods = []
    for key in keys:
        row = rows.get(key, {})
        if year:
            last_day = month_calendar.monthrange(year, key)[1]
            label = _("%(month)d月") % {"month": key}
            link = _projects_url(
                {**base, "signed_year": None},
                signed_after=dt.date(year, key, 1).isoformat(),
                signed_before=dt.date(year, key, last_day).isoformat(),
            )
        else:
            label, link = str(key), _projects_url(base, signed_year=key)
        periods.append(
            {
                "label": label,
                "project_count": row.get("n") or 0,
                "total_investment": row.get("amount") or 0,
                "link": link,
            }
        )
    return periods


def _targets(user, year: int | None) -> list[dict]:
    """The year's targets of the units in the user's scope, each with what its projects achieved."""
    if year is None:
        return []
    rows = annual_targets_with_completion(
        visible_annual_targets(user).filter(year=year).select_related("org_unit").order_by("org_unit__path")
    )
    targets = []
    for target in rows:
        unit = target.org_unit
        # A unit counts the projects led by it and by the units below it. The list filters one leading
        # unit exactly, so it can show a leaf unit's projects, or the whole district's for the root.
        if not unit.numchild:
            signed_url = _projects_url({"signed_year": year, "leading_unit": unit.pk})
        elif unit.depth == 1:
            signed_url = _projects_url({"signed_year": year})
        else:
            signed_url = None
        # No links for the starts: they count the unit's projects of any signing year that got past the
        # stage in this year (by the date they passed it); the list's `passed` filter cannot pick a year.
        metrics = [
            (_("签约投资额"), target.signed_investment, target.signed_investment_done, True, signed_url),
            (_("签约项目数"), target.signed_projects, target.signed_projects_done, False, signed_url),
            (_("到位资金"), target.funds_in_place, target.funds_in_place_done, True, signed_url),
            (_("开工项目数"), target.construction_starts, target.construction_starts_done, False, None),
            (_("投产项目数"), target.production_starts, target.production_starts_done, False, None),
        ]
        targets.append(
            {
                "unit": unit,
                "metrics": [
                    {
                        "label": label,
                        "target": goal,
                        "done": done,
                        "rate": ratio(done, goal),
                        "is_money": is_money,
                        "url": url,
                    }
                    for label, goal, done, is_money, url in metrics
                ],
            }
        )
    return targets


@staff_required
def dashboard(request):
    """The pipeline of the projects the user sees, signed in a year, against the year's targets."""
    user = request.user
    today = timezone.localdate()
    visible = visible_projects(user)
    signed_years = {day.year for day in visible.dates("signed_on", "year")}
    data = request.GET.copy()
    if "year" not in data:
        data["year"] = str(_default_year(signed_years, today))
    form = DashboardFilterForm(data, years=sorted(signed_years | {today.year}, reverse=True))
    form.is_valid()
    chosen = form.selection()
    year, town, chain = chosen["year"], chosen["town"], chosen["industry_chain"]

    projects = visible
    if year:
        projects = projects.filter(signed_on__year=year)
    if town:
        projects = projects.filter(town=town)
    if chain:
        projects = projects.filter(industry_chain=chain)
    base = {"signed_year": year, "town": town.pk if town else None, "industry_chain": chain.code if chain else None}

    reports = pipeline_reports(projects, ["industry_chain", "town", "leading_unit", "signing_event"], today)
    by_chain, by_town = reports["industry_chain"], reports["town"]
    by_unit, by_event = reports["leading_unit"], reports["signing_event"]
    total = by_chain["total"]  # the sum of the groups: every project is in exactly one chain group
    events = [group for group in by_event["groups"] if group["key"] is not None]

    _link_groups([total], base, None)
    _link_groups(by_chain["groups"], base, "industry_chain")
    _link_groups(by_town["groups"], base, "town")
    _link_groups(by_unit["groups"], base, "leading_unit")
    _link_groups(events, base, "signing_event")
    for stage in total["stages"]:
        stage["link"] = _projects_url(base, stage=stage["code"])
    periods = _signing_periods(projects, year, base)

    def group_link(group):
        return group["links"]["all"] if group["links"] else None

    def progress_link(group, passed):
        return group["links"][passed] if group["links"] else None

    chart_options = {
        "chart-stages": charts.stage_funnel(total["stages"], lambda stage: stage["link"]),
        "chart-trend": charts.signing_trend(periods),
        "chart-chain": charts.breakdown(by_chain["groups"], group_link),
        "chart-town": charts.breakdown(by_town["groups"], group_link),
        "chart-unit": charts.breakdown(by_unit["groups"], group_link),
        "chart-events": charts.event_progress(events, group_link, progress_link),
    }
    return render(
        request,
        "reports/dashboard.html",
        {
            "form": form,
            "year": year,
            # Nothing signed this year yet: the page opened on the latest year that has signings.
            "shows_earlier_year": "year" not in request.GET and year != today.year,
            "town": town,
            "chain": chain,
            "today": today,
            "total": total,
            "durations": by_chain["durations"],
            "breakdowns": [
                {"key": "chain", "title": _("按产业链"), "report": by_chain},
                {"key": "town", "title": _("按落地街镇"), "report": by_town},
                {"key": "unit", "title": _("按牵头单位（招商主体）"), "report": by_unit},
            ],
            "events": events,
            "periods": periods,
            "targets": _targets(user, year),
            "charts": chart_options,
        },
    )
