"""Tells the audit trail who makes the changes of a request: its user, through the web pages, the admin or the API."""

from __future__ import annotations

from lanqing.audit.actor import Actor, acting
from lanqing.audit.models import Channel


def channel_of(path: str) -> str:
    if path.startswith("/admin/"):
        return Channel.ADMIN
    if path.startswith("/api/"):
        return Channel.API
    return Channel.WEB


class AuditMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        actor = Actor(channel_of(request.path), source=f"{request.method} {request.path}", request=request)
        with acting(actor):
            return self.get_response(request)
