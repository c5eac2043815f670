"""Compliance from online data during a warning: the baseline (same hours of the 14 preceding days outside any
warning, without gaps and marked stops), the achieved cut per hour and for the episode, the alerts and cases a
shortfall or missing data raise, and who sees which enterprise's figures.

The expected figures are computed here from the stored rows by their own loops, and one hour by hand."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from lanqing.monitoring.models import Measurement
from lanqing.winter.compliance import baseline_days, warning_compliance
from lanqing.winter.models import OutletStop, PollutionWarning
from tests.winter.conftest import NOW, ZONE


def _expected(site, factor_code, warning, days):
    """Σ actual and Σ baseline over the judged hours, and each hour's achieved cut, from the stored rows."""
    stored = {}
    for row in Measurement.objects.filter(point__site=site, flag="N"):
        stored.setdefault(row.time.astimezone(ZONE).replace(tzinfo=None), {})[row.factor.code] = row.value
    stops = [(s.starts_at.astimezone(ZONE).replace(tzinfo=None), s.ends_at.astimezone(ZONE).replace(tzinfo=None))
             for s in OutletStop.objects.filter(site=site)]

    def kg_per_hour(moment):
        values = stored.get(moment, {})
        if factor_code not in values or "a00000" not in values:
            return None
        return values[factor_code] * values["a00000"] * 3600 / 1e6

    hourly, actual_sum, baseline_sum = [], 0.0, 0.0
    start = warning.starts_at.astimezone(ZONE).replace(tzinfo=None)
    for index in range(24):
        moment = start + timedelta(hours=index)
        samples = []
        for day in days:
            earlier = datetime.combine(day, time(moment.hour))
            if any(s <= earlier < e for s, e in stops):
                continue
            value = kg_per_hour(earlier)
            if value is not None:
                samples.append(value)
        baseline = sum(samples) / len(samples) if samples else None
        actual = kg_per_hour(moment)
        if actual is not None and baseline:
            actual_sum += actual
            baseline_sum += baseline
            hourly.append(round((1 - actual / baseline) * 100, 6))
        else:
            hourly.append(None)
    return hourly, actual_sum, baseline_sum


def test_the_baseline_days_skip_days_touched_by_a_warning(episode):
    days = baseline_days(episode)
    assert len(days) == 14
    assert date(2026, 11, 15) not in days
    assert (days[0], days[-1]) == (date(2026, 11, 19), date(2026, 11, 5))


def test_hourly_and_episode_cuts_match_the_stored_rows(cast, episode):
    (figures,) = warning_compliance(episode, now=NOW, enterprise_id=cast.enterprise_a.id)
    hourly, actual_sum, baseline_sum = _expected(cast.outlet_a, "a21026", episode, baseline_days(episode))
    assert [None if h.achieved is None else round(h.achieved, 6) for h in figures.hours] == hourly
    assert figures.achieved == pytest.approx((1 - actual_sum / baseline_sum) * 100)
    # By hand, 08:00: the 14 days' SO2 at 08:00 minus the stop (12th) and the gap (10th) is 100 + mean of
    # 5..9, 11, 13, 14, 16..19 = 100 + 143 / 12; the flow (10 m³/s) is the same in both and cancels.
    first = figures.hours[0]
    assert first.baseline_hours == 12
    assert first.baseline == pytest.approx((100 + 143 / 12) * 10 * 3600 / 1e6)
    assert first.achieved == pytest.approx((1 - 55 / (100 + 143 / 12)) * 100)
    # 09:00 … 07:00 outside the gap: 13 days, 100 + 153 / 13.
    assert figures.hours[4].baseline_hours == 13
    assert figures.hours[4].baseline == pytest.approx((100 + 153 / 13) * 0.036)
    assert figures.missing_hours == 0
    assert figures.required == 50
    assert figures.shortfall == pytest.approx(50 - figures.achieved)
    assert figures.shortfall > 5  # cut by only about 44 %


def test_a_shortfall_and_missing_data_raise_alerts_and_cases_for_the_enterprise_and_township(cast, episode,
                                                                                           client_for):
    from lanqing.alerts.models import Alert, AlertRule
    from lanqing.alerts.services import alerts_evaluate
    from lanqing.cases.models import Case

    AlertRule.objects.create(name="减排不到位", kind="reduction_short", severity="high", creates_case=True)
    AlertRule.objects.create(name="预警期间数据缺失", kind="reduction_gap", severity="high", creates_case=True)
    alerts_evaluate(now=NOW)
    by_site = {alert.site: alert for alert in Alert.objects.select_related("rule")}
    assert set(by_site) == {cast.outlet_a, cast.outlet_b}
    assert by_site[cast.outlet_a].rule.kind == "reduction_short"
    assert by_site[cast.outlet_b].rule.kind == "reduction_gap"
    assert by_site[cast.outlet_b].last_value == 24  # the whole warning without data
    cases = {case.enterprise: case for case in Case.objects.all()}
    assert cases[cast.enterprise_a].township == cast.yueyang
    assert cases[cast.enterprise_b].township == cast.beiping
    alerts_page = client_for(cast.users["enterprise_a"]).get(reverse("alerts:list")).content.decode()
    assert "甲公司焦炉烟囱在橙色（Ⅱ级）预警期间排放量仅削减" in alerts_page
    assert "乙公司焦炉烟囱" not in alerts_page
    case_page = client_for(cast.users["township_b"]).get(reverse("cases:detail",
                                                                 kwargs={"case_id": cases[cast.enterprise_b].id}))
    assert "乙公司焦炉烟囱在橙色（Ⅱ级）预警期间有 24 小时没有有效数据" in case_page.content.decode()
    alerts_evaluate(now=NOW + timedelta(minutes=10))  # evaluated again: the same alerts, no second case
    assert Alert.objects.count() == 2
    assert Case.objects.count() == 2


def test_a_cut_within_the_tolerance_raises_nothing(cast, episode):
    from lanqing.alerts.models import Alert, AlertRule
    from lanqing.alerts.services import alerts_evaluate

    PollutionWarning.objects.filter(pk=episode.pk).update(tolerance=Decimal(10))
    AlertRule.objects.create(name="减排不到位", kind="reduction_short")
    alerts_evaluate(now=NOW)
    assert not Alert.objects.exists()


def test_an_enterprise_sees_only_its_own_figures(cast, episode, client_for):
    notice_a = episode.notices.get(enterprise=cast.enterprise_a)
    notice_b = episode.notices.get(enterprise=cast.enterprise_b)
    client = client_for(cast.users["enterprise_a"])
    page = client.get(reverse("winter:compliance", kwargs={"notice_id": notice_a.id}))
    assert page.status_code == 200
    assert "甲公司焦炉烟囱" in page.content.decode()
    assert client.get(reverse("winter:compliance", kwargs={"notice_id": notice_b.id})).status_code == 404
    page_b = client_for(cast.users["township_b"]).get(reverse("winter:compliance", kwargs={"notice_id": notice_b.id}))
    assert "24" in page_b.content.decode()
    assert "乙公司焦炉烟囱" in page_b.content.decode()


def test_the_bureau_marks_a_stop_and_the_baseline_leaves_it_out(cast, episode, client_for):
    (before,) = warning_compliance(episode, now=NOW, enterprise_id=cast.enterprise_a.id)
    client = client_for(cast.users["bureau"])
    stop_day = "2026-11-19"
    response = client.post(reverse("winter:stops"), {"site": cast.outlet_a.id, "starts_at": f"{stop_day}T00:00",
                                                      "ends_at": "2026-11-20T00:00", "note": "检修"})
    assert response.status_code == 302
    (after,) = warning_compliance(episode, now=NOW, enterprise_id=cast.enterprise_a.id)
    # 09:00 loses the 19th (SO2 119): 12 days left, 100 + (153 - 19) / 12.
    assert after.hours[4].baseline_hours == before.hours[4].baseline_hours - 1
    assert after.hours[4].baseline == pytest.approx((100 + (153 - 19) / 12) * 0.036)
    refused = client.post(reverse("winter:stops"), {"site": cast.outlet_a.id, "starts_at": "2026-11-19T08:00",
                                                     "ends_at": "2026-11-19T07:00"}, follow=True)
    assert "停产的结束时间必须晚于开始时间" in refused.content.decode()
    assert OutletStop.objects.filter(site=cast.outlet_a).count() == 2
    assert client_for(cast.users["township_a"]).post(reverse("winter:stops"), {"site": cast.outlet_a.id}).status_code == 403


def test_the_enterprises_own_valid_mark_leaves_its_hours_out_of_the_baseline_until_it_reverts(cast, episode):
    from lanqing.monitoring.marks import mark_create, marks_revert_overdue

    marked_day = datetime.combine(date(2026, 11, 13), time(), ZONE)
    mark_create(by=cast.users["enterprise_a"], site=cast.outlet_a, kind="production_stopped", reason="停产检修",
                starts_at=marked_day, ends_at=marked_day + timedelta(days=1), now=NOW)
    (figures,) = warning_compliance(episode, now=NOW, enterprise_id=cast.enterprise_a.id)
    # 08:00: 12 baseline hours without the mark (see above), one fewer under it, and 13 November's 113 gone.
    assert figures.hours[0].baseline_hours == 11
    assert figures.hours[0].baseline == pytest.approx((100 + 130 / 11) * 0.036)
    # Without its document by 10 December the mark reverts, and 13 November is a baseline day again.
    marks_revert_overdue(now=datetime(2026, 12, 11, tzinfo=ZONE))
    (figures,) = warning_compliance(episode, now=NOW, enterprise_id=cast.enterprise_a.id)
    assert figures.hours[0].baseline_hours == 12


def test_a_shortfall_is_raised_by_the_pass_after_new_hourly_values_without_the_scheduled_pass(cast, episode):
    """The ingest's writer marks the new hours and queues the pass; that pass judges only their outlet."""
    from lanqing.alerts.models import Alert, AlertRule
    from lanqing.alerts.services import alerts_evaluate
    from lanqing.jobs.models import Job
    from lanqing.monitoring.measurements import NEW_VALUES_JOB, MeasurementRow, measurements_upsert
    from lanqing.monitoring.models import Factor
    from tests.winter.conftest import START

    AlertRule.objects.create(name="减排不到位", kind="reduction_short", severity="high")
    AlertRule.objects.create(name="预警期间数据缺失", kind="reduction_gap", severity="high")
    point_a = cast.outlet_a.points.get()
    Measurement.objects.filter(point=point_a, time__gte=START).delete()
    so2, flow = Factor.objects.get(code="a21026"), Factor.objects.get(code="a00000")
    # The first two hours of the warning arrive: SO2 at 90 against a baseline near 112, a cut of about 20 %.
    measurements_upsert([MeasurementRow(point_a.id, factor.id, "hour", START + timedelta(hours=h), value)
                         for h in range(2) for factor, value in ((so2, 90.0), (flow, 10.0))])
    assert Job.objects.filter(kind=NEW_VALUES_JOB, status="queued").exists()
    alerts_evaluate(new_only=True, now=START + timedelta(hours=2, minutes=5))
    (alert,) = Alert.objects.select_related("rule")
    assert (alert.rule.kind, alert.site) == ("reduction_short", cast.outlet_a)
    assert alert.last_value == pytest.approx((1 - 90 / (100 + 143 / 12)) * 100, abs=0.05)
    # Outlet B sent nothing, which no batch reveals: its gap waits for the scheduled pass.
    alerts_evaluate(now=START + timedelta(hours=2, minutes=10))
    assert {a.site for a in Alert.objects.filter(rule__kind="reduction_gap")} == {cast.outlet_b}
