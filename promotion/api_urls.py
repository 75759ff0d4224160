from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from accounts.api.views import LogoutView, MeView, TokenLoginView, TokenViewSet

from .health import healthz

tokens = SimpleRouter()
tokens.register("auth/tokens", TokenViewSet, basename="token")

api = [
    path("auth/token/", TokenLoginView.as_view(), name="token-login"),
    path("auth/logout/", LogoutView.as_view(), name="token-logout"),
    path("me/", MeView.as_view(), name="me"),
    path("", include(tokens.urls)),
    path("", include("projects.api.urls")),
    path("", include("projects.api.planning_urls")),
    path("", include("companies.api.urls")),
    path("", include("servicerequests.api.urls")),
    path("", include("notifications.api.urls")),
    path("", include("exports.api.urls")),
    path("", include("imports.api.urls")),
    path("reports/", include("reports.api_urls")),
    path("workdays/", include("workdays.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file (no inline script under the
    # content security policy); the page keeps one small inline <style>.
    path(
        "docs/",
        csp_update({"style-src": [UNSAFE_INLINE]})(SpectacularSwaggerSplitView.as_view(url_name="schema")),
        name="docs",
    ),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include(api)),
]
