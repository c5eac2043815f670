"""The pages of enterprises' data marks (标记): the list, a new mark, one mark with its document and history.
An enterprise sees and marks its own outlets; government users see the marks of the outlets they see."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from lanqing.monitoring import mark_forms, marks
from lanqing.monitoring.models import DataMark, MarkState
from lanqing.org import access
from lanqing.org.requests import SignedInRequest
from lanqing.ui.tables import paginate, wants_export, xlsx_response
from lanqing.ui.uploads import upload_refusal

BAD_REQUEST = 400


def _marks_for(user):
    return access.visible(user, DataMark.objects.select_related("site__enterprise", "device"))


def _mark_for(user, mark_id: int) -> DataMark:
    return access.get_visible(user, DataMark.objects.select_related("site__enterprise", "device", "created_by"),
                              id=mark_id)


def _document(upload: UploadedFile | None) -> tuple[str, bytes]:
    """The uploaded file's name and bytes, or MarkRefused saying why it is not read."""
    refusal = upload_refusal(upload)
    if refusal:
        raise marks.MarkRefused(refusal)
    assert upload is not None  # upload_refusal refuses a missing file
    return upload.name or "", upload.read()


@login_required
def mark_list(request: SignedInRequest) -> HttpResponse:
    access.require(request.user, "mark.view")
    rows = _marks_for(request.user)
    state = request.GET.get("state", "")
    if state in MarkState.values:
        rows = rows.filter(state=state)
    else:
        state = ""
    # The enterprise's own file links here with its id; an id outside the user's scope simply matches nothing.
    enterprise = request.GET.get("enterprise", "")
    if enterprise.isdigit():
        rows = rows.filter(site__enterprise_id=int(enterprise))
    else:
        enterprise = ""
    # An outlet's page links here with its id, the same way.
    site = request.GET.get("site", "")
    if site.isdigit():
        rows = rows.filter(site_id=int(site))
    else:
        site = ""
    if wants_export(request):
        return xlsx_response(
            filename=_("data-marks"),
            headers=[_("Enterprise"), _("Outlet"), pgettext("export column: a mark's device", "Device"),
                     _("What happens"), _("Starts"), _("Ends"), _("Reason"), _("State"), _("Document due"),
                     pgettext("export column: a mark's document", "Document")],
            rows=([m.site.enterprise.name if m.site.enterprise else "", m.site.name, m.device.mn if m.device else "",
                   m.get_kind_display(), m.starts_at, m.ends_at, m.reason, m.get_state_display(),
                   m.document_last_day.date(), m.document_name]
                  for m in rows))
    return render(request, "monitoring/marks/list.html", {
        "page": paginate(request, rows), "state": state, "enterprise": enterprise, "site": site, "filter": mark_forms.FilterForm({"state": state}),
        "can_create": access.may(request.user, "mark.create"), "now": timezone.now(),
        "document_day": marks.DOCUMENT_DAY,
    })


@login_required
def mark_new(request: SignedInRequest) -> HttpResponse:
    access.require(request.user, "mark.create")
    form = mark_forms.MarkForm(request.POST or None, request.FILES or None, user=request.user)
    status = 200
    if request.method == "POST":
        status = BAD_REQUEST
        if form.is_valid():
            data = form.cleaned_data
            try:
                upload = request.FILES.get("document")
                mark = marks.mark_create(by=request.user, site=data["site"], device=data["device"], kind=data["kind"],
                                         reason=data["reason"], starts_at=data["starts_at"], ends_at=data["ends_at"],
                                         document=_document(upload) if upload is not None else None)
            except marks.MarkRefused as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(request, _("The mark was recorded."))
                return redirect("marks:detail", mark_id=mark.id)
    return render(request, "monitoring/marks/new.html", {"form": form, "document_day": marks.DOCUMENT_DAY},
                  status=status)


@login_required
def mark_detail(request: SignedInRequest, mark_id: int) -> HttpResponse:
    mark = _mark_for(request.user, mark_id)
    return _detail(request, mark)


def _detail(request: SignedInRequest, mark: DataMark, *, document_form=None, replace_form=None,
            revoke_form=None, status: int = 200) -> HttpResponse:
    now = timezone.now()
    allowed = access.actions_permitted(request.user, ["mark.document", "mark.revoke"], mark)
    in_time = now < mark.document_due
    can_document = "mark.document" in allowed and mark.state == MarkState.AWAITING and in_time
    can_replace = "mark.document" in allowed and mark.state == MarkState.DOCUMENTED and in_time
    can_revoke = "mark.revoke" in allowed and mark.is_valid
    events = access.visible(request.user, mark.events.select_related("by"))
    return render(request, "monitoring/marks/detail.html", {
        "mark": mark, "events": events, "now": now,
        "document_form": document_form or (mark_forms.DocumentForm() if can_document else None),
        "replace_form": replace_form or (mark_forms.DocumentForm() if can_replace else None),
        "revoke_form": revoke_form or (mark_forms.RevokeForm() if can_revoke else None),
    }, status=status)


def _document_post(request: SignedInRequest, mark_id: int, *, store, form_name: str, done) -> HttpResponse:
    """An uploaded document handed to `store` (attach or replace); a refusal shows the mark's page again with
    the reason on the form named `form_name`."""
    mark = _mark_for(request.user, mark_id)
    access.require(request.user, "mark.document", mark)
    form = mark_forms.DocumentForm(request.POST, request.FILES)
    try:
        name, data = _document(request.FILES.get("document"))
        store(by=request.user, mark=mark, name=name, data=data)
    except marks.MarkRefused as refused:
        form.is_valid()
        form.add_error(None, str(refused))
        return _detail(request, mark, status=BAD_REQUEST, **{form_name: form})
    messages.success(request, done)
    return redirect("marks:detail", mark_id=mark.id)


@login_required
@require_POST
def mark_document(request: SignedInRequest, mark_id: int) -> HttpResponse:
    return _document_post(request, mark_id, store=marks.mark_document, form_name="document_form",
                          done=_("The document was attached; the mark stands."))


@login_required
@require_POST
def mark_document_replace(request: SignedInRequest, mark_id: int) -> HttpResponse:
    return _document_post(request, mark_id, store=marks.mark_document_replace, form_name="replace_form",
                          done=_("The document was replaced; the replaced file is kept in the history."))


@login_required
def mark_replaced_file(request: SignedInRequest, mark_id: int, mark_event_id: int) -> FileResponse:
    """A document a replacement set aside, kept for the audit and read by whoever sees the mark."""
    mark = _mark_for(request.user, mark_id)
    event = access.get_visible(request.user, mark.events.all(), id=mark_event_id)
    if not event.document:
        raise Http404
    return FileResponse(event.document.open("rb"), content_type=event.document_type, as_attachment=False,
                        filename=event.document_name)


@login_required
def mark_document_file(request: SignedInRequest, mark_id: int) -> FileResponse:
    mark = _mark_for(request.user, mark_id)
    if not mark.document:
        raise Http404
    return FileResponse(mark.document.open("rb"), content_type=mark.document_type, as_attachment=False,
                        filename=mark.document_name)


@login_required
@require_POST
def mark_revoke(request: SignedInRequest, mark_id: int) -> HttpResponse:
    mark = _mark_for(request.user, mark_id)
    access.require(request.user, "mark.revoke", mark)
    form = mark_forms.RevokeForm(request.POST)
    if form.is_valid():
        try:
            marks.mark_revoke(by=request.user, mark=mark, reason=form.cleaned_data["reason"])
        except marks.MarkRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("The mark was revoked; its hours count again."))
            return redirect("marks:detail", mark_id=mark.id)
    return _detail(request, mark, revoke_form=form, status=BAD_REQUEST)
