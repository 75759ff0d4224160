"""Who may export what, and the rows an export holds."""

from django.utils.translation import gettext as _

from accounts.models import Role
from common.exceptions import PermissionDeniedError

from . import filters as export_filters
from .kinds import KINDS
from .models import ExportJob


def own_exports(user):
    """A user's own exports: nobody else sees them, administrators included."""
    if not user or not user.is_authenticated:
        return ExportJob.objects.none()
    return ExportJob.objects.filter(requested_by=user)


def can_export(user, kind: str) -> bool:
    """Staff export every list. An enterprise user exports its projects and its service requests, the lists
    it works with; its enterprise list holds only its own file, and the progress sheet is built from the
    stage catalogue, which is for staff."""
    if not user or not user.is_authenticated or not user.is_active:
        return False
    return user.role != Role.ENTERPRISE or KINDS[kind].for_enterprise_users


def check_can_export(user, kind: str):
    if not can_export(user, kind):
        raise PermissionDeniedError(_("您不能导出“%(kind)s”。") % {"kind": KINDS[kind].title})


def export_rows(kind: str, user, filters: dict):
    """The rows of the list `kind` as `user` sees it now, filtered and ordered as the list does."""
    check_can_export(user, kind)
    spec = KINDS[kind]
    return export_filters.apply(spec.filterset_class, spec.rows(user), filters)
