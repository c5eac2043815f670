"""Pages of the clean-heating ledger. Heads and ID numbers are masked unless access says the reader may see
them ("household.personal"), on the page and in the export alike."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lanqing.org import access
from lanqing.org.models import Level
from lanqing.ui.tables import paginate, wants_export, xlsx_response
from lanqing.ui.uploads import upload_refusal
from lanqing.yearwork import heating
from lanqing.yearwork.forms import VillageHeatingForm, VisitForm
from lanqing.yearwork.imports import import_submit
from lanqing.yearwork.models import Household, ImportKind, ImportRun, Visit


def _households(user):
    return access.visible(user, Household.objects.select_related("township", "village"))


def _household(user, household_id: int) -> Household:
    return access.get_visible(user, _households(user), id=household_id)


@login_required
def household_list(request):
    access.require(request.user, "heating.view")
    households = _households(request.user)
    township = request.GET.get("township", "")
    if township.isdigit():
        households = households.filter(township_id=int(township))
    query = request.GET.get("q", "").strip()
    personal = heating.reads_personal_data(request.user)
    if query:
        # Searching by name or ID number is itself reading them: only for those who may.
        households = (households.filter(head_name__icontains=query) | households.filter(id_number__startswith=query)
                      if personal else households.filter(village__name__icontains=query))
    households = households.order_by("village__code", "id")
    if wants_export(request):
        return xlsx_response(filename=_("clean-heating-ledger"), headers=heating.HEADERS_ZH,
                             rows=(heating.household_row(h, personal=personal) for h in households.iterator()))
    page = paginate(request, households)
    rows = [(h, heating.household_row(h, personal=personal, layout=False)) for h in page.object_list]
    return render(request, "yearwork/households.html", {
        "page": page, "rows": rows, "query": query, "township": township,
        "townships": access.jurisdictions_visible_to(request.user).filter(level=Level.TOWNSHIP),
        "may_manage": access.may(request.user, "heating.manage"), "headers": heating.PAGE_HEADERS,
        "layout": heating.headers_for_reader(),
        "totals": heating.subsidy_totals(households),
        "imports": ImportRun.objects.filter(by=request.user, kind=ImportKind.HOUSEHOLDS)[:5]})


@login_required
@require_POST
def households_import(request):
    access.require(request.user, "heating.manage")
    upload = request.FILES.get("file")
    refusal = upload_refusal(upload)
    if refusal:
        messages.error(request, refusal)
        return redirect("yearwork:households")
    run = import_submit(by=request.user, kind=ImportKind.HOUSEHOLDS, data=upload.read(),
                        file_name=upload.name or "households.xlsx")
    messages.success(request, _("The file was received and queued for import."))
    return redirect("yearwork:import", run.id)


@login_required
def household_detail(request, household_id: int):
    household = _household(request.user, household_id)
    personal = access.may(request.user, "household.personal", household)
    may_visit = access.may(request.user, "heating.manage", household)
    return render(request, "yearwork/household.html", {
        "household": household, "personal": personal,
        "facts": list(zip(heating.PAGE_HEADERS, heating.household_row(household, personal=personal, layout=False),
                          strict=True)), "visits": household.visits.select_related("case", "by"),
        "form": VisitForm(initial={"visited_on": timezone.localdate()}) if may_visit else None})


@login_required
@require_POST
def household_visit(request, household_id: int):
    household = _household(request.user, household_id)
    access.require(request.user, "heating.manage", household)
    form = VisitForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            heating.visit_record(household=household, by=request.user, visited_on=data["visited_on"],
                                 back_on_coal=data["back_on_coal"], note=data["note"], photo=data["photo"])
        except heating.VisitError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Visit recorded."))
    else:
        messages.error(request, _("The visit was not recorded: check the fields."))
    return redirect("yearwork:household", household.id)


@login_required
def visit_photo(request, visit_id: int):
    visit = access.get_visible(request.user, Visit.objects.select_related("household"), id=visit_id)
    # A photo of a home identifies the household as much as its head's name does.
    access.require(request.user, "household.personal", visit.household)
    if not visit.photo:
        raise Http404
    return FileResponse(visit.photo.open("rb"), as_attachment=False)


@login_required
def heating_progress(request):
    access.require(request.user, "heating.view")
    year_text = request.GET.get("year", "")
    year = int(year_text) if year_text.isdigit() and 2000 <= int(year_text) <= 2100 else timezone.localdate().year
    villages, townships = heating.heating_progress(user=request.user, year=year)
    if wants_export(request):
        return xlsx_response(filename=_("clean-heating-progress"), headers=[
            _("Township"), _("Village or community"), _("Coal-free zone"), _("Households in the ledger"),
            _("Target"), _("Converted"), _("Share")],
            rows=([r.place.parent.name if r.place.parent else "", r.place.name, _("yes") if r.coal_free_zone else "",
                   r.households, r.target, r.converted, r.share] for r in villages))
    form = VillageHeatingForm(user=request.user, initial={"year": year}) \
        if access.may(request.user, "heating.manage") else None
    return render(request, "yearwork/heating_progress.html", {
        "year": year, "villages": villages, "townships": townships, "form": form,
        "village_choices": [(v.id, str(v)) for v in form.fields["village"].queryset]  # type: ignore[attr-defined]
        if form else []})


@login_required
@require_POST
def village_heating(request):
    access.require(request.user, "heating.manage")
    form = VillageHeatingForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            heating.village_heating_set(by=request.user, **form.cleaned_data)
        except heating.VisitError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The village's target was saved."))
        return redirect(f"{reverse('yearwork:heating_progress')}?year={form.cleaned_data['year']}")
    messages.error(request, _("Give a year and a number of households, 0 or more."))
    return redirect("yearwork:heating_progress")
