"""The client's address, as login lockouts and rate limits must see it.

Behind TRUSTED_PROXIES reverse proxies (docker/: one nginx), the client is the address the nearest
of them appended to X-Forwarded-For, counting from the right: whatever a client writes into that
header itself stands further left and is never believed. With no proxy (0), REMOTE_ADDR. DRF's
throttles follow the same rule through REST_FRAMEWORK["NUM_PROXIES"].
"""

from django.conf import settings


def client_ip(request) -> str:
    proxies = settings.TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        addresses = [address.strip() for address in forwarded.split(",") if address.strip()]
        if addresses:
            return addresses[-min(proxies, len(addresses))]
    return request.META.get("REMOTE_ADDR", "")
