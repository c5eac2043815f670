"""What a user may see: the one place that filters querysets and fetches objects for a user.

Every view, API endpoint, export and report goes through here (DESIGN.md, Roles and scope). A row outside a
user's scope is never returned, not even counted; an object lookup outside it raises Http404, so a crafted
URL cannot tell "exists but not yours" from "does not exist".

Scope by role:
- leadership, township, grid officer: their jurisdiction and everything under it;
- bureau and department (unit) users: the jurisdiction of their unit;
- enterprise users: their own enterprise and its sites;
- superusers without a membership: everything (installation administrators).
A user with neither a membership nor superuser rights sees nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from lanqing.org.models import Enterprise, Jurisdiction, Membership, Role, Unit

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Rule:
    """How a model's rows are tied to a jurisdiction and to an enterprise (lookup paths; "" = the row)."""

    jurisdiction_codes: tuple[str, ...]
    enterprise: str | None


# Paths to the code of a row's jurisdiction(s) and to its enterprise; a row is in scope if any path matches.
RULES: dict[str, Rule] = {
    "org.jurisdiction": Rule(("code",), None),
    "org.unit": Rule(("jurisdiction__code",), None),
    "org.enterprise": Rule(("township__code", "village__code"), ""),
    "monitoring.site": Rule(("jurisdiction__code",), "enterprise"),
    "monitoring.point": Rule(("site__jurisdiction__code",), "site__enterprise"),
    "monitoring.device": Rule(("point__site__jurisdiction__code",), "point__site__enterprise"),
    "monitoring.measurement": Rule(("point__site__jurisdiction__code",), "point__site__enterprise"),
    "monitoring.transmissionstat": Rule(("device__point__site__jurisdiction__code",), "device__point__site__enterprise"),
}


def register_rule(label: str, rule: Rule) -> None:
    """Later apps (cases, complaints, ledgers…) add their models here rather than filtering by hand."""
    RULES[label] = rule


def membership_of(user) -> Membership | None:
    if not getattr(user, "is_authenticated", False):
        return None
    if hasattr(user, "_lanqing_membership"):
        return user._lanqing_membership
    membership = (Membership.objects.select_related("jurisdiction", "unit__jurisdiction", "enterprise")
                  .filter(user=user).first())
    user._lanqing_membership = membership
    return membership


def role_of(user) -> str | None:
    membership = membership_of(user)
    if membership:
        return membership.role
    if getattr(user, "is_superuser", False) and user.is_active:
        return Role.BUREAU
    return None


def root_jurisdiction(user) -> Jurisdiction | None:
    """The top of the user's jurisdiction subtree, or None when the user's scope is not a jurisdiction."""
    membership = membership_of(user)
    if membership is None:
        return None
    if membership.role in (Role.BUREAU, Role.UNIT):
        return membership.unit.jurisdiction if membership.unit else None
    if membership.role == Role.ENTERPRISE:
        return None
    return membership.jurisdiction


def _sees_everything(user) -> bool:
    return bool(getattr(user, "is_superuser", False) and user.is_active and membership_of(user) is None)


def _condition(user, rule: Rule) -> Q | None:
    """The filter for the user's scope; None means no restriction; an always-false Q means nothing."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Q(pk__in=[])
    if _sees_everything(user):
        return None
    membership = membership_of(user)
    if membership is None:
        return Q(pk__in=[])
    if membership.role == Role.ENTERPRISE:
        if rule.enterprise is None or membership.enterprise_id is None:
            return Q(pk__in=[])
        field = f"{rule.enterprise}__id" if rule.enterprise else "id"
        return Q(**{field: membership.enterprise_id})
    root = root_jurisdiction(user)
    if root is None:
        return Q(pk__in=[])
    condition = Q(pk__in=[])
    for path in rule.jurisdiction_codes:
        condition |= Q(**{f"{path}__startswith": root.prefix})
    return condition


def visible(user, queryset: QuerySet[M]) -> QuerySet[M]:
    """The rows of `queryset` that `user` may see."""
    label = queryset.model._meta.label_lower
    rule = RULES.get(label)
    if rule is None:
        # Failing closed: a model nobody described is visible to nobody through this module.
        raise LookupError(f"no scope rule for {label}; add one to lanqing.org.scope.RULES")
    condition = _condition(user, rule)
    return queryset if condition is None else queryset.filter(condition)


def get_visible(user, queryset: QuerySet[M], **lookup) -> M:
    """Fetch one object and authorise in one step: Http404 when missing or outside the user's scope."""
    try:
        return visible(user, queryset).get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise Http404 from None


# Named selectors so that views read plainly.
def jurisdictions_visible_to(user) -> QuerySet[Jurisdiction]:
    return visible(user, Jurisdiction.objects.all())


def enterprises_visible_to(user) -> QuerySet[Enterprise]:
    return visible(user, Enterprise.objects.select_related("industry", "township", "village"))


def units_visible_to(user) -> QuerySet[Unit]:
    return visible(user, Unit.objects.select_related("jurisdiction"))


def can_manage_registry(user) -> bool:
    """Bureau staff maintain enterprises, sites, devices and imports; leadership only reads."""
    return role_of(user) == Role.BUREAU
