"""The requests pages and API routes receive once signed in, for type checking.

They sit here, below every app, so that each app's pages and routes can name them.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest


class SignedInRequest(HttpRequest):
    """``request.user`` is an account, never the anonymous user: ``login_required`` turned those away.

    Only annotations name it; at run time the request is Django's own.
    """

    user: User


class ApiRequest(HttpRequest):
    """What an API route receives once TokenAuth or SessionAuth let it through: ``auth`` is the account.

    Only annotations name it; at run time the request is Django's own, with ``auth`` set by django-ninja.
    """

    auth: User
