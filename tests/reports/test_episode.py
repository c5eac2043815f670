"""The episode report: the AQI course of the county's stations a day either side of the warning, the measures
of its level, each enterprise's required and achieved cut with its data gaps, and the cases raised; made by the
worker as PDF and workbook, and linked from the warning's page.

The warning (tests/winter/conftest.py) is orange for 24 hours from 20 November 2026 08:00. Outlet A must cut
50 %: its SO2 baseline at 08:00 is 100 + 143/12 (12 days: the marked stop and the gap left out), at the other
hours 100 + 153/13; it sends 55 for 12 hours and 70 for 12 (flow constant), so it cut
1 − 1500 / (20 × (100 + 153/13) + 4 × (100 + 143/12)) = 44.09 %. Outlet B sent nothing: 24 hours without data."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from lanqing.monitoring.models import Factor, Measurement, Period
from tests.reports.test_reports import _pdf_text_and_ink
from tests.winter.conftest import END, NOW, START, make_episode

ACHIEVED_A = (1 - 1500 / (20 * (100 + 153 / 13) + 4 * (100 + 143 / 12))) * 100


@pytest.fixture
def warning(cast):
    return make_episode(cast)


@pytest.fixture
def raised(cast, warning):
    """The checks' alerts and cases, a spot check finding a violation, and the station's PM2.5 peak."""
    from lanqing.alerts.models import AlertRule
    from lanqing.alerts.services import alerts_evaluate
    from lanqing.winter.inspections import spot_check_record

    AlertRule.objects.create(name="减排不到位", kind="reduction_short", severity="high", creates_case=True)
    AlertRule.objects.create(name="预警期间数据缺失", kind="reduction_gap", severity="high", creates_case=True)
    alerts_evaluate(now=NOW)
    spot_check_record(by=cast.users["bureau"], notice=warning.notices.get(enterprise=cast.enterprise_b),
                      checked_at=START + timedelta(hours=5), compliant=False, description="焦炉未闷炉", now=NOW)
    pm25 = Factor.objects.get(code="a34004")
    # PM2.5 115 µg/m³ is IAQI 150 (HJ 633-2012 Table 1); the hour 10:00–11:00 is labelled 11:00.
    Measurement.objects.create(point=cast.air_station.points.get(), factor=pm25, period=Period.HOUR,
                               time=START + timedelta(hours=2), value=115.0)
    return warning


def test_the_episode_figures_by_hand(cast, raised):
    from lanqing.winter.episode import episode_data

    episode = episode_data(raised, now=END + timedelta(days=3))
    assert (episode.over, episode.course_from, episode.course_to) == (True, START - timedelta(days=1),
                                                                      END + timedelta(days=1))
    (course,) = episode.stations
    assert len(course.hours) == 72  # a day before, the 24 hours, a day after
    assert course.peak is not None
    assert (course.peak.aqi, f"{course.peak.label:%m-%d %H:%M}") == (150, "11-20 11:00")
    assert course.hours_above(100) == 1
    assert [(e.enterprise.name, e.level) for e in episode.measures] == [("乙焦化有限公司", "orange"),
                                                                      ("甲焦化有限公司", "orange")]
    by_site = {f.entry.site: f for f in episode.compliance}
    assert by_site[cast.outlet_a].achieved == pytest.approx(ACHIEVED_A)
    assert round(by_site[cast.outlet_a].achieved, 1) == 44.1
    assert (by_site[cast.outlet_a].missing_hours, len(by_site[cast.outlet_a].judged)) == (0, 24)
    assert (by_site[cast.outlet_b].missing_hours, by_site[cast.outlet_b].achieved) == (24, None)
    # A's shortfall and B's gap opened a case each; the spot check at B joined nothing and opened its own.
    assert sorted((c.enterprise.name, c.category) for c in episode.cases) == [
        ("乙焦化有限公司", "inspection"), ("乙焦化有限公司", "offline"), ("甲焦化有限公司", "exceedance")]


def test_the_worker_makes_the_pdf_and_workbook_and_the_warning_page_links_them(cast, raised, client_for):
    from lanqing.jobs.services import worker_pass
    from lanqing.reports.models import Report

    client = client_for(cast.users["bureau"])
    warning_url = reverse("winter:warning", kwargs={"warning_id": raised.id})
    page = client.get(warning_url).content.decode()
    make = reverse("reports:episode", kwargs={"warning_id": raised.id})
    assert f'action="{make}"' in page
    client.post(make)
    worker_pass(worker="test")
    report = Report.objects.get(kind="episode")
    assert (report.status, report.warning, report.period_start.isoformat()) == ("done", raised, "2026-11-20")
    book = load_workbook(io.BytesIO(bytes(report.xlsx)))
    cut = {row[0]: row for row in book["减排要求与实际削减"].iter_rows(values_only=True)}
    assert cut["甲焦化有限公司"][3:] == ("50.0", "44.1", "24", "0", "未达要求")
    assert cut["乙焦化有限公司"][3:] == ("100.0", "数据不足", "0", "24", "无数据")
    aqi = list(book["小时 AQI"].iter_rows(values_only=True))
    assert aqi[0] == ("时段末", cast.air_station.name)
    assert ("2026-11-20 11:00", "150") in aqi
    assert len(aqi) == 73
    text, ink = _pdf_text_and_ink(bytes(report.pdf))
    assert "古县重污染天气过程报告" in text
    assert ink > 2000
    page = client.get(warning_url).content.decode()
    assert reverse("reports:pdf", kwargs={"report_id": report.id}) in page
    assert reverse("reports:xlsx", kwargs={"report_id": report.id}) in page


def test_an_episode_not_over_is_refused_and_an_enterprise_cannot_ask(cast, warning):
    from lanqing.org.access import Forbidden
    from lanqing.reports.episode import EpisodeRefused, episode_report_request
    from lanqing.reports.models import Report

    with pytest.raises(EpisodeRefused):
        episode_report_request(warning=warning, by=cast.users["bureau"], now=END - timedelta(hours=1))
    with pytest.raises(Forbidden):
        episode_report_request(warning=warning, by=cast.users["enterprise_a"], now=NOW)
    assert not Report.objects.exists()
