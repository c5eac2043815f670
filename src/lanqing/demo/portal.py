"""The enterprise portal in the demo: the demo enterprise account's plant gets its discharge permit and one
uploaded file of self-monitoring lab results, filed through the same service as the portal's upload."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from lanqing.demo import catalogue
from lanqing.monitoring.lab import lab_results_upload
from lanqing.monitoring.models import LabUpload, LabUploadStatus, Point
from lanqing.org.models import DischargePermit, Membership, Role

LAB = "古县示例环境检测有限公司（演示）"
# Quarterly manual flue-gas measurements the plant's online monitors do not make (humidity, pressure, velocity):
# a lab result never replaces an hour the online monitor reported, and these factors it does not report.
# (factor, value) per sampling.
SAMPLES = (("a01014", 8.6), ("a01013", -0.32), ("a01011", 11.4))


def demo_portal_load(*, now: datetime) -> int:
    """Gives the demo enterprise account's plant its permit and uploads its lab results; returns the rows."""
    membership = (Membership.objects.filter(role=Role.ENTERPRISE, user__username=_account())
                  .select_related("enterprise", "user").first())
    if membership is None or membership.enterprise is None or LabUpload.objects.filter(is_demo=True).exists():
        return 0
    enterprise = membership.enterprise
    local = now.astimezone(ZoneInfo("Asia/Shanghai"))
    DischargePermit.objects.create(
        enterprise=enterprise, number=f"{enterprise.credit_code}001P", issued_by="临汾市生态环境局",
        valid_from=date(local.year - 2, 6, 1), valid_to=date(local.year + 3, 5, 31),
        annual_caps={"SO2": 45.6, "NOx": 182.0, "PM": 12.3}, is_demo=True)
    points = Point.objects.filter(site__enterprise=enterprise).select_related("site").order_by("site__code")
    lines = ["排放口编码,点位编码,因子编码,采样时间,监测值,单位,检测机构,报告编号"]
    for number, days in enumerate((40, 10), start=1):
        sampled = (local - timedelta(days=days)).replace(hour=10, minute=15, second=0, microsecond=0)
        report = f"GXJC-{sampled:%Y%m%d}-{number:02d}"
        for point in points:
            for code, value in SAMPLES:
                lines.append(f"{point.site.code},{point.code},{code},{sampled:%Y-%m-%d %H:%M},{value},,{LAB},{report}")
    upload = lab_results_upload(enterprise=enterprise, file_name="自行监测季度报告（演示）.csv",
                                content=("\n".join(lines) + "\n").encode(), by=membership.user, now=now, is_demo=True)
    if upload.status != LabUploadStatus.ACCEPTED:
        raise ValueError(f"the demo's lab results were refused: {upload.errors[:3]}")
    return upload.rows_total


def _account() -> str:
    return next(account.username for account in catalogue.DEMO_ACCOUNTS if account.role == "enterprise")
