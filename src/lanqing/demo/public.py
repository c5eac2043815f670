"""Public reports for the demo: one in each state the tracking page can show (received, refused with its
reason, being handled with a reply, handled and rated, reopened by the reporter) and a pair of probable
duplicates, each placed at a real village of the county and filed through the same services as the form."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction

from lanqing.cases.models import Case, CaseState
from lanqing.cases.transitions import case_accept, case_close, case_start, case_submit
from lanqing.org.models import Jurisdiction, Level, Membership, Role
from lanqing.public.models import PublicReport
from lanqing.public.services import (
    Filing,
    report_accept,
    report_rate,
    report_refuse,
    report_reopen,
    report_reply,
    report_submit,
)

# (days ago, category, description, village index, name, phone)
REPORTS = [
    (0.2, "air", "村东头的砖厂烟囱一直冒黑烟，晚上气味更重。", 3, "", ""),
    (6, "noise", "小区楼下的烧烤摊每天营业到凌晨两点，噪声很大。", 10, "李女士", "13900000001"),
    (9, "water", "河边排水口流出发白的污水，下游有死鱼。", 20, "", "13900000002"),
    (25, "solid_waste", "山沟里有人倾倒建筑垃圾和废旧轮胎。", 30, "王先生", "13900000003"),
    (28, "air", "化工厂夜里偷排废气，刺鼻的气味让人头疼。", 40, "", ""),
    (1, "ecology", "有人在河滩上挖砂，河岸被挖出大坑。", 50, "", ""),
    (0.5, "ecology", "河滩挖砂又开始了，挖掘机在作业。", 50, "", ""),
]


def _staff() -> tuple:
    bureau = Membership.objects.filter(role=Role.BUREAU).select_related("user").order_by("id").first()
    units = {m.unit_id: m.user for m in Membership.objects.filter(role=Role.UNIT).select_related("user")}
    return (bureau.user if bureau else None), units


@transaction.atomic
def demo_public_load(*, now: datetime) -> int:
    """Files the demo's public reports and moves each to its state; returns how many were filed."""
    if PublicReport.objects.filter(is_demo=True).exists():
        return 0
    villages = list(Jurisdiction.objects.filter(level=Level.VILLAGE).order_by("code"))
    bureau, units = _staff()
    if not villages or bureau is None:
        return 0
    filed = []
    for days, category, text, village, name, phone in REPORTS:
        at = now - timedelta(days=days)
        filed.append(report_submit(filing=Filing(
            category=category, description=text, observed_at=at - timedelta(hours=2),
            division=villages[village % len(villages)], name=name, phone=phone), photos=[], client_address=None,
            now=at, is_demo=True))
    _received, refused, handling, rated, reopened, *_pair = filed
    report_refuse(report=refused, by=bureau, reason="not_our_remit",
                  note="社会生活噪声由公安机关管理，请拨打 110 或向县公安局反映。",
                  now=refused.submitted_at + timedelta(hours=20))
    for report in (handling, rated, reopened):
        report_accept(report=report, by=bureau, now=report.submitted_at + timedelta(hours=20))
        report_reply(report=report, by=bureau, text="已交县住房和城乡建设管理局现场核查。", public=True,
                     now=report.submitted_at + timedelta(days=1))
        report_reply(report=report, by=bureau, text="内部：与去年同一地点的举报相同，注意核查整改是否反弹。",
                     public=False, now=report.submitted_at + timedelta(days=1, hours=1))
    for report, rating in ((rated, 4), (reopened, 2)):
        case = Case.objects.get(id=report.case_id)
        handler = units.get(case.lead_unit_id) if case.lead_unit_id else None
        if handler is None or case.state != CaseState.DISPATCHED:
            continue
        start = report.submitted_at + timedelta(days=2)
        case_accept(case=case, by=handler, now=start)
        case_start(case=case, by=handler, now=start + timedelta(hours=2))
        case_submit(case=case, by=handler, text="已责令停止违法行为并清理现场，复查合格。", now=start + timedelta(days=5))
        case_close(case=case, by=bureau, now=start + timedelta(days=6))
        report.case.refresh_from_db()
        report_rate(report=report, rating=rating, note="处理及时。" if rating > 3 else "晚上还有。",
                    now=start + timedelta(days=7))
    reopened.case.refresh_from_db()
    if reopened.case.state == CaseState.CLOSED:
        report_reopen(report=reopened, reason="夜里又开始排放了，气味和以前一样。",
                      now=reopened.submitted_at + timedelta(days=10))
    return len(filed)
