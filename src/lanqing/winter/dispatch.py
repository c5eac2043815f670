"""Where to send inspectors during a warning: the listed enterprises within 3, 5 or 10 km of an air station whose
latest hourly AQI is high, those whose cut falls furthest short first (spot checks, 双随机 aside)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from lanqing.monitoring.models import Measurement, Period, Site
from lanqing.monitoring.quality import AqiRow, hourly_aqi
from lanqing.org.models import Enterprise
from lanqing.winter.compliance import warning_compliance
from lanqing.winter.models import PollutionWarning

RADII_KM = (3, 5, 10)
EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), ample for a county's few kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


@dataclass(frozen=True)
class StationAqi:
    site: Site
    aqi: AqiRow


@dataclass(frozen=True)
class Target:
    enterprise: Enterprise
    station: Site
    distance_km: float
    shortfall: float | None  # the worst of its outlets' shortfalls so far (percentage points); None: not judged


def high_stations(stations: Iterable[Site], *, at: datetime, threshold: int) -> list[StationAqi]:
    """Stations whose newest hourly AQI up to `at` is above `threshold`, highest first."""
    found = []
    for site in stations:
        last = (Measurement.objects.filter(point__site=site, period=Period.HOUR, time__lte=at)
                .order_by("-time").values_list("time", flat=True).first())
        if last is None:
            continue
        row = hourly_aqi(site, last_hour=last, hours=1)[0]
        if row.aqi is not None and row.aqi > threshold:
            found.append(StationAqi(site, row))
    return sorted(found, key=lambda s: -(s.aqi.aqi or 0))


def _nearest(enterprise: Enterprise, stations: Sequence[StationAqi]) -> tuple[Site, float] | None:
    if enterprise.latitude is None or enterprise.longitude is None:
        return None
    best = None
    for station in stations:
        site = station.site
        if site.latitude is None or site.longitude is None:
            continue
        km = distance_km(float(enterprise.latitude), float(enterprise.longitude), float(site.latitude),
                         float(site.longitude))
        if best is None or km < best[1]:
            best = (site, km)
    return best


def targets(warning: PollutionWarning, *, enterprises: Iterable[Enterprise], stations: Sequence[StationAqi],
            radius_km: float, now: datetime) -> list[Target]:
    """The listed `enterprises` within `radius_km` of a high station, largest shortfall first, then nearest."""
    near: dict[int, tuple[Enterprise, Site, float]] = {}
    for enterprise in enterprises:
        nearest = _nearest(enterprise, stations)
        if nearest is not None and nearest[1] <= radius_km:
            near[enterprise.id] = (enterprise, *nearest)
    shortfalls: dict[int, float] = {}
    for figures in warning_compliance(warning, now=now, enterprise_ids=set(near)):
        shortfall = figures.shortfall
        if shortfall is not None:
            key = figures.entry.enterprise_id
            shortfalls[key] = max(shortfall, shortfalls.get(key, shortfall))
    rows = [Target(enterprise, site, km, shortfalls.get(enterprise.id)) for enterprise, site, km in near.values()]
    return sorted(rows, key=lambda t: (t.shortfall is None, -(t.shortfall or 0), t.distance_km))
