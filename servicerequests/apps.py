from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceRequestsConfig(AppConfig):
    name = "servicerequests"
    verbose_name = _("企业诉求")
