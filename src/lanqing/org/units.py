"""The units a county starts with."""

from __future__ import annotations

from django.db import transaction

from lanqing.org.models import Jurisdiction, Level, Unit, UnitKind


def bureau_name_for(county: Jurisdiction) -> str:
    # Since the 2019 vertical-management reform a county's environment bureau is a branch of the city's
    # bureau and is named after both, e.g. 临汾市生态环境局古县分局.
    city = county.parent
    if city is not None and city.level == Level.CITY:
        return f"{city.name}生态环境局{county.name}分局"
    return f"{county.name}生态环境局"


@transaction.atomic
def county_bureau_ensure(*, county: Jurisdiction) -> tuple[Unit, bool]:
    """The county's bureau unit, created with its reform name when the county has none yet (renaming it
    afterwards is the bureau's business, so an existing one is left as it is)."""
    existing = Unit.objects.filter(jurisdiction=county, kind=UnitKind.BUREAU).order_by("id").first()
    if existing is not None:
        return existing, False
    return Unit.objects.create(jurisdiction=county, kind=UnitKind.BUREAU, name=bureau_name_for(county)), True
