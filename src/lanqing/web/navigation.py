"""The menu each role sees; a context processor so every page's layout has it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.urls import get_script_prefix, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from lanqing.org import access

StrOrPromise = str | Promise


@dataclass(frozen=True)
class MenuItem:
    """A menu entry, shown to whoever lanqing.org.access says may take `action` (None: every signed-in user)."""

    label: StrOrPromise
    url_name: str
    action: str | None

    @property
    def url(self) -> str:
        return _address(self.url_name, get_script_prefix())


@lru_cache(maxsize=128)
def _address(url_name: str, _prefix: str) -> str:
    # Every page's menu asks for each entry's address (twice): reversed once per process and script prefix.
    return reverse(url_name)


MENU = [
    MenuItem(_("Home"), "home", None),
    MenuItem(_("Overview map"), "workbench:overview", "overview.view"),
    MenuItem(_("Air analysis"), "workbench:air", "overview.view"),
    MenuItem(_("Water and sources"), "workbench:water", "overview.view"),
    MenuItem(_("Reports"), "reports:archive", "report.view"),
    MenuItem(_("Jurisdictions"), "org:jurisdictions", "jurisdiction.view"),
    MenuItem(_("Enterprises"), "org:enterprises", "enterprise.view"),
    MenuItem(_("Monitoring sites"), "monitoring:sites", "site.view"),
    MenuItem(_("Data import"), "monitoring:imports", "registry.manage"),
    MenuItem(_("Registry workbook"), "registry:page", "registry.manage"),
    MenuItem(_("Cases"), "cases:inbox", "case.view"),
    MenuItem(_("Alerts"), "alerts:list", "alert.view"),
    MenuItem(_("Data marks"), "marks:list", "mark.view"),
    MenuItem(_("Public reports"), "complaints:list", "complaint.view"),
    MenuItem(_("Heavy-pollution warnings"), "winter:warnings", "warning.view"),
    MenuItem(_("Emission-reduction lists"), "winter:lists", "reduction.view"),
    MenuItem(_("Dispatch queue"), "cases:queue", "case.dispatch"),
    MenuItem(_("Responsibility matrix"), "cases:matrix", "matrix.view"),
    MenuItem(_("Accountability"), "cases:accountability", "accountability.view"),
    MenuItem(_("Audit trail"), "audit:list", "audit.view"),
    MenuItem(_("Key tasks"), "yearwork:tasks", "keytask.view"),
    MenuItem(_("Responsibility letters"), "yearwork:letters", "keytask.view"),
    MenuItem(_("Clean heating"), "yearwork:households", "heating.view"),
    MenuItem(_("Projects and funds"), "yearwork:projects", "keytask.view"),
    MenuItem(_("Soil"), "yearwork:soil", "soil.view"),
    MenuItem(_("Scorecards"), "yearwork:scorecard", "scorecard.view"),
    MenuItem(_("Notifications"), "notifications:list", None),
]


def menu_for(user) -> list[MenuItem]:
    if access.role_of(user) is None:
        return []
    return [item for item in MENU if item.action is None or access.may(user, item.action)]


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    membership = access.membership_of(user)
    return {
        "menu": menu_for(user),
        "current_role": access.role_of(user),
        "current_membership": membership,
        "can_manage_registry": access.may(user, "registry.manage"),
    }
