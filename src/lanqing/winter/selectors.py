"""Reads of warnings for the pages above winter that are not the bureau's (the public site)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils.functional import Promise

from lanqing.org.models import Level as AreaLevel
from lanqing.winter.advice import PUBLIC_ADVICE, PublicAdvice
from lanqing.winter.models import LEVEL_RANK, Level, PollutionWarning, WarningState

# Warnings over these areas cover the whole county the public site serves; a township's would not.
COVERING_LEVELS = (AreaLevel.COUNTY, AreaLevel.CITY, AreaLevel.PROVINCE)


@dataclass(frozen=True)
class PublicWarning:
    """A warning as the public may read it: its level, period and document number, never who entered it, the
    issuer's account, the document's text or the bureau's tolerances."""

    level: str
    starts_at: datetime
    ends_at: datetime | None
    document_number: str

    @property
    def level_label(self) -> str | Promise:
        return Level(self.level).label

    @property
    def advice(self) -> PublicAdvice:
        return PUBLIC_ADVICE[Level(self.level)]

    def in_force(self, now: datetime) -> bool:
        return self.starts_at <= now and (self.ends_at is None or now < self.ends_at)


def public_warnings(*, now: datetime) -> list[PublicWarning]:
    """Warnings not lifted, changed or ended by `now` over the county or above (including those still to
    start), strongest first; only the public fields are read."""
    rows = (PollutionWarning.objects.filter(state=WarningState.ACTIVE, jurisdiction__level__in=COVERING_LEVELS)
            .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
            .values_list("level", "starts_at", "ends_at", "document_number"))
    found = [PublicWarning(*row) for row in rows]
    return sorted(found, key=lambda warning: (-LEVEL_RANK[Level(warning.level)], warning.starts_at))
