"""Rate limits: per token (or session user) for API clients, per address for the login."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class ClientRateThrottle(SimpleRateThrottle):
    """Each token gets its own budget; enterprise integrations a smaller one than staff."""

    scope = "client"

    def get_cache_key(self, request, view):
        user = request.user
        if not user or not user.is_authenticated:
            return self.cache_format % {"scope": "anon", "ident": self.get_ident(request)}
        token = getattr(request.auth, "token_key", None)
        return self.cache_format % {"scope": self.scope, "ident": f"{user.pk}:{token or 'session'}"}

    def allow_request(self, request, view):
        user = request.user
        if user and user.is_authenticated and user.role == "enterprise":
            self.rate = settings.API_RATE_ENTERPRISE
        elif user and user.is_authenticated:
            self.rate = settings.API_RATE_STAFF
        else:
            self.rate = settings.API_RATE_ANONYMOUS
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_rate(self):
        return settings.API_RATE_STAFF


class LoginRateThrottle(SimpleRateThrottle):
    scope = "login"

    def get_rate(self):
        return settings.API_RATE_LOGIN

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
