"""Kept daily figures (monitoring/daily.py) and late data: the analysis page shows a day's AQI, an hour of that
day arrives late through the receiver's ingest path, and the page shows the day's new AQI, whether the day's
figures were kept by the worker's pass or by the page's own first read."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from lanqing import hj212
from lanqing.hj212 import Cn, Framer, Peer
from lanqing.monitoring.ingest.batch import ingest_batch
from lanqing.monitoring.ingest.decide import Received
from lanqing.monitoring.ingest.devices import DeviceCache

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
FIRST = date(2026, 1, 1)
DAYS = 20
LATE_DAY = date(2026, 1, 6)
LATE_HOUR = 10  # Beijing hour start missing from the stored history
LOW = {"a21026": 5.0, "a21004": 5.0, "a34002": 20.0, "a21005": 0.4, "a05024": 60.0, "a34004": 30.0}


def _history(station) -> None:
    """Hourly values of DAYS days, all low, with one hour of LATE_DAY missing (stored as history is)."""
    from lanqing.monitoring.models import Factor, Measurement

    point = station.points.get()
    factors = {f.code: f for f in Factor.objects.filter(code__in=LOW)}
    rows = []
    for day in range(DAYS):
        start = datetime.combine(FIRST + timedelta(days=day), datetime.min.time(), SHANGHAI)
        for hour in range(24):
            if FIRST + timedelta(days=day) == LATE_DAY and hour == LATE_HOUR:
                continue
            rows += [Measurement(point=point, factor=factors[code], period="hour", time=start + timedelta(hours=hour),
                                 value=value, flag="N") for code, value in LOW.items()]
    Measurement.objects.bulk_create(rows)


def _late_hour(pm25: float) -> None:
    """The missing hour, sent now by the station's device (PM2.5 high) and stored by the receiver's ingest."""
    when = datetime.combine(LATE_DAY, datetime.min.time()) + timedelta(hours=LATE_HOUR)
    frame = hj212.build_data(Peer("MNAIR01", "123456", "22"), Cn.HOUR_DATA, when,
                             {"a34004": {"Avg": pm25, "Flag": "N"}})
    items = list(Framer().feed(frame))
    [outcome] = ingest_batch([Received(item, "127.0.0.1:1", datetime.now(UTC)) for item in items],
                             cache=DeviceCache())
    assert outcome.accepted


def _calendar(client) -> dict[str, int]:
    page = client.get(reverse("workbench:air"), {"year": "2026"}).content.decode()
    data = json.loads(page.split('<script id="air-data" type="application/json">', 1)[1].split("</script>", 1)[0])
    return {day: aqi for day, aqi, _primary in data["calendar"]}


def _aqi_from_the_hours(station, day: date) -> int | None:
    """The day's AQI computed afresh from the stored hours, reading no kept figure."""
    from lanqing.monitoring import quality

    return quality.aqi_of_days(quality.air_days_from_hours(station, first_day=day, days=1), first_day=day)[0].aqi


def test_a_late_hour_changes_the_days_aqi_on_the_page(cast, client_for):
    from lanqing.monitoring.models import SiteDay

    _history(cast.air_station)
    client = client_for(cast.users["leader"])
    before = _calendar(client)[LATE_DAY.isoformat()]
    assert before == _aqi_from_the_hours(cast.air_station, LATE_DAY)
    assert SiteDay.objects.filter(site=cast.air_station, day=LATE_DAY, figures__isnull=False).exists()

    _late_hour(800.0)  # the day's PM2.5 mean goes from 30 to (23 × 30 + 800) / 24 ≈ 62
    after = _calendar(client)[LATE_DAY.isoformat()]
    assert after == _aqi_from_the_hours(cast.air_station, LATE_DAY)
    assert after > before
    # The other days keep their figures.
    assert _calendar(client)[(LATE_DAY + timedelta(days=1)).isoformat()] == before


def test_the_workers_pass_keeps_the_days_and_late_data_still_change_them(cast, client_for):
    from lanqing.monitoring.jobs import site_days_keep
    from lanqing.monitoring.models import SiteDay

    _history(cast.air_station)
    site_days_keep()
    kept = SiteDay.objects.filter(site=cast.air_station, day__gte=FIRST, figures__isnull=False).count()
    assert kept >= DAYS
    client = client_for(cast.users["leader"])
    before = _calendar(client)[LATE_DAY.isoformat()]

    _late_hour(800.0)
    assert SiteDay.objects.get(site=cast.air_station, day=LATE_DAY).figures is None  # marked stale at once
    site_days_keep()
    assert SiteDay.objects.get(site=cast.air_station, day=LATE_DAY).figures is not None
    after = _calendar(client)[LATE_DAY.isoformat()]
    assert after == _aqi_from_the_hours(cast.air_station, LATE_DAY)
    assert after != before


def test_figures_computed_from_hours_read_before_a_late_hour_are_not_kept(cast, client_for):
    """A read that computed the day from the hours before a late hour was stored must not keep its figure."""
    from lanqing.monitoring import daily, quality
    from lanqing.monitoring.models import SiteDay

    _history(cast.air_station)

    def compute_then_late_hour(first: date, count: int) -> list[daily.Figures]:
        computed = quality.air_day_figures(cast.air_station, first, count)
        _late_hour(800.0)  # stored by another writer meanwhile
        return computed

    daily.days_read(cast.air_station, kind="air", first_day=LATE_DAY, days=1, compute=compute_then_late_hour)
    assert SiteDay.objects.get(site=cast.air_station, day=LATE_DAY).figures is None
    after = _calendar(client_for(cast.users["leader"]))[LATE_DAY.isoformat()]
    assert after == _aqi_from_the_hours(cast.air_station, LATE_DAY)


# With these four hours after midnight gone too, LATE_DAY has 19 hours: not a valid day (its ozone 8-h windows
# stay valid).
MISSING_HOURS = range(0, 4)


def _history_short_of_a_day(station) -> None:
    from lanqing.monitoring.models import Measurement

    _history(station)
    for hour in MISSING_HOURS:
        when = datetime.combine(LATE_DAY, datetime.min.time(), SHANGHAI) + timedelta(hours=hour)
        Measurement.objects.filter(point__site=station, time=when).delete()


def _late_hour_of_every_pollutant() -> None:
    """The first missing hour of LATE_DAY with all six pollutants, stored by the receiver's ingest."""
    when = datetime.combine(LATE_DAY, datetime.min.time()) + timedelta(hours=MISSING_HOURS[0])
    frame = hj212.build_data(Peer("MNAIR01", "123456", "22"), Cn.HOUR_DATA, when,
                             {code: {"Avg": value, "Flag": "N"} for code, value in LOW.items()})
    [outcome] = ingest_batch([Received(item, "127.0.0.1:1", datetime.now(UTC))
                              for item in Framer().feed(frame)], cache=DeviceCache())
    assert outcome.accepted


def _valid_days_this_year(client) -> int:
    page = client.get(reverse("workbench:overview")).content.decode()
    row = page.split("<th>Valid days</th>", 1)[1].split("</tr>", 1)[0]
    return int(row.split("<td>", 2)[1].split("</td>", 1)[0])


def test_a_late_hour_changes_the_year_to_date_figures_of_the_overview(cast, client_for, settings):
    """The overview's year-to-date figures are kept for the area; a late hour through the ingest path blanks
    them at once, the page shows the new figure, and so does the worker's pass computing them again."""
    from lanqing.monitoring.jobs import site_days_keep
    from lanqing.monitoring.models import AreaFigures

    settings.LANGUAGE_CODE = "en"
    _history_short_of_a_day(cast.air_station)
    client = client_for(cast.users["leader"])
    before = _valid_days_this_year(client)
    assert AreaFigures.objects.filter(what="air-period", figures__isnull=False).exists()
    assert _valid_days_this_year(client) == before  # read as kept

    _late_hour_of_every_pollutant()  # LATE_DAY now has 20 hours: a valid day
    assert not AreaFigures.objects.filter(what="air-period", first_day__year=2026, figures__isnull=False).exists()
    site_days_keep()
    assert AreaFigures.objects.filter(what="air-period", first_day__year=2026, figures__isnull=False).exists()
    assert _valid_days_this_year(client) == before + 1


def test_area_figures_computed_before_a_late_hour_are_not_kept(cast, client_for):
    """A read of the analysis that computed the area's figures before a late hour was stored keeps nothing."""
    from lanqing.monitoring import daily
    from lanqing.monitoring.models import AreaFigures

    _history(cast.air_station)
    computer = daily.AREA_COMPUTERS["air-analysis"]

    def compute_then_late_hour(*args):
        figures = computer(*args)
        _late_hour(800.0)  # stored by another writer meanwhile
        return figures

    daily.AREA_COMPUTERS["air-analysis"] = compute_then_late_hour
    try:
        _calendar(client_for(cast.users["leader"]))
    finally:
        daily.AREA_COMPUTERS["air-analysis"] = computer
    assert AreaFigures.objects.get(what="air-analysis").figures is None
    after = _calendar(client_for(cast.users["leader"]))[LATE_DAY.isoformat()]
    assert after == _aqi_from_the_hours(cast.air_station, LATE_DAY)
