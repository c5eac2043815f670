"""The clean-heating ledger (散煤治理/清洁取暖): households, their personal data and its masking, the Excel
layout (import with row-level problems, nothing written when a row is bad; export in the same layout),
progress per village and township, and verification visits (a household back on coal opens a case)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lanqing import texts
from lanqing.cases.evidence import EvidenceRefused, evidence_check
from lanqing.cases.models import CaseSource, Category
from lanqing.cases.transitions import case_open
from lanqing.locked import retry_locked
from lanqing.org import access
from lanqing.org.models import Jurisdiction, Level
from lanqing.tabular import cell_text, excerpt, parse_local_datetime
from lanqing.yearwork import table_reading
from lanqing.yearwork.models import Heating, HeatingTally, Household, VillageHeating, Visit

MAX_ROWS = 200_000
# GB 11643-1999: weights of the 17 digits, and the check character for each remainder mod 11.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
ID_PATTERN = re.compile(r"^\d{17}[\dX]$")

COLUMNS = [
    ("township", "乡镇", "township", True),
    ("village", "村（社区）", "village", True),
    ("head", "户主", "head of household", True),
    ("id_number", "身份证号", "id number", True),
    ("address", "住址", "address", False),
    ("before", "改造前取暖方式", "heating before", False),
    ("after", "改造后取暖方式", "heating after", False),
    ("converted_on", "改造日期", "converted on", False),
    ("granted", "核定补贴（元）", "subsidy granted (yuan)", False),
    ("paid", "已发补贴（元）", "subsidy paid (yuan)", False),
]
HEADERS_ZH = [zh for _f, zh, _en, _r in COLUMNS]


def headers_for_reader() -> list[str]:
    return table_reading.column_headers(COLUMNS)
# The ledger's words for the heating routes, both languages, as offices write them.
HEATING_NAMES = {"散煤": Heating.SCATTERED_COAL, "洁净煤": Heating.CLEAN_COAL, "煤改气": Heating.GAS,
                 "天然气": Heating.GAS, "煤改电": Heating.ELECTRIC, "电": Heating.ELECTRIC,
                 "集中供热": Heating.CENTRAL, "生物质": Heating.BIOMASS, "其他": Heating.OTHER}
HEATING_WORD = {Heating.SCATTERED_COAL: "散煤", Heating.CLEAN_COAL: "洁净煤", Heating.GAS: "煤改气",
                Heating.ELECTRIC: "煤改电", Heating.CENTRAL: "集中供热", Heating.BIOMASS: "生物质",
                Heating.OTHER: "其他"}


def id_number_problem(value: str) -> str | None:
    """Why a resident ID number is not valid (GB 11643: 17 digits, a birth date, the check character), or None."""
    if not ID_PATTERN.match(value):
        return texts.gettext_noop("an ID number has 17 digits and a check digit or X")
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return texts.gettext_noop("the birth date inside the ID number does not exist")
    expected = ID_CHECK[sum(int(d) * w for d, w in zip(value[:17], ID_WEIGHTS, strict=True)) % 11]
    if value[17] != expected:
        return texts.gettext_noop("the check digit of the ID number is wrong")
    return None


def masked_name(name: str) -> str:
    return name[:1] + "*" * max(len(name) - 1, 1)


def masked_id(value: str) -> str:
    # The region (6 digits) and the last two stay, enough to tell two rows apart on a printed list.
    return value[:6] + "*" * 10 + value[-2:]


def reads_personal_data(user) -> bool:
    """Whether the user reads heads and ID numbers of the households it sees: the bureau sees all, a township
    officer only its township's households, which are the only ones it sees."""
    return access.may(user, "household.personal")


# The page's column names, in the reader's language (the export keeps the offices' layout, HEADERS_ZH).
PAGE_HEADERS = [gettext_lazy("Township"), gettext_lazy("Village or community"), gettext_lazy("Head of household"),
                gettext_lazy("ID number"), gettext_lazy("Address"), gettext_lazy("Heating before"),
                gettext_lazy("Heating after"), gettext_lazy("Converted on"), gettext_lazy("Subsidy granted (yuan)"),
                gettext_lazy("Subsidy paid (yuan)")]


def household_row(household: Household, *, personal: bool, layout: bool = True) -> list:
    """One household as a row: in the import layout's words (`layout`, for exports) or as the page shows it."""
    if layout:
        before = HEATING_WORD.get(Heating(household.heating_before), "") if household.heating_before else ""
        after = HEATING_WORD.get(Heating(household.heating_after), "") if household.heating_after else ""
    else:
        before, after = household.get_heating_before_display(), household.get_heating_after_display()
    return [household.township.name, household.village.name,
            household.head_name if personal else masked_name(household.head_name),
            household.id_number if personal else masked_id(household.id_number), household.address, before, after,
            household.converted_on.isoformat() if household.converted_on else "",
            household.subsidy_granted, household.subsidy_paid]


# --- import ---------------------------------------------------------------------------------------------------------

@dataclass
class HouseholdReading:
    rows: list[dict] = field(default_factory=list)
    errors: list[texts.Stored] = field(default_factory=list)
    total: int = 0


# ``on_checked`` hears every PROGRESS_EVERY rows while an import checks them.
PROGRESS_EVERY = 1000


def _problem(line: int, column: str, reason: str, **params: Any) -> texts.Stored:
    return texts.message(texts.gettext_noop("Row %(row)s, column %(column)s: %(reason)s"), row=line, column=column,
                         reason=texts.message(reason, **params))


def _money(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", "")) if text else Decimal(0)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


class _Row:
    """One ledger row being checked; each column has its method and every problem names row and column."""

    def __init__(self, *, reading: HouseholdReading, line: int, values: list, index: dict[str, int]) -> None:
        self.reading, self.line, self.values, self.index = reading, line, values, index

    def cell(self, name: str) -> str:
        at = self.index.get(name)
        return cell_text(self.values[at]) if at is not None and at < len(self.values) else ""

    def bad(self, column: str, reason: str, **params: Any) -> None:
        self.reading.errors.append(_problem(self.line, column, reason, **params))

    def place(self, townships: dict[str, Jurisdiction],
              villages: dict[tuple[int | None, str], Jurisdiction]) -> tuple[Jurisdiction | None, Jurisdiction | None]:
        township = townships.get(self.cell("township"))
        if township is None:
            self.bad("乡镇", texts.gettext_noop("no township named “%(name)s” within your jurisdiction"),
                     name=excerpt(self.cell("township")) or "—")
            return None, None
        village = villages.get((township.id, self.cell("village")))
        if village is None:
            self.bad("村（社区）", texts.gettext_noop("no village named “%(name)s” in %(township)s"),
                     name=excerpt(self.cell("village")) or "—", township=township.name)
        return township, village

    def head(self) -> str:
        head = self.cell("head")
        if not head or len(head) > 50:
            self.bad("户主", texts.gettext_noop("the head of household is empty or longer than 50 characters"))
        return head

    def id_number(self, seen: dict[str, int]) -> str:
        value = self.cell("id_number").upper()
        problem = id_number_problem(value)
        if problem:
            self.bad("身份证号", problem)
        elif value in seen:
            self.bad("身份证号", texts.gettext_noop("the same ID number is in row %(other)s"), other=seen[value])
        else:
            seen[value] = self.line
        return value

    def heating(self, name: str, column: str) -> str:
        word = self.cell(name)
        route = HEATING_NAMES.get(word, "") if word else ""
        if word and not route:
            self.bad(column, texts.gettext_noop("“%(value)s” is not a heating route (%(routes)s)"),
                     value=excerpt(word), routes="、".join(HEATING_WORD.values()))
        return route

    def converted_on(self) -> date | None:
        if not self.cell("converted_on"):
            return None
        moment = parse_local_datetime(self.cell("converted_on"))
        if moment is None:
            self.bad("改造日期", texts.gettext_noop("“%(value)s” is not a date (2020-12-31)"),
                     value=excerpt(self.cell("converted_on")))
            return None
        return moment.date()

    def yuan(self, name: str, column: str) -> Decimal | None:
        amount = _money(self.cell(name))
        if amount is None or amount < 0 or amount >= Decimal("1e8"):
            self.bad(column, texts.gettext_noop("“%(value)s” is not an amount of yuan (0 or more)"),
                     value=excerpt(self.cell(name)))
            return None
        return amount


def _elsewhere(reading: HouseholdReading) -> None:
    """A number already in the ledger for another village is another household: two programmes must not pay
    one person twice."""
    row_of = {row["id_number"]: row for row in reading.rows}
    for id_number, village_id in Household.objects.filter(id_number__in=list(row_of)).values_list(
            "id_number", "village_id"):
        row = row_of[id_number]
        if row["village"].id != village_id:
            reading.errors.append(_problem(row["line"], "身份证号", texts.gettext_noop(
                "this ID number is already in the ledger for another village")))


def households_read(*, by, data: bytes, on_checked: table_reading.Progress | None = None) -> HouseholdReading:
    """Every row checked against the importer's villages; ``on_checked`` hears how many rows are done."""
    reading = HouseholdReading()
    opened = table_reading.table_open(data, columns=COLUMNS, max_rows=MAX_ROWS, errors=reading.errors,
                                      problem=_problem)
    if opened is None:
        return reading
    table, index = opened
    # Only the villages the importer sees: a township officer cannot write another township's ledger.
    places = access.jurisdictions_visible_to(by).filter(level__in=[Level.TOWNSHIP, Level.VILLAGE])
    townships = {j.name: j for j in places if j.level == Level.TOWNSHIP}
    villages = {(j.parent_id, j.name): j for j in places if j.level == Level.VILLAGE}
    seen: dict[str, int] = {}
    reading.total = len(table.rows)
    for line, values in table_reading.rows_told(table, on_checked=on_checked, every=PROGRESS_EVERY):
        row = _Row(reading=reading, line=line, values=values, index=index)
        before = len(reading.errors)
        township, village = row.place(townships, villages)
        checked = {"line": line, "township": township, "village": village, "head_name": row.head(),
                   "id_number": row.id_number(seen), "address": row.cell("address")[:200],
                   "heating_before": row.heating("before", "改造前取暖方式") or Heating.SCATTERED_COAL,
                   "heating_after": row.heating("after", "改造后取暖方式"), "converted_on": row.converted_on(),
                   "subsidy_granted": row.yuan("granted", "核定补贴（元）"),
                   "subsidy_paid": row.yuan("paid", "已发补贴（元）")}
        if len(reading.errors) == before:
            reading.rows.append(checked)
    if not reading.errors:
        _elsewhere(reading)
    return reading


# Households written per transaction: each batch holds SQLite's write lock well under a second, so the receiver
# and the worker get their turns while a province's ledger goes in.
BATCH = 2000
FIELDS = ["township", "village", "head_name", "address", "heating_before", "heating_after", "converted_on",
          "subsidy_granted", "subsidy_paid"]


def households_import(*, by, data: bytes, on_checked: table_reading.Progress | None = None,
                      on_written: table_reading.Progress | None = None) -> tuple[int, list[texts.Stored]]:
    """Checks every row first and, when one is bad, writes nothing; then writes BATCH rows per transaction (an
    existing ID number updates its household, so running it again changes nothing more)."""
    access.require(by, "heating.manage")
    reading = households_read(by=by, data=data, on_checked=on_checked)
    if reading.errors:
        return 0, reading.errors
    if on_written is not None:
        on_written(0, len(reading.rows))
    for start in range(0, len(reading.rows), BATCH):
        retry_locked(partial(_write_batch, reading.rows[start:start + BATCH]), what="household import")
        if on_written is not None:
            on_written(min(start + BATCH, len(reading.rows)), len(reading.rows))
    return len(reading.rows), []


def _write_batch(rows: list[dict]) -> None:
    with transaction.atomic():
        existing = {h.id_number: h for h in Household.objects.filter(id_number__in=[r["id_number"] for r in rows])}
        new: list[Household] = []
        changed: list[Household] = []
        moved: Counter[tuple[int, int | None]] = Counter()
        for row in rows:
            household = existing.get(row["id_number"]) or Household(id_number=row["id_number"])
            if household.pk:
                moved[_tally_key(household)] -= 1
            for name in FIELDS:
                setattr(household, name, row[name])
            moved[_tally_key(household)] += 1
            (changed if household.pk else new).append(household)
        Household.objects.bulk_create(new)
        Household.objects.bulk_update(changed, FIELDS)
        _tallies_add(moved)


def _tally_key(household: Household) -> tuple[int, int | None]:
    return household.village_id, household.converted_on.year if household.converted_on else None


def _tallies_add(moved: Counter[tuple[int, int | None]]) -> None:
    """Adds a batch's changes to the tallies it touches (a few statements, however large the ledger already is)."""
    moved = Counter({key: n for key, n in moved.items() if n})
    if not moved:
        return
    current = {(t.village_id, t.converted_year): t for t in HeatingTally.objects.filter(
        village_id__in={village for village, _year in moved})}
    fresh = []
    for key, n in moved.items():
        tally = current.get(key)
        if tally is None:
            fresh.append(HeatingTally(village_id=key[0], converted_year=key[1], households=n))
        else:
            tally.households += n
    HeatingTally.objects.bulk_create(fresh)
    HeatingTally.objects.bulk_update([current[key] for key in moved if key in current], ["households"])


def heating_tally_refresh(*, village_ids: Iterable[int]) -> None:
    """Counts these villages' households again (by the year each was converted) into their tallies; every
    writer of households calls it in its transaction (bulk writes directly, single saves through signals)."""
    ids = sorted(set(village_ids))
    for start in range(0, len(ids), 500):
        part = ids[start:start + 500]
        HeatingTally.objects.filter(village_id__in=part).delete()
        counts = (Household.objects.filter(village_id__in=part).annotate(year=ExtractYear("converted_on"))
                  .values("village_id", "year").annotate(n=Count("id")).order_by())
        HeatingTally.objects.bulk_create([HeatingTally(village_id=row["village_id"], converted_year=row["year"],
                                                       households=row["n"]) for row in counts])


# --- progress -------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ProgressRow:
    place: Jurisdiction
    target: int
    converted: int
    households: int
    coal_free_zone: bool = False

    @property
    def share(self) -> int | None:
        return None if not self.target else min(100, self.converted * 100 // self.target)


def heating_progress(*, user, year: int) -> tuple[list[ProgressRow], list[ProgressRow]]:
    """Per village and per township of the user's scope: households converted in the year against the year's
    target, summed in the database from the villages' tallies (a few rows per village, however large the
    ledger)."""
    tallies = access.visible(user, HeatingTally.objects.all())
    counts: dict[int, dict[str, int]] = {
        village: {"total": total, "converted": converted or 0}
        for village, total, converted in tallies.values("village").annotate(
            total=Sum("households"), converted=Sum("households", filter=Q(converted_year=year)))
        .values_list("village", "total", "converted")}
    targets = {t.village_id: t for t in access.visible(user, VillageHeating.objects.filter(year=year))}
    village_ids = set(counts) | set(targets)
    villages = Jurisdiction.objects.filter(id__in=village_ids).select_related("parent").order_by("code")
    rows = [ProgressRow(v, targets[v.id].households_target if v.id in targets else 0,
                        counts.get(v.id, {}).get("converted", 0), counts.get(v.id, {}).get("total", 0),
                        targets[v.id].coal_free_zone if v.id in targets else False) for v in villages]
    by_township: dict[int, list[ProgressRow]] = {}
    for row in rows:
        if row.place.parent_id is not None:
            by_township.setdefault(row.place.parent_id, []).append(row)
    townships = [ProgressRow(part[0].place.parent, sum(r.target for r in part),  # type: ignore[arg-type]
                             sum(r.converted for r in part), sum(r.households for r in part))
                 for _tid, part in sorted(by_township.items())]
    return rows, townships


def households_converted(*, township: Jurisdiction, year: int) -> int:
    return Household.objects.filter(township=township, converted_on__year=year).count()


def subsidy_totals(households: QuerySet[Household]) -> dict:
    return households.aggregate(granted=Sum("subsidy_granted"), paid=Sum("subsidy_paid"))


@transaction.atomic
def village_heating_set(*, by, village: Jurisdiction, year: int, households_target: int,
                        coal_free_zone: bool) -> VillageHeating:
    """The year's target of a village and whether it lies in a coal-free zone (禁煤区)."""
    access.require(by, "heating.manage")
    if village.level != Level.VILLAGE or not access.jurisdictions_visible_to(by).filter(id=village.id).exists():
        raise VisitError(_("Choose a village within your jurisdiction."))
    if not 2000 <= year <= 2100 or households_target < 0:
        raise VisitError(_("Give a year and a number of households, 0 or more."))
    row, _created = VillageHeating.objects.update_or_create(village=village, year=year, defaults={
        "households_target": households_target, "coal_free_zone": coal_free_zone})
    return row


# --- visits ---------------------------------------------------------------------------------------------------------

class VisitError(ValueError):
    pass


@transaction.atomic
def visit_record(*, household: Household, by, visited_on: date, back_on_coal: bool, note: str = "", photo=None,
                 now: datetime | None = None) -> Visit:
    """Records a verification visit with its photo; a household found back on coal opens a case (散煤复烧)."""
    now = now or timezone.now()
    access.require(by, "heating.manage", household)
    if visited_on > timezone.localdate(now):
        raise VisitError(_("A visit cannot lie in the future."))
    visit = Visit(household=household, visited_on=visited_on, back_on_coal=back_on_coal, note=note.strip()[:2000],
                  by=by, recorded_at=now)
    if photo is not None:
        try:
            checked = evidence_check([photo])[0]
        except EvidenceRefused as refusal:
            raise VisitError(str(refusal)) from None
        visit.photo.save(f"visit-{household.id}{checked.extension}", ContentFile(checked.data), save=False)
    visit.save()
    if back_on_coal:
        # The case names the village, not the person: its title and description carry no personal data.
        case = case_open(
            title=texts.message(texts.gettext_noop("Household back on scattered coal in %(village)s"),
                                village=household.village.name),
            description=texts.message(texts.gettext_noop(
                "A verification visit on %(day)s found converted household no. %(number)s burning scattered coal "
                "again."), day=visited_on.isoformat(), number=household.id),
            category=Category.INSPECTION, source=CaseSource.INSPECTION, jurisdiction=household.village,
            subject=household, now=now, is_demo=household.is_demo)
        Visit.objects.filter(id=visit.id).update(case=case)
        visit.case = case
    return visit
