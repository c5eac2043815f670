"""Who a user is in the organisation: its membership, role and the top of its jurisdiction.

What the user may see and do is decided in lanqing.org.access, which reads these; callers ask access.
"""

from __future__ import annotations

from lanqing.org.models import Jurisdiction, Membership, Role


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
