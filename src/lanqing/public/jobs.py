from __future__ import annotations

from datetime import timedelta

from lanqing.jobs.registry import periodic
from lanqing.public.services import reports_acceptance_check


@periodic("public.acceptance", every=timedelta(minutes=10))
def check_acceptance() -> None:
    reports_acceptance_check()
