"""Two bureau users closing the same case at the same moment, on real connections: one wins."""

import threading

import pytest
from django.db import connection, connections

from lanqing.cases.models import Case, CaseState
from lanqing.cases.transitions import CaseError, case_accept, case_close, case_return, case_submit
from tests.cases.conftest import TUESDAY


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_users_acting_on_one_case_at_once_on_two_connections_leave_one_outcome(supervision, inspection_case):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so there is no real race to test")
    users = supervision.users
    case_accept(case=inspection_case, by=users["department"], now=TUESDAY)
    case_submit(case=inspection_case, by=users["enterprise_a"], text="done", now=TUESDAY)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def act(service, **kwargs):
        try:
            stale = Case.objects.get(id=inspection_case.id)
            barrier.wait(timeout=5)
            service(case=stale, by=users["bureau"], now=TUESDAY, **kwargs)
            outcomes.append("done")
        except CaseError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=act, args=(case_close,), kwargs={"note": "ok"}),
               threading.Thread(target=act, args=(case_return,), kwargs={"reason": "not yet"})]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert sorted(outcomes) == ["done", "refused"]
    case = Case.objects.get(id=inspection_case.id)
    assert case.state in (CaseState.CLOSED, CaseState.RETURNED)
    assert case.events.filter(action__in=["closed", "returned"]).count() == 1
