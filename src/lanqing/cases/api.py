"""JSON API for cases: lists and details within the caller's scope, and the workflow actions."""


from datetime import date, datetime

from django.contrib.auth.models import User
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate

from lanqing.cases import actions, selectors, transitions
from lanqing.cases.models import Case
from lanqing.org import access
from lanqing.org.requests import ApiRequest
from lanqing.ui.pagination import MappedRows

router = Router(tags=["cases"])


class CaseOut(Schema):
    id: int
    number: str
    title: str
    category: str
    severity: str
    source: str
    state: str
    township: str | None
    jurisdiction_code: str
    lead_unit: str | None
    enterprise_id: int | None
    site_id: int | None
    alert_id: int | None
    deadline_at: datetime | None
    escalation_level: int
    created_at: datetime
    closed_at: datetime | None


class EventOut(Schema):
    at: datetime
    actor: str | None
    action: str
    from_state: str
    to_state: str
    note: str


class CaseDetailOut(CaseOut):
    description: str
    allowed_actions: list[str]
    timeline: list[EventOut]


class CaseFilter(Schema):
    box: str = "all"
    state: str | None = None
    category: str | None = None
    q: str | None = None


class ActionIn(Schema):
    note: str = ""
    reason: str = ""
    text: str = ""
    unit_id: int | None = None
    deadline: date | None = None
    extension_id: int | None = None
    approve: bool | None = None


class ErrorOut(Schema):
    detail: str


def _out(c: Case) -> dict:
    return {"id": c.id, "number": c.number, "title": c.display_title, "category": c.category, "severity": c.severity,
            "source": c.source, "state": c.state, "township": c.township.name if c.township else None,
            "jurisdiction_code": c.jurisdiction.code, "lead_unit": c.lead_unit.name if c.lead_unit else None,
            "enterprise_id": c.enterprise_id, "site_id": c.site_id, "alert_id": c.alert_id,
            "deadline_at": c.deadline_at, "escalation_level": c.escalation_level, "created_at": c.created_at,
            "closed_at": c.closed_at}


def _detail(user: User, c: Case) -> dict:
    return {**_out(c), "description": c.display_description, "allowed_actions": transitions.allowed_actions(user, c),
            "timeline": [{"at": e.at, "actor": e.actor.username if e.actor else None, "action": e.action,
                          "from_state": e.from_state, "to_state": e.to_state, "note": e.display_note}
                         for e in selectors.timeline_for(c)]}


@router.get("", response=list[CaseOut])
@paginate(LimitOffsetPagination)
def list_cases(request: ApiRequest, filters: Query[CaseFilter]) -> MappedRows:
    access.require(request.auth, "case.view")
    if filters.box not in selectors.BOXES:
        raise HttpError(400, f"box must be one of {', '.join(selectors.BOXES)}")
    cases = selectors.cases_in_box(request.auth, filters.box).order_by("-id")
    if filters.state:
        cases = cases.filter(state=filters.state)
    if filters.category:
        cases = cases.filter(category=filters.category)
    if filters.q:
        cases = cases.filter(title__icontains=filters.q)
    return MappedRows(cases, _out)


@router.get("/{case_id}", response={200: CaseDetailOut, 404: ErrorOut})
def get_case(request: ApiRequest, case_id: int) -> dict:
    return _detail(request.auth, selectors.case_for_user(request.auth, case_id))


@router.post("/{case_id}/actions/{action}", response={200: CaseDetailOut, 400: ErrorOut, 403: ErrorOut,
                                                      404: ErrorOut, 409: ErrorOut})
def case_action(request: ApiRequest, case_id: int, action: str, body: ActionIn) -> Status:
    """Workflow actions: accept, start, submit (text; files through the page), close, return, reopen, urge,
    dispatch (unit_id, deadline), request_extension (deadline, reason), decide_extension (extension_id, approve),
    instruct (text; leadership's 批示), contribute (text; a supporting unit's part).
    A case outside the caller's scope answers 404; an action the caller's duty does not include, 403; an action
    the case's state does not allow, 409 with the reason; a deadline in the past or more than 366 days ahead,
    400 with the reason. The case is unchanged in each."""
    user = request.auth
    case = selectors.case_for_user(user, case_id)
    if action not in actions.CASE_ACTIONS:
        raise HttpError(404, "Not found.")
    if not access.may(user, f"case.{action}", case):
        # Before the body is read: a caller without the duty learns nothing from its validation.
        return Status(403, {"detail": "Your role may not take this action on this case."})
    given = actions.ActionInput(note=body.note, reason=body.reason, text=body.text, unit_id=body.unit_id,
                                deadline=body.deadline, extension_id=body.extension_id, approve=body.approve)
    try:
        actions.case_action_run(case=case, by=user, action=action, given=given)
    except (actions.ActionInputInvalid, transitions.DeadlineInvalid) as invalid:
        raise HttpError(400, str(invalid)) from None
    except transitions.CaseForbidden as refusal:
        return Status(403, {"detail": str(refusal)})
    except transitions.CaseError as refusal:
        return Status(409, {"detail": str(refusal)})
    return Status(200, _detail(user, selectors.case_for_user(user, case_id)))
