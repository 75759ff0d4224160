"""Template filters of the pages: amounts as the seeds write them, rates, working-day countdowns."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

register = template.Library()

DASH = "—"
YI = Decimal(10000)


def _decimal(value):
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _plain(amount: Decimal, places: int) -> str:
    """Grouped digits, at most `places` decimals, no trailing zeros."""
    quantum = Decimal(1).scaleb(-places)
    rounded = amount.quantize(quantum, rounding=ROUND_HALF_UP)
    text = f"{rounded:,.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


@register.filter
def wan(value, places: int = 2):
    """An amount in 万元 as a number only (for columns headed 万元)."""
    amount = _decimal(value)
    return DASH if amount is None else _plain(amount, int(places))


@register.filter
def money(value):
    """An amount held in 万元, written as the seeds do: 亿元 from 1 亿 up, else 万元."""
    amount = _decimal(value)
    if amount is None:
        return DASH
    if abs(amount) >= YI:
        return _("%(amount)s 亿元") % {"amount": _plain(amount / YI, 2)}
    return _("%(amount)s 万元") % {"amount": _plain(amount, 2)}


@register.filter
def percent(value, places: int = 1):
    """A ratio (0.853) as a percentage (85.3%)."""
    ratio = _decimal(value)
    if ratio is None:
        return DASH
    return f"{_plain(ratio * 100, int(places))}%"


@register.filter
def workdays_left(days):
    """A countdown badge: working days left, due today, or working days overdue."""
    if days is None or days == "":
        return DASH
    days = int(days)
    if days < 0:
        text = ngettext("逾期 %(n)d 个工作日", "逾期 %(n)d 个工作日", -days) % {"n": -days}
        css = "text-bg-danger"
    elif days == 0:
        text, css = _("今天到期"), "text-bg-warning"
    else:
        text = ngettext("剩 %(n)d 个工作日", "剩 %(n)d 个工作日", days) % {"n": days}
        css = "text-bg-warning" if days <= 2 else "text-bg-light border"
    return format_html('<span class="badge {}">{}</span>', css, text)


@register.simple_tag
def elided_pages(page_obj):
    """The page numbers around the current page, with ellipses, for the pagination bar."""
    return page_obj.paginator.get_elided_page_range(page_obj.number, on_each_side=2, on_ends=1)
