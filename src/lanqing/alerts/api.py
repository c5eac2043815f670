"""JSON API for alerts within the caller's scope."""


from datetime import datetime

from ninja import Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from lanqing.alerts.models import Alert
from lanqing.alerts.services import (
    AlertError,
    AlertForbidden,
    alert_acknowledge,
    alert_for_user,
    alerts_visible_to,
)
from lanqing.org import access
from lanqing.org.requests import ApiRequest
from lanqing.ui.pagination import MappedRows

router = Router(tags=["alerts"])


class AlertOut(Schema):
    id: int
    rule: str
    kind: str
    site_id: int
    site: str
    factor: str | None
    severity: str
    status: str
    message: str
    first_seen_at: datetime
    last_seen_at: datetime
    count: int
    last_value: float | None
    worst_value: float | None
    limit_value: float | None
    cleared_at: datetime | None
    acknowledged_by: str | None
    acknowledged_at: datetime | None


class ErrorOut(Schema):
    detail: str


def _out(a: Alert) -> dict:
    return {"id": a.id, "rule": a.rule.name, "kind": a.rule.kind, "site_id": a.site_id, "site": a.site.name,
            "factor": a.factor.code if a.factor else None, "severity": a.severity, "status": a.status,
            "message": a.display_message, "first_seen_at": a.first_seen_at, "last_seen_at": a.last_seen_at,
            "count": a.count, "last_value": a.last_value, "worst_value": a.worst_value,
            "limit_value": a.limit_value, "cleared_at": a.cleared_at,
            "acknowledged_by": a.acknowledged_by.username if a.acknowledged_by else None,
            "acknowledged_at": a.acknowledged_at}


@router.get("", response=list[AlertOut])
@paginate(LimitOffsetPagination)
def list_alerts(request: ApiRequest, status: str | None = None) -> MappedRows:
    access.require(request.auth, "alert.view")
    alerts = alerts_visible_to(request.auth).order_by("-id")
    if status:
        alerts = alerts.filter(status=status)
    return MappedRows(alerts, _out)


@router.get("/{alert_id}", response={200: AlertOut, 404: ErrorOut})
def get_alert(request: ApiRequest, alert_id: int) -> dict:
    return _out(alert_for_user(request.auth, alert_id))


@router.post("/{alert_id}/acknowledge", response={200: AlertOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut})
def acknowledge_alert(request: ApiRequest, alert_id: int) -> Status:
    alert = alert_for_user(request.auth, alert_id)
    try:
        alert_acknowledge(alert=alert, by=request.auth)
    except AlertForbidden as refusal:
        return Status(403, {"detail": str(refusal)})
    except AlertError as refusal:
        return Status(409, {"detail": str(refusal)})
    return Status(200, _out(alert_for_user(request.auth, alert_id)))
