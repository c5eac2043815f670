"""The case actions a person takes, by name: how each calls its transition from what the caller gave.

The page (`views.act`) and the API (POST /cases/{id}/actions/{action}) each validate their own input (the
page's forms, the API's JSON schema) into an ActionInput and run the action here, so adding an action is one
entry in CASE_ACTIONS beside its row in transitions.ACTIONS.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from lanqing.cases import selectors, transitions, workdays
from lanqing.cases.models import Case
from lanqing.org import access
from lanqing.org.models import Unit

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@dataclass(frozen=True)
class ActionInput:
    """What the caller gave for an action; each action reads the fields it needs. The lead unit comes as a
    Unit from the page's form (chosen from the caller's units) or as an id from the API."""

    note: str = ""
    reason: str = ""
    text: str = ""
    unit: Unit | None = None
    unit_id: int | None = None
    support_units: Iterable[Unit] = ()
    deadline: date | None = None
    extension_id: int | None = None
    approve: bool | None = None
    files: Iterable = ()


class ActionInputInvalid(Exception):
    """An input the action needs is absent or names nothing the caller may use (the API answers 400; the
    page's forms catch these before)."""


@dataclass(frozen=True)
class CaseAction:
    run: Callable[[Case, User, ActionInput], object]
    needs: tuple[str, ...] = ()


def _end_of_day(day: date | None) -> datetime | None:
    return workdays.end_of_day(day) if day else None


def _dispatch(case: Case, by: User, given: ActionInput) -> object:
    unit = given.unit
    if given.unit_id is not None:
        unit = access.units_visible_to(by).filter(id=given.unit_id).first()
        if unit is None:
            raise ActionInputInvalid("unknown unit_id")
    return transitions.case_dispatch(case=case, by=by, unit=unit, support_units=given.support_units,
                                     deadline=_end_of_day(given.deadline), note=given.note)


def _request_extension(case: Case, by: User, given: ActionInput) -> object:
    assert given.deadline is not None  # among its needs: case_action_run checked it
    return transitions.case_extension_request(case=case, by=by, new_deadline=workdays.end_of_day(given.deadline),
                                              reason=given.reason)


def _decide_extension(case: Case, by: User, given: ActionInput) -> object:
    assert given.approve is not None  # among its needs: case_action_run checked it
    return transitions.case_extension_decide(extension=selectors.extension_of(case, given.extension_id), by=by,
                                             approve=given.approve, note=given.note)


CASE_ACTIONS: dict[str, CaseAction] = {
    "dispatch": CaseAction(_dispatch),
    "accept": CaseAction(lambda case, by, given: transitions.case_accept(case=case, by=by, note=given.note)),
    "start": CaseAction(lambda case, by, given: transitions.case_start(case=case, by=by, note=given.note)),
    "submit": CaseAction(lambda case, by, given: transitions.case_submit(case=case, by=by, text=given.text,
                                                                         files=given.files)),
    "contribute": CaseAction(lambda case, by, given: transitions.case_contribute(case=case, by=by, text=given.text)),
    "close": CaseAction(lambda case, by, given: transitions.case_close(case=case, by=by, note=given.note)),
    "return": CaseAction(lambda case, by, given: transitions.case_return(case=case, by=by, reason=given.reason)),
    "reopen": CaseAction(lambda case, by, given: transitions.case_reopen(case=case, by=by, reason=given.reason)),
    "request_extension": CaseAction(_request_extension, needs=("deadline",)),
    "decide_extension": CaseAction(_decide_extension, needs=("extension_id", "approve")),
    "urge": CaseAction(lambda case, by, given: transitions.case_urge(case=case, by=by, note=given.note)),
    "instruct": CaseAction(lambda case, by, given: transitions.case_instruct(case=case, by=by, text=given.text)),
}


def case_action_run(*, case: Case, by: User, action: str, given: ActionInput) -> object:
    """Runs the named action; raises ActionInputInvalid before the transition if an input it needs is absent,
    and the transition's CaseError if the case refuses it."""
    spec = CASE_ACTIONS[action]
    if any(getattr(given, name) is None for name in spec.needs):
        raise ActionInputInvalid(f"{' and '.join(spec.needs)} {'is' if len(spec.needs) == 1 else 'are'} required")
    return spec.run(case, by, given)
