"""The month's transmission table counts every hour of the month so far, hours with nothing at all included."""

import zoneinfo
from datetime import datetime, timedelta

from django.urls import reverse
from django.utils import timezone

from lanqing.monitoring.models import Device, Factor, Measurement, Span, TransmissionStat
from lanqing.monitoring.transmission import transmission_compute_day, transmission_compute_month

BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")


def _hours(point, start, flags):
    factor = Factor.objects.get(code="a21026")
    Measurement.objects.bulk_create([
        Measurement(point=point, factor=factor, period="hour", time=start + timedelta(hours=i), value=10.0,
                    flag=flag, source="device") for i, flag in enumerate(flags)])


def test_the_months_table_on_the_5th_counts_every_hour_of_the_month_so_far(cast, client_for):
    # The page shows the current month, so the 5th is taken in this month; the clock is the `now` passed.
    first = timezone.localdate().replace(day=1)
    day = {n: datetime(first.year, first.month, n, tzinfo=BEIJING) for n in range(1, 6)}
    now = day[5] + timedelta(hours=10, minutes=30)  # 5th, 10:30 Beijing
    point = cast.air_station.points.get()
    _hours(point, day[2], ["N"] * 24)  # the 2nd: all 24 hours, valid
    _hours(point, day[5], ["N"] * 8 + ["D"] * 2)  # the 5th: hours 00–10, 8 valid, 2 flagged D
    # The hourly job ran only from the 5th on (yesterday and today), as after a start on the 5th: the 1st to
    # the 3rd have no day rows at all.
    transmission_compute_day(day=day[4].date(), now=day[5] + timedelta(minutes=30))
    transmission_compute_month(month=first, now=now)
    device = Device.objects.get(mn="MNAIR01")
    month = TransmissionStat.objects.get(device=device, span=Span.MONTH, start=first)
    # Hours due: 1st–4th 4 × 24 = 96, plus 00:00–10:00 on the 5th = 10: 106 (the first fix showed 26).
    # Received: 24 (2nd) + 10 (5th) = 34; valid 24 + 8 = 32.
    assert (month.expected, month.received, month.valid) == (106, 34, 32)
    page = client_for(cast.users["bureau"]).get(reverse("monitoring:site", args=[cast.air_station.id])).content.decode()
    table = page.split('data-testid="transmission-MNAIR01"', 1)[1].split("</table>", 1)[0]
    rows = [[cell.split(">", 1)[1] for cell in row.split("</td>")[:-1]] for row in table.split("<tr>")[2:]]
    # 34 / 106 = 32.08 %; 32 / 34 = 94.12 %; 32 / 106 = 30.19 %.
    assert rows[0][1:] == ["106", "34", "32", "32.1%", "94.1%", "30.2%"]


def test_a_day_computed_before_it_ended_is_computed_again_for_the_month(cast):
    first = timezone.localdate().replace(day=1)
    day2 = datetime(first.year, first.month, 2, tzinfo=BEIJING)
    point = cast.air_station.points.get()
    _hours(point, day2, ["N"] * 6)
    transmission_compute_day(day=day2.date(), now=day2 + timedelta(hours=6, minutes=5))  # the job's last run
    _hours(point, day2 + timedelta(hours=6), ["N"] * 18)  # the rest of the day arrived while it was stopped
    transmission_compute_month(month=first, now=day2 + timedelta(days=2))  # the 4th, 00:00
    month = TransmissionStat.objects.get(device__mn="MNAIR01", span=Span.MONTH, start=first)
    # 3 × 24 = 72 hours due; all 24 of the 2nd arrived, not the 6 seen by the stale run.
    assert (month.expected, month.received, month.valid) == (72, 24, 24)


def test_an_enterprises_lab_results_are_not_factors_its_device_is_expected_to_send(cast):
    day = timezone.localdate() - timedelta(days=1)
    start = datetime(day.year, day.month, day.day, tzinfo=BEIJING)
    point = cast.outlet_a.points.get()
    _hours(point, start, ["N"] * 24)
    Measurement.objects.create(point=point, factor=Factor.objects.get(code="a01014"), period="hour",
                               time=start + timedelta(hours=10), value=8.6, source="manual")
    transmission_compute_day(day=day, now=start + timedelta(days=1, minutes=5))
    stats = TransmissionStat.objects.filter(device__mn="MNOUTA", span=Span.DAY, start=day)
    assert list(stats.values_list("factor__code", "expected", "received")) == [("a21026", 24, 24)]
