"""Reads of cases, always through lanqing.org.access (which narrows departments and hides drafts)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, Q, QuerySet
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
    ResponsibilityChange,
    ResponsibilityRule,
)
from lanqing.org import access
from lanqing.org.models import Enterprise, Role

BOXES = ("mine", "unit", "township", "overdue", "due", "all")
# The "due" box: open cases whose deadline falls within this many days (the workbench counts the same).
DUE_SOON_DAYS = 3
# The inbox's state filter value meaning "any open state" (the workbench's open-case figures link with it).
OPEN = "open"


def cases_visible_to(user) -> QuerySet[Case]:
    return access.visible(user, Case.objects.select_related("jurisdiction", "township", "lead_unit", "enterprise",
                                                            "site"))


def enterprise_ids_named_for(unit_id: int) -> QuerySet:
    """Enterprises the responsibility matrix or a case names for a unit (一岗双责): a case led or supported by
    the unit, or an active matrix row naming the unit for the enterprise's industry (a row without an industry
    names every enterprise). Rows about ambient sites name no enterprise."""
    rows = ResponsibilityRule.objects.filter(Q(lead_unit_id=unit_id) | Q(support_units__id=unit_id),
                                             is_active=True, site_kind__in=["", "outlet"])
    supported = Case.support_units.through.objects.filter(unit_id=unit_id).values("case_id")
    by_case = Q(id__in=Case.objects.filter(Q(lead_unit_id=unit_id) | Q(id__in=supported))
                .values("enterprise_id"))
    # One subquery for the caller's query, not a query of its own each time a page asks.
    every = Q(Exists(rows.filter(industry__isnull=True)))
    return Enterprise.objects.filter(every | by_case | Q(industry_id__in=rows.values("industry_id"))).values("id")


def case_for_user(user, case_id) -> Case:
    """Fetch and authorise in one step: Http404 outside the user's scope."""
    return access.get_visible(user, cases_visible_to(user), id=case_id)


def boxes_for(user) -> tuple[str, ...]:
    """The inboxes that can hold a case for this user: "my unit's" needs a unit, "my township's" a township
    or grid officer; a box that would always be empty is not offered."""
    membership = access.membership_of(user)
    role = access.role_of(user)
    return tuple(box for box in BOXES
                 if not (box == "unit" and (membership is None or membership.unit_id is None))
                 and not (box == "township" and role not in (Role.TOWNSHIP, Role.GRID_OFFICER)))


# A box no case of the user can be in (a unit's box without a unit, say).
NO_CASE = None


def box_filter(user, box: str, *, now: datetime) -> Q | None:
    """What puts one of the user's visible cases in `box` (an empty Q: every one; NO_CASE: none)."""
    membership = access.membership_of(user)
    role = access.role_of(user)
    if box == "overdue":
        return Q(state__in=OPEN_STATES, deadline_at__lt=now)
    if box == "due":
        return Q(state__in=OPEN_STATES, deadline_at__gte=now, deadline_at__lt=now + timedelta(days=DUE_SOON_DAYS))
    if box == "unit":
        if membership is None or membership.unit_id is None:
            return NO_CASE
        supporting = Case.support_units.through.objects.filter(unit_id=membership.unit_id).values("case_id")
        return Q(lead_unit_id=membership.unit_id) | Q(id__in=supporting)
    if box == "township":
        root = access.root_jurisdiction(user)
        if role not in (Role.TOWNSHIP, Role.GRID_OFFICER) or root is None:
            return NO_CASE
        return Q(township__code__startswith=root.code[:9])
    if box == "mine":
        if role == Role.BUREAU:
            pending = ExtensionRequest.objects.filter(status=ExtensionStatus.PENDING).values("case_id")
            return Q(state__in=[CaseState.DRAFT, CaseState.SUBMITTED]) | Q(id__in=pending)
        if role == Role.LEADERSHIP:
            return Q(state__in=OPEN_STATES, escalation_level__gte=3)
        if role == Role.UNIT and membership is not None:
            return Q(lead_unit_id=membership.unit_id, state__in=OPEN_STATES)
        return Q(state__in=OPEN_STATES)
    return Q()


def cases_in_box(user, box: str, *, now: datetime | None = None) -> QuerySet[Case]:
    found = box_filter(user, box, now=now or timezone.now())
    cases = cases_visible_to(user)
    return cases.none() if found is NO_CASE else cases.filter(found)


def box_counts(user, wanted: dict[str, Q | None], *, now: datetime) -> dict[str, int]:
    """How many of the user's visible cases each filter of `wanted` selects, in one query (a filter made of
    `box_filter`, narrowed further by the caller; NO_CASE counts 0)."""
    counted = {name: Count("id", filter=found) if found else Count("id")
               for name, found in wanted.items() if found is not NO_CASE}
    counts = cases_visible_to(user).order_by().aggregate(**counted) if counted else {}
    return {name: counts.get(name, 0) for name in wanted}


def dispatch_queue(user) -> QuerySet[Case]:
    return cases_visible_to(user).filter(state=CaseState.DRAFT).order_by("created_at", "id")


def timeline_for(case: Case) -> QuerySet[CaseEvent]:
    return case.events.select_related("actor").prefetch_related("evidence")


def evidence_for_user(user, evidence_id) -> Evidence:
    return access.get_visible(user, Evidence.objects.all(), id=evidence_id)


def case_about(*, site, category: str) -> Case | None:
    """The case not yet closed about this site and category, if there is one (the oldest, should there be
    several from before alerts joined cases)."""
    return (Case.objects.filter(site=site, category=category).exclude(state=CaseState.CLOSED)
            .order_by("created_at", "id").first())


def extension_of(case: Case, extension_id) -> ExtensionRequest:
    """An extension request of a case the caller already fetched through case_for_user."""
    try:
        return case.extensions.get(id=extension_id)
    except (ExtensionRequest.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def accountability_visible_to(user) -> QuerySet[AccountabilityRecord]:
    return AccountabilityRecord.objects.filter(case__in=cases_visible_to(user)).select_related(
        "case", "unit", "township", "enterprise")


def matrix_rows(user) -> QuerySet[ResponsibilityRule]:
    return access.visible(user, ResponsibilityRule.objects.select_related("industry", "lead_unit")
                          .prefetch_related("support_units"))


def matrix_changes(user) -> QuerySet[ResponsibilityChange]:
    return access.visible(user, ResponsibilityChange.objects.select_related("by")).order_by("-at", "-id")


def users_with(**membership_filter):
    return get_user_model().objects.filter(is_active=True, **{f"membership__{k}": v
                                                               for k, v in membership_filter.items()})
