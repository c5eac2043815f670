from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from lanqing.org import access
from lanqing.org.models import EnterpriseStatus, Industry, Level
from lanqing.org.requests import SignedInRequest
from lanqing.ui.tables import paginate, wants_export, xlsx_response


@login_required
def jurisdiction_tree(request: SignedInRequest) -> HttpResponse:
    access.require(request.user, "jurisdiction.view")
    jurisdictions = list(access.jurisdictions_visible_to(request.user).annotate(
        unit_count=Count("units", distinct=True)))
    enterprise_counts = dict(access.enterprises_visible_to(request.user).values_list("township_id")
                             .annotate(n=Count("id")).values_list("township_id", "n"))
    if wants_export(request):
        return xlsx_response(
            filename=_("jurisdictions"),
            headers=[_("Division code"), _("Name"), _("Level"), _("Parent division code")],
            rows=([j.code, j.name, j.get_level_display(), j.parent.code if j.parent else ""]
                  for j in access.jurisdictions_visible_to(request.user).select_related("parent")))
    by_parent: dict[int | None, list] = {}
    ids = {j.id for j in jurisdictions}
    for jurisdiction in jurisdictions:
        # The tree template shows it; counted from enterprises apart, as the visible set has its own rule.
        jurisdiction.enterprise_count = enterprise_counts.get(jurisdiction.id, 0)  # type: ignore[attr-defined]
        parent = jurisdiction.parent_id if jurisdiction.parent_id in ids else None
        by_parent.setdefault(parent, []).append(jurisdiction)

    def branch(parent_id: int | None) -> list:
        return [(node, branch(node.id)) for node in by_parent.get(parent_id, [])]

    levels = {row["level"]: row["n"] for row in
              access.jurisdictions_visible_to(request.user).values("level").annotate(n=Count("id"))}
    return render(request, "org/jurisdiction_tree.html", {
        "tree": branch(None),
        "township_count": levels.get(Level.TOWNSHIP, 0),
        "village_count": levels.get(Level.VILLAGE, 0),
    })


@login_required
def enterprise_list(request: SignedInRequest) -> HttpResponse:
    access.require(request.user, "enterprise.view")
    enterprises = access.enterprises_visible_to(request.user).annotate(
        outlet_count=Count("sites", filter=Q(sites__kind="outlet"))).order_by("township__code", "name")
    query = request.GET.get("q", "").strip()
    if query:
        enterprises = enterprises.filter(Q(name__icontains=query) | Q(credit_code__icontains=query)
                                         | Q(address__icontains=query))
    township = request.GET.get("township", "")
    if township:
        enterprises = enterprises.filter(township__code=township)
    industry = request.GET.get("industry", "")
    if industry:
        enterprises = enterprises.filter(industry__code=industry)
    status = request.GET.get("status", "")
    if status in EnterpriseStatus.values:
        enterprises = enterprises.filter(status=status)
    if wants_export(request):
        return xlsx_response(
            filename=_("enterprises"),
            headers=[_("Name"), _("Unified social credit code"), _("Industry code"), _("Industry"),
                     _("Township"), _("Village or community"), _("Address"), _("Longitude"), _("Latitude"),
                     _("Contact person"), _("Contact phone"), _("Status"),
                     pgettext("export column: number of outlets", "Outlets")],
            rows=([e.name, e.credit_code, e.industry.code, e.industry.name, e.township.name,
                   e.village.name if e.village else "", e.address, e.longitude, e.latitude,
                   e.contact_name, e.contact_phone, e.get_status_display(), e.outlet_count]
                  for e in enterprises))
    townships = access.jurisdictions_visible_to(request.user).filter(level=Level.TOWNSHIP)
    industries = Industry.objects.filter(
        id__in=access.enterprises_visible_to(request.user).values("industry_id"))
    return render(request, "org/enterprise_list.html", {
        "page": paginate(request, enterprises),
        "query": query, "township": township, "industry": industry, "status": status,
        "townships": townships, "industries": industries, "statuses": EnterpriseStatus.choices,
        "filtered": bool(query or township or industry or status),
    })
