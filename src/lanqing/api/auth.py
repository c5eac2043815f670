"""API authentication: the browser session, or a bearer token that acts as its user."""

from __future__ import annotations

from django.utils import timezone
from ninja.security import APIKeyCookie, HttpBearer

from lanqing.api.models import ApiToken, token_digest


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        found = (ApiToken.objects.select_related("user").filter(digest=token_digest(token), is_active=True,
                                                                 user__is_active=True).first())
        if found is None:
            return None
        ApiToken.objects.filter(id=found.id).update(last_used_at=timezone.now())
        request.user = found.user
        return found.user


class SessionAuth(APIKeyCookie):
    """The logged-in browser session (CSRF is checked for unsafe methods)."""

    param_name = "sessionid"

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        return None
