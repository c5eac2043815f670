"""Open311 GeoReport v2 (specs/supervision.md §4): the documents a conformant server returns, in XML and JSON.

A public report is a service request, a pollution type a service. What leaves here is what the public may read:
never the reporter's name, phone or tracking code (except the tracking code in the answer to the POST that filed
the report, which goes to the reporter's own app), never staff notes, never an officer's name; coordinates are
rounded to about 100 m, and the description is given only once the bureau has accepted the report, with phone
numbers and e-mail addresses masked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import datetime
from xml.etree import ElementTree

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from lanqing.public.models import Decision, PublicReport, ReportCategory
from lanqing.public.selectors import STATUS_LABELS, report_status

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-05T00:00:00+08:00"
FORMATS = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
# The one attribute every service asks for (order 1): when the reporter noticed the problem.
OBSERVED = "observed_datetime"
_PHONE = re.compile(r"\d[\d\- ]{5,}\d")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


def iso(moment: datetime | None) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else ""


def respond(fmt: str, root: str, item: str, rows: list[dict] | dict, *, status: int = 200) -> HttpResponse:
    """XML `<root><item>…</item></root>` (a dict is one object), or the JSON of the Spark convention."""
    if fmt == "json":
        return HttpResponse(json.dumps(rows, ensure_ascii=False), status=status, content_type=FORMATS["json"])
    element = ElementTree.Element(root)
    for row in [rows] if isinstance(rows, dict) else rows:
        _fill(ElementTree.SubElement(element, item) if item else element, row)
    body = ElementTree.tostring(element, encoding="unicode")
    return HttpResponse('<?xml version="1.0" encoding="utf-8"?>' + body, status=status,
                        content_type=FORMATS["xml"])


def _fill(element: ElementTree.Element, row: dict) -> None:
    for name, value in row.items():
        if isinstance(value, list):
            holder = ElementTree.SubElement(element, name)
            for entry in value:
                if isinstance(entry, dict):
                    _fill(ElementTree.SubElement(holder, name.rstrip("s") or name), entry)
                else:
                    ElementTree.SubElement(holder, name.rstrip("s") or name).text = str(entry)
        elif isinstance(value, dict):
            _fill(ElementTree.SubElement(element, name), value)
        else:
            ElementTree.SubElement(element, name).text = ("true" if value else "false") if isinstance(
                value, bool) else str(value)


def errors(fmt: str, status: int, problems: Iterable[tuple[str, str]]) -> HttpResponse:
    rows = [{"code": code, "description": description} for code, description in problems]
    return respond(fmt, "errors", "error", rows, status=status)


def discovery(base_url: str) -> dict:
    return {
        "changeset": CHANGESET, "contact": _("The county environment bureau, hotline 12369"),
        "key_service": _("Ask the county environment bureau for an API key."),
        "endpoints": [{"specification": SPECIFICATION, "url": base_url, "changeset": CHANGESET,
                       "type": "production", "formats": list(FORMATS.values())}],
    }


def services() -> list[dict]:
    return [{"service_code": code, "service_name": str(label), "description": str(label), "metadata": True,
             "type": "realtime", "keywords": f"12369,{code}", "group": str(label)}
            for code, label in ReportCategory.choices]


def service_definition(code: str) -> dict:
    return {"service_code": code, "attributes": [{
        "variable": True, "code": OBSERVED, "datatype": "datetime", "required": False,
        "datatype_description": _("When the problem was noticed (ISO 8601 with time zone); now if left out."),
        "order": 1, "description": _("When did you notice it?"), "values": []}]}


def _masked(text: str) -> str:
    return _EMAIL.sub("***", _PHONE.sub("***", text))


def request_row(report: PublicReport) -> dict:
    """One service request as GET returns it; only public facts (see the module's docstring)."""
    case = report.case
    status = report_status(report)
    notes = str(STATUS_LABELS[status])
    if report.decision == Decision.REFUSED and report.refusal_reason:
        notes = f"{notes}: {report.get_refusal_reason_display()}"
    expected = report.accept_by if status == "received" else case.deadline_at if status in (
        "handling", "reopened") else None
    row = {
        "service_request_id": case.number, "status": "closed" if status in ("done", "refused") else "open",
        "status_notes": notes, "service_name": report.get_category_display(), "service_code": report.category,
        "description": _masked(report.description) if report.decision == Decision.ACCEPTED else "",
        "agency_responsible": case.lead_unit.name if case.lead_unit_id and case.lead_unit else "",
        "service_notice": "", "requested_datetime": iso(report.submitted_at),
        "updated_datetime": iso(case.closed_at if case.closed_at else case.updated_at),
        "expected_datetime": iso(expected), "address": report.division.name if report.division else "",
        "address_id": report.division.code if report.division else "", "zipcode": "",
        "lat": f"{report.latitude:.3f}" if report.latitude is not None else "",
        "long": f"{report.longitude:.3f}" if report.longitude is not None else "", "media_url": "",
    }
    return row
