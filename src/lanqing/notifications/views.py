from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lanqing.notifications.selectors import notifications_for
from lanqing.notifications.services import notification_mark_read
from lanqing.org.requests import SignedInRequest
from lanqing.ui.tables import paginate


@login_required
def notification_list(request: SignedInRequest) -> HttpResponse:
    items = notifications_for(request.user)
    if request.GET.get("unread"):
        items = items.filter(read_at__isnull=True)
    return render(request, "notifications/list.html", {"page": paginate(request, items),
                                                       "unread_only": bool(request.GET.get("unread"))})


@login_required
@require_POST
def notification_read(request: SignedInRequest, notification_id: int | None = None) -> HttpResponse:
    if notification_id is not None and not notifications_for(request.user).filter(id=notification_id).exists():
        raise Http404  # another user's notification answers like one that does not exist
    notification_mark_read(user=request.user, notification_id=notification_id)
    messages.success(request, _("Marked as read.") if notification_id is not None
                     else _("All notifications are marked as read."))
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect("notifications:list")
