"""Pages of the target responsibility letters."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lanqing import texts
from lanqing.org import access
from lanqing.org.models import Level
from lanqing.ui.tables import paginate, wants_export, xlsx_response
from lanqing.ui.uploads import upload_refusal
from lanqing.yearwork import letter_table
from lanqing.yearwork.forms import LetterForm, LetterTargetForm
from lanqing.yearwork.imports import import_submit
from lanqing.yearwork.letters import LetterError, letter_compute, letter_create, letter_target_add
from lanqing.yearwork.models import ImportKind, ImportRun, Letter, LetterTarget


def _letters(user):
    return access.visible(user, Letter.objects.select_related("township", "unit", "jurisdiction"))


def _letter(user, letter_id: int) -> Letter:
    return access.get_visible(user, _letters(user), id=letter_id)


@login_required
def letter_list(request):
    access.require(request.user, "keytask.view")
    may_manage = access.may(request.user, "letter.manage")
    form = LetterForm(request.POST or None, request.FILES or None, user=request.user) if may_manage else None
    if request.method == "POST":
        access.require(request.user, "letter.manage")
        assert form is not None
        if form.is_valid():
            data = form.cleaned_data
            county = access.jurisdictions_visible_to(request.user).filter(level=Level.COUNTY).first()
            try:
                if county is None:
                    raise LetterError(_("Your jurisdiction has no county."))
                letter = letter_create(by=request.user, jurisdiction=county, year=data["year"],
                                       township=data["township"], unit=data["unit"], signed_on=data["signed_on"],
                                       signed_file=data["signed_file"])
            except LetterError as error:
                form.add_error(None, str(error))
            else:
                return redirect("yearwork:letter", letter.id)
    letters = _letters(request.user)
    year = request.GET.get("year", "")
    if year.isdigit():
        letters = letters.filter(year=int(year))
    targets = access.visible(request.user, LetterTarget.objects.filter(letter__in=letters)).select_related(
        "letter__township", "letter__unit")
    if wants_export(request):
        # In the layout the import reads (plus what lanqing computed): importing the export changes nothing.
        return xlsx_response(filename=_("responsibility-letters"), headers=letter_table.EXPORT_HEADERS_ZH, rows=(
            letter_table.target_row(t) for t in targets.select_related("site").order_by(
                "letter__year", "letter_id", "id").iterator()))
    return render(request, "yearwork/letters.html", {
        "page": paginate(request, letters.order_by("-year", "id")), "form": form, "year": year,
        "layout": letter_table.headers_for_reader(),
        "imports": ImportRun.objects.filter(by=request.user, kind=ImportKind.LETTERS)[:5] if may_manage else []})


@login_required
@require_POST
def letters_import(request):
    access.require(request.user, "letter.manage")
    upload = request.FILES.get("file")
    refusal = upload_refusal(upload)
    if refusal:
        messages.error(request, refusal)
        return redirect("yearwork:letters")
    run = import_submit(by=request.user, kind=ImportKind.LETTERS, data=upload.read(),
                        file_name=upload.name or "letters.xlsx")
    messages.success(request, _("The file was received and queued for import."))
    return redirect("yearwork:import", run.id)


@login_required
def letter_detail(request, letter_id: int):
    letter = _letter(request.user, letter_id)
    may_manage = access.may(request.user, "letter.manage", letter)
    targets = [(t, texts.render(t.basis_text)) for t in letter.targets.select_related("site")]
    return render(request, "yearwork/letter.html", {
        "letter": letter, "targets": targets, "may_manage": may_manage,
        "form": LetterTargetForm(user=request.user) if may_manage else None})


@login_required
@require_POST
def letter_target(request, letter_id: int):
    letter = _letter(request.user, letter_id)
    access.require(request.user, "letter.manage", letter)
    form = LetterTargetForm(request.POST, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            letter_target_add(by=request.user, letter=letter, measure=data["measure"], description=data["description"],
                              target_value=data["target_value"], at_most=data["at_most"], site=data["site"],
                              measured=data["measured"])
        except LetterError as error:
            messages.error(request, str(error))
    else:
        messages.error(request, _("The target was not added: check the fields."))
    return redirect("yearwork:letter", letter.id)


@login_required
@require_POST
def letter_recompute(request, letter_id: int):
    letter = _letter(request.user, letter_id)
    letter_compute(by=request.user, letter=letter)
    messages.success(request, _("The measured figures were computed again."))
    return redirect("yearwork:letter", letter.id)


@login_required
def letter_file(request, letter_id: int):
    letter = _letter(request.user, letter_id)
    if not letter.file:
        raise Http404
    return FileResponse(letter.file.open("rb"), content_type=letter.file_type, as_attachment=False,
                        filename=letter.file_name)
