"""The request a page behind ``@login_required`` receives, for type checking."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest


class SignedInRequest(HttpRequest):
    """``request.user`` is an account, never the anonymous user: ``login_required`` turned those away.

    Only annotations name it; at run time the request is Django's own.
    """

    user: User
