from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from .forms import AdminLoginForm
from .models import OrgUnit, User

# The admin's login shares the login budget of the site and the API (accounts/forms.py).
admin.site.login_form = AdminLoginForm


@admin.register(OrgUnit)
class OrgUnitAdmin(TreeAdmin):
    form = movenodeform_factory(OrgUnit)
    list_display = ["name", "kind", "is_promotion_body", "is_landing_area"]
    list_filter = ["kind", "is_promotion_body", "is_landing_area"]
    search_fields = ["name"]


@admin.register(User)
class UserAdmin(SimpleHistoryAdmin, BaseUserAdmin):
    list_display = ["username", "display_name", "role", "org_unit", "enterprise", "is_active"]
    list_filter = ["role", "is_active", "org_unit"]
    list_select_related = ["org_unit", "enterprise"]
    search_fields = ["username", "display_name", "email", "mobile"]
    autocomplete_fields = ["org_unit", "enterprise"]
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("角色与单位"), {"fields": ("display_name", "mobile", "role", "org_unit", "enterprise")}),
    )
    add_fieldsets = BaseUserAdmin.add_fieldsets + (
        (_("角色与单位"), {"fields": ("display_name", "role", "org_unit", "enterprise")}),
    )
