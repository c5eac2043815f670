"""Supervision set-up on top of the shared cast: matrix rows, deadline rules, one more department."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import _user

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Tuesday in an ordinary week (no holiday near it).
TUESDAY = datetime(2025, 6, 10, 9, 0, tzinfo=SHANGHAI)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n% evidence\n" + b"0" * 64


@pytest.fixture
def supervision(cast):
    from lanqing.cases.models import DeadlineRule, ResponsibilityRule
    from lanqing.org.models import Unit

    other_department = Unit.objects.create(name="古县自然资源局", kind="department", jurisdiction=cast.county)
    cast.users["other_department"] = _user("other_department", "unit", scope=other_department.name)
    matrix = ResponsibilityRule.objects.create(category="inspection", lead_unit=cast.department)
    matrix.support_units.set([cast.bureau_unit])
    ResponsibilityRule.objects.create(category="exceedance", lead_unit=cast.bureau_unit)
    DeadlineRule.objects.create(working_days=5, remind_before_days=1, unit_leader_after_days=2,
                                leadership_after_days=5, basis="县督办办法 第5条")
    cast.other_department = other_department
    return cast


@pytest.fixture
def inspection_case(supervision):
    from lanqing.cases.transitions import case_open

    return case_open(title="焦炉烟囱冒黄烟", category="inspection", source="inspection",
                     by=supervision.users["bureau"], site=supervision.outlet_a, now=TUESDAY)


@pytest.fixture(autouse=True)
def _english_messages():
    # Refusal messages are asserted in the English source; pages are tested in the default Chinese.
    from django.utils import translation

    with translation.override("en"):
        yield
