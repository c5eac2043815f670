"""The demo's January episode: an orange warning issued and lifted through the services, most listed enterprises
cutting as required, one cutting half, one silent; the alerts and cases the checks raised exist after loading."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.utils import timezone

from lanqing.alerts.models import Alert
from lanqing.cases.models import Case
from lanqing.demo import demo_load
from lanqing.winter.episode import episode_data
from lanqing.winter.models import PollutionWarning, SpotCheck

END = datetime(2026, 2, 1, 0, tzinfo=UTC)  # the episode is that of 8–11 January 2026


@pytest.fixture
def demo(db):
    return demo_load(days=2, end=END)


def test_the_demo_has_a_lifted_orange_warning_in_january_with_every_listed_enterprise_notified(demo):
    warning = PollutionWarning.objects.get()
    assert (warning.level, warning.state) == ("orange", "lifted")
    assert timezone.localtime(warning.starts_at).strftime("%Y-%m-%d %H:%M") == "2026-01-08 20:00"
    assert timezone.localtime(warning.ends_at).strftime("%Y-%m-%d %H:%M") == "2026-01-11 12:00"
    names = set(warning.notices.values_list("enterprise__name", flat=True))
    assert {"示例鸿泰焦化有限公司", "示例金鼎焦化有限公司", "示例隆昌焦化有限公司", "示例古峰水泥有限公司"} <= names


def test_the_half_cut_and_the_silent_outlet_raised_alerts_and_cases_and_nobody_else_did(demo):
    alerts = {(a.rule.kind, a.site.enterprise.name) for a in Alert.objects.filter(
        rule__kind__in=["reduction_short", "reduction_gap"]).select_related("rule", "site__enterprise")}
    assert alerts == {("reduction_short", "示例金鼎焦化有限公司"), ("reduction_gap", "示例隆昌焦化有限公司")}
    assert Alert.objects.filter(rule__kind__in=["reduction_short", "reduction_gap"], is_demo=False).count() == 0
    cases = Case.objects.filter(alerts__rule__kind__in=["reduction_short", "reduction_gap"]).distinct()
    assert {c.enterprise.name for c in cases} == {"示例金鼎焦化有限公司", "示例隆昌焦化有限公司"}
    assert {c.state for c in cases} == {"dispatched"}  # the enterprises see them
    breach = SpotCheck.objects.get(compliant=False)
    assert breach.case is not None
    assert breach.case.enterprise.name == "示例金鼎焦化有限公司"


def test_the_episode_figures_show_the_complying_the_half_and_the_silent(demo):
    warning = PollutionWarning.objects.get()
    episode = episode_data(warning, now=END)
    by_outlet = {f.entry.site.code: f for f in episode.compliance if f.entry.site is not None}
    for code in ("DEMO-OUT-07", "DEMO-OUT-08", "DEMO-OUT-01", "DEMO-OUT-02", "DEMO-OUT-03", "DEMO-OUT-15"):
        figures = by_outlet[code]
        assert figures.missing_hours == 0, code
        assert figures.shortfall is not None, code
        assert figures.shortfall <= float(warning.tolerance), code
    half = by_outlet["DEMO-OUT-09"]
    assert half.achieved == pytest.approx(25, abs=8)  # half of the 50 % required
    assert by_outlet["DEMO-OUT-10"].missing_hours == 64  # 8 January 20:00 to 11 January 12:00
    # The shortfall's case, the gap's and the spot check's: each opened during the episode by its own finding.
    assert len(episode.cases) == 3
    assert all(warning.starts_at <= case.created_at <= warning.ends_at for case in episode.cases)
    assert max(course.peak.aqi for course in episode.stations if course.peak is not None) > 200
