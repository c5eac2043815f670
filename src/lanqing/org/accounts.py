"""Creating users with a role and its scope object."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from lanqing.org.models import ROLE_SCOPE_FIELD, Enterprise, Jurisdiction, Membership, Role, Unit


class AccountError(Exception):
    pass


def _scope_object(role: Role, scope: str) -> tuple[str, Jurisdiction | Unit | Enterprise]:
    field = ROLE_SCOPE_FIELD[role]
    if field == "jurisdiction":
        jurisdiction = Jurisdiction.objects.filter(code=scope).first()
        if jurisdiction is None:
            raise AccountError(_("no jurisdiction with division code %(code)s") % {"code": repr(scope)})
        return field, jurisdiction
    if field == "unit":
        unit = Unit.objects.filter(name=scope).first() or Unit.objects.filter(short_name=scope).first()
        if unit is None:
            raise AccountError(_("no unit named %(name)s") % {"name": repr(scope)})
        return field, unit
    enterprise = Enterprise.objects.filter(credit_code=scope.upper()).first()
    if enterprise is None:
        raise AccountError(_("no enterprise with credit code %(code)s") % {"code": repr(scope)})
    return field, enterprise


@transaction.atomic
def user_create(*, username: str, password: str, role: str, scope: str, full_name: str = "",
                superuser: bool = False, is_demo: bool = False, check_password: bool = True):
    try:
        role_value = Role(role)
    except ValueError:
        raise AccountError(_("unknown role %(role)s") % {"role": repr(role)}) from None
    user_model = get_user_model()
    if user_model.objects.filter(username=username).exists():
        raise AccountError(_("a user named %(username)s exists") % {"username": repr(username)})
    field, scope_object = _scope_object(role_value, scope)
    user = user_model(username=username, first_name=full_name[:150], is_superuser=superuser, is_staff=superuser)
    if check_password:
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise AccountError("; ".join(error.messages)) from None
    user.set_password(password)
    user.save()
    membership = Membership(user=user, role=role_value, is_demo=is_demo, **{field: scope_object})
    try:
        membership.full_clean()
    except ValidationError as error:
        raise AccountError("; ".join(error.messages)) from None
    membership.save()
    return user
