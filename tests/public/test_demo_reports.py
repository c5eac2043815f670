"""The demo's public reports: one in each state the tracking page shows, filed through the real services."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.cases.conftest import TUESDAY

pytestmark = pytest.mark.django_db


def test_the_demo_files_reports_in_every_state(public_setup, client):
    from lanqing.demo.public import REPORTS, demo_public_load
    from lanqing.public.models import PublicReport
    from lanqing.public.selectors import report_status

    assert demo_public_load(now=TUESDAY) == len(REPORTS)
    reports = list(PublicReport.objects.order_by("id"))
    statuses = [report_status(r) for r in reports]
    assert statuses[:5] == ["received", "refused", "handling", "done", "reopened"]
    assert reports[1].refusal_note
    assert reports[3].rating == 4
    assert reports[4].reopen_reason
    assert set(reports[6].probable_duplicates.all()) == {reports[5]}
    page = client.get(reverse("public:track", args=[reports[4].code])).content.decode()
    assert "已重新办理" in page
    assert "内部" not in page
    assert demo_public_load(now=TUESDAY) == 0  # loading twice adds nothing
