from __future__ import annotations

from datetime import timedelta

from lanqing.jobs.registry import job_kind, periodic
from lanqing.reports.services import GENERATE_JOB, report_generate, reports_schedule


@job_kind(GENERATE_JOB)
def generate(job) -> None:
    report_generate(report_id=int(job.payload["report_id"]))


@periodic("reports.schedule", every=timedelta(hours=1))
def schedule() -> None:
    reports_schedule()
