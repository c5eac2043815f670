from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_POST

from lanqing.alerts.models import Severity
from lanqing.cases import actions, forms, matrix, selectors, transitions
from lanqing.cases.models import (
    OPEN_STATES,
    Case,
    CaseSource,
    CaseState,
    Category,
    ExtensionStatus,
    ResponsibilityRule,
)
from lanqing.cases.origins import origins_for
from lanqing.cases.selectors import OPEN
from lanqing.org import access
from lanqing.org.requests import SignedInRequest
from lanqing.ui.tables import paginate, wants_export, xlsx_response

BOX_LABELS = {"mine": gettext_lazy("Awaiting me"), "unit": gettext_lazy("My unit's"),
              "township": gettext_lazy("My township's"), "overdue": gettext_lazy("Overdue"),
              "due": gettext_lazy("Due soon"), "all": gettext_lazy("All")}

# What the user reads once an action went through; every action in actions.CASE_ACTIONS has its line.
DONE = {"dispatch": gettext_lazy("Case dispatched."), "accept": gettext_lazy("Case accepted."),
        "start": gettext_lazy("Work on the case started."),
        "submit": gettext_lazy("Rectification submitted for verification."),
        "contribute": gettext_lazy("Your unit's part was added to the case."),
        "close": gettext_lazy("Case verified and closed."), "return": gettext_lazy("Case returned for more work."),
        "reopen": gettext_lazy("Case reopened."), "request_extension": gettext_lazy("Extension requested."),
        "decide_extension": gettext_lazy("Extension approved."), "urge": gettext_lazy("Urging sent."),
        "instruct": gettext_lazy("Instruction given.")}



def _filtered(request: HttpRequest, cases: QuerySet[Case]) -> tuple[QuerySet[Case], dict[str, object]]:
    state = request.GET.get("state", "")
    if state in CaseState.values:
        cases = cases.filter(state=state)
    elif state == OPEN:
        cases = cases.filter(state__in=OPEN_STATES)
    closed_since = _day(request.GET.get("closed_since", ""))
    if closed_since:
        cases = cases.filter(closed_at__gte=timezone.make_aware(datetime.combine(closed_since, time())))
    category = request.GET.get("category", "")
    if category in Category.values:
        cases = cases.filter(category=category)
    severity = request.GET.get("severity", "")
    if severity in Severity.values:
        cases = cases.filter(severity=severity)
    query = request.GET.get("q", "").strip()
    if query:
        cases = cases.filter(Q(number__icontains=query) | Q(title__icontains=query) |
                             Q(enterprise__name__icontains=query))
    return cases, {"state": state, "category": category, "severity": severity, "query": query,
                   "closed_since": closed_since}


def _day(text: str) -> date | None:
    try:
        day = date.fromisoformat(text) if text else None
    except ValueError:
        return None  # a filter that cannot be read filters nothing, as an unknown state does
    # Years far outside the system's life would overflow when moved to UTC.
    return day if day and 2000 <= day.year <= 2100 else None


@login_required
def inbox(request: SignedInRequest) -> HttpResponse:
    access.require(request.user, "case.view")
    offered = selectors.boxes_for(request.user)
    box = request.GET.get("box", "mine")
    if box not in offered:
        box = "mine"
    now = timezone.now()
    cases, filters = _filtered(request, selectors.cases_in_box(request.user, box, now=now))
    cases = cases.order_by("deadline_at", "-id") if box == "overdue" else cases.order_by("-created_at", "-id")
    if wants_export(request):
        return xlsx_response(
            filename=_("cases"),
            headers=[_("Case number"), _("Title"), _("Category"), _("Severity"), _("State"), _("Township"),
                     _("Lead unit"), _("Enterprise"), _("Deadline"), _("Created"),
                     pgettext("export column: when the case was closed", "Closed")],
            rows=([c.number, c.display_title, c.get_category_display(), c.get_severity_display(), c.get_state_display(),
                   c.township.name if c.township else "", c.lead_unit.name if c.lead_unit else "",
                   c.enterprise.name if c.enterprise else "", c.deadline_at, c.created_at, c.closed_at]
                  for c in cases.iterator()))
    page = paginate(request, cases)
    page.object_list = [CaseRow(case=c, days_left=c.days_left(now)) for c in page.object_list]
    return render(request, "cases/inbox.html", {
        "page": page, "box": box, "boxes": [(key, BOX_LABELS[key]) for key in offered], "now": now,
        "states": [(OPEN, gettext_lazy("Any open state")), *CaseState.choices],
        "categories": Category.choices, "severities": Severity.choices,
        "can_open": access.may(request.user, "case.open"),
        **filters,
    })


@dataclass(frozen=True)
class CaseRow:
    case: Case
    days_left: int | None

    @property
    def days_overdue(self) -> int:
        return -self.days_left if self.days_left is not None and self.days_left < 0 else 0

    @property
    def deadline_tone(self) -> str:
        """The badge colour of the time left: red overdue, amber due within two days, green otherwise."""
        if self.days_left is None:
            return ""
        return "bad" if self.days_left < 0 else "warn" if self.days_left <= 2 else "ok"


def _detail_context(request: SignedInRequest, case: Case, **extra: object) -> dict:
    user = request.user
    allowed = transitions.allowed_actions(user, case)
    return {
        "case": case, "events": selectors.timeline_for(case), "actions": allowed, "now": timezone.now(),
        "origins": origins_for(user, case),
        "overdue": case.is_overdue(timezone.now()),
        "support_units": case.support_units.all(),
        "extensions": case.extensions.select_related("requested_by", "decided_by"),
        "pending_extension": case.extensions.filter(status=ExtensionStatus.PENDING).first(),
        "dispatch_form": forms.DispatchForm(user=user, case=case) if "dispatch" in allowed else None,
        "submit_form": forms.SubmitForm(), "reason_form": forms.ReasonForm(), "note_form": forms.NoteForm(),
        "extension_form": forms.ExtensionForm(), "text_form": forms.TextForm(),
        "close_blocker": transitions.case_close_blocker(case) if "close" in allowed else None, **extra,
    }


@login_required
def detail(request: SignedInRequest, case_id: int) -> HttpResponse:
    case = selectors.case_for_user(request.user, case_id)
    context = _detail_context(request, case)
    if request.headers.get("HX-Request"):
        return render(request, "cases/detail.html#case-panel", context)
    return render(request, "cases/detail.html", context)


def _given(request: SignedInRequest, case: Case, action: str) -> actions.ActionInput | str:
    """The action's input from the page's form, or the message saying what is wrong with the form."""
    user, post = request.user, request.POST
    if action == "dispatch":
        form = forms.DispatchForm(post, user=user, case=case)
        if not form.is_valid():
            return _("Check the form: %(errors)s") % {"errors": form.errors.as_text()}
        return actions.ActionInput(unit=form.cleaned_data["unit"], support_units=form.cleaned_data["support_units"],
                                   deadline=form.cleaned_data["deadline"], note=form.cleaned_data["note"])
    if action == "request_extension":
        extension_form = forms.ExtensionForm(post)
        if not extension_form.is_valid():
            return _("Check the form: %(errors)s") % {"errors": extension_form.errors.as_text()}
        return actions.ActionInput(deadline=extension_form.cleaned_data["new_deadline"],
                                   reason=extension_form.cleaned_data["reason"])
    if action == "decide_extension":
        decision = forms.ExtensionDecisionForm(post)
        if not decision.is_valid():
            return _("Check the form: %(errors)s") % {"errors": decision.errors.as_text()}
        return actions.ActionInput(extension_id=decision.cleaned_data["extension"],
                                   approve=decision.cleaned_data["approve"], note=decision.cleaned_data["note"])
    note_form = forms.NoteForm(post)
    return actions.ActionInput(note=note_form.cleaned_data["note"] if note_form.is_valid() else "",
                               text=post.get("text", ""), reason=post.get("reason", ""),
                               files=request.FILES.getlist("files"))


@login_required
@require_POST
def act(request: SignedInRequest, case_id: int, action: str) -> HttpResponse:
    case = selectors.case_for_user(request.user, case_id)
    if action not in actions.CASE_ACTIONS:
        raise Http404
    try:
        if not access.may(request.user, f"case.{action}", case):
            raise transitions.CaseForbidden(_("Your role may not take this action on this case."))
        given = _given(request, case, action)
        if isinstance(given, str):
            error: str | None = given
        else:
            actions.case_action_run(case=case, by=request.user, action=action, given=given)
            error = None
    except transitions.CaseForbidden as refusal:
        if not request.headers.get("HX-Request"):
            raise
        return render(request, "cases/detail.html#case-panel", _detail_context(request, case, error=str(refusal)),
                      status=403)
    except transitions.CaseError as refusal:
        error = str(refusal)
    case = selectors.case_for_user(request.user, case_id)
    done = None if error else str(DONE[action])
    if done and action == "decide_extension" and not isinstance(given, str) and not given.approve:
        done = _("Extension refused.")
    if request.headers.get("HX-Request"):
        response = render(request, "cases/detail.html#case-panel",
                          _detail_context(request, case, error=error, done=done))
        if error:
            response.status_code = 409
        return response
    if done:
        messages.success(request, done)
    else:
        messages.error(request, error or "")
    return redirect("cases:detail", case_id=case.id)


@login_required
def evidence_file(request: SignedInRequest, evidence_id: int) -> FileResponse:
    evidence = selectors.evidence_for_user(request.user, evidence_id)
    return FileResponse(evidence.file.open("rb"), content_type=evidence.content_type, as_attachment=False,
                        filename=evidence.original_name)


@login_required
def case_new(request: SignedInRequest) -> HttpResponse:
    access.require(request.user, "case.open")
    form = forms.CaseOpenForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        source = CaseSource.INSPECTION if data["category"] == Category.INSPECTION else CaseSource.MANUAL
        try:
            case = transitions.case_open(title=data["title"], category=data["category"], severity=data["severity"],
                                      source=source, by=request.user, description=data["description"],
                                      enterprise=data["enterprise"], site=data["site"],
                                      jurisdiction=data["jurisdiction"], location=data["location"])
        except transitions.CaseError as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, _("Case %(number)s opened.") % {"number": case.number})
            return redirect("cases:detail", case_id=case.id)
    return render(request, "cases/case_new.html", {"form": form})


@login_required
def queue(request: SignedInRequest) -> HttpResponse:
    access.require(request.user, "case.dispatch")
    return render(request, "cases/queue.html", {"page": paginate(request, selectors.dispatch_queue(request.user))})


def _matrix_save(user: User, form: forms.MatrixRowForm, row: ResponsibilityRule | None
                 ) -> ResponsibilityRule:
    data = {name: form.cleaned_data[name] for name in matrix.FIELDS}
    if row is None:
        return matrix.responsibility_rule_create(by=user, **data)
    return matrix.responsibility_rule_update(row=row, by=user, **data)


@login_required
def matrix_page(request: SignedInRequest, row_id: int | None = None) -> HttpResponse:
    """The rows in the user's scope and their history; the bureau adds, edits and deletes rows here."""
    user = request.user
    row = access.get_visible(user, selectors.matrix_rows(user), id=row_id) if row_id is not None else None
    access.require(user, "matrix.edit" if row is not None or request.method == "POST" else "matrix.view", row)
    form = forms.MatrixRowForm(request.POST or None, instance=row, user=user)
    if request.method == "POST":
        try:
            if request.POST.get("delete") and row is not None:
                matrix.responsibility_rule_delete(row=row, by=user)
                messages.success(request, _("Row deleted."))
                return redirect("cases:matrix")
            if form.is_valid():
                _matrix_save(user, form, row)
                messages.success(request, _("Responsibility matrix saved."))
                return redirect("cases:matrix")
        except matrix.MatrixForbidden:
            raise
        except matrix.MatrixError as refusal:
            form.add_error(None, str(refusal))
    return render(request, "cases/matrix.html", {
        "rows": selectors.matrix_rows(user), "form": form, "row": row,
        "can_edit": access.may(user, "matrix.edit"), "changes": selectors.matrix_changes(user)[:50],
    })


@login_required
def accountability(request: SignedInRequest) -> HttpResponse:
    access.require(request.user, "accountability.view")
    records = selectors.accountability_visible_to(request.user)
    if wants_export(request):
        return xlsx_response(
            filename=_("accountability"),
            headers=[_("Case number"), _("Lead unit"), _("Township"), _("Enterprise"), _("Deadline missed"),
                     _("Working days late"), _("Highest escalation"), _("Outcome")],
            rows=([r.case.number, r.unit.name if r.unit else "", r.township.name if r.township else "",
                   r.enterprise.name if r.enterprise else "", r.deadline_at, r.working_days_late,
                   r.get_highest_escalation_display(), r.get_outcome_display()] for r in records))
    return render(request, "cases/accountability.html", {"page": paginate(request, records)})
