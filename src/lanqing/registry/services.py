"""Importing and exporting the registry: units, enterprises, sites, points and devices.

An import is checked as a whole before anything is written: every bad cell is reported with its sheet, row,
column and reason (a stored text, rendered in the reader's language), and if there is any, nothing is
written. Records are matched by their natural keys (a unit by division and name, an enterprise by credit
code, a site by code, a point by site and code, a device by MN), and a record whose values are already those
of the row is left untouched, so importing the same workbook twice, or an export, changes nothing.

Devices: an empty password keeps the stored one; a new device without one is registered disabled until a
password is set (HJ 212 packets carry it, and the receiver checks it). Passwords and SM4 keys are never
exported, so an export imports cleanly into another installation.

Who may import: the command line may register anything; through the web and the API only bureau users, and
only under their unit's jurisdiction (the two questions are asked in ``_prefix_for`` and ``_visible``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, models, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from lanqing.locked import retry_locked
from lanqing.monitoring.device_fields import (
    NUMBER_SETTINGS,
    SWITCH_SETTINGS,
    device_key_apply,
    device_password_apply,
    device_settings_apply,
    key_cell_problem,
    mn_problem,
    password_problem,
    protocol_problem,
    settings_problems,
)
from lanqing.monitoring.models import (
    CrcMode,
    Device,
    OutletMedium,
    Point,
    Protocol,
    Site,
    SiteKind,
    WaterClass,
)
from lanqing.org import access, scope
from lanqing.org.credit_code import credit_code_problem
from lanqing.org.models import Enterprise, EnterpriseStatus, Industry, Jurisdiction, Level, Unit, UnitKind
from lanqing.registry.workbook import LAYOUT, MAX_ROWS, CellError, SheetRows, workbook_read, workbook_write
from lanqing.standards.emission import load_catalogue
from lanqing.tabular import cell_text
from lanqing.texts import Stored, items, message, render

if TYPE_CHECKING:
    from django.contrib.auth.models import User

ORDER = ("units", "enterprises", "sites", "points", "devices")
NOT_LEVEL: dict[str, str] = {Level.TOWNSHIP: gettext_noop("%(code)s (%(name)s) is not a township"),
             Level.VILLAGE: gettext_noop("%(code)s (%(name)s) is not a village or community")}


def _key(*parts: str) -> tuple[str, ...] | None:
    return parts if all(parts) else None


# --- Who may do what: the registry asks lanqing.org.access, here and nowhere else ----------------------------


def _prefix_for(user: User | None) -> str:
    """The division-code prefix under which `user` may register; "" for everything (the command line)."""
    if user is None:
        return ""
    if not access.may(user, "registry.manage"):
        raise PermissionDenied
    root = scope.root_jurisdiction(user)
    if root is not None:
        return root.prefix
    if scope.membership_of(user) is None:  # an installation administrator
        return ""
    raise PermissionDenied


def _visible(user: User | None, queryset: QuerySet) -> QuerySet:
    return queryset if user is None else access.visible(user, queryset)


def _record(user: User | None, queryset: QuerySet, record_id: int) -> Any:
    # Outside the user's scope a record does not exist (404), whatever the role; only then is the role asked
    # (403), so a refusal never tells that an id exists.
    if user is None:
        try:
            return queryset.get(id=record_id)
        except queryset.model.DoesNotExist:
            raise Http404 from None
    return access.get_visible(user, queryset, id=record_id)


# --- Results ------------------------------------------------------------------------------------------------


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class RegistryImport:
    errors: list[CellError] = field(default_factory=list)
    counts: dict[str, Counts] = field(default_factory=lambda: {key: Counts() for key in ORDER})
    passwords_missing: int = 0
    keys_set: int = 0

    @property
    def changed(self) -> int:
        return sum(c.created + c.updated for c in self.counts.values()) + self.keys_set


# --- Reading cells ------------------------------------------------------------------------------------------


class _Row:
    """One row being checked: typed accessors that record a bad cell instead of raising."""

    def __init__(self, sheet: SheetRows, number: int, values: list[Any], errors: list[CellError]) -> None:
        self.sheet, self.number, self.values, self.errors = sheet, number, values, errors
        self.bad = False

    def raw(self, key: str) -> Any:
        at = self.sheet.columns.get(key)
        return self.values[at] if at is not None and at < len(self.values) else None

    def text(self, key: str) -> str:
        value = self.raw(key)
        return "" if value is None else cell_text(value)

    def fail(self, key: str, reason: Stored) -> None:
        self.errors.append(self.sheet.error(self.number, key, reason))
        self.bad = True

    def limited(self, key: str, model: type[models.Model], name: str, *, required: bool = False) -> str:
        text = self.text(key)
        limit = getattr(model._meta.get_field(name), "max_length", None)
        if required and not text:
            self.fail(key, message(gettext_noop("required; the cell is empty")))
        elif limit and len(text) > limit:
            self.fail(key, message(gettext_noop("longer than %(limit)s characters"), limit=limit))
        return text

    def choice(self, key: str, choices: Iterable[tuple[Any, Any]], *, required: bool = False) -> str:
        text = self.text(key)
        if not text:
            if required:
                self.fail(key, message(gettext_noop("required; the cell is empty")))
            return ""
        value = _choice_value(text, choices)
        if value is None:
            # Named as the export writes them: the labels, in the reader's language (one per value).
            labels: dict[str, str] = {}
            for choice, label in choices:
                labels.setdefault(str(choice), str(label))
            self.fail(key, message(gettext_noop("%(value)s is not one of %(choices)s"), value=repr(text[:40]),
                                   choices=items(list(labels.values()))))
            return ""
        return value

    def decimal(self, key: str, *, places: int, low: float, high: float) -> Decimal | None:
        text = self.text(key)
        if not text:
            return None
        try:
            value = Decimal(text).quantize(Decimal(1).scaleb(-places))
        except (InvalidOperation, ValueError):
            value = None
        if value is None or not value.is_finite() or not low <= value <= high:
            self.fail(key, message(gettext_noop("%(value)s is not a number from %(low)s to %(high)s"),
                                   value=repr(text[:40]), low=low, high=high))
            return None
        return value

    def past_date(self, key: str) -> date | None:
        """A date cell (or text YYYY-MM-DD) not after today; None when empty or bad (then reported)."""
        value = self.raw(key)
        if isinstance(value, datetime):
            value = value.date()  # how a spreadsheet's date cell reads back
        elif not isinstance(value, date):
            text = self.text(key)
            if not text:
                return None
            try:
                value = date.fromisoformat(text.replace("/", "-"))
            except ValueError:
                self.fail(key, message(gettext_noop("%(value)s is not a date (YYYY-MM-DD)"), value=repr(text[:40])))
                return None
        if value > timezone.localdate():
            self.fail(key, message(gettext_noop("%(day)s is in the future"), day=f"{value:%Y-%m-%d}"))
            return None
        return value

    def flag(self, key: str) -> bool:
        text = self.text(key).lower()
        if text in ("", "1", "yes", "y", "true", "是", "在用"):
            return True
        if text in ("0", "no", "n", "false", "否", "停用"):
            return False
        self.fail(key, message(gettext_noop("%(value)s is not yes or no"), value=repr(text[:40])))
        return True


def _choice_value(text: str, choices: Iterable[tuple[Any, Any]]) -> str | None:
    wanted = text.strip().lower()
    for value, label in choices:
        spellings = {str(value).lower(), str(label).lower()}
        for language in ("zh-hans", "en"):
            with translation.override(language):
                spellings.add(str(label).lower())
        if wanted in spellings:
            return str(value)
    return None


TARGET_CLASSES = [(c.value, c.label) for c in WaterClass] + [
    (number, roman) for number, roman in zip(range(1, 6), ("I", "II", "III", "IV", "V"), strict=True)]
SWITCHES = [("on", "on"), ("off", "off")]


# --- Checking -----------------------------------------------------------------------------------------------


@dataclass
class _Plan:
    """What the checked rows will write, by sheet, in the order of the rows."""

    units: list[dict[str, Any]] = field(default_factory=list)
    enterprises: list[dict[str, Any]] = field(default_factory=list)
    sites: list[dict[str, Any]] = field(default_factory=list)
    points: list[dict[str, Any]] = field(default_factory=list)
    devices: list[dict[str, Any]] = field(default_factory=list)


class _Checker:
    def __init__(self, sheets: dict[str, SheetRows], prefix: str, errors: list[CellError]) -> None:
        self.sheets, self.prefix, self.errors = sheets, prefix, errors
        self.plan = _Plan()
        self.divisions = {j.code: j for j in Jurisdiction.objects.only("code", "name", "level", "parent_id")}
        # Keys of the rows of this workbook: good ones, and the row of each bad one.
        self.good: dict[str, set] = {key: set() for key in ORDER}
        self.bad: dict[str, dict[Any, int]] = {key: {} for key in ORDER}

    def run(self) -> _Plan:
        for key in ORDER:
            if key in self.sheets:
                getattr(self, f"_{key}")(self.sheets[key])
        return self.plan

    # Shared checks ------------------------------------------------------------------------------------------

    def _rows(self, sheet: SheetRows, natural_key: Callable[[_Row], Any], key_column: str
              ) -> Iterator[tuple[_Row, Any]]:
        """Rows of a sheet with a duplicate check on their natural key; yields (row, key)."""
        first: dict[Any, int] = {}
        for number, values in sheet.rows:
            row = _Row(sheet, number, values, self.errors)
            key = natural_key(row)
            if key and key in first:
                row.fail(key_column, message(gettext_noop("%(value)s also appears on row %(row)s"),
                                             value=" / ".join(key) if isinstance(key, tuple) else key,
                                             row=first[key]))
            elif key:
                first[key] = number
            yield row, key

    def _settle(self, sheet: str, row: _Row, key: Any) -> bool:
        if row.bad or not key:
            if key:
                self.bad[sheet].setdefault(key, row.number)
            return False
        self.good[sheet].add(key)
        return True

    def _division(self, row: _Row, column: str, *, level: str | None = None,
                  required: bool = True) -> Jurisdiction | None:
        code = row.text(column)
        if not code:
            if required:
                row.fail(column, message(gettext_noop("required; the cell is empty")))
            return None
        if not (len(code) == 12 and code.isdigit()):
            row.fail(column, message(gettext_noop("%(value)s is not a 12-digit division code"), value=repr(code[:40])))
            return None
        division = self.divisions.get(code)
        if division is None:
            row.fail(column, message(gettext_noop("no division has the code %(code)s; load it first with "
                                                  "lanqing divisions load"), code=code))
            return None
        if not code.startswith(self.prefix):
            row.fail(column, message(gettext_noop("%(code)s lies outside your jurisdiction"), code=code))
            return None
        if level and division.level != level:
            row.fail(column, message(NOT_LEVEL[level], code=code, name=division.name))
            return None
        return division

    def _outside(self, row: _Row, column: str, value: str, in_scope: bool) -> bool:
        if not in_scope:
            row.fail(column, message(gettext_noop("%(value)s is registered outside your jurisdiction"), value=value))
        return not in_scope

    def _reference(self, row: _Row, column: str, sheet: str, key: Any, stored: bool, missing: Stored) -> bool:
        """Whether `key` names a good row of `sheet` in this workbook or a stored record; else reports why."""
        if key in self.good[sheet]:
            return True
        if key in self.bad[sheet]:
            row.fail(column, message(gettext_noop("%(value)s is on row %(row)s of the sheet %(sheet)s, which has errors"),
                                     value=" / ".join(key) if isinstance(key, tuple) else key,
                                     row=self.bad[sheet][key], sheet=self.sheets[sheet].title))
            return False
        if stored:
            return True
        row.fail(column, missing)
        return False

    # Sheets -------------------------------------------------------------------------------------------------

    def _units(self, sheet: SheetRows) -> None:
        stored = {(u.jurisdiction.code, u.name): u for u in Unit.objects.select_related("jurisdiction")}
        for row, key in self._rows(sheet, lambda r: _key(r.text("jurisdiction"), r.text("name")), "name"):
            name = row.limited("name", Unit, "name", required=True)
            kind = row.choice("kind", UnitKind.choices, required=True)
            division = self._division(row, "jurisdiction")
            values = {"name": name, "short_name": row.limited("short_name", Unit, "short_name"), "kind": kind,
                      "jurisdiction_id": division.id if division else None,
                      "leader_name": row.limited("leader_name", Unit, "leader_name"),
                      "phone": row.limited("phone", Unit, "phone")}
            if self._settle("units", row, key):
                self.plan.units.append({"values": values, "existing": stored.get(key)})

    def _enterprises(self, sheet: SheetRows) -> None:
        stored = {e.credit_code: e for e in Enterprise.objects.select_related("township")}
        industries = {i.code: i for i in Industry.objects.all()}
        for row, key in self._rows(sheet, lambda r: r.text("credit_code").upper(), "credit_code"):
            code = key
            if not code:
                row.fail("credit_code", message(gettext_noop("required; the cell is empty")))
            else:
                problem = credit_code_problem(code)
                if problem:
                    row.fail("credit_code", message(gettext_noop("credit code %(code)s: %(problem)s"), code=code[:40],
                                                    problem=message(problem)))
                elif code in stored:
                    self._outside(row, "credit_code", code, stored[code].township.code.startswith(self.prefix))
            industry = row.text("industry")
            industry_name = row.limited("industry_name", Industry, "name")
            if not (len(industry) == 4 and industry.isdigit()):
                row.fail("industry", message(gettext_noop("%(value)s is not a 4-digit GB/T 4754 class code"),
                                             value=repr(industry[:40])))
            elif industry not in industries and not industry_name:
                row.fail("industry", message(gettext_noop(
                    "no industry class %(code)s is registered; give its name in the next column to add it"),
                    code=industry))
            township = self._division(row, "township", level=Level.TOWNSHIP)
            village = self._division(row, "village", level=Level.VILLAGE, required=False)
            if village and township and village.parent_id != township.id:
                row.fail("village", message(gettext_noop(
                    "the village %(village)s does not belong to the township %(township)s"),
                    village=village.name, township=township.name))
            values = {
                "credit_code": code, "name": row.limited("name", Enterprise, "name", required=True),
                "township_id": township.id if township else None, "village_id": village.id if village else None,
                "address": row.limited("address", Enterprise, "address"),
                "longitude": row.decimal("longitude", places=6, low=-180, high=180),
                "latitude": row.decimal("latitude", places=6, low=-90, high=90),
                "contact_name": row.limited("contact_name", Enterprise, "contact_name"),
                "contact_phone": row.limited("contact_phone", Enterprise, "contact_phone"),
                "status": row.choice("status", EnterpriseStatus.choices) or EnterpriseStatus.ACTIVE,
            }
            if self._settle("enterprises", row, key):
                self.plan.enterprises.append({"values": values, "existing": stored.get(code),
                                              "industry": (industry, industry_name)})

    def _sites(self, sheet: SheetRows) -> None:
        stored = {s.code: s for s in Site.objects.select_related("jurisdiction")}
        enterprises = dict(Enterprise.objects.values_list("credit_code", "township__code"))
        limit_sets = load_catalogue()
        for row, key in self._rows(sheet, lambda r: r.text("code"), "code"):
            code = row.limited("code", Site, "code", required=True)
            if code in stored:
                self._outside(row, "code", code, stored[code].jurisdiction.code.startswith(self.prefix))
            kind = row.choice("kind", SiteKind.choices, required=True)
            division = self._division(row, "jurisdiction")
            credit_code = row.text("enterprise").upper()
            medium = row.choice("outlet_medium", OutletMedium.choices)
            if kind == SiteKind.OUTLET:
                if not credit_code:
                    row.fail("enterprise", message(gettext_noop("an outlet belongs to an enterprise; give its credit code")))
                elif self._reference(row, "enterprise", "enterprises", credit_code, credit_code in enterprises,
                                     message(gettext_noop("no enterprise has the credit code %(code)s in this "
                                                          "workbook or the registry"), code=credit_code[:40])):
                    if credit_code in enterprises and credit_code not in self.good["enterprises"]:
                        self._outside(row, "enterprise", credit_code,
                                      enterprises[credit_code].startswith(self.prefix))
                if not medium:
                    row.fail("outlet_medium", message(gettext_noop("an outlet emits flue gas or wastewater: %(choices)s"),
                                                      choices=", ".join(OutletMedium.values)))
            elif kind and credit_code:
                row.fail("enterprise", message(gettext_noop("only an outlet belongs to an enterprise; leave it empty")))
            target = row.choice("target_class", TARGET_CLASSES)
            if target and kind != SiteKind.WATER:
                row.fail("target_class", message(gettext_noop("only a water section has a target class")))
            limit_set = row.limited("limit_set", Site, "limit_set")
            if limit_set and limit_set not in limit_sets:
                row.fail("limit_set", message(gettext_noop("no emission limit set %(value)s in the catalogue"),
                                              value=limit_set))
            values = {
                "code": code, "kind": kind, "name": row.limited("name", Site, "name", required=True),
                "jurisdiction_id": division.id if division else None, "outlet_medium": medium,
                "longitude": row.decimal("longitude", places=6, low=-180, high=180),
                "latitude": row.decimal("latitude", places=6, low=-90, high=90),
                "target_class": int(target) if target else None, "limit_set": limit_set,
                "reference_o2": row.decimal("reference_o2", places=1, low=0, high=21),
                "is_active": row.flag("is_active"),
            }
            if self._settle("sites", row, key):
                self.plan.sites.append({"values": values, "existing": stored.get(code),
                                        "enterprise": credit_code if kind == SiteKind.OUTLET else ""})

    def _points(self, sheet: SheetRows) -> None:
        sites = dict(Site.objects.values_list("code", "jurisdiction__code"))
        stored = {(p.site.code, p.code): p for p in Point.objects.select_related("site")}
        for row, key in self._rows(sheet, lambda r: _key(r.text("site"), r.text("code")), "code"):
            site = row.text("site")
            if not site:
                row.fail("site", message(gettext_noop("required; the cell is empty")))
            elif self._reference(row, "site", "sites", site, site in sites, message(gettext_noop(
                    "no site has the code %(code)s in this workbook or the registry"), code=site[:40])):
                if site not in self.good["sites"]:
                    self._outside(row, "site", site, sites[site].startswith(self.prefix))
            values = {"code": row.limited("code", Point, "code", required=True),
                      "name": row.limited("name", Point, "name", required=True)}
            if self._settle("points", row, key):
                self.plan.points.append({"values": values, "existing": stored.get(key), "site": site})

    def _devices(self, sheet: SheetRows) -> None:
        stored = {d.mn: d for d in Device.objects.select_related("point__site__jurisdiction")}
        points = {(site, code): division for site, code, division in
                  Point.objects.values_list("site__code", "code", "site__jurisdiction__code")}
        for row, key in self._rows(sheet, lambda r: r.text("mn"), "mn"):
            mn = row.text("mn")
            fields = {name: row.text(name) for name in ("protocol", "password", "sm4_key", "crc_mode",
                                                        "logger_id", *NUMBER_SETTINGS, *SWITCH_SETTINGS)}
            fields["protocol"] = _choice_value(fields["protocol"], Protocol.choices) or fields["protocol"]
            fields["crc_mode"] = _choice_value(fields["crc_mode"], CrcMode.choices) or fields["crc_mode"]
            for name in SWITCH_SETTINGS:
                fields[name] = _choice_value(fields[name], SWITCHES) or fields[name]
            problems = [mn_problem(mn), protocol_problem(fields["protocol"]),
                        password_problem(fields["password"]) if fields["password"] else None,
                        key_cell_problem(row.raw("sm4_key"))]
            problems += settings_problems(fields) if not problems[-1] else []
            for problem in problems:
                if problem:
                    row.fail(problem.column, problem.text)
            if mn in stored:
                self._outside(row, "mn", mn, stored[mn].point.site.jurisdiction.code.startswith(self.prefix))
            point = (row.text("site"), row.text("point"))
            if not all(point):
                row.fail("point" if point[0] else "site", message(gettext_noop("required; the cell is empty")))
            elif self._reference(row, "point", "points", point, point in points, message(gettext_noop(
                    "no point %(point)s at the site %(site)s in this workbook or the registry"),
                    point=point[1][:40], site=point[0][:40])):
                if point not in self.good["points"]:
                    self._outside(row, "site", point[0], points[point].startswith(self.prefix))
            # A workbook without the column (exported before it existed) keeps the stored dates.
            commissioned = ("commissioned_on" in sheet.columns, row.past_date("commissioned_on"))
            if self._settle("devices", row, key):
                self.plan.devices.append({"fields": fields, "existing": stored.get(mn), "mn": mn, "point": point,
                                          "commissioned": commissioned})


# --- Writing ------------------------------------------------------------------------------------------------


def _upsert(model: type[models.Model], existing: models.Model | None, values: dict[str, Any],
            counts: Counts) -> Any:
    if existing is None:
        counts.created += 1
        return model._default_manager.create(**values)
    changed = [name for name, value in values.items() if getattr(existing, name) != value]
    if changed:
        for name in changed:
            setattr(existing, name, values[name])
        existing.save(update_fields=[name.removesuffix("_id") for name in changed])
        counts.updated += 1
    else:
        counts.unchanged += 1
    return existing


# Records written per transaction: each batch holds the write lock well under a second, so the receiver and
# the worker get their turns during a large import.
WRITE_BATCH = 500


def _write(plan: _Plan, result: RegistryImport) -> None:
    """Writes the checked plan sheet by sheet, ``WRITE_BATCH`` records per transaction."""
    counts = result.counts
    _batches(plan.units, lambda item: _upsert(Unit, item["existing"], item["values"], counts["units"]))
    industries = {i.code: i for i in Industry.objects.all()}

    def enterprise(item: dict[str, Any]) -> None:
        code, name = item["industry"]
        if code not in industries:
            industries[code] = Industry.objects.create(code=code, name=name)
        _upsert(Enterprise, item["existing"], {**item["values"], "industry_id": industries[code].id},
                counts["enterprises"])

    _batches(plan.enterprises, enterprise)
    enterprises = dict(Enterprise.objects.values_list("credit_code", "id"))
    _batches(plan.sites, lambda item: _upsert(
        Site, item["existing"], {**item["values"], "enterprise_id": enterprises.get(item["enterprise"])},
        counts["sites"]))
    sites = dict(Site.objects.values_list("code", "id"))
    _batches(plan.points, lambda item: _upsert(
        Point, item["existing"], {**item["values"], "site_id": sites[item["site"]]}, counts["points"]))
    points = {(site, code): pk for pk, site, code in Point.objects.values_list("id", "site__code", "code")}
    _batches(plan.devices, lambda item: _device_write(item, points[item["point"]], result))


def _batches(items: list[dict[str, Any]], write: Callable[[dict[str, Any]], Any]) -> None:
    """``write`` for every item, ``WRITE_BATCH`` items per transaction, each waiting out another writer's lock.

    A transaction refused for the lock is refused at its start (``BEGIN IMMEDIATE``), before ``write`` ran, so
    running it again counts nothing twice.
    """
    for start in range(0, len(items), WRITE_BATCH):
        chunk = items[start : start + WRITE_BATCH]

        def batch(chunk: list[dict[str, Any]] = chunk) -> None:
            with transaction.atomic():
                for item in chunk:
                    write(item)

        retry_locked(batch, what="registry import")


# Device fields that an import may change; compared before and after to tell an unchanged device.
_DEVICE_FIELDS = ("point_id", "protocol", "crc_mode", "logger_id", *NUMBER_SETTINGS, *SWITCH_SETTINGS,
                  "is_active", "password_hash", "commissioned_on")


def _device_write(item: dict[str, Any], point_id: int, result: RegistryImport) -> None:
    fields, device = item["fields"], item["existing"]
    counts = result.counts["devices"]
    created = device is None
    if device is None:
        device = Device(mn=item["mn"], is_active=False, password_hash="")
    before = tuple(getattr(device, name) for name in _DEVICE_FIELDS)
    device.point_id = point_id
    device_settings_apply(device, fields)
    if item["commissioned"][0]:
        device.commissioned_on = item["commissioned"][1]
    if fields["password"] and not device.check_password(fields["password"]):
        device_password_apply(device, fields["password"])
    if not device.password_hash:
        result.passwords_missing += 1
    if created or before != tuple(getattr(device, name) for name in _DEVICE_FIELDS):
        device.save()
        counts.created += created
        counts.updated += not created
    else:
        counts.unchanged += 1
    result.keys_set += device_key_apply(device, fields["sm4_key"])


# --- Entry points -------------------------------------------------------------------------------------------


def registry_import(*, data: bytes, user: User | None = None, max_rows: int = MAX_ROWS) -> RegistryImport:
    """Checks a workbook as a whole and, if no cell is bad, writes it in batches of WRITE_BATCH records.

    `user` None is the command line (anything may be registered); otherwise PermissionDenied unless the user
    may manage the registry, and every division must lie in the user's jurisdiction.
    """
    prefix = _prefix_for(user)
    sheets, errors = workbook_read(data, max_rows=max_rows)
    return _import(sheets, errors, prefix)


def registry_rows_import(*, rows: dict[str, list[dict[str, Any]]], user: User | None) -> RegistryImport:
    """The same as a workbook, from rows keyed by column key (the API); row numbers count from 1."""
    prefix = _prefix_for(user)
    sheets: dict[str, SheetRows] = {}
    errors: list[CellError] = []
    for key in ORDER:
        layout = LAYOUT[key]
        sheet = SheetRows(layout, key)
        sheet.columns = {column.key: index for index, column in enumerate(layout.columns)}
        sheet.headers = {column.key: column.key for column in layout.columns}
        for number, row in enumerate(rows.get(key) or [], start=1):
            unknown = set(row) - set(sheet.columns)
            for name in sorted(unknown):
                errors.append(CellError(key, key, number, "", name, message(gettext_noop("unknown column %(header)s"),
                                                                            header=name[:60])))
            sheet.rows.append((number, [row.get(column.key) for column in layout.columns]))
        sheets[key] = sheet
    return _import(sheets, errors, prefix)


def _import(sheets: dict[str, SheetRows], errors: list[CellError], prefix: str) -> RegistryImport:
    result = RegistryImport(errors=errors)
    if any(not error.row for error in errors):
        return result  # the workbook's shape is wrong: its rows cannot be read reliably
    checked: list[CellError] = []
    plan = _Checker(sheets, prefix, checked).run()
    # A cell already reported as read (a formula, an error value) reads as empty: one reason is enough.
    seen = {(e.sheet, e.row, e.column) for e in errors}
    result.errors += [e for e in checked if (e.sheet, e.row, e.column) not in seen]
    if result.errors:
        result.errors.sort(key=lambda e: (ORDER.index(e.sheet) if e.sheet in ORDER else -1, e.row,
                                          len(e.column), e.column))
        return result
    try:
        _write(plan, result)
    except IntegrityError:
        # Checked before writing, so someone may have registered the same code in between. The batches before
        # are written; importing the workbook again writes the rest (records already written are unchanged).
        result = RegistryImport(errors=[CellError("", "", 0, "", "", message(gettext_noop(
            "the registry changed while the workbook was being written; part of it may be written, "
            "import it again")))])
    return result


def registry_export(*, user: User | None = None) -> bytes:
    """The registry (the user's part of it) in the workbook's layout; no passwords, no keys."""
    _prefix_for(user)
    units = _visible(user, Unit.objects.select_related("jurisdiction")).order_by("jurisdiction__code", "name")
    enterprises = _visible(user, Enterprise.objects.select_related("industry", "township", "village")).order_by(
        "credit_code")
    sites = _visible(user, Site.objects.select_related("jurisdiction", "enterprise")).order_by("code")
    points = _visible(user, Point.objects.select_related("site")).order_by("site__code", "code")
    devices = _visible(user, Device.objects.select_related("point__site")).order_by("mn")
    return workbook_write({
        "units": (unit_row(u) for u in units.iterator(chunk_size=500)),
        "enterprises": (enterprise_row(e) for e in enterprises.iterator(chunk_size=500)),
        "sites": (site_row(s) for s in sites.iterator(chunk_size=500)),
        "points": ([p.site.code, p.code, p.name] for p in points.iterator(chunk_size=500)),
        "devices": (device_row(d) for d in devices.iterator(chunk_size=500)),
    })


def registry_template() -> bytes:
    """An empty workbook: every sheet with its header row."""
    return workbook_write({})


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _label(choices: type[models.Choices], value: Any) -> str:
    """A choice as people read it, in the active language; the import reads it back in either language."""
    return "" if value in ("", None) else str(choices(value).label)


def unit_row(unit: Unit) -> list[Any]:
    return [unit.name, unit.short_name, _label(UnitKind, unit.kind), unit.jurisdiction.code, unit.leader_name,
            unit.phone]


def enterprise_row(e: Enterprise) -> list[Any]:
    return [e.credit_code, e.name, e.industry.code, e.industry.name, e.township.code,
            e.village.code if e.village else "", e.address, _number(e.longitude), _number(e.latitude),
            e.contact_name, e.contact_phone, _label(EnterpriseStatus, e.status)]


def site_row(s: Site) -> list[Any]:
    return [s.code, _label(SiteKind, s.kind), s.name, s.jurisdiction.code,
            s.enterprise.credit_code if s.enterprise else "", _label(OutletMedium, s.outlet_medium),
            _number(s.longitude), _number(s.latitude), _label(WaterClass, s.target_class), s.limit_set,
            _number(s.reference_o2), gettext("yes") if s.is_active else gettext("no")]


def device_row(d: Device) -> list[Any]:
    # The password and the SM4 key are never written: their cells stay empty, which keeps the stored ones.
    return [d.mn, d.point.site.code, d.point.code, d.protocol, "", "", d.crc_mode, d.logger_id, d.reply_timeout,
            d.resend_count, d.rtd_interval, d.min_interval, d.realtime_upload, d.status_upload, d.commissioned_on]


def describe_error(error: CellError) -> str:
    """Where a bad cell is and why, as one sentence in the active language (for the command line)."""
    reason = render(error.reason)
    sheet = error.sheet_title or (gettext(LAYOUT[error.sheet].label) if error.sheet else "")
    if not sheet:
        return reason
    if not error.row:
        return gettext("sheet %(sheet)s: %(reason)s") % {"sheet": sheet, "reason": reason}
    if not error.column:
        return gettext("sheet %(sheet)s, row %(row)s: %(reason)s") % {"sheet": sheet, "row": error.row,
                                                                      "reason": reason}
    return gettext("sheet %(sheet)s, row %(row)s, column %(column)s %(header)s: %(reason)s") % {
        "sheet": sheet, "row": error.row, "column": error.column,
        "header": f"({error.header})" if error.header else "", "reason": reason}


# --- Single records (the API and the page) ------------------------------------------------------------------


class RecordRefused(Exception):
    """A single-record change was refused; `reason` is a stored text."""

    def __init__(self, reason: Stored) -> None:
        super().__init__(reason["key"])
        self.reason = reason


# Sheet → (model, the row as exported, the column that names the record and cannot change).
RECORDS: dict[str, tuple[type[models.Model], Callable[[Any], list[Any]], str]] = {
    "enterprises": (Enterprise, enterprise_row, "credit_code"),
    "sites": (Site, site_row, "code"),
    "devices": (Device, device_row, "mn"),
}


def registry_record_update(*, user: User | None, sheet: str, record_id: int,
                           changes: dict[str, Any]) -> RegistryImport:
    """Changes some columns of one enterprise, site or device, held to the workbook's checks.

    PermissionDenied unless the user may manage the registry; Http404 for a record outside the user's scope.
    """
    model, row_of, key_column = RECORDS[sheet]
    record = _record(user, model._default_manager.all(), record_id)
    _prefix_for(user)
    columns = [column.key for column in LAYOUT[sheet].columns]
    row = dict(zip(columns, row_of(record), strict=True))
    if key_column in changes and cell_text(changes[key_column]) != row[key_column]:
        result = RegistryImport()
        result.errors.append(CellError(sheet, sheet, 1, "", key_column, message(gettext_noop(
            "%(column)s names the record and cannot be changed"), column=key_column)))
        return result
    row.update(changes)
    return registry_rows_import(rows={sheet: [row]}, user=user)


def devices_awaiting_password(*, user: User | None) -> QuerySet[Device]:
    """Devices registered without a password (disabled until one is set), within the user's scope."""
    _prefix_for(user)
    return _visible(user, Device.objects.select_related("point__site")).filter(password_hash="").order_by("mn")


@transaction.atomic
def device_password_set(*, user: User | None, device_id: int, password: str) -> Device:
    """Sets a device's access password; a device that was waiting for one is enabled. RecordRefused for a
    password HJ 212 cannot carry; Http404 outside the user's scope."""
    device = _record(user, Device.objects.select_for_update(), device_id)
    _prefix_for(user)
    problem = password_problem(password)
    if problem:
        raise RecordRefused(problem.text)
    device_password_apply(device, password)
    device.save(update_fields=["password_hash", "is_active"])
    return device
