"""The bureau's audit page: search the trail, page through it, export it to Excel."""

from __future__ import annotations

import json
from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from lanqing import texts
from lanqing.audit.capture import MASK
from lanqing.audit.models import Change
from lanqing.audit.selectors import (
    AuditFilter,
    audit_records_for,
    field_changes,
    object_names,
    object_types,
    type_name,
)
from lanqing.org.requests import SignedInRequest
from lanqing.ui.tables import paginate, wants_export, xlsx_response


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None  # a bad date is ignored, as an empty one is; the form shows what was applied


def _shown(value: object) -> str:
    if value is None:
        return ""
    if value == MASK:
        return _("(secret, not recorded)")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dict) and "key" in value:
        return texts.render(value)  # a stored text: shown in the reader's language, as on its own page
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


@login_required
def audit_list(request: SignedInRequest) -> HttpResponse:
    types = object_types()
    wanted_type = request.GET.get("type", "")
    search = AuditFilter(
        object_type=wanted_type if wanted_type in dict(types) else "",
        object_id=request.GET.get("object", "").strip()[:64], actor=request.GET.get("actor", "").strip()[:150],
        since=_date(request.GET.get("since", "")), until=_date(request.GET.get("until", "")),
        text=request.GET.get("q", "").strip()[:200])
    records = audit_records_for(request.user, search)
    if wants_export(request):
        return xlsx_response(
            filename=_("audit trail"),
            headers=[_("Time"), _("By"), _("Through"), _("Source"), _("Change"), _("Object type"), _("Object id"),
                     _("Object"), _("Field"), _("Before"), _("After")],
            rows=([r.at, r.actor_name, r.get_channel_display(), r.source, r.get_change_display(),
                   type_name(r.object_type), r.object_id, r.object_repr, c.name, _shown(c.before), _shown(c.after)]
                  for r in records.iterator(chunk_size=500) for c in field_changes(r)))
    page = paginate(request, records)
    records_on_page = list(page.object_list)
    names = object_names(records_on_page)
    rows = [(record, type_name(record.object_type), names[record.id],
             # A new or deleted object's empty fields say nothing; the export keeps them.
             [(c.name, _shown(c.before), _shown(c.after)) for c in field_changes(record)
              if record.change == Change.UPDATED or _shown(c.before) or _shown(c.after)])
            for record in records_on_page]
    return render(request, "audit/list.html", {
        "page": page, "rows": rows, "types": types, "search": search,
    })
