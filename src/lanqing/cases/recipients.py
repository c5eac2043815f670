"""Who is told about a case: the people each step of the workflow notifies, and the notice itself."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.urls import reverse

from lanqing import texts
from lanqing.cases.models import Case
from lanqing.cases.selectors import users_with
from lanqing.notifications.services import notification_send
from lanqing.org.models import Role


def handlers(case: Case) -> list:
    """The lead unit's members and the case's township officers."""
    users = []
    if case.lead_unit_id:
        users += list(users_with(unit_id=case.lead_unit_id))
    if case.township_id:
        users += list(users_with(role=Role.TOWNSHIP, jurisdiction_id=case.township_id))
    return users


def rectifiers(case: Case) -> list:
    """The accounts of the enterprise that rectifies the problem."""
    return list(users_with(role=Role.ENTERPRISE, enterprise_id=case.enterprise_id)) if case.enterprise_id else []


def bureau() -> list:
    return list(users_with(role=Role.BUREAU))


def leadership(case: Case) -> list:
    """County leadership whose jurisdiction contains the case's place."""
    return [user for user in users_with(role=Role.LEADERSHIP).select_related("membership__jurisdiction")
            if user.membership.jurisdiction and user.membership.jurisdiction.contains(case.jurisdiction)]


def tell(users: Iterable, case: Case, title: texts.Stored, body: texts.Stored | str = "", *,
         now: datetime) -> None:
    # The link is to the staff site, also when the public site (another URLconf) files the case.
    notification_send(users=users, title=title, body=body or case.title_text or case.title,
                      url=reverse("cases:detail", args=[case.id], urlconf="lanqing.urls"), now=now)


def lead(case: Case) -> list:
    """The lead unit's members, or the bureau while no unit leads the case."""
    return list(users_with(unit_id=case.lead_unit_id)) if case.lead_unit_id else bureau()


def unit_leader(case: Case) -> list:
    """The lead unit's leader and the bureau: the second step of escalation."""
    # The unit's leader through the leader's own account when the unit has one, otherwise through its
    # members' accounts; the bureau, which supervises the escalation, is told either way.
    unit = case.lead_unit
    if unit is None:
        return bureau()
    if unit.leader_id is not None and unit.leader is not None and unit.leader.is_active:
        return [unit.leader] + bureau()
    return list(users_with(unit_id=unit.id)) + bureau()

