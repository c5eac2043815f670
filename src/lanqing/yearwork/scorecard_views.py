"""The scorecard ranking and each party's breakdown down to its records."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from lanqing.org import access
from lanqing.org.models import Level, UnitKind
from lanqing.ui.tables import wants_export, xlsx_response
from lanqing.yearwork import scorecard
from lanqing.yearwork.models import Indicator


def _period(request) -> scorecard.Period:
    year_text, month_text = request.GET.get("year", ""), request.GET.get("month", "")
    year = int(year_text) if year_text.isdigit() and 2000 <= int(year_text) <= 2100 else timezone.localdate().year
    month = int(month_text) if month_text.isdigit() and 1 <= int(month_text) <= 12 else None
    return scorecard.Period(year, month)


def _percent(share: Decimal | None) -> str:
    return "—" if share is None else f"{share * 100:.1f}%"


@login_required
def scorecard_page(request):
    access.require(request.user, "scorecard.view")
    period = _period(request)
    if request.method == "POST":
        access.require(request.user, "scorecard.edit")
        try:
            weights = {key: Decimal(request.POST.get(key, "")) for key in Indicator.values}
            if any(not w.is_finite() or w < 0 or w > 1000 for w in weights.values()):
                raise InvalidOperation
            scorecard.weights_set(year=period.year, weights=weights)
        except (InvalidOperation, ValueError):
            messages.error(request, _("Each weight is a number from 0 to 1000."))
        else:
            messages.success(request, _("The weights for %(year)s were saved.") % {"year": period.year})
        return redirect(f"{request.path}?year={period.year}")
    townships = list(access.jurisdictions_visible_to(request.user).filter(level=Level.TOWNSHIP))
    units = list(access.units_visible_to(request.user).filter(kind=UnitKind.DEPARTMENT))
    cards = scorecard.scorecards(townships=townships, units=units, period=period)
    indicators = [Indicator(key) for key in Indicator.values if key != Indicator.OVERDUE_DAYS]
    rows = [(card, {line.indicator: _percent(line.share) for line in card.lines}) for card in cards]
    if wants_export(request):
        return xlsx_response(filename=_("scorecards"), headers=[
            _("Rank"), _("Township or unit"), *[str(i.label) for i in indicators], _("Working days overdue"),
            _("Deduction"), _("Score")],
            rows=([c.rank, c.party.name, *[shares.get(i, "") for i in indicators], c.overdue_days, c.deduction,
                   c.score] for c, shares in rows))
    weights = scorecard.weights_for(period.year)
    return render(request, "yearwork/scorecard.html", {
        "period": period, "rows": rows, "indicators": indicators, "months": range(1, 13),
        "weights": [(Indicator(key), weights[key]) for key in Indicator.values],
        "may_edit": access.may(request.user, "scorecard.edit")})


def _breakdown(request, party: scorecard.Party):
    period = _period(request)
    card = scorecard.card_for(party, period, weights=scorecard.weights_for(period.year), now=timezone.now())
    due = scorecard.cases_due(party, period, timezone.now()).select_related("lead_unit").order_by("deadline_at")
    timely = set(scorecard.on_time(due).values_list("id", flat=True))
    return render(request, "yearwork/scorecard_party.html", {
        "period": period, "card": card, "lines": [(Indicator(line.indicator), line, _percent(line.share))
                                                  for line in card.lines],
        "cases": [(case, case.id in timely) for case in due[:500]],
        "tasks": scorecard.tasks_of(party, period).select_related("plan").order_by("plan_id", "number")[:500],
        "targets": scorecard.letter_targets_of(party, period).select_related("letter")[:500],
        "overdue": scorecard.overdue_records(party, period).select_related("case")[:500]})


@login_required
def scorecard_township(request, township_id: int):
    # Fetched first: a township outside the user's scope answers 404 like one that does not exist.
    township = access.get_visible(request.user, access.jurisdictions_visible_to(request.user)
                                  .filter(level=Level.TOWNSHIP), id=township_id)
    access.require(request.user, "scorecard.view")
    return _breakdown(request, scorecard.Party("township", township))


@login_required
def scorecard_unit(request, unit_id: int):
    unit = access.get_visible(request.user, access.units_visible_to(request.user), id=unit_id)
    access.require(request.user, "scorecard.view")
    return _breakdown(request, scorecard.Party("unit", unit))
