from django.contrib import admin
from django.urls import include, path

# Unhandled errors: 503 while the database is unreachable, the 500 page otherwise.
handler500 = "common.errors.server_error"

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
