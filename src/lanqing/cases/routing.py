"""Routing by the responsibility matrix (属地 + 一岗双责): township from the location, units from the matrix."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from lanqing.cases.models import DeadlineRule, ResponsibilityRule
from lanqing.org.models import PREFIX_LENGTH, Enterprise, Jurisdiction, Level, Unit

# When several matrix rows match, the most specific wins; a matching category weighs more than a matching
# industry, which weighs more than a matching site kind (the bureau's rows read from general to particular).
WEIGHTS = {"category": 4, "industry": 2, "site_kind": 1}


@dataclass
class Route:
    township: Jurisdiction | None
    lead_unit: Unit | None
    support_units: list[Unit] = field(default_factory=list)
    rule: ResponsibilityRule | None = None

    @property
    def routed(self) -> bool:
        return self.lead_unit is not None


def township_of(jurisdiction: Jurisdiction | None) -> Jurisdiction | None:
    """The township that contains a township or village; None for the county and above."""
    if jurisdiction is None:
        return None
    if jurisdiction.level == Level.TOWNSHIP:
        return jurisdiction
    if jurisdiction.level != Level.VILLAGE:
        return None
    prefix = jurisdiction.code[: PREFIX_LENGTH[Level.TOWNSHIP]]
    return Jurisdiction.objects.filter(code=prefix + "000", level=Level.TOWNSHIP).first()


def matrix_row_for(*, category: str, industry_id: int | None, site_kind: str) -> ResponsibilityRule | None:
    rows = ResponsibilityRule.objects.filter(is_active=True).filter(
        Q(category="") | Q(category=category),
        Q(industry__isnull=True) | Q(industry_id=industry_id),
        Q(site_kind="") | Q(site_kind=site_kind),
    ).select_related("lead_unit").prefetch_related("support_units")

    def weight(row: ResponsibilityRule) -> tuple[int, int]:
        score = (WEIGHTS["category"] * bool(row.category) + WEIGHTS["industry"] * bool(row.industry_id)
                 + WEIGHTS["site_kind"] * bool(row.site_kind))
        return score, -row.id

    return max(rows, key=weight, default=None)


def route_for(*, category: str, jurisdiction: Jurisdiction, enterprise: Enterprise | None,
              site_kind: str = "") -> Route:
    row = matrix_row_for(category=category, industry_id=enterprise.industry_id if enterprise else None,
                         site_kind=site_kind)
    township = township_of(jurisdiction)
    if row is None:
        return Route(township=township, lead_unit=None)
    support = [unit for unit in row.support_units.all() if unit.id != row.lead_unit_id]
    return Route(township=township, lead_unit=row.lead_unit, support_units=support, rule=row)


# Used when no deadline rule matches; the bureau is expected to add its own rows.
DEFAULT_WORKING_DAYS = 10


def deadline_rule_for(*, category: str, severity: str) -> DeadlineRule:
    rows = DeadlineRule.objects.filter(Q(category="") | Q(category=category),
                                       Q(severity="") | Q(severity=severity))
    best = max(rows, key=lambda r: (2 * bool(r.category) + bool(r.severity), -r.id), default=None)
    return best or DeadlineRule(working_days=DEFAULT_WORKING_DAYS, basis="")
