from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import render

from lanqing.monitoring.selectors import sites_visible_to
from lanqing.org import scope


@login_required
def home(request):
    user = request.user
    sites = sites_visible_to(user)
    context = {
        "role": scope.role_of(user),
        "membership": scope.membership_of(user),
        "root": scope.root_jurisdiction(user),
        "enterprise_count": scope.enterprises_visible_to(user).count(),
        "site_counts": {row["kind"]: row["n"] for row in sites.values("kind").annotate(n=Count("id"))},
        "sites": sites.order_by("kind", "code")[:12],
    }
    return render(request, "web/home.html", context)
