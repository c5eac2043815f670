"""In a real browser: a township reports a milestone with a photo and the bureau sees the scorecard change; every
page of the year's work renders for the roles that see it, in both languages, wide and narrow (screenshots in
var/shots for people to look at)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cases.conftest import PNG
from tests.conftest import PASSWORD
from tests.yearwork.conftest import ledger, year  # noqa: F401 - the year's work fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "var" / "shots"


def login(page, live_server, username):
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def beiping_score(page, live_server) -> str:
    page.goto(f"{live_server.url}/yearwork/scorecards/?year=2020")
    row = page.get_by_test_id("scorecard-table").locator("tr", has_text="北平镇")
    return row.get_by_test_id("score").inner_text()


def test_a_township_reports_a_milestone_with_a_photo_and_the_bureau_sees_the_score_change(
        ledger, live_server, page, tmp_path):  # noqa: F811 - ledger is the imported fixture
    login(page, live_server, "bureau")
    # 北平镇: two key tasks, nothing done; its village converted 1 of 2 households (50 %): (0×30 + 0.5×15)/45.
    assert beiping_score(page, live_server) == "16.7"

    login(page, live_server, "township_b")
    page.goto(f"{live_server.url}/yearwork/tasks/{ledger.mine.id}/")
    form = page.get_by_test_id("report-form")
    form.locator("textarea[name=text]").fill("修复方案已经县政府常务会审定")
    form.locator("select[name=milestone]").select_option(label="完成修复方案")
    form.locator("select[name=target]").select_option(label="修复面积")
    form.locator("input[name=achieved]").fill("60")
    photo = tmp_path / "现场.png"
    photo.write_bytes(PNG)
    form.locator("input[name=files]").set_input_files(str(photo))
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/yearwork/tasks/{ledger.mine.id}/")
    assert "37%" in page.get_by_test_id("task-completion").inner_text()
    assert page.get_by_text("现场.png").is_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "task-reported-township_b.png"), full_page=True)

    login(page, live_server, "bureau")
    # The mine task is now 37.5 % done: tasks (0.375 + 0) / 2 = 0.1875 → (0.1875×30 + 0.5×15) / 45 = 29.2.
    assert beiping_score(page, live_server) == "29.2"


PAGES = [
    ("bureau", "tasks", "/yearwork/"),
    ("bureau", "plan", "/yearwork/plans/{plan}/"),
    ("township_b", "task", "/yearwork/tasks/{mine}/"),
    ("bureau", "letters", "/yearwork/letters/"),
    ("township_a", "households", "/yearwork/heating/"),
    ("leader", "households-masked", "/yearwork/heating/"),
    ("bureau", "heating-progress", "/yearwork/heating/progress/?year=2020"),
    ("leader", "scorecard", "/yearwork/scorecards/?year=2020"),
    ("bureau", "scorecard-township", "/yearwork/scorecards/townships/{yueyang}/?year=2020"),
    ("bureau", "projects", "/yearwork/projects/"),
    ("township_b", "soil", "/yearwork/soil/"),
    ("bureau", "soil-bureau", "/yearwork/soil/"),
]


def test_every_page_renders_for_its_roles_in_both_languages(ledger, live_server, page):  # noqa: F811 - fixture
    SHOTS.mkdir(parents=True, exist_ok=True)
    ids = {"plan": ledger.plan.id, "mine": ledger.mine.id, "yueyang": ledger.yueyang.id}
    for role, name, path in PAGES:
        login(page, live_server, role)
        for language in ("zh-hans", "en"):
            page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
            for width in (1440, 390):
                page.set_viewport_size({"width": width, "height": 900})
                response = page.goto(live_server.url + path.format(**ids))
                assert response is not None, (role, path)
                assert response.status == 200, (role, path)
                page.screenshot(path=str(SHOTS / f"{name}-{role}-{language}-{width}.png"), full_page=True)


def test_an_import_runs_in_the_worker_while_its_page_polls_for_the_outcome(ledger, live_server, page, tmp_path):  # noqa: F811 - fixture
    import threading

    from django.db import connection

    from lanqing.jobs.services import worker_pass
    from tests.yearwork.conftest import id_number
    from tests.yearwork.test_heating import workbook

    login(page, live_server, "bureau")
    village = ledger.yueyang_village.name
    rows = [("岳阳镇", village, f"户主{n}", id_number(f"14102519900101{n:03d}"), "", "散煤", "煤改电", "2020-11-01",
             3000, 0) for n in range(40)]
    rows[7] = (*rows[7][:8], "三千", 0)
    upload = tmp_path / "台账.xlsx"
    upload.write_bytes(workbook(*rows))
    page.goto(f"{live_server.url}/yearwork/heating/")
    form = page.get_by_test_id("household-import")
    form.locator("input[name=file]").set_input_files(str(upload))
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/yearwork/imports/*/")
    assert page.get_by_test_id("import-status").get_attribute("data-state") == "queued"
    def work():
        try:
            worker_pass(worker="browser-test")
        finally:
            connection.close()

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()
    # The page was not reloaded: htmx polling swapped the status in.
    page.wait_for_function("() => document.querySelector('[data-testid=import-status]').dataset.state === 'failed'")
    assert "“三千”不是金额" in page.get_by_test_id("import-errors").inner_text()
    assert page.get_by_test_id("rows-written").inner_text().strip().startswith("0 /")
    SHOTS.mkdir(parents=True, exist_ok=True)
    for language in ("zh-hans", "en"):
        page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        for width in (1440, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.reload()
            page.screenshot(path=str(SHOTS / f"import-failed-bureau-{language}-{width}.png"), full_page=True)
    rows[7] = (*rows[7][:8], 3000, 0)
    upload.write_bytes(workbook(*rows))
    page.goto(f"{live_server.url}/yearwork/heating/")
    form = page.get_by_test_id("household-import")
    form.locator("input[name=file]").set_input_files(str(upload))
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/yearwork/imports/*/")
    worker_pass(worker="browser-test")
    page.wait_for_function("() => document.querySelector('[data-testid=import-status]').dataset.state === 'done'")
    assert page.get_by_test_id("rows-written").inner_text().strip().startswith("40 / 40")
    for width in (1440, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"import-done-bureau-en-{width}.png"), full_page=True)
