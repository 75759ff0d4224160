"""Each user's own notifications (staff and enterprise users alike) and their notification settings."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from common.views import paginate, run_service

from . import services
from .forms import PreferencesForm, lead_days_text
from .selectors import own_notifications, preferences_of, unread_count


def _newest_first(user, only_unread=False):
    notifications = own_notifications(user).order_by("-created_at", "-id")
    return notifications.filter(read_at__isnull=True) if only_unread else notifications


def _back(request, fallback="notifications:list"):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect(fallback)


@login_required
@require_GET
def notification_list(request):
    only_unread = request.GET.get("unread") == "1"
    page_obj = paginate(request, _newest_first(request.user, only_unread))
    unread = unread_count(request.user)
    # The count also replaces the navbar's own, which would ask the database a second time.
    context = {"page_obj": page_obj, "only_unread": only_unread, "unread": unread, "unread_notifications": unread}
    return render(request, "notifications/list.html", context)


@login_required
@require_POST
def mark_read(request, pk):
    """Mark one notification read: with htmx, answer its row again and the navbar's bell."""
    notification = get_object_or_404(own_notifications(request.user), pk=pk)
    services.mark_read(request.user, ids=[notification.pk])
    if request.headers.get("HX-Request"):
        notification.refresh_from_db(fields=["read_at"])
        context = {"notification": notification, "unread": unread_count(request.user), "bell_oob": True}
        return render(request, "notifications/_item.html", context)
    return _back(request)


@login_required
@require_POST
def mark_all_read(request):
    marked = services.mark_read(request.user)
    if marked:
        messages.success(request, _("已将 %(count)d 条通知标为已读。") % {"count": marked})
    return _back(request)


@login_required
@require_POST
def open_notification(request, pk):
    """Mark the notification read and go where it points (a link within the site), else back to the list."""
    notification = get_object_or_404(own_notifications(request.user), pk=pk)
    services.mark_read(request.user, ids=[notification.pk])
    url = notification.url
    if url.startswith("/") and not url.startswith("//"):
        return redirect(url)
    return redirect("notifications:list")


@login_required
def preferences(request):
    current = preferences_of(request.user)
    initial = {
        "channels": list(current.channels),
        "lead_days": lead_days_text(current.lead_days),
        "weekly_report": current.weekly_report,
    }
    posted = request.method == "POST"
    form = PreferencesForm(request.POST if posted else None, user=request.user, initial=initial)
    if posted and form.is_valid():
        saved = run_service(form, services.update_preferences, actor=request.user, **form.service_arguments())
        if saved is not None:
            messages.success(request, _("通知设置已保存。"))
            return redirect("notifications:preferences")
    context = {"form": form, "preferences": current, "reachable": set(current.available_channels)}
    return render(request, "notifications/preferences.html", context)
