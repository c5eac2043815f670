"""What the public quality page shows: each air station's AQI now, over 24 hours and 30 days, each water
section's latest class against its target, and the county's year to date. Every figure comes from the
standards engine through lanqing.monitoring.quality; where it finds too little data the page says so."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.cache import cache
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from lanqing.monitoring import quality
from lanqing.monitoring.models import Site, SiteKind
from lanqing.standards.air_tables import INDICATOR_ZH

# What each AQI level means for health and what to do (HJ 633-2012 Table 2, its two advice columns in our
# own words).
ADVICE = {
    1: _("Air quality is satisfactory and poses little or no risk. Enjoy being outdoors."),
    2: _("Air quality is acceptable. Unusually sensitive people should cut down outdoor exertion."),
    3: _("Sensitive people may feel worse and healthy people some irritation. Children, the elderly and people "
         "with heart or lung disease should cut down long or heavy outdoor exertion."),
    4: _("Sensitive people feel worse; healthy people's heart and lungs may be affected. Children, the elderly "
         "and people with heart or lung disease should avoid long or heavy outdoor exertion; everyone should "
         "cut down outdoor activity."),
    5: _("People with heart or lung disease feel clearly worse and healthy people commonly have symptoms. "
         "Children, the elderly and the sick should stay indoors; everyone should cut down outdoor activity."),
    6: _("Even healthy people have clear symptoms and tire easily. Children, the elderly and the sick should "
         "stay indoors and rest; everyone should avoid outdoor activity."),
}
# Primary pollutants as the engine names them, for people (CNEMC's Chinese names; English as the codes).
INDICATOR_EN = {"SO2": "SO₂", "NO2": "NO₂", "CO": "CO", "PM10": "PM10", "PM2.5": "PM2.5", "O3_1h": "O₃ (1-h)",
                "O3_8h": "O₃ (8-h)"}
CACHE_SECONDS = 300


@dataclass
class AirStation:
    site: Site
    now: quality.AqiRow | None
    hours: list[quality.AqiRow]
    days: list[quality.AqiRow]

    @property
    def advice(self) -> str | Promise:
        return ADVICE.get(self.now.level, "") if self.now and self.now.aqi is not None else ""


@dataclass
class WaterSection:
    site: Site
    latest: quality.WaterRow | None


@dataclass
class QualityPage:
    key: str  # names this computation, so the rendered page can be cached with it
    at: datetime
    air: list[AirStation]
    water: list[WaterSection]
    year: quality.YearToDate | None


def primary_names(row: quality.AqiRow | None, language: str) -> str:
    if row is None:
        return ""
    names = INDICATOR_EN if language.startswith("en") else INDICATOR_ZH
    return "、".join(names.get(code, code) for code in row.primary) if not language.startswith("en") else \
        ", ".join(names.get(code, code) for code in row.primary)


def quality_page(*, now: datetime | None = None) -> QualityPage:
    """Computed once per hour's data and kept for a few minutes: the page is read far more than data arrive."""
    now = now or timezone.now()
    key = f"public-quality-{now:%Y%m%d%H}-{now.minute // 5}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    last_hour = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    yesterday = timezone.localtime(now).date() - timedelta(days=1)
    air_sites = list(Site.objects.filter(kind=SiteKind.AIR, is_active=True).order_by("code"))
    air = []
    for site in air_sites:
        hours = quality.hourly_aqi(site, last_hour=last_hour, hours=24)
        current = hours[0] if hours and hours[0].aqi is not None else None
        air.append(AirStation(site, current, hours[::-1], quality.daily_aqi(site, last_day=yesterday, days=30)))
    water = [WaterSection(site, quality.latest_complete_water_day(site, now=now, days=7))
             for site in Site.objects.filter(kind=SiteKind.WATER, is_active=True).order_by("code")]
    page = QualityPage(key, now, air, water, quality.year_to_date(air_sites, today=timezone.localtime(now).date()))
    cache.set(key, page, CACHE_SECONDS)
    return page
