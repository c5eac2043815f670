"""Reads of cases, always through lanqing.org.scope; department users see only their unit's cases."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from lanqing.cases.models import (
    OPEN_STATES,
    AccountabilityRecord,
    Case,
    CaseEvent,
    CaseState,
    Evidence,
    ExtensionRequest,
    ExtensionStatus,
    ResponsibilityRule,
)
from lanqing.org import scope
from lanqing.org.models import Role

BOXES = ("mine", "unit", "township", "overdue", "all")


def cases_visible_to(user) -> QuerySet[Case]:
    cases = scope.visible(user, Case.objects.select_related("jurisdiction", "township", "lead_unit", "enterprise",
                                                            "site"))
    membership = scope.membership_of(user)
    if membership is None:
        return cases
    if membership.role == Role.UNIT:
        # A department answers for its own cases, not for everything in its unit's jurisdiction.
        unit_id = membership.unit_id or 0
        supporting = Case.support_units.through.objects.filter(unit_id=unit_id).values("case_id")
        cases = cases.filter(Q(lead_unit_id=unit_id) | Q(id__in=supporting))
    if membership.role == Role.ENTERPRISE:
        # The enterprise learns of a case when it is dispatched, not while the bureau drafts it.
        cases = cases.exclude(state=CaseState.DRAFT)
    return cases


def case_for_user(user, case_id) -> Case:
    """Fetch and authorise in one step: Http404 outside the user's scope."""
    return scope.get_visible(user, cases_visible_to(user), id=case_id)


def cases_in_box(user, box: str, *, now: datetime | None = None) -> QuerySet[Case]:
    now = now or timezone.now()
    cases = cases_visible_to(user)
    membership = scope.membership_of(user)
    role = scope.role_of(user)
    if box == "overdue":
        return cases.filter(state__in=OPEN_STATES, deadline_at__lt=now)
    if box == "unit":
        if membership is None or membership.unit_id is None:
            return cases.none()
        supporting = Case.support_units.through.objects.filter(unit_id=membership.unit_id).values("case_id")
        return cases.filter(Q(lead_unit_id=membership.unit_id) | Q(id__in=supporting))
    if box == "township":
        root = scope.root_jurisdiction(user)
        if role not in (Role.TOWNSHIP, Role.GRID_OFFICER) or root is None:
            return cases.none()
        return cases.filter(township__code__startswith=root.code[:9])
    if box == "mine":
        if role == Role.BUREAU:
            pending = ExtensionRequest.objects.filter(status=ExtensionStatus.PENDING).values("case_id")
            return cases.filter(Q(state__in=[CaseState.DRAFT, CaseState.SUBMITTED]) | Q(id__in=pending))
        if role == Role.LEADERSHIP:
            return cases.filter(state__in=OPEN_STATES, escalation_level__gte=3)
        if role == Role.UNIT and membership is not None:
            return cases.filter(lead_unit_id=membership.unit_id, state__in=OPEN_STATES)
        return cases.filter(state__in=OPEN_STATES)
    return cases


def dispatch_queue(user) -> QuerySet[Case]:
    return cases_visible_to(user).filter(state=CaseState.DRAFT).order_by("created_at", "id")


def timeline_for(case: Case) -> QuerySet[CaseEvent]:
    return case.events.select_related("actor").prefetch_related("evidence")


def evidence_for_user(user, evidence_id) -> Evidence:
    cases = cases_visible_to(user)
    return scope.get_visible(user, Evidence.objects.filter(case__in=cases), id=evidence_id)


def extension_of(case: Case, extension_id) -> ExtensionRequest:
    """An extension request of a case the caller already fetched through case_for_user."""
    try:
        return case.extensions.get(id=extension_id)
    except (ExtensionRequest.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def accountability_visible_to(user) -> QuerySet[AccountabilityRecord]:
    return AccountabilityRecord.objects.filter(case__in=cases_visible_to(user)).select_related(
        "case", "unit", "township", "enterprise")


def matrix_rows() -> QuerySet[ResponsibilityRule]:
    return ResponsibilityRule.objects.select_related("industry", "lead_unit").prefetch_related("support_units")


def users_with(**membership_filter):
    return get_user_model().objects.filter(is_active=True, **{f"membership__{k}": v
                                                               for k, v in membership_filter.items()})
