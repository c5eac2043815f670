"""The scorecard ranking on the workbenches: every score and rank checked against a computation from the stored
tasks and cases made here (not the scorecard service), ties ranked 1, 1, 1, 4, and a township that sees its own
place and never the county's table."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

import pytest
from django.utils import timezone

from tests.yearwork.conftest import SHANGHAI, year  # noqa: F401 - the plan's units and users

pytestmark = pytest.mark.django_db
THIS_YEAR = timezone.localdate().year
# A fixed moment late in this year: its month (December) has no case due, the year has one.
LATE = datetime(THIS_YEAR, 12, 15, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def ranked(year):  # noqa: F811
    """This year's tasks: 岳阳镇 90 %, 北平镇 90 %, 自然资源局 (lead of 北平镇's) 90 %, 水利局 75 % over two."""
    from lanqing.yearwork.models import Plan, Task

    plan = Plan.objects.create(jurisdiction=year.county, year=THIS_YEAR, title="本年度重点工作", created_at=LATE)
    for number, (title, lead, township, done) in enumerate([
            ("岳阳镇河道清理", year.support, year.yueyang, "0.9"),
            ("北平镇矿山复绿", year.lead, year.beiping, "0.9"),
            ("全县农村污水治理", year.support, None, "0.6")], start=1):
        task = Task.objects.create(plan=plan, number=number, title=title, lead_unit=lead,
                                   deadline=date(THIS_YEAR, 12, 31), completion=Decimal(done))
        if township is not None:
            task.townships.set([township])
    return year


def _expected(parties, *, now: datetime, first: datetime, end: datetime) -> dict[str, Decimal | None]:
    """Scores from the rows: the default weights (cases on time 30, task completion 30) over the indicators with
    records; the test data have no letters, households or overdue days."""
    from lanqing.cases.models import Case
    from lanqing.yearwork.models import Task

    scores: dict[str, Decimal | None] = {}
    for kind, party in parties:
        tasks = [t for t in Task.objects.filter(plan__year=first.year).prefetch_related("townships")
                 if (party in t.townships.all() if kind == "township" else t.lead_unit_id == party.id)]
        cases = [c for c in Case.objects.all() if (c.township_id if kind == "township" else c.lead_unit_id) == party.id
                 and c.deadline_at is not None and first <= c.deadline_at < min(end, now)]
        parts = []
        if cases:
            parts.append(Decimal(sum(1 for c in cases if c.closed_at and c.closed_at <= c.deadline_at)) / len(cases))
        if tasks:
            parts.append(sum((t.completion for t in tasks), Decimal(0)) / len(tasks))
        scores[party.name] = (sum(parts, Decimal(0)) / len(parts) * 100).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_EVEN) if parts else None
    return scores


def _competition_ranks(scores: dict[str, Decimal | None]) -> dict[str, int | None]:
    return {name: None if score is None else 1 + sum(1 for other in scores.values()
                                                       if other is not None and other > score)
            for name, score in scores.items()}


def _parties(cast):
    from lanqing.org.models import Jurisdiction, Unit

    townships = Jurisdiction.objects.filter(code__startswith=cast.county.prefix, level="township")
    units = Unit.objects.filter(kind="department")
    return [("township", t) for t in townships] + [("unit", u) for u in units]


def _rows(page: str) -> list[dict[str, str]]:
    rows = []
    for row in re.findall(r'<tr data-testid="ranking-line">(.*?)</tr>', page, re.S):
        cells = dict(re.findall(r'data-testid="(year-rank|month-rank|year-score|month-score)"[^>]*>([^<]*)<', row))
        cells["name"] = re.search(r'class="card-title"[^>]*>([^<]*)<', row).group(1)
        cells["href"] = re.search(r'href="([^"]*)" data-testid="year-score"', row).group(1)
        rows.append(cells)
    return rows


def test_the_ranking_ranks_ties_equal_and_skips_the_next_rank(ranked):
    from lanqing.cases.models import Case
    from lanqing.workbench.rankings import county_ranking

    # 北平镇 missed a case due in March: its year's score falls, its December's does not.
    deadline = datetime(THIS_YEAR, 3, 10, 18, 0, tzinfo=SHANGHAI)
    Case.objects.create(number="R1", title="x", category="inspection", source="inspection",
                        jurisdiction=ranked.beiping, township=ranked.beiping, state="dispatched",
                        deadline_at=deadline, created_at=deadline - timedelta(days=5), updated_at=deadline)
    ranking = county_ranking(ranked.users["leader"], now=LATE)
    assert ranking is not None
    start = datetime(THIS_YEAR, 1, 1, tzinfo=SHANGHAI)
    year_scores = _expected(_parties(ranked), now=LATE, first=start, end=start.replace(year=THIS_YEAR + 1))
    month_scores = _expected(_parties(ranked), now=LATE, first=start.replace(month=12),
                             end=start.replace(year=THIS_YEAR + 1))
    scored = [name for name, score in year_scores.items() if score is not None]
    assert {line.name: line.year_score for line in ranking.lines} == {name: year_scores[name] for name in scored}
    assert {line.name: line.month_score for line in ranking.lines} == {name: month_scores[name] for name in scored}
    year_ranks, month_ranks = _competition_ranks(year_scores), _competition_ranks(month_scores)
    assert {line.name: line.year_rank for line in ranking.lines} == {name: year_ranks[name] for name in scored}
    assert {line.name: line.month_rank for line in ranking.lines} == {name: month_ranks[name] for name in scored}
    # By hand: the year 90, 90, 75, 45 → 1, 1, 3, 4; December 90, 90, 90, 75 → 1, 1, 1, 4.
    assert sorted(r for r in (line.year_rank for line in ranking.lines) if r) == [1, 1, 3, 4]
    assert sorted(r for r in (line.month_rank for line in ranking.lines) if r) == [1, 1, 1, 4]
    # Ordered by the year's rank; the parties without records are named apart.
    assert [line.year_rank for line in ranking.lines] == [1, 1, 3, 4]
    assert sorted(ranking.unscored) == sorted(name for name, score in year_scores.items() if score is None)


def test_the_leader_sees_the_whole_ranking_each_score_opening_its_breakdown(ranked, client_for):
    client = client_for(ranked.users["leader"])
    page = client.get("/").content.decode()
    rows = _rows(page)
    now = timezone.now()
    start = datetime(THIS_YEAR, 1, 1, tzinfo=SHANGHAI)
    scores = _expected(_parties(ranked), now=now, first=start, end=start.replace(year=THIS_YEAR + 1))
    ranks = _competition_ranks(scores)
    assert {row["name"]: row["year-score"] for row in rows} == {
        name: str(score) for name, score in scores.items() if score is not None}
    assert {row["name"]: row["year-rank"] for row in rows} == {
        name: str(rank) for name, rank in ranks.items() if rank is not None}
    unscored = re.search(r'data-testid="ranking-unscored">([^<]*)<', page).group(1)
    for name, score in scores.items():
        assert (name in unscored) == (score is None)
    first = rows[0]
    assert first["year-rank"] == "1"
    breakdown = client.get(first["href"].replace("&amp;", "&"))
    assert breakdown.status_code == 200
    assert first["name"] in breakdown.content.decode()
    assert f"?year={THIS_YEAR}" in first["href"]


def test_the_bureau_sees_the_head_of_the_ranking_and_a_link_to_all(ranked, client_for):
    from lanqing.org.models import Jurisdiction
    from lanqing.workbench.rankings import BUREAU_ROWS
    from lanqing.yearwork.models import Plan, Task

    # Two more townships with a task at 10 %: six parties scored, more than the bureau's rows.
    plan = Plan.objects.get(year=THIS_YEAR)
    others = Jurisdiction.objects.filter(level="township").exclude(id__in=[ranked.yueyang.id, ranked.beiping.id])
    for number, township in enumerate(others[:2], start=10):
        task = Task.objects.create(plan=plan, number=number, title=f"{township.name}任务", lead_unit=ranked.support,
                                   deadline=date(THIS_YEAR, 12, 31), completion=Decimal("0.1"))
        task.townships.set([township])
    page = client_for(ranked.users["bureau"]).get("/").content.decode()
    rows = _rows(page)
    assert len(rows) == BUREAU_ROWS
    assert [row["year-rank"] for row in rows] == ["1", "1", "1", "4", "5"]
    assert 'data-testid="ranking-all"' in page
    assert 'data-testid="ranking-unscored"' not in page


def test_a_township_sees_its_own_rank_and_score_never_the_county_table(ranked, client_for):
    for who in ("township_a", "grid_a"):
        page = client_for(ranked.users[who]).get("/").content.decode()
        assert 'data-testid="ranking-table"' not in page
        assert ranked.lead.name not in page  # another party's name
        own = re.search(r'data-testid="own-year"><b>([^<]*)</b><span>([^<]*)<', page)
        assert own is not None
        assert own.group(1) == "1"
        assert "90.0" in own.group(2)
        ranked_parties = sum(1 for score in _expected(
            _parties(ranked), now=timezone.now(), first=datetime(THIS_YEAR, 1, 1, tzinfo=SHANGHAI),
            end=datetime(THIS_YEAR + 1, 1, 1, tzinfo=SHANGHAI)).values() if score is not None)
        assert f"在 {ranked_parties} 个乡镇和单位中" in own.group(2)
    # The scorecard pages stay closed to a township.
    assert client_for(ranked.users["township_a"]).get("/yearwork/scorecards/").status_code == 403


def test_a_department_and_an_enterprise_see_no_ranking(ranked, client_for):
    for who in ("department", "enterprise_a"):
        page = client_for(ranked.users[who]).get("/").content.decode()
        assert "workbench-ranking" not in page
        assert "workbench-own-rank" not in page


def test_a_change_reaches_the_workbench_ranking_within_a_minute(ranked, client_for, monkeypatch):
    """The ranking is kept for a minute (lanqing.workbench.kept); then the task's new completion shows."""
    import time

    from lanqing.workbench import kept
    from lanqing.yearwork.models import Task

    client = client_for(ranked.users["leader"])
    before = {row["name"]: row["year-score"] for row in _rows(client.get("/").content.decode())}
    Task.objects.filter(title="岳阳镇河道清理").update(completion=Decimal("0.5"))
    assert {row["name"]: row["year-score"] for row in _rows(client.get("/").content.decode())} == before
    later = time.monotonic() + kept.KEPT_SECONDS + 1
    monkeypatch.setattr(kept.time, "monotonic", lambda: later)
    after = {row["name"]: row["year-score"] for row in _rows(client.get("/").content.decode())}
    assert after != before
    assert Decimal(after[ranked.yueyang.name]) < Decimal(before[ranked.yueyang.name])
