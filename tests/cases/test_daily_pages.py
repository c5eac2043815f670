"""The case and alert pages a clerk meets every day: confirmations, only the buttons allowed now, links
between alerts, sites and cases, and the inbox a role can use."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from lanqing.cases.models import CaseState
from lanqing.cases.transitions import case_accept, case_close, case_submit
from tests.cases.conftest import PNG, TUESDAY


def _closed(case, users):
    case_accept(case=case, by=users["department"], now=TUESDAY)
    case_submit(case=case, by=users["department"], text="已整改", files=[SimpleUploadedFile("after.png", PNG)],
                now=TUESDAY)
    return case_close(case=case, by=users["bureau"], now=TUESDAY)


def test_an_htmx_action_answers_with_a_confirmation_in_the_panel(supervision, inspection_case, client_for):
    client = client_for(supervision.users["department"])
    response = client.post(reverse("cases:act", args=[inspection_case.id, "accept"]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'data-testid="case-done"' in response.content.decode()
    assert "督办单已签收。" in response.content.decode()


def test_an_action_without_htmx_confirms_on_the_next_page(supervision, inspection_case, client_for):
    client = client_for(supervision.users["department"])
    response = client.post(reverse("cases:act", args=[inspection_case.id, "accept"]), follow=True)
    assert "督办单已签收。" in response.content.decode()


def test_a_refused_htmx_action_answers_with_the_panel_and_its_reason(supervision, inspection_case, client_for):
    client = client_for(supervision.users["department"])
    response = client.post(reverse("cases:act", args=[inspection_case.id, "request_extension"]),
                           {"new_deadline": "", "reason": ""}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 409
    assert 'id="case-panel"' in page
    assert 'data-testid="case-error"' in page
    assert "case-done" not in page


def test_a_closed_case_offers_reopening_to_the_bureau_only(supervision, inspection_case, client_for):
    case = _closed(inspection_case, supervision.users)
    assert case.state == CaseState.CLOSED
    reopen = reverse("cases:act", args=[case.id, "reopen"])
    assert reopen in client_for(supervision.users["bureau"]).get(reverse("cases:detail", args=[case.id])).content.decode()
    for who in ("department", "township_a", "grid_a", "enterprise_a", "leader"):
        page = client_for(supervision.users[who]).get(reverse("cases:detail", args=[case.id])).content.decode()
        assert reopen not in page, who


def test_the_verifier_sees_a_preview_of_a_photo(supervision, inspection_case, client_for):
    case_accept(case=inspection_case, by=supervision.users["department"], now=TUESDAY)
    case_submit(case=inspection_case, by=supervision.users["department"], text="已整改",
                files=[SimpleUploadedFile("after.png", PNG)], now=TUESDAY)
    page = client_for(supervision.users["bureau"]).get(reverse("cases:detail", args=[inspection_case.id])).content.decode()
    from lanqing.cases.models import Evidence

    evidence = Evidence.objects.get(event__case=inspection_case)
    assert f'<img src="{reverse("cases:evidence", args=[evidence.id])}"' in page


def test_the_extension_form_is_folded_until_asked_for(supervision, inspection_case, client_for):
    page = client_for(supervision.users["department"]).get(
        reverse("cases:detail", args=[inspection_case.id])).content.decode()
    fold = page.split('data-testid="extension-fold"', 1)[1].split("</details>", 1)[0]
    assert "request_extension" in fold
    assert "<details" not in fold
    assert " open" not in page.split('data-testid="extension-fold"', 1)[0].rsplit("<details", 1)[1]


def test_a_role_sees_only_the_inboxes_that_can_hold_its_cases(supervision, client_for):
    def boxes(who):
        page = client_for(supervision.users[who]).get(reverse("cases:inbox")).content.decode()
        return page.split('data-testid="boxes"', 1)[1].split("</nav>", 1)[0]

    assert "box=unit" not in boxes("grid_a")
    assert "box=township" in boxes("grid_a")
    assert "box=township" not in boxes("department")
    assert "box=unit" in boxes("department")
    assert "box=unit" not in boxes("enterprise_a")
    assert "box=township" not in boxes("enterprise_a")


def test_the_inbox_says_how_many_days_are_left_or_overdue(supervision, inspection_case, client_for):
    page = client_for(supervision.users["bureau"]).get(reverse("cases:inbox"), {"box": "all"}).content.decode()
    badge = page.split('data-testid="days-left"', 1)[1].split("</span>", 1)[0]
    assert "逾期" in badge  # dispatched in June 2025 with five working days


def _alert(site, *, status="active"):
    from lanqing.alerts.models import Alert, AlertRule

    rule, _ = AlertRule.objects.get_or_create(name="小时均值超标", kind="non_positive")
    return Alert.objects.create(rule=rule, source_key=f"k{Alert.objects.count()}", site=site, severity="high",
                                status=status, message="二氧化硫超标", first_seen_at=TUESDAY, last_seen_at=TUESDAY)


def test_the_alert_link_of_a_case_finds_a_cleared_alert(supervision, inspection_case, client_for):
    alert = _alert(supervision.outlet_a, status="cleared")
    inspection_case.alert = alert
    inspection_case.save(update_fields=["alert"])
    client = client_for(supervision.users["bureau"])
    detail = client.get(reverse("cases:detail", args=[inspection_case.id])).content.decode()
    link = f'{reverse("alerts:list")}?id={alert.id}'
    assert link in detail
    listing = client.get(link).content.decode()
    assert f'data-alert="{alert.id}"' in listing
    assert listing.count('data-testid="alert-row"') == 1


def test_an_alert_row_links_its_site_and_case_and_offers_a_case_only_without_one(supervision, inspection_case,
                                                                                 client_for):
    with_case, without_case = _alert(supervision.outlet_a), _alert(supervision.outlet_a)
    inspection_case.alert = with_case
    inspection_case.save(update_fields=["alert"])
    page = client_for(supervision.users["bureau"]).get(reverse("alerts:list")).content.decode()
    row = page.split(f'data-alert="{with_case.id}"', 1)[1].split("</tr>", 1)[0]
    assert reverse("monitoring:site", args=[supervision.outlet_a.id]) in row
    assert reverse("cases:detail", args=[inspection_case.id]) in row
    assert reverse("alerts:open_case", args=[with_case.id]) not in row
    row = page.split(f'data-alert="{without_case.id}"', 1)[1].split("</tr>", 1)[0]
    assert reverse("alerts:open_case", args=[without_case.id]) in row
    # Who may not open cases never sees the button.
    page = client_for(supervision.users["township_a"]).get(reverse("alerts:list")).content.decode()
    assert 'data-testid="alert-open-case"' not in page


def test_opening_a_case_from_an_alert_confirms_it(supervision, client_for):
    alert = _alert(supervision.outlet_a)
    response = client_for(supervision.users["bureau"]).post(reverse("alerts:open_case", args=[alert.id]), follow=True)
    case = alert.linked_cases.get()
    assert f"已根据报警生成督办单 {case.number}。" in response.content.decode()


def test_the_case_export_reads_well_in_excel(supervision, inspection_case, client_for):
    response = client_for(supervision.users["bureau"]).get(reverse("cases:inbox"), {"box": "all", "export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.title == "督办单"
    assert sheet.freeze_panes == "A2"
    headers = [cell.value for cell in sheet[1]]
    assert headers[-1] == "结案时间"
    assert "关停" not in headers
    created = sheet.cell(row=2, column=headers.index("创建时间") + 1)
    assert created.is_date
    assert created.number_format == "yyyy-mm-dd hh:mm"
    # The title column is wide enough for a Chinese title, not the 1.6 x header width of before.
    assert sheet.column_dimensions["B"].width >= 2 * len("焦炉烟囱冒黄烟")
    assert sheet.column_dimensions["A"].width < sheet.column_dimensions["B"].width


def test_the_close_button_gives_way_to_the_reason_while_the_alert_is_active(supervision, inspection_case,
                                                                          client_for):
    alert = _alert(supervision.outlet_a)
    inspection_case.alert = alert
    inspection_case.save(update_fields=["alert"])
    case_accept(case=inspection_case, by=supervision.users["department"], now=TUESDAY)
    case_submit(case=inspection_case, by=supervision.users["department"], text="已整改", now=TUESDAY)
    client = client_for(supervision.users["bureau"])
    page = client.get(reverse("cases:detail", args=[inspection_case.id])).content.decode()
    assert 'data-testid="close-blocked"' in page
    assert reverse("cases:act", args=[inspection_case.id, "close"]) not in page
    assert reverse("cases:act", args=[inspection_case.id, "return"]) in page
    alert.status = "cleared"
    alert.save(update_fields=["status"])
    page = client.get(reverse("cases:detail", args=[inspection_case.id])).content.decode()
    assert reverse("cases:act", args=[inspection_case.id, "close"]) in page
