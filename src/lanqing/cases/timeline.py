"""The case's timeline: every entry a workflow step or the clock writes."""

from __future__ import annotations

from datetime import datetime

from lanqing import texts
from lanqing.cases.models import Case, CaseEvent


def timeline_add(case: Case, *, by, action: str, now: datetime, from_state: str = "", note: texts.Stored | str = "",
                 data: dict | None = None, public: bool = False) -> CaseEvent:
    note, note_text = texts.split(note)
    return CaseEvent.objects.create(case=case, at=now, actor=by, action=action, from_state=from_state,
                                    to_state=case.state if from_state else "", note=note, note_text=note_text,
                                    data=data or {}, public=public)

