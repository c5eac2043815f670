"""Imports through the background worker: the upload is kept and queued, the worker checks every row and then
writes in batches, and the import's page shows rows checked and written while it runs, then the outcome or
every row problem (nothing written)."""

from __future__ import annotations

import re
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.yearwork.conftest import id_number
from tests.yearwork.test_heating import workbook as ledger_workbook
from tests.yearwork.test_task_table import GOOD
from tests.yearwork.test_task_table import workbook as task_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _upload(client, url: str, data: bytes):
    response = client.post(url, {"file": SimpleUploadedFile("list.xlsx", data, content_type=XLSX)})
    assert response.status_code == 302
    return response.url


def _status(client, page: str) -> tuple[str, int, int, str]:
    html = client.get(page, headers={"HX-Request": "true"}).content.decode()
    state = re.search(r'data-state="(\w+)"', html)[1]
    checked = re.search(r'data-testid="rows-checked">.*?(\d+) /', html, re.S)[1]
    written = re.search(r'data-testid="rows-written">.*?(\d+) /', html, re.S)[1]
    return state, int(checked), int(written), html


def _rows(ledger, count: int) -> list[tuple]:
    village = ledger.yueyang_village.name
    return [("岳阳镇", village, f"户主{n}", id_number(f"141025199001{n // 1000 + 1:02d}{n % 1000:03d}"), "",
             "散煤", "煤改电", "2020-11-01", 3000, 0) for n in range(count)]


@pytest.mark.django_db(transaction=True)
def test_the_worker_imports_a_large_ledger_and_the_page_shows_its_progress(ledger, client_for):
    from django.db import connection

    from lanqing.jobs.models import Job
    from lanqing.jobs.services import worker_pass
    from lanqing.yearwork.models import Household

    client = client_for(ledger.users["bureau"])
    page = _upload(client, "/yearwork/heating/import/", ledger_workbook(*_rows(ledger, 6000)))
    assert _status(client, page)[:3] == ("queued", 0, 0)
    assert "等待后台处理" in client.get(page).content.decode()  # waiting for the background worker
    def work():
        try:
            worker_pass(worker="test")
        finally:
            connection.close()  # the thread's own connection, or PostgreSQL's test database cannot be dropped

    worker = threading.Thread(target=work)
    worker.start()
    seen = []
    while worker.is_alive():
        seen.append(_status(client, page)[:3])
    worker.join()
    state, checked, written, html = _status(client, page)
    assert (state, checked, written) == ("done", 6000, 6000)
    assert "hx-get" not in html  # a finished import stops polling
    assert Household.objects.count() == 3 + 6000
    assert Job.objects.get().status == "done"
    # Seen part-way: some rows checked but not all, or some written but not all.
    assert any(0 < c < 6000 or 0 < w < 6000 for _s, c, w in seen), seen
    assert [s for s, _c, _w in seen] == sorted((s for s, _c, _w in seen),
                                               key=["queued", "checking", "writing", "done"].index)


def test_a_bad_row_fails_the_import_lists_every_problem_and_writes_nothing(ledger, client_for):
    from lanqing.jobs.services import worker_pass
    from lanqing.yearwork.models import Household

    client = client_for(ledger.users["bureau"])
    rows = _rows(ledger, 3)
    rows[1] = (*rows[1][:8], "三千", 0)
    page = _upload(client, "/yearwork/heating/import/", ledger_workbook(*rows))
    worker_pass(worker="test")
    state, checked, written, html = _status(client, page)
    assert (state, checked, written) == ("failed", 3, 0)
    # The page speaks the reader's language (Chinese here): row 3, the subsidy column, the value and why.
    assert "第 3 行“核定补贴（元）”列：“三千”不是金额（元，不小于 0）" in html
    assert html.count("<li>") == 1
    assert Household.objects.count() == 3
    # The ledger's page links the run with its outcome.
    recent = client.get("/yearwork/heating/").content.decode().split('data-testid="recent-imports"')[1]
    assert f'href="{page}"' in recent
    assert 'class="badge bad"' in recent


def test_a_task_list_goes_through_the_worker_and_running_the_job_again_changes_nothing(year, client_for):
    from lanqing.jobs.models import Job
    from lanqing.jobs.services import job_run, worker_pass
    from lanqing.yearwork.models import ImportRun, Task

    client = client_for(year.users["bureau"])
    page = _upload(client, f"/yearwork/plans/{year.plan.id}/import/", task_workbook(GOOD))
    worker_pass(worker="test")
    assert _status(client, page)[:3] == ("done", 1, 1)
    assert Task.objects.get(number=3).title == "岳阳镇散煤清洁取暖改造"
    finished = ImportRun.objects.get().finished_at
    job = Job.objects.get()
    job_run(job=job)
    assert Task.objects.count() == 3
    assert ImportRun.objects.get().finished_at == finished


def test_an_import_is_its_uploaders_own(ledger, client_for):
    from lanqing.yearwork.imports import import_submit

    run = import_submit(by=ledger.users["bureau"], kind="households", data=ledger_workbook(), file_name="a.xlsx")
    assert client_for(ledger.users["township_a"]).get(f"/yearwork/imports/{run.id}/").status_code == 404
