"""The tracking page's hot path: one statement per request, the report's facts and progress rendered once per change.

A reporter (or a script guessing codes) asks for the tracking page far more often than a report changes, and on
the public site every request must stay near the cost of the home page (issue 16, item 11). So each request runs
one plain SQL statement that reads, by the code, what the facts part of the page shows (the report's and its
case's fields), the newest public or deadline-extension entry of the case's timeline, and whether the address is
over its limit of unknown codes. Those values are the key of the facts part rendered in the reader's language,
kept in the process (FRAGMENTS entries, least recently used dropped): any change to the report, its case or its
public timeline changes the key, so the page is never stale. Timeline entries are only ever added, never edited
(lanqing.cases), so the newest entry's id stands for the whole timeline.

The statement is plain SQL because Django compiles an ORM query afresh on every request, which here cost more than
reading the rows; it names tables and columns through the models' metadata and runs unchanged on SQLite and
PostgreSQL. Anything the statement does not settle (no such code, an address over its limit) goes through
lanqing.public.services.report_for_code, which counts misses and words the refusal.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from django.db import connection
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from lanqing.cases.models import Case, CaseEvent
from lanqing.public.models import PublicReport, RateEvent
from lanqing.public.selectors import TRACKING_FIELDS, may_rate, may_reopen, status_of, tracking_for
from lanqing.public.services import MISSED_LOOKUPS_PER_ADDRESS, normalise_code, report_for_code

FRAGMENTS = 2048
FACTS_TEMPLATE = "public/track_facts.html"

# The report's own fields the facts part reads; the case's are read by their own names below.
_REPORT_FIELDS = tuple(name for name in TRACKING_FIELDS if "__" not in name)
_CASE_FIELDS = tuple(name.split("__", 1)[1] for name in TRACKING_FIELDS if name.startswith("case__"))


@dataclass(frozen=True)
class TrackingPage:
    """What the tracking page shows of a report: the facts and progress (rendered) and what its forms need."""

    code: str
    facts: SafeString
    can_rate: bool
    can_reopen: bool


_lock = threading.Lock()
_fragments: OrderedDict[tuple, SafeString] = OrderedDict()


def _column(model, name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


@lru_cache(maxsize=4)
def _statement(vendor: str) -> str:
    """The statement in the dialect of `vendor` (its quoting); composed once per process."""
    report = ", ".join(f"r.{_column(PublicReport, name)}" for name in _REPORT_FIELDS)
    case = ", ".join(f"c.{_column(Case, name)}" for name in _CASE_FIELDS)
    return (
        f"SELECT r.{_column(PublicReport, 'id')}, {report}, {case}, "
        f"(SELECT MAX(e.{_column(CaseEvent, 'id')}) FROM {_table(CaseEvent)} e "
        f"WHERE e.{_column(CaseEvent, 'case')} = r.{_column(PublicReport, 'case')} "
        f"AND (e.{_column(CaseEvent, 'public')} OR e.{_column(CaseEvent, 'action')} = %s)), "
        f"EXISTS (SELECT 1 FROM {_table(RateEvent)} m WHERE m.{_column(RateEvent, 'kind')} = %s "
        f"AND m.{_column(RateEvent, 'key')} = %s AND m.{_column(RateEvent, 'at')} > %s LIMIT 1 OFFSET %s) "
        f"FROM {_table(PublicReport)} r JOIN {_table(Case)} c ON c.{_column(Case, 'id')} = "
        f"r.{_column(PublicReport, 'case')} WHERE r.{_column(PublicReport, 'code')} = %s")


def _read(code: str, client_address: str | None, now: datetime) -> tuple | None:
    count, window = MISSED_LOOKUPS_PER_ADDRESS
    since = connection.ops.adapt_datetimefield_value(now - window)
    with connection.cursor() as cursor:
        # With no address there is nothing to limit: a key no row has keeps the EXISTS false.
        cursor.execute(_statement(connection.vendor), ["extension_approved", "lookup_miss", client_address or "", since, count - 1,
                                      code])
        return cursor.fetchone()


def _kept_page(code: str, facts: SafeString, row: tuple) -> TrackingPage:
    """The page from kept facts and the statement's row (the forms ask for status, decision, rated, reopened)."""
    report = dict(zip(_REPORT_FIELDS, row[1:1 + len(_REPORT_FIELDS)], strict=True))
    case = dict(zip(_CASE_FIELDS, row[1 + len(_REPORT_FIELDS):1 + len(_REPORT_FIELDS) + len(_CASE_FIELDS)],
                    strict=True))
    status = status_of(report["decision"], case["state"], report["reopened_at"])
    return TrackingPage(code=code, facts=facts, can_rate=may_rate(status, report["decision"], report["rated_at"]),
                        can_reopen=may_reopen(status, report["decision"], report["reopened_at"]))


def tracking_page(code: str, *, client_address: str | None, now: datetime | None = None) -> TrackingPage:
    """The tracking page of the report with this code; raises what report_for_code raises (unknown code, limit)."""
    now = now or timezone.now()
    code = normalise_code(code)
    row = _read(code, client_address, now)
    if row is None or row[-1]:
        # Unknown code or an address over its limit: counted and worded there.
        report_for_code(code, client_address=client_address, now=now)
        raise AssertionError("report_for_code refuses what the statement did not find")  # pragma: no cover
    key = (*row[:-1], get_language())
    with _lock:
        facts = _fragments.get(key)
        if facts is not None:
            _fragments.move_to_end(key)
    if facts is not None:
        return _kept_page(code, facts, row)
    report = report_for_code(code, client_address=client_address, now=now, only=TRACKING_FIELDS)
    tracking = tracking_for(report)
    facts = mark_safe(render_to_string(FACTS_TEMPLATE, {"tracking": tracking}))
    with _lock:
        _fragments[key] = facts
        while len(_fragments) > FRAGMENTS:
            _fragments.popitem(last=False)
    return TrackingPage(code=code, facts=facts, can_rate=tracking.can_rate, can_reopen=tracking.can_reopen)


def tracking_forget() -> None:
    """Drops every kept fragment (tests start each from an empty process state)."""
    with _lock:
        _fragments.clear()
