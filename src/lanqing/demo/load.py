"""Loading the Gu County demo into the database: organisation, registry, accounts, a year of hourly data."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np
from django.contrib.auth import get_user_model
from django.db import connection, models, transaction
from django.db.models import Max

from lanqing.demo import catalogue, series
from lanqing.demo.geo import boundary_polygons, contains, place_near
from lanqing.demo.marks import demo_marks_load
from lanqing.demo.portal import demo_portal_load
from lanqing.demo.supervision import demo_supervision_load
from lanqing.demo.winter import demo_winter_load
from lanqing.demo.yearwork import demo_yearwork_load
from lanqing.monitoring.factors import factors_ensure
from lanqing.monitoring.models import Device, Factor, Measurement, Point, Site
from lanqing.org.accounts import user_create
from lanqing.org.credit_code import make_credit_code
from lanqing.org.divisions import GU_COUNTY_BOUNDARY, gu_county_load
from lanqing.org.models import Enterprise, Industry, Jurisdiction, Level, Unit

# Rows per executemany call: large enough to amortise the call, small enough to keep memory flat.
BATCH_ROWS = 50_000


class DemoError(Exception):
    pass


class DemoAlreadyLoaded(DemoError):
    pass


@dataclass
class DemoSummary:
    townships: int
    villages: int
    units: int
    enterprises: int
    sites: int
    devices: int
    measurements: int
    cases: int = 0
    alerts: int = 0
    seconds: float = 0.0


def demo_loaded() -> bool:
    return (Site.objects.filter(is_demo=True).exists() or Enterprise.objects.filter(is_demo=True).exists()
            or Unit.objects.filter(is_demo=True).exists())


def _degrees(value: float) -> Decimal:
    # Via text: a float turned into Decimal keeps its binary tail and breaks decimal_places=6.
    return Decimal(f"{value:.6f}")


def _hour_start(moment: datetime | None) -> datetime:
    if moment is None:
        moment = datetime.now(UTC)
    if moment.tzinfo is None:
        raise ValueError("end must be an aware datetime")
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def demo_load(*, seed: int = catalogue.DEMO_SEED, days: int = 365, end: datetime | None = None,
              progress: Callable[[str], None] | None = None) -> DemoSummary:
    """Loads everything in one transaction, so a failed load leaves nothing half-made behind.

    Data covers [end - days, end); `end` is floored to the hour and defaults to the start of this hour (UTC).
    """
    say = progress or (lambda message: None)
    if seed < 0 or days < 1:
        raise ValueError("seed must be ≥ 0 and days ≥ 1")
    end = _hour_start(end)
    if demo_loaded():
        raise DemoAlreadyLoaded(
            "the demo data is already loaded; start from an empty database to load it again")
    _check_free_names()
    started = time.monotonic()
    with transaction.atomic():
        say("divisions and departments")
        county = _divisions()
        factors_ensure()
        units = _units(county)
        say("enterprises")
        enterprises = _enterprises()
        say("sites and devices")
        sites = _sites(enterprises)
        say("demo accounts")
        _accounts(enterprises)
        rows = _measurements(sites, seed=seed, end=end, days=days, say=say)
        _last_seen(end)
        rows += demo_winter_load(now=end, seed=seed)  # January comes before the supervision of the last days
        say("supervision: matrix, rules, alerts and cases")

        supervision = demo_supervision_load(seed=seed, now=end)
        say("public reports")
        from lanqing.demo.public import demo_public_load

        demo_public_load(now=end)
        say("the enterprise portal: a permit and lab results")
        lab_rows = demo_portal_load(now=end)
        say("the year's work: key tasks, responsibility letters, clean-heating ledger")
        demo_yearwork_load(now=end, seed=seed)
        demo_marks_load(now=end)
    prefix = county.prefix
    summary = DemoSummary(
        townships=Jurisdiction.objects.filter(level=Level.TOWNSHIP, code__startswith=prefix).count(),
        villages=Jurisdiction.objects.filter(level=Level.VILLAGE, code__startswith=prefix).count(),
        units=len(units),
        enterprises=len(enterprises),
        sites=len(sites),
        devices=Device.objects.filter(is_demo=True).count(),
        measurements=rows + lab_rows,  # the lab results are measurements too (source manual)
        cases=supervision["cases"],
        alerts=supervision["alerts_opened"],
        seconds=round(time.monotonic() - started, 1),
    )
    say(f"done in {summary.seconds} s")
    return summary


def _check_free_names() -> None:
    """Refuses clearly, before writing anything, when real data already uses a demo name."""
    usernames = [account.username for account in catalogue.DEMO_ACCOUNTS]
    taken = sorted(get_user_model().objects.filter(username__in=usernames).values_list("username", flat=True))
    if taken:
        raise DemoError(f"demo user names already taken: {', '.join(taken)}")
    names = [unit.name for unit in catalogue.UNITS]
    clash = sorted(Unit.objects.filter(name__in=names, jurisdiction__code=catalogue.COUNTY_CODE)
                   .values_list("name", flat=True))
    if clash:
        raise DemoError(f"units already exist: {', '.join(clash)}")


def _divisions() -> Jurisdiction:
    # The divisions are real; they count as demo data only when the demo is what brought them in.
    if not Jurisdiction.objects.filter(code=catalogue.COUNTY_CODE).exists():
        gu_county_load(is_demo=True)
    return Jurisdiction.objects.get(code=catalogue.COUNTY_CODE)


def _units(county: Jurisdiction) -> list[Unit]:
    return Unit.objects.bulk_create([
        Unit(name=spec.name, short_name=spec.short_name, kind=spec.kind, jurisdiction=county, is_demo=True)
        for spec in catalogue.UNITS])


def _organisation_code(body8: str) -> str:
    """GB 11714-1997: the 9-character organisation code, with its check character, inside a credit code."""
    weights = [3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(char, 36) * weight for char, weight in zip(body8, weights, strict=True))
    check = 11 - total % 11
    return body8 + {10: "X", 11: "0"}.get(check, str(check))


def credit_code_for(index: int) -> str:
    # 9 = registered by market regulation, 1 = enterprise, 141025 = Gu County; "MA" as in codes issued
    # since 2015, then a number no real register would hand out in this pattern.
    return make_credit_code("91141025" + _organisation_code(f"MA0{index:03d}DM"))


def _enterprises() -> dict[str, Enterprise]:
    polygons = boundary_polygons(GU_COUNTY_BOUNDARY)
    industries = {}
    for industry in catalogue.INDUSTRIES:
        industries[industry.code], _ = Industry.objects.get_or_create(
            code=industry.code, defaults={"name": industry.name, "name_en": industry.name_en})
    divisions = {j.code: j for j in Jurisdiction.objects.filter(code__startswith="141025")}
    enterprises = {}
    for index, spec in enumerate(catalogue.ENTERPRISES, start=1):
        lon, lat = place_near(polygons, catalogue.TOWNSHIP_ANCHORS[spec.township], spec.key)
        village = divisions[spec.village]
        township = divisions[spec.township]
        enterprise = Enterprise(
            credit_code=credit_code_for(index), name=spec.name, industry=industries[spec.industry],
            township=township, village=village,
            address=f"山西省临汾市古县{township.name}{village.name.removesuffix('村民委员会').removesuffix('居民委员会')}（演示地址）",
            longitude=_degrees(lon), latitude=_degrees(lat), contact_name=spec.contact_name,
            contact_phone=f"0357-55{index:05d}", is_demo=True)
        enterprise.full_clean()
        enterprise.save()
        enterprises[spec.key] = enterprise
    return enterprises


def _mn(protocol: str, kind_number: int, site_number: int) -> str:
    # HJ 212-2005 MNs are 14 characters; 2017 and 2025 ones 24. Both start with the county's division code.
    if protocol == "2005":
        return f"141025{kind_number}{site_number:05d}01"
    return f"LQDEMO141025{kind_number:02d}{site_number:06d}0001"


def _sites(enterprises: dict[str, Enterprise]) -> list[tuple[Site, Point, str]]:
    """Creates the sites with one point and one device each; returns (site, point, spec kind)."""
    polygons = boundary_polygons(GU_COUNTY_BOUNDARY)
    divisions = {j.code: j for j in Jurisdiction.objects.filter(code__startswith="141025")}
    made: list[tuple[Site, Point, str]] = []

    def add(site: Site, protocol: str, kind_number: int, number: int, kind: str) -> None:
        if site.longitude is not None:
            assert site.latitude is not None, "the demo places sites with both coordinates"
            if not contains(polygons, float(site.longitude), float(site.latitude)):
                raise DemoError(f"{site.code} lies outside the county boundary")
        site.full_clean()
        site.save()
        point = Point.objects.create(site=site, code="1", name="1#")
        device = Device(mn=_mn(protocol, kind_number, number), protocol=protocol, point=point, is_demo=True)
        device.set_password(catalogue.DEMO_DEVICE_PASSWORD)
        device.save()
        made.append((site, point, kind))

    for number, station in enumerate(catalogue.AIR_STATIONS, start=1):
        lon, lat = station.location
        add(Site(kind="air", code=station.code, name=station.name,
                 jurisdiction=divisions[station.village or station.township], longitude=_degrees(lon),
                 latitude=_degrees(lat), is_demo=True), "2017", 1, number, "air")
    for number, section in enumerate(catalogue.WATER_SECTIONS, start=1):
        lon, lat = section.location
        add(Site(kind="water", code=section.code, name=section.name, jurisdiction=divisions[section.township],
                 longitude=_degrees(lon), latitude=_degrees(lat), target_class=section.target_class,
                 is_demo=True),
            "2017", 2, number, "water")
    for number, outlet in enumerate(catalogue.OUTLETS, start=1):
        enterprise = enterprises[outlet.enterprise]
        assert enterprise.longitude is not None, "_enterprises places every demo enterprise"
        assert enterprise.latitude is not None, "_enterprises places every demo enterprise"
        lon, lat = place_near(polygons, (float(enterprise.longitude), float(enterprise.latitude)),
                              outlet.code, radius_km=0.3)
        reference_o2 = catalogue.LIMIT_SETS[outlet.limit_set].reference_o2
        # Outlets sit in the enterprise's village, so the village's grid officer sees them.
        add(Site(kind="outlet", code=outlet.code, name=f"{enterprise.name}{outlet.name}",
                 jurisdiction=enterprise.village or enterprise.township, enterprise=enterprise,
                 outlet_medium=outlet.medium, longitude=_degrees(lon), latitude=_degrees(lat),
                 limit_set=outlet.limit_set,
                 reference_o2=None if reference_o2 is None else Decimal(f"{reference_o2:.1f}"), is_demo=True),
            outlet.protocol, 3, number, "outlet")
    return made


def _accounts(enterprises: dict[str, Enterprise]) -> None:
    for account in catalogue.DEMO_ACCOUNTS:
        scope = catalogue.ACCOUNT_SCOPES[account.username]
        if account.role == "enterprise":
            scope = enterprises[scope].credit_code
        user_create(username=account.username, password=catalogue.DEMO_PASSWORD, role=account.role,
                    scope=scope, full_name=account.description.split(" · ")[0], is_demo=True,
                    # The bureau's administrator also maintains the registry in the administration pages.
                    superuser=account.role == "bureau")


def _generate(kind: str, code: str, *, seed: int, start: int, n: int) -> list[series.Series]:
    return series.site_series(kind, code, seed=seed, start=start, n=n)


def _last_seen(end: datetime) -> None:
    """Devices were last heard when their newest hourly value arrived (at the end of its hour), so the
    demo's offline alerts reflect the generated gaps rather than devices that were never connected."""
    newest = dict(Measurement.objects.filter(point__devices__is_demo=True).values("point_id")
                  .annotate(t=Max("time")).values_list("point_id", "t"))
    for device in Device.objects.filter(is_demo=True):
        last = newest.get(device.point_id)
        if last is None:
            continue
        device.last_seen_at = last + timedelta(hours=1)
        device.is_online = end - device.last_seen_at <= timedelta(hours=1)
        device.save(update_fields=["last_seen_at", "is_online"])


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field), f"{name} is not a concrete field"
    assert field.column is not None, f"{name} is not a concrete field"
    return field.column


def _measurements(sites: list[tuple[Site, Point, str]], *, seed: int, end: datetime, days: int,
                  say: Callable[[str], None]) -> int:
    """Writes the hourly rows with executemany: the table is new to these points, so no upsert is needed."""
    n = days * 24
    start = series.hour_of(np.datetime64(end.replace(tzinfo=None), "h")) - n
    factors = {f.code: f for f in Factor.objects.all()}
    # Each hour's database value is adapted once (SQLite wants text, PostgreSQL a datetime).
    first = end - timedelta(hours=n)
    adapt = connection.ops.adapt_datetimefield_value
    times = [adapt(first + timedelta(hours=i)) for i in range(n)]
    table = connection.ops.quote_name(Measurement._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(_column(Measurement, name))
                        for name in ("point", "factor", "period", "time", "value", "flag", "source"))
    sql = f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s)"
    total = 0
    last_reported = 0
    say("measurements 0 %")
    with connection.cursor() as cursor:
        buffer: list[tuple] = []
        for done, (site, point, kind) in enumerate(sites, start=1):
            for generated in _generate(kind, site.code, seed=seed, start=start, n=n):
                factor = factors[generated.factor]
                values = np.round(generated.values, factor.decimals).tolist()
                offsets = (generated.hours - start).tolist()
                buffer.extend(zip([point.id] * len(values), [factor.id] * len(values), ["hour"] * len(values),
                                  [times[i] for i in offsets], values, generated.flags.tolist(),
                                  ["device"] * len(values), strict=True))
                if len(buffer) >= BATCH_ROWS:
                    cursor.executemany(sql, buffer)
                    total += len(buffer)
                    buffer = []
            percent = done * 100 // len(sites) // 10 * 10
            if percent > last_reported:
                say(f"measurements {percent} %")
                last_reported = percent
        if buffer:
            cursor.executemany(sql, buffer)
            total += len(buffer)
    return total
