from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render

from lanqing.org import access
from lanqing.workbench.figures import workbench_for
from lanqing.workbench.overview import map_points, overview_for


@login_required
def home(request):
    """The first page after login: the figures and lists of the user's own work (工作台)."""
    context = workbench_for(request.user)
    context.update(membership=access.membership_of(request.user), root=access.root_jurisdiction(request.user))
    return render(request, "workbench/home.html", context)


@login_required
def overview(request):
    """The county on one page: map, today's AQI, the year so far against last year, water, devices, cases."""
    access.require(request.user, "overview.view")
    return render(request, "workbench/overview.html", {"overview": overview_for(request.user)})


@login_required
def overview_map(request):
    access.require(request.user, "overview.view")
    return JsonResponse(map_points(request.user))
