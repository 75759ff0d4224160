from accounts.selectors import is_staff_member


def navigation(request):
    """What the page frame needs: the user's kind and the bell's unread count (one query, lazily)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from notifications.selectors import unread_count

    return {
        "is_staff_member": is_staff_member(user),
        "unread_notifications": lambda: unread_count(user),
    }
