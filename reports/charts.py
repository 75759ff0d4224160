"""ECharts options of the dashboard, built from the pipeline report; static/js/app.js renders them.

Each data item may carry a "link": a click on its bar opens the project list behind the number.
Amounts are held in 万元 as Decimal; a chart axis reads 亿元, converted only here, at the JSON edge.
"""

from decimal import Decimal

from django.utils.translation import gettext as _

YI = Decimal(10000)


def yi(amount) -> float:
    """万元 → 亿元, two decimals, as a number a chart can plot."""
    return float((Decimal(amount or 0) / YI).quantize(Decimal("0.01")))


def _item(value, link=None) -> dict:
    return {"value": value, "link": link} if link else {"value": value}


def _axis_chart(categories, series, value_axes, horizontal=False) -> dict:
    category_axis = {"type": "category", "data": categories, "axisLabel": {"interval": 0, "hideOverlap": True}}
    if horizontal:
        category_axis["inverse"] = True  # the first stage at the top, as a funnel reads
    else:
        category_axis["axisLabel"]["rotate"] = 30 if len(categories) > 6 else 0
    return {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 16, "bottom": 8, "top": 36, "containLabel": True},
        "xAxis": value_axes if horizontal else category_axis,
        "yAxis": category_axis if horizontal else value_axes,
        "series": series,
    }


def _count_axis():
    return {"type": "value", "name": _("个"), "minInterval": 1}


def _amount_axis():
    return {"type": "value", "name": _("亿元"), "splitLine": {"show": False}}


def stage_funnel(stages, link_for) -> dict:
    """Projects by current stage, in the stages' order; `link_for(stage)` opens those projects."""
    data = [_item(stage["project_count"], link_for(stage)) for stage in stages]
    series = [{"name": _("项目数"), "type": "bar", "data": data, "label": {"show": True, "position": "right"}}]
    chart = _axis_chart([stage["name"] for stage in stages], series, [_count_axis()], horizontal=True)
    chart["legend"] = {"show": False}
    return chart


def breakdown(groups, link_for) -> dict:
    """Project count and total investment per group (industry chain, town, promotion body)."""
    counts = [_item(group["project_count"], link_for(group)) for group in groups]
    amounts = [_item(yi(group["total_investment"]), link_for(group)) for group in groups]
    series = [
        {"name": _("项目数"), "type": "bar", "data": counts},
        {"name": _("总投资（亿元）"), "type": "bar", "yAxisIndex": 1, "data": amounts},
    ]
    return _axis_chart([group["label"] for group in groups], series, [_count_axis(), _amount_axis()])


def signing_trend(periods) -> dict:
    """Signed projects (bars) and their investment (line) per month or per year."""
    counts = [_item(period["project_count"], period["link"]) for period in periods]
    amounts = [_item(yi(period["total_investment"]), period["link"]) for period in periods]
    series = [
        {"name": _("签约项目数"), "type": "bar", "data": counts},
        {"name": _("签约投资（亿元）"), "type": "line", "yAxisIndex": 1, "data": amounts},
    ]
    return _axis_chart([period["label"] for period in periods], series, [_count_axis(), _amount_axis()])


def event_progress(groups, link_for, progress_link_for) -> dict:
    """Per signing event: its projects, and how many of them landed, started construction, produce."""
    series = [{"name": _("项目数"), "type": "bar", "data": [_item(g["project_count"], link_for(g)) for g in groups]}]
    for name, key, passed in [
        (_("已落地"), "landed_count", "landed"),
        (_("已开工"), "construction_started_count", "construction"),
        (_("已投产"), "in_production_count", "production"),
    ]:
        data = [_item(g[key], progress_link_for(g, passed)) for g in groups]
        series.append({"name": name, "type": "bar", "data": data})
    return _axis_chart([group["label"] for group in groups], series, [_count_axis()])
