"""The menu each role sees; a context processor so every page's layout has it."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from lanqing.org import scope
from lanqing.org.models import Role

StrOrPromise = str | Promise


@dataclass(frozen=True)
class MenuItem:
    label: StrOrPromise
    url_name: str
    roles: frozenset[str]

    @property
    def url(self) -> str:
        return reverse(self.url_name)


EVERYONE = frozenset(Role.values)
GOVERNMENT = frozenset(Role.values) - {Role.ENTERPRISE}

MENU = [
    MenuItem(_("Home"), "home", EVERYONE),
    MenuItem(_("Jurisdictions"), "org:jurisdictions", GOVERNMENT),
    MenuItem(_("Enterprises"), "org:enterprises", EVERYONE),
    MenuItem(_("Monitoring sites"), "monitoring:sites", EVERYONE),
    MenuItem(_("Data import"), "monitoring:imports", frozenset({Role.BUREAU})),
    MenuItem(_("Registry workbook"), "registry:page", frozenset({Role.BUREAU})),
    MenuItem(_("Cases"), "cases:inbox", EVERYONE),
    MenuItem(_("Alerts"), "alerts:list", EVERYONE),
    MenuItem(_("Dispatch queue"), "cases:queue", frozenset({Role.BUREAU})),
    MenuItem(_("Responsibility matrix"), "cases:matrix", frozenset({Role.BUREAU})),
    MenuItem(_("Accountability"), "cases:accountability", frozenset({Role.BUREAU, Role.LEADERSHIP})),
    MenuItem(_("Notifications"), "notifications:list", EVERYONE),
]


def menu_for(user) -> list[MenuItem]:
    role = scope.role_of(user)
    if role is None:
        return []
    return [item for item in MENU if role in item.roles]


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    membership = scope.membership_of(user)
    return {
        "menu": menu_for(user),
        "current_role": scope.role_of(user),
        "current_membership": membership,
        "can_manage_registry": scope.can_manage_registry(user),
    }
