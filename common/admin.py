"""Admin pages write through the same services as the API and the web pages."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect

from .exceptions import PermissionDeniedError, ServiceError


class ServiceErrorsAsMessagesMixin:
    """A rule a service refuses is shown as an error message and nothing is saved."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceError as error:
            for message in error.messages:
                messages.error(request, message)
            return HttpResponseRedirect(request.get_full_path())
        except PermissionDeniedError as error:
            raise PermissionDenied(error.message) from error


class ServiceAdminMixin(ServiceErrorsAsMessagesMixin):
    """Route the admin's create and update through `service_create` and `service_update`."""

    def changed_fields(self, form, exclude=()):
        many_to_many = {f.name for f in self.model._meta.many_to_many}
        return {
            name: form.cleaned_data[name]
            for name in form.changed_data
            if name in form.cleaned_data and name not in exclude and name not in many_to_many
        }

    def save_model(self, request, obj, form, change):
        saved = self.service_update(request, obj, form) if change else self.service_create(request, obj, form)
        form.instance = saved
        obj.pk = saved.pk
        obj.__dict__.update({k: v for k, v in saved.__dict__.items() if not k.startswith("_")})

    def save_related(self, request, form, formsets, change):
        form.save_m2m()
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


class ReadOnlyAdminMixin:
    """For records the system writes (notifications, deliveries, reminders, export logs): shown, never edited."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
