"""What a site's chart measures its values against: the outlet's emission limit set or the water section's
target class, and which of the values shown break it, judged by the standards engine as the alerts judge."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import numpy as np
from django.utils.translation import get_language, gettext

from lanqing.monitoring.models import Factor, Site, SiteKind
from lanqing.standards import emission, factor_codes, water
from lanqing.standards.names import standard_of

VALID_FLAG = "N"  # HJ 212: only a value flagged N is a basis for an exceedance


@lru_cache(maxsize=1)
def _catalogue() -> emission.LimitCatalogue:
    return emission.load_catalogue()


def limit_set_of(site: Site) -> emission.LimitSet | None:
    if site.kind != SiteKind.OUTLET or not site.limit_set or site.limit_set not in _catalogue():
        return None
    return _catalogue()[site.limit_set]


@dataclass(frozen=True)
class StandardLabel:
    name: str  # the standard by name and number, or the set's own title when the number is not one we know
    detail: str  # the table and clause of the set, as the catalogue words it


def standard_label(site: Site) -> StandardLabel | None:
    limit_set = limit_set_of(site)
    if limit_set is None:
        return StandardLabel(site.limit_set, "") if site.limit_set else None
    standard = standard_of(limit_set.key)
    if standard is None:
        return StandardLabel(limit_set.title, "")
    language = get_language() or "zh-hans"
    # The catalogue words its tables and clauses in English only: a Chinese page names the standard alone.
    return StandardLabel(standard.label(language), "" if language.startswith("zh") else limit_set.title)


def opening_factor(site: Site, factors: Sequence[Factor]) -> Factor | None:
    """The factor a site's page opens on: a pollutant its standard judges (a water section's GB 3838 factor,
    an outlet's limited factor, an air station's AQI pollutant), before flow, temperature or status values."""
    by_code = {f.code: f for f in factors}
    return next((by_code[c] for c in judged_codes(site) if c in by_code), factors[0] if factors else None)


def judged_codes(site: Site) -> list[str]:
    """The HJ 212 codes of the factors the site's standard judges, the one a reader looks at first first."""
    if site.kind == SiteKind.WATER:
        return list(dict.fromkeys([c for c, name in factor_codes.WATER.items() if name in water.LIMITS]
                                  + list(factor_codes.WATER)))
    if site.kind == SiteKind.OUTLET:
        limits = limit_set_of(site)
        return [c for c, name in factor_codes.EMISSION.items() if limits is None or name in limits.limits]
    return list(dict.fromkeys(["a34004", *factor_codes.AIR]))


@dataclass(frozen=True)
class ChartLimit:
    label: str
    high: float | None  # values above break it
    low: float | None  # values below break it (dissolved oxygen, pH)
    exceeds: list[int]  # indexes of the values shown that break it


def chart_limit(site: Site, factor: Factor, values: Sequence[float | None], flags: Sequence[str],
                o2: Sequence[float | None] | None = None) -> ChartLimit | None:
    x = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    valid = np.array([flag == VALID_FLAG for flag in flags], dtype=bool)
    if site.kind == SiteKind.WATER and site.target_class:
        return _water_limit(site.target_class, factor, x, valid)
    limit_set = limit_set_of(site)
    name = factor_codes.EMISSION.get(factor.code)
    if limit_set is None or name is None or name not in limit_set.limits:
        return None
    bound = limit_set.limits[name]
    converted = limit_set.medium == "gas" and limit_set.reference_o2 is not None
    oxygen = None
    if converted and o2 is not None:
        oxygen = np.array([np.nan if v is None else v for v in o2], dtype=np.float64)
    verdict = emission.check(x, name, limit_set, o2=oxygen)
    exceeds = verdict.exceeds & valid
    if converted and oxygen is None:
        exceeds[:] = False  # without the hour's O2 the converted value, which the limit is for, is unknown
    if converted:
        label = gettext("Emission limit at %(o2)s%% O₂") % {"o2": f"{limit_set.reference_o2:g}"}
    else:
        label = gettext("Emission limit")
    low, high = bound if isinstance(bound, tuple) else (None, bound)
    return ChartLimit(label, high, low, [int(i) for i in np.flatnonzero(exceeds)])


def _water_limit(target: int, factor: Factor, x: np.ndarray, valid: np.ndarray) -> ChartLimit | None:
    name = factor_codes.WATER.get(factor.code)
    if name is None:
        return None
    classes = water.factor_classes(name, x)
    exceeds = valid & (classes > target)
    label = gettext("Class %(target)s limit (GB 3838-2002)") % {"target": water.CLASS_NAMES[target]}
    if name == "pH":
        low, high = water.PH_RANGE
        return ChartLimit(label, float(high), float(low), [int(i) for i in np.flatnonzero(exceeds)])
    if name == "DO":
        return ChartLimit(label, None, float(water.DO_MIN[target - 1]), [int(i) for i in np.flatnonzero(exceeds)])
    return ChartLimit(label, float(water.LIMITS[name][target - 1]), None, [int(i) for i in np.flatnonzero(exceeds)])


def o2_by_time(rows: Sequence[tuple[datetime, float | None, str]]) -> dict[datetime, float | None]:
    """Valid O2 values by time, to pair with a pollutant's values of the same hours."""
    return {time: value for time, value, flag in rows if flag == VALID_FLAG}
