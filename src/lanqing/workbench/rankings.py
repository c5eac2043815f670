"""The scorecard ranking on the workbenches: the county's table for leadership (and, shorter, the bureau), and a
township's own place in it for its officers.

Scores and ranks are lanqing.yearwork's scorecards, the very figures of the scorecard pages, for the year so far
and for the current month; equal scores share a rank and the next rank skips (1, 1, 3). A township sees its own
rank, score and indicators, never the other parties' names or scores (its officers may not open the ranking).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language

from lanqing import texts
from lanqing.org import access
from lanqing.org.models import Jurisdiction, Level, Role, UnitKind
from lanqing.workbench.kept import kept
from lanqing.yearwork import scorecard
from lanqing.yearwork.models import Indicator
from lanqing.yearwork.summary import ranking_parties

# Rows of the ranking the bureau's workbench shows (leadership sees the whole table).
BUREAU_ROWS = 5


@dataclass(frozen=True)
class RankLine:
    name: str
    kind: str  # "township" or "unit"
    year_rank: int | None
    year_score: Decimal | None
    year_url: str
    month_rank: int | None
    month_score: Decimal | None
    month_url: str


@dataclass(frozen=True)
class Ranking:
    year: int
    month: date  # the first day of the current month
    lines: list[RankLine]  # the parties with a score this year or this month
    unscored: list[str]  # the names of the parties with no records to score yet
    parties: int  # all the parties compared, scored or not
    url: str  # the scorecard page of the year

    @property
    def unscored_names(self) -> str:
        # Joined with the reader's list separator (、 or ", "), as lanqing.texts joins a list.
        return texts.render(texts.message("%(names)s", names=texts.items(self.unscored)))


@dataclass(frozen=True)
class IndicatorShare:
    label: str
    percent: Decimal | None  # None: no records behind it, so it neither helps nor hurts


@dataclass(frozen=True)
class OwnRank:
    """A township's own place: its ranks and scores among `ranked` parties, and its year's indicators."""

    name: str
    year: int
    month: date  # the first day of the current month
    year_rank: int | None
    year_score: Decimal | None
    month_rank: int | None
    month_score: Decimal | None
    ranked_year: int
    ranked_month: int
    indicators: list[IndicatorShare]
    overdue_days: int
    deduction: Decimal


def _periods(now: datetime) -> tuple[scorecard.Period, scorecard.Period]:
    today = timezone.localtime(now).date()
    return scorecard.Period(today.year), scorecard.Period(today.year, today.month)


def _breakdown_url(card: scorecard.Card, period: scorecard.Period) -> str:
    name = "yearwork:scorecard_township" if card.party.kind == "township" else "yearwork:scorecard_unit"
    query = {"year": period.year, **({"month": period.month} if period.month else {})}
    return reverse(name, args=[card.party.obj.id]) + "?" + urlencode(query)


def _scorecards(townships: list[Jurisdiction], units: list, period: scorecard.Period, *,
                now: datetime) -> list[scorecard.Card]:
    """The parties' scorecards for the period, shared by every workbench that ranks the same parties
    (lanqing.workbench.kept: at most a minute behind the records)."""
    key = ("scorecards", tuple(t.id for t in townships), tuple(u.id for u in units), period)
    return kept(key, lambda: scorecard.scorecards(townships=townships, units=units, period=period, now=now))


def county_ranking(user, *, now: datetime, rows: int | None = None) -> Ranking | None:
    """The ranking of the townships and departments the user sees, ordered by the year's rank; None for a user
    who may not see scorecards."""
    if not access.may(user, "scorecard.view"):
        return None
    year, month = _periods(now)
    townships = list(access.jurisdictions_visible_to(user).filter(level=Level.TOWNSHIP))
    units = list(access.units_visible_to(user).filter(kind=UnitKind.DEPARTMENT))
    return _ranking(townships, units, year, month, now=now, rows=rows)


def _ranking(townships: list[Jurisdiction], units: list, year: scorecard.Period, month: scorecard.Period, *,
             now: datetime, rows: int | None) -> Ranking:
    by_year = _scorecards(townships, units, year, now=now)
    by_month = {(c.party.kind, c.party.obj.id): c for c in _scorecards(townships, units, month, now=now)}
    lines, unscored = [], []
    for card in by_year:
        this_month = by_month[(card.party.kind, card.party.obj.id)]
        if card.score is None and this_month.score is None:
            unscored.append(card.party.name)
            continue
        lines.append(RankLine(card.party.name, card.party.kind, card.rank, card.score, _breakdown_url(card, year),
                              this_month.rank, this_month.score, _breakdown_url(this_month, month)))
    url = reverse("yearwork:scorecard") + "?" + urlencode({"year": year.year})
    # The bureau's shorter table leaves the unscored names to the scorecard page as well.
    return Ranking(year.year, date(year.year, month.month or 1, 1), lines[:rows] if rows else lines,
                   [] if rows else unscored, len(by_year), url)


def township_of(user) -> Jurisdiction | None:
    """The township a township or grid officer works for (a grid officer's village lies in it)."""
    if access.role_of(user) not in (Role.TOWNSHIP, Role.GRID_OFFICER):
        return None
    place = access.root_jurisdiction(user)
    if place is not None and place.level == Level.VILLAGE:
        place = place.parent
    return place if place is not None and place.level == Level.TOWNSHIP else None


def _own(cards: list[scorecard.Card], township: Jurisdiction) -> scorecard.Card:
    return next(c for c in cards if c.party.kind == "township" and c.party.obj.id == township.id)


def own_rank(user, *, now: datetime) -> OwnRank | None:
    """The user's township in the ranking of its county (the parties the county's bureau ranks)."""
    township = township_of(user)
    if township is None or township.parent is None:
        return None
    year, month = _periods(now)
    townships, units = ranking_parties(township.parent)
    by_year = _scorecards(townships, units, year, now=now)
    by_month = _scorecards(townships, units, month, now=now)
    card, this_month = _own(by_year, township), _own(by_month, township)
    indicators = [IndicatorShare(str(Indicator(line.indicator).label),
                                 None if line.share is None else (line.share * 100).quantize(Decimal("0.1")))
                  for line in card.lines]
    return OwnRank(township.name, year.year, date(year.year, month.month or 1, 1), card.rank, card.score, this_month.rank,
                   this_month.score, sum(1 for c in by_year if c.rank is not None),
                   sum(1 for c in by_month if c.rank is not None), indicators, card.overdue_days, card.deduction)


def ranking_context(user, *, now: datetime | None = None) -> dict:
    """What the first page shows of the ranking: the whole table to leadership, its head to the bureau, a
    township's own place to its officers, nothing to others. Kept for the user, their role and scope, and the
    language (lanqing.workbench.kept: at most a minute behind the records; a new role or scope shows at once)."""
    now = now or timezone.now()
    membership = access.membership_of(user)
    scope = (membership.pk, membership.jurisdiction_id, membership.unit_id) if membership else None
    key = ("ranking-context", user.pk, access.role_of(user), scope, get_language(), _periods(now))
    return kept(key, lambda: _ranking_context(user, now=now))


def _ranking_context(user, *, now: datetime) -> dict:
    role = access.role_of(user)
    if role == Role.LEADERSHIP:
        return {"ranking": county_ranking(user, now=now)}
    if role == Role.BUREAU:
        return {"ranking": county_ranking(user, now=now, rows=BUREAU_ROWS)}
    return {"own_rank": own_rank(user, now=now)}
