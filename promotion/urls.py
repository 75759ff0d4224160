from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("promotion.api_urls")),
    path("accounts/", include("accounts.urls")),
    path("", include("reports.urls")),
    path("projects/", include("projects.urls")),
    path("", include("projects.planning_urls")),
    path("enterprises/", include("companies.urls")),
    path("service-requests/", include("servicerequests.urls")),
    path("notifications/", include("notifications.urls")),
    path("exports/", include("exports.urls")),
    path("imports/", include("imports.urls")),
]
