"""Scorecards by a hand-checked example, each score traceable to its records, weights the bureau edits."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from tests.yearwork.conftest import SHANGHAI

NOW = datetime(2021, 1, 10, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture
def scored(ledger):
    from lanqing.cases.models import AccountabilityRecord, Case
    from lanqing.yearwork.models import Letter, LetterTarget, Task

    deadline = datetime(2020, 6, 30, 18, 0, tzinfo=SHANGHAI)
    # 岳阳镇: 4 cases due in 2020, 3 closed by the deadline, 1 closed two working days late.
    for n, closed in enumerate([-1, -1, -2, 3]):
        case = Case.objects.create(number=f"S{n}", title="x", category="inspection", source="inspection",
                                   jurisdiction=ledger.yueyang, township=ledger.yueyang, lead_unit=ledger.department,
                                   state="closed", deadline_at=deadline, closed_at=deadline + timedelta(days=closed),
                                   created_at=deadline - timedelta(days=9), updated_at=deadline)
        if closed > 0:
            AccountabilityRecord.objects.create(case=case, deadline_at=deadline, township=ledger.yueyang,
                                                unit=ledger.department, working_days_late=2, recorded_at=deadline)
    # 岳阳镇's one key task (全县建筑工地扬尘治理, also 北平镇's) is half done.
    Task.objects.filter(id=ledger.dust.id).update(completion=Decimal("0.5"))
    # 岳阳镇's letter: 2 targets with a figure, 1 met.
    letter = Letter.objects.create(jurisdiction=ledger.county, year=2020, township=ledger.yueyang, created_at=NOW)
    LetterTarget.objects.create(letter=letter, measure="other", description="PM2.5", target_value=45, at_most=True,
                                measured=40)
    LetterTarget.objects.create(letter=letter, measure="other", description="优良天数", target_value=80,
                                measured=70)
    # Heating: 1 household of 岳阳镇 converted in 2020 against a target of 4 (the ledger fixture).
    return ledger


def test_a_township_score_by_hand(scored):
    from lanqing.yearwork.scorecard import Party, Period, card_for, weights_for

    card = card_for(Party("township", scored.yueyang), Period(2020), weights=weights_for(2020), now=NOW)
    shares = {line.indicator: line.share for line in card.lines}
    assert shares == {"cases_on_time": Decimal("0.75"), "task_completion": Decimal("0.5"),
                      "targets_met": Decimal("0.5"), "heating_progress": Decimal("0.25")}
    # (0.75×30 + 0.5×30 + 0.5×25 + 0.25×15) / 100 × 100 = 53.75; 2 working days overdue × 0.5 = 1 → 52.75 → 52.8.
    assert card.overdue_days == 2
    assert card.deduction == Decimal(1)
    assert card.score == Decimal("52.8")


def test_an_indicator_without_records_is_left_out_not_counted_as_zero(scored):
    from lanqing.yearwork.scorecard import Party, Period, card_for, weights_for

    # 自然资源局 leads one task (0 % done) and has no cases, letter or ledger: its score is its task alone.
    card = card_for(Party("unit", scored.lead), Period(2020), weights=weights_for(2020), now=NOW)
    assert [line.indicator for line in card.lines if line.share is not None] == ["task_completion"]
    assert card.score == Decimal("0.0")


def test_the_ranking_counts_every_party_as_its_own_card_does(scored):
    """The ranking counts all parties' records together (a few grouped queries); each card in it is the card
    the party's own breakdown page counts alone, line by line."""
    from lanqing.org.models import Jurisdiction, Unit
    from lanqing.yearwork.scorecard import Party, Period, card_for, scorecards, weights_for

    townships = list(Jurisdiction.objects.filter(level="township"))
    units = list(Unit.objects.filter(kind="department"))
    cards = scorecards(townships=townships, units=units, period=Period(2020), now=NOW)
    assert len(cards) == len(townships) + len(units)
    assert any(card.score is not None for card in cards)
    for card in cards:
        alone = card_for(Party(card.party.kind, card.party.obj), Period(2020), weights=weights_for(2020), now=NOW)
        assert (card.lines, card.overdue_days, card.score) == (alone.lines, alone.overdue_days, alone.score)


def test_the_bureau_edits_the_weights_and_the_score_follows(scored, client_for):
    from lanqing.yearwork.scorecard import Party, Period, card_for, weights_for

    client = client_for(scored.users["bureau"])
    response = client.post("/yearwork/scorecards/?year=2020", {
        "cases_on_time": "100", "task_completion": "0", "targets_met": "0", "heating_progress": "0",
        "overdue_days": "0"})
    assert response.status_code == 302
    card = card_for(Party("township", scored.yueyang), Period(2020), weights=weights_for(2020), now=NOW)
    assert card.score == Decimal("75.0")
    assert client.post("/yearwork/scorecards/?year=2020", {"cases_on_time": "-1"}).status_code == 302
    assert weights_for(2020)["cases_on_time"] == Decimal(100)


def test_the_ranking_opens_each_score_down_to_its_records(scored, client_for):
    client = client_for(scored.users["leader"])
    page = client.get("/yearwork/scorecards/", {"year": 2020}).content.decode()
    assert "岳阳镇" in page
    assert f"/yearwork/scorecards/townships/{scored.yueyang.id}/" in page
    breakdown = client.get(f"/yearwork/scorecards/townships/{scored.yueyang.id}/", {"year": 2020}).content.decode()
    for record in ("S0", "S3", "全县建筑工地扬尘治理", "优良天数"):
        assert record in breakdown


def test_only_the_bureau_and_leadership_see_scorecards(scored, client_for):
    for role in ("township_a", "department", "enterprise_a"):
        assert client_for(scored.users[role]).get("/yearwork/scorecards/").status_code == 403
