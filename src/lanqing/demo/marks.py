"""Data marks for the demo: the coking plant of the demo account "qiye" marked a maintenance of its 1# coke-oven
stack three days ago with its document; another coking plant ("qiye2") marked a facility stop two months ago,
never sent the document, and its mark reverted. Both through the same services as the pages."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from lanqing.monitoring.marks import mark_create, marks_revert_overdue
from lanqing.monitoring.models import DataMark, MarkKind, Site

# A one-page PDF that reads "Maintenance notice (demo)": what an enterprise would scan and upload (scanners
# name their files in capitals).
NOTICE_PDF = b"""%PDF-1.4
1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj
2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj
3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R
/Resources << /Font << /F1 5 0 R >> >> >> endobj
4 0 obj << /Length 70 >> stream
BT /F1 18 Tf 72 760 Td (Maintenance notice: 1# coke-oven stack \\(demo\\)) Tj ET
endstream endobj
5 0 obj << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> endobj
trailer << /Root 1 0 R >>
%%EOF
"""


def _local_morning(moment: datetime, days_before: int) -> datetime:
    local = timezone.localtime(moment, zoneinfo.ZoneInfo(settings.TIME_ZONE)) - timedelta(days=days_before)
    return local.replace(hour=8, minute=0, second=0, microsecond=0)


@transaction.atomic
def demo_marks_load(*, now: datetime) -> int:
    """Makes the two demo marks and reverts the overdue one; returns how many marks were made."""
    if DataMark.objects.filter(is_demo=True).exists():
        return 0
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["qiye", "qiye2"])}
    sites = {s.code: s for s in Site.objects.filter(code__in=["DEMO-OUT-07", "DEMO-OUT-09"])}
    if len(users) < 2 or len(sites) < 2:
        return 0
    start = _local_morning(now, 3)
    mark_create(by=users["qiye"], site=sites["DEMO-OUT-07"], kind=MarkKind.MAINTENANCE,
                reason="1#焦炉烟囱在线监测设备季度校准维护，烟气治理设施同步检修", starts_at=start,
                ends_at=start + timedelta(hours=10), document=("检修计划及维护记录.PDF", NOTICE_PDF),
                now=start - timedelta(days=1), is_demo=True)
    # Two months back: the 10th of the next month has passed, whatever day the demo is loaded.
    start = _local_morning(now, 65)
    mark_create(by=users["qiye2"], site=sites["DEMO-OUT-09"], kind=MarkKind.FACILITY_STOPPED,
                reason="脱硫脱硝设施停运检修", starts_at=start, ends_at=start + timedelta(days=2),
                now=start - timedelta(days=1), is_demo=True)
    marks_revert_overdue(now=now)
    return 2
