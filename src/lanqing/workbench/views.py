from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from lanqing.org import access
from lanqing.workbench.figures import workbench_for


@login_required
def home(request):
    """The first page after login: the figures and lists of the user's own work (工作台)."""
    context = workbench_for(request.user)
    context.update(membership=access.membership_of(request.user), root=access.root_jurisdiction(request.user))
    return render(request, "workbench/home.html", context)
