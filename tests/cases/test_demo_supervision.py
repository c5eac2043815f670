"""The supervision demo on top of the cast: rules and matrix as data, alerts into cases, some escalated."""

from datetime import timedelta

from lanqing.alerts.models import Alert, AlertRule
from lanqing.cases.models import Case, CaseState, ResponsibilityRule
from lanqing.demo.supervision import demo_supervision_load
from lanqing.monitoring.models import Device
from tests.cases.conftest import TUESDAY


def test_the_demo_turns_alerts_into_routed_cases_and_leaves_some_overdue_and_escalated(cast):
    Device.objects.update(last_seen_at=TUESDAY - timedelta(hours=5))  # every device offline for hours
    summary = demo_supervision_load(seed=7, now=TUESDAY)
    assert summary["alert_rules"] == AlertRule.objects.count() == 9
    assert ResponsibilityRule.objects.filter(lead_unit=cast.bureau_unit).exists()
    assert Alert.objects.count() == summary["alerts_opened"] == 3
    from_alerts = Case.objects.filter(alert__isnull=False)
    assert from_alerts.count() == 3
    assert all(c.lead_unit == cast.bureau_unit for c in from_alerts)
    assert summary["overdue"] >= 1
    assert summary["escalations"]
    assert Case.objects.filter(state=CaseState.DRAFT, category="other").exists()
    assert {c.township for c in Case.objects.all()} <= {cast.yueyang, cast.beiping}


def test_loading_the_demo_twice_keeps_one_copy_of_the_rules(cast):
    demo_supervision_load(seed=1, now=TUESDAY)
    demo_supervision_load(seed=1, now=TUESDAY + timedelta(minutes=5))
    assert AlertRule.objects.count() == 9
    assert Alert.objects.filter(status="active").count() == Alert.objects.values("rule", "source_key").distinct().count()
