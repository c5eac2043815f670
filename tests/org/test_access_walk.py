"""Every URL pattern (read from the resolver) and every API route (read from the OpenAPI schema), as every role,
against a case, an alert, an enterprise, an outlet, a matrix row, an import and a notification of another
township, another enterprise and another department: outsiders get 404, insiders without the right get 403, and
neither learns anything or changes anything. A pattern or route without a rule below fails the walk."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.cases.conftest import PNG, TUESDAY
from tests.conftest import _user

ROLES = ("leader", "bureau", "department", "other_department", "supporter", "township_a", "township_b", "grid_a",
         "enterprise_a", "enterprise_b", "nobody")
EVERYONE = frozenset(ROLES) - {"nobody"}
GOVERNMENT = EVERYONE - {"enterprise_a", "enterprise_b"}
# The foreign world lies in 北平镇, belongs to 乙公司 and is led by 自然资源局 (supported by 水利局). These users
# have no tie to it: another township, its village's grid officer, another enterprise, an unrelated department,
# and a user without a role.
OUTSIDERS = frozenset({"township_a", "grid_a", "enterprise_a", "department", "nobody"})
CASE_PEOPLE = frozenset(ROLES) - OUTSIDERS
MATRIX_PEOPLE = frozenset({"leader", "bureau", "other_department", "supporter"})
# A report of 北平镇: the county's government users and 北平镇's officers.
REPORT_PEOPLE = GOVERNMENT - {"township_a", "grid_a"}
# A public report is seen like its case but never by an enterprise (the reported party must not read it).
COMPLAINT_PEOPLE = CASE_PEOPLE - {"enterprise_b"}
# The year's work: the county's plan is seen by the county's government users but townships and grid officers,
# who see only the tasks naming their township; the foreign task names 北平镇, 自然资源局 and 水利局.
PLAN_PEOPLE = frozenset({"leader", "bureau", "department", "other_department", "supporter"})
TASK_PEOPLE = frozenset({"leader", "bureau", "other_department", "supporter", "township_b"})
# 北平镇's responsibility letter: the county's leadership and bureau and 北平镇's officers. A 北平镇 household: every
# government user of the county but 岳阳镇's officers; its head and ID number only the bureau and 北平镇.
LETTER_PEOPLE = frozenset({"leader", "bureau", "township_b"})
HOUSEHOLD_PEOPLE = GOVERNMENT - {"township_a", "grid_a"}
# A project of 北平镇 led by 自然资源局.
PROJECT_PEOPLE = frozenset({"leader", "bureau", "other_department", "township_b"})
# 乙公司's soil listing follows the enterprise (CASE_PEOPLE); a contaminated plot of 北平镇 led by 自然资源局.
PLOT_PEOPLE = frozenset({"leader", "bureau", "township_b", "other_department"})
# Scorecards are the bureau's and leadership's; a township or unit outside one's scope is not found.
SCORERS = frozenset({"bureau", "leader"})
COUNTY_UNIT_PEOPLE = frozenset({"leader", "bureau", "department", "other_department", "supporter"})


@dataclass(frozen=True)
class Rule:
    """What each role gets. `ok`: may (pages answer, actions are allowed); `hidden`: 404; anyone else: 403.
    `open`: no scope at all (signing in and out, the language, the API's own description)."""

    ok: frozenset[str] = frozenset()
    hidden: frozenset[str] = frozenset()
    method: str = "get"
    open: bool = False
    params: dict = field(default_factory=dict)


def on(obj_people: frozenset[str], ok: frozenset[str] | set[str], method: str = "get", **params) -> Rule:
    return Rule(ok=frozenset(ok), hidden=frozenset(ROLES) - obj_people, method=method, params=params)


OPEN = Rule(open=True)
OPEN_POST = Rule(open=True, method="post")
SERIES = {"factor": "a21026", "period": "hour"}

# The duty of each role in the county's mechanism, for every case action (docs/access.md says the same).
CASE_ACTIONS = {
    "dispatch": {"bureau"}, "close": {"bureau"}, "return": {"bureau"}, "reopen": {"bureau"},
    "decide_extension": {"bureau"}, "urge": {"bureau"},
    "accept": {"other_department"},  # the lead unit only; the township does not lead this case
    "start": {"other_department", "township_b"},  # the lead and the township's officers (属地)
    "submit": {"other_department", "township_b", "enterprise_b"},
    "request_extension": {"other_department", "township_b", "enterprise_b"},
    "contribute": {"supporter"},
    "instruct": {"leader"},
}

URL_RULES: dict[str, Rule] = {
    "home": Rule(ok=frozenset(ROLES)),
    "login": OPEN,
    "logout": OPEN_POST,
    "set_language": OPEN_POST,
    "favicon": OPEN,
    "password_change": Rule(ok=frozenset(ROLES)),  # each user's own password only
    "password_change_done": Rule(ok=frozenset(ROLES)),
    "api:openapi-json": OPEN,
    "api:openapi-view": OPEN,
    "api:api-root": OPEN,
    "org:jurisdictions": Rule(ok=GOVERNMENT),
    "workbench:overview": Rule(ok=GOVERNMENT),
    "workbench:overview_map": Rule(ok=GOVERNMENT),
    "workbench:air": Rule(ok=GOVERNMENT),
    "workbench:water": Rule(ok=GOVERNMENT),
    "reports:archive": Rule(ok=GOVERNMENT),
    "reports:request": Rule(ok=frozenset({"bureau", "leader", "township_a", "township_b", "grid_a"}), method="post"),
    "reports:row": on(REPORT_PEOPLE, REPORT_PEOPLE),
    "reports:pdf": on(REPORT_PEOPLE, REPORT_PEOPLE),
    "reports:xlsx": on(REPORT_PEOPLE, REPORT_PEOPLE),
    "org:enterprises": Rule(ok=EVERYONE),
    "org:enterprise": on(CASE_PEOPLE, CASE_PEOPLE),
    "org:enterprise_data": on(CASE_PEOPLE, CASE_PEOPLE),
    "org:enterprise_lab": on(CASE_PEOPLE, CASE_PEOPLE),
    # Lab results are the enterprise's own report: only it uploads them, and only it needs the template.
    "org:enterprise_lab_upload": on(CASE_PEOPLE, {"enterprise_b"}, "post"),
    "org:enterprise_lab_template": on(CASE_PEOPLE, {"enterprise_b"}),
    # Discharge permits are kept by the bureau alone; the rest read them on the file page. The edit form is walked
    # by reading it (it shows the permit), the removal by posting; tests/org/test_permits.py posts every form as
    # each kind of user.
    "org:enterprise_permit_new": on(CASE_PEOPLE, {"bureau"}, "post"),
    "org:enterprise_permit_edit": on(CASE_PEOPLE, {"bureau"}),
    "org:enterprise_permit_delete": on(CASE_PEOPLE, {"bureau"}, "post"),
    "monitoring:sites": Rule(ok=EVERYONE),
    "monitoring:site": on(CASE_PEOPLE, CASE_PEOPLE),
    "monitoring:site_series": on(CASE_PEOPLE, CASE_PEOPLE, **SERIES),
    "monitoring:imports": Rule(ok=frozenset({"bureau"})),
    "monitoring:import_template": Rule(ok=frozenset({"bureau"})),
    "monitoring:import": on(frozenset({"bureau"}), {"bureau"}),
    # Data marks: read like the outlet; only an enterprise marks (its own outlets), only the bureau revokes.
    "marks:list": Rule(ok=EVERYONE),
    "marks:new": Rule(ok=frozenset({"enterprise_a", "enterprise_b"})),
    "marks:detail": on(CASE_PEOPLE, CASE_PEOPLE),
    "marks:document": on(CASE_PEOPLE, {"enterprise_b"}, "post"),
    "marks:document_file": on(CASE_PEOPLE, CASE_PEOPLE),
    "marks:document_replace": on(CASE_PEOPLE, {"enterprise_b"}, "post"),
    "marks:replaced_file": on(CASE_PEOPLE, CASE_PEOPLE),
    "marks:revoke": on(CASE_PEOPLE, {"bureau"}, "post"),
    "cases:inbox": Rule(ok=EVERYONE),
    "cases:new": Rule(ok=frozenset({"bureau", "township_a", "township_b", "grid_a"})),
    "cases:queue": Rule(ok=frozenset({"bureau"})),
    "cases:matrix": Rule(ok=frozenset({"bureau"})),
    "cases:matrix_row": on(MATRIX_PEOPLE, {"bureau"}),
    "cases:accountability": Rule(ok=frozenset({"bureau", "leader"})),
    "cases:detail": on(CASE_PEOPLE, CASE_PEOPLE),
    "cases:act": Rule(),  # one rule per action: CASE_ACTIONS
    "cases:evidence": on(CASE_PEOPLE, CASE_PEOPLE),
    "alerts:list": Rule(ok=EVERYONE),
    "alerts:acknowledge": on(CASE_PEOPLE, {"bureau", "township_b", "enterprise_b"}, "post"),
    "alerts:open_case": on(CASE_PEOPLE, {"bureau"}, "post"),
    "notifications:list": Rule(ok=frozenset(ROLES)),
    "notifications:read_all": Rule(ok=frozenset(ROLES), method="post"),
    "notifications:read": on(frozenset({"township_b"}), {"township_b"}, "post"),
    "registry:page": Rule(ok=frozenset({"bureau"})),
    "registry:template": Rule(ok=frozenset({"bureau"})),
    "registry:export": Rule(ok=frozenset({"bureau"})),
    "registry:device_password": on(CASE_PEOPLE, {"bureau"}, "post"),
    "audit:list": Rule(ok=frozenset({"bureau"})),
    "complaints:list": Rule(ok=GOVERNMENT),
    "complaints:detail": on(COMPLAINT_PEOPLE, COMPLAINT_PEOPLE),
    "complaints:accept": on(COMPLAINT_PEOPLE, {"bureau"}, "post"),
    "complaints:refuse": on(COMPLAINT_PEOPLE, {"bureau"}, "post"),
    "complaints:moderate": on(COMPLAINT_PEOPLE, {"bureau"}, "post"),
    "complaints:reply": on(COMPLAINT_PEOPLE, {"bureau", "other_department", "township_b"}, "post"),
    # The public site: anyone, signed in or not (tests/public walks it anonymously and checks what it shows).
    "public:home": OPEN,
    "public:report": OPEN,
    "public:lookup": OPEN,
    "public:track": OPEN,
    "public:rate": OPEN_POST,
    "public:reopen": OPEN_POST,
    "public:county_map": OPEN,
    "public:quality": OPEN,
    # Open311 GeoReport v2: anyone reads; filing needs an app's api_key (tests/public/test_open311.py).
    "open311:discovery": OPEN,
    "open311:services": OPEN,
    "open311:service": OPEN,
    "open311:requests": OPEN,
    "open311:request": OPEN,
    "open311:token": OPEN,
    # Lists and warnings cover the whole county: every government user sees them; the entries and notices are
    # 乙公司's, seen like the enterprise itself.
    "winter:lists": Rule(ok=GOVERNMENT),
    "winter:list_new": Rule(ok=frozenset({"bureau"}), method="post"),
    "winter:list_template": Rule(ok=frozenset({"bureau"})),
    "winter:list": on(GOVERNMENT, GOVERNMENT),
    "winter:entry_new": on(GOVERNMENT, {"bureau"}, "post"),
    "winter:entry": on(CASE_PEOPLE, {"bureau"}),
    "winter:entry_delete": on(CASE_PEOPLE, {"bureau"}, "post"),
    "winter:warnings": Rule(ok=EVERYONE),
    "winter:warning_issue": Rule(ok=frozenset({"bureau"}), method="post"),
    "winter:triggers": Rule(ok=GOVERNMENT),
    "winter:warning": on(GOVERNMENT, GOVERNMENT),
    "winter:warning_change": on(GOVERNMENT, {"bureau"}, "post"),
    "winter:warning_lift": on(GOVERNMENT, {"bureau"}, "post"),
    "winter:notice_acknowledge": on(CASE_PEOPLE, {"enterprise_b"}, "post"),
    "winter:compliance": on(CASE_PEOPLE, CASE_PEOPLE),
    "winter:dispatch": on(GOVERNMENT, {"bureau", "township_a", "township_b", "grid_a"}),
    "winter:check_record": on(GOVERNMENT, {"bureau", "township_a", "township_b", "grid_a"}, "post"),
    "winter:check_photo": on(CASE_PEOPLE, CASE_PEOPLE),
    "reports:episode": on(GOVERNMENT, {"bureau", "leader", "township_a", "township_b", "grid_a"}, "post"),
    "winter:stops": Rule(ok=GOVERNMENT),
    "winter:stop_delete": on(CASE_PEOPLE, {"bureau"}, "post"),
    "yearwork:tasks": Rule(ok=GOVERNMENT),
    "yearwork:plans": Rule(ok=GOVERNMENT),
    "yearwork:plan": on(PLAN_PEOPLE, PLAN_PEOPLE),
    "yearwork:plan_import": on(PLAN_PEOPLE, {"bureau"}, "post"),
    # An import's page is its uploader's own record, like monitoring:import.
    "yearwork:import": on(frozenset({"bureau"}), {"bureau"}),
    "yearwork:task": on(TASK_PEOPLE, TASK_PEOPLE),
    "yearwork:task_report": on(TASK_PEOPLE, {"other_department", "supporter", "township_b"}, "post"),
    "yearwork:report_file": on(TASK_PEOPLE, TASK_PEOPLE),
    "yearwork:letters": Rule(ok=GOVERNMENT),
    "yearwork:letters_import": Rule(ok=frozenset({"bureau"}), method="post"),
    "yearwork:letter": on(LETTER_PEOPLE, LETTER_PEOPLE),
    "yearwork:letter_target": on(LETTER_PEOPLE, {"bureau"}, "post"),
    "yearwork:letter_compute": on(LETTER_PEOPLE, {"bureau"}, "post"),
    "yearwork:letter_file": on(LETTER_PEOPLE, LETTER_PEOPLE),
    "yearwork:households": Rule(ok=GOVERNMENT),
    "yearwork:households_import": Rule(ok=frozenset({"bureau", "township_a", "township_b"}), method="post"),
    "yearwork:heating_progress": Rule(ok=GOVERNMENT),
    "yearwork:village_heating": Rule(ok=frozenset({"bureau", "township_a", "township_b"}), method="post"),
    "yearwork:household": on(HOUSEHOLD_PEOPLE, HOUSEHOLD_PEOPLE),
    "yearwork:household_visit": on(HOUSEHOLD_PEOPLE, {"bureau", "township_b"}, "post"),
    "yearwork:visit_photo": on(HOUSEHOLD_PEOPLE, {"bureau", "township_b"}),
    "yearwork:projects": Rule(ok=GOVERNMENT),
    "yearwork:projects_import": Rule(ok=frozenset({"bureau"}), method="post"),
    "yearwork:project": on(PROJECT_PEOPLE, PROJECT_PEOPLE),
    "yearwork:project_fund": on(PROJECT_PEOPLE, {"bureau"}, "post"),
    "yearwork:project_report": on(PROJECT_PEOPLE, {"other_department", "township_b"}, "post"),
    "yearwork:project_photo": on(PROJECT_PEOPLE, PROJECT_PEOPLE),
    "yearwork:soil": Rule(ok=EVERYONE),
    "yearwork:soil_import": Rule(ok=frozenset({"bureau"}), method="post"),
    "yearwork:soil_unit": on(CASE_PEOPLE, CASE_PEOPLE),
    "yearwork:soil_unit_report": on(CASE_PEOPLE, {"bureau", "enterprise_b"}, "post"),
    "yearwork:soil_report_file": on(CASE_PEOPLE, CASE_PEOPLE),
    "yearwork:plot_stage": on(PLOT_PEOPLE, {"bureau"}, "post"),
    "yearwork:scorecard": Rule(ok=SCORERS),
    "yearwork:scorecard_township": on(HOUSEHOLD_PEOPLE, SCORERS),
    "yearwork:scorecard_unit": on(COUNTY_UNIT_PEOPLE, SCORERS),
}

API_RULES: dict[str, Rule] = {
    "GET /api/v1/jurisdictions": Rule(ok=GOVERNMENT),
    "GET /api/v1/enterprises": Rule(ok=EVERYONE),
    "GET /api/v1/enterprises/{enterprise_id}": on(CASE_PEOPLE, CASE_PEOPLE),
    "GET /api/v1/sites": Rule(ok=EVERYONE),
    "GET /api/v1/sites/{site_id}": on(CASE_PEOPLE, CASE_PEOPLE),
    "GET /api/v1/sites/{site_id}/measurements": on(CASE_PEOPLE, CASE_PEOPLE, factor="a21026"),
    "GET /api/v1/sites/{site_id}/revisions": on(CASE_PEOPLE, CASE_PEOPLE),
    "GET /api/v1/marks": Rule(ok=EVERYONE),
    "GET /api/v1/marks/{mark_id}": on(CASE_PEOPLE, CASE_PEOPLE),
    "GET /api/v1/lab-results": Rule(ok=EVERYONE),
    "GET /api/v1/cases": Rule(ok=EVERYONE),
    "GET /api/v1/cases/{case_id}": on(CASE_PEOPLE, CASE_PEOPLE),
    "POST /api/v1/cases/{case_id}/actions/{action}": Rule(),  # CASE_ACTIONS
    "GET /api/v1/alerts": Rule(ok=EVERYONE),
    "GET /api/v1/alerts/{alert_id}": on(CASE_PEOPLE, CASE_PEOPLE),
    "POST /api/v1/alerts/{alert_id}/acknowledge": on(CASE_PEOPLE, {"bureau", "township_b", "enterprise_b"},
                                                     "post"),
    "POST /api/v1/registry/rows": Rule(ok=frozenset({"bureau"}), method="post"),
    "PATCH /api/v1/registry/enterprises/{enterprise_id}": on(CASE_PEOPLE, {"bureau"}, "patch"),
    "PATCH /api/v1/registry/sites/{site_id}": on(CASE_PEOPLE, {"bureau"}, "patch"),
    "PATCH /api/v1/registry/devices/{device_id}": on(CASE_PEOPLE, {"bureau"}, "patch"),
    "PUT /api/v1/registry/devices/{device_id}/password": on(CASE_PEOPLE, {"bureau"}, "put"),
    "GET /api/v1/winter/warnings": Rule(ok=EVERYONE),
    "GET /api/v1/winter/warnings/{warning_id}": on(GOVERNMENT, GOVERNMENT),
    # Found by whoever sees the enterprise's notice: never another enterprise, nor another township's officers.
    "GET /api/v1/winter/warnings/{warning_id}/compliance/{enterprise_id}": on(CASE_PEOPLE, CASE_PEOPLE),
    "GET /api/v1/winter/lists/{list_id}/entries": on(GOVERNMENT, GOVERNMENT),
    "GET /api/v1/yearwork/tasks": Rule(ok=GOVERNMENT),
    "GET /api/v1/yearwork/tasks/{task_id}": on(TASK_PEOPLE, TASK_PEOPLE),
}


# --- reading the routes ---------------------------------------------------------------------------------------------

def url_patterns(patterns=None, namespace: str = "", prefix: str = "") -> dict[str, str]:
    """Every named URL pattern of the resolver: "namespace:name" → route."""
    found: dict[str, str] = {}
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(part for part in (namespace, entry.namespace or "") if part)
            found.update(url_patterns(entry.url_patterns, inner, prefix + str(entry.pattern)))
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace else str(entry.name)
            found[name] = prefix + str(entry.pattern)
    return found


def api_operations(schema: dict) -> dict[str, str]:
    """Every operation of the OpenAPI schema: "METHOD /path" → operationId."""
    return {f"{method.upper()} {path}": operation.get("operationId", "")
            for path, operations in schema["paths"].items() for method, operation in operations.items()}


def uncovered_patterns() -> set[str]:
    # The admin answers to Django's own staff check (tested below); the API's routes are walked from the schema.
    names = {name for name in url_patterns() if not name.startswith("admin:")}
    api_names = {name for name in names if name.startswith("api:") and name not in URL_RULES}
    return (names - api_names) - set(URL_RULES)


def uncovered_routes(schema: dict) -> set[str]:
    return set(api_operations(schema)) - set(API_RULES)


def _schema() -> dict:
    from lanqing.api.views import api

    return api.get_openapi_schema()


# --- the foreign world ---------------------------------------------------------------------------------------------

@dataclass
class World:
    users: dict
    objects: dict  # URL keyword → id
    markers: list[str]  # texts that only someone who may see the foreign objects may ever read


@pytest.fixture
def world(cast) -> World:
    from openpyxl import Workbook

    from lanqing.alerts.models import Alert, AlertRule
    from lanqing.cases.models import Evidence, ResponsibilityRule
    from lanqing.cases.transitions import case_open, case_submit
    from lanqing.monitoring.models import Device
    from lanqing.monitoring.services import measurement_import_submit
    from lanqing.notifications.services import notification_send
    from lanqing.org.models import Unit
    from lanqing.reports.models import Report

    lead = Unit.objects.create(name="古县自然资源局", kind="department", jurisdiction=cast.county)
    support = Unit.objects.create(name="古县水利局", kind="department", jurisdiction=cast.county)
    cast.users["other_department"] = _user("other_department", "unit", scope=lead.name)
    cast.users["supporter"] = _user("supporter", "unit", scope=support.name)
    row = ResponsibilityRule.objects.create(category="complaint", lead_unit=lead, note="群众投诉由自然资源局牵头")
    row.support_units.set([support])
    case = case_open(title="乙公司夜间偷排", category="complaint", source="complaint", by=cast.users["bureau"],
                     site=cast.outlet_b, now=TUESDAY)
    case_submit(case=case, by=cast.users["enterprise_b"], text="已整改", files=[SimpleUploadedFile("a.png", PNG)],
                now=TUESDAY)
    rule = AlertRule.objects.create(name="负值", kind="non_positive")
    alert = Alert.objects.create(rule=rule, source_key="foreign", site=cast.outlet_b, severity="medium",
                                 message="乙公司焦炉烟囱 SO2 为负值", first_seen_at=TUESDAY, last_seen_at=TUESDAY)
    upload = measurement_import_submit(file_name="bureau.csv", content=b"site\n", by=cast.users["bureau"])
    from lanqing.yearwork.imports import import_submit

    run = import_submit(by=cast.users["bureau"], kind="households", data=b"\xe4\xb9\xa1\xe9\x95\x87\n",
                        file_name="bureau.csv")
    notice = notification_send(users=[cast.users["township_b"]], title="北平镇的通知")[0]
    workbook = io.BytesIO()
    Workbook().save(workbook)
    report = Report.objects.create(kind="monthly", jurisdiction=cast.beiping, period_start="2025-05-01",
                                   period_end="2025-05-31", language="zh-hans", status="done", pdf=b"%PDF-1.4",
                                   xlsx=workbook.getvalue(), requested_at=TUESDAY)
    from lanqing.public.services import Filing, report_submit

    complaint = report_submit(filing=Filing(category="water", description="北平镇河边有人倾倒化工废液",
                                         observed_at=TUESDAY, division=cast.beiping, phone="13700000000"),
                           photos=[], client_address="203.0.113.9", now=TUESDAY)
    reduction_list, entry, warning, notice_b, stop, photo = _winter_world(cast)
    task, report_file = _foreign_key_task(cast, lead, support)
    letter, household, visit = _foreign_ledger(cast)
    project, project_report = _foreign_project(cast, lead)
    soil_unit, soil_report, plot = _foreign_soil(cast, lead)
    mark = _foreign_mark(cast)
    permit, lab_upload = _foreign_portal(cast)
    objects = {"enterprise_id": cast.enterprise_b.id, "site_id": cast.outlet_b.id, "case_id": case.id,
               "device_id": Device.objects.filter(point__site=cast.outlet_b).values_list("id", flat=True)[0],
               "evidence_id": Evidence.objects.get(case=case).id, "alert_id": alert.id, "row_id": row.id,
               "import_id": upload.id, "run_id": run.id, "notification_id": notice.id, "report_id": report.id,
               "complaint_id": complaint.id, "list_id": reduction_list.id, "entry_id": entry.id,
               "warning_id": warning.id, "notice_id": notice_b.id, "stop_id": stop.id,
               "photo_id": photo.id,
               "plan_id": task.plan_id, "task_id": task.id, "file_id": report_file.id, "letter_id": letter.id,
               "household_id": household.id, "visit_id": visit.id, "township_id": cast.beiping.id,
               "unit_id": lead.id, "project_id": project.id, "project_report_id": project_report.id,
               "soil_unit_id": soil_unit.id, "soil_report_id": soil_report.id, "plot_id": plot.id,
               "mark_id": mark.id, "mark_event_id": mark.events.get(kind="replaced").id, "permit_id": permit.id}
    return World(cast.users, objects, [cast.enterprise_b.name, cast.outlet_b.name, case.number, alert.message,
                                       complaint.description, complaint.case.number, "13700000000",
                                       task.title, letter.targets.get().description, household.head_name,
                                       household.id_number, project.name, plot.name, mark.reason,
                                       mark.events.get(kind="replaced").document_name,
                                       permit.number,
                                       lab_upload.results.get().report_number])


def _foreign_mark(cast):
    """乙公司's documented maintenance mark on its outlet, its first document replaced."""
    from datetime import timedelta

    from lanqing.monitoring.marks import mark_create, mark_document_replace

    mark = mark_create(by=cast.users["enterprise_b"], site=cast.outlet_b, kind="maintenance",
                       reason="乙公司脱硫塔停运检修", starts_at=TUESDAY, ends_at=TUESDAY + timedelta(hours=8),
                       document=("乙公司错传的通知.png", PNG), now=TUESDAY)
    # The first file was the wrong one: the replaced file stays, readable from the history.
    return mark_document_replace(by=cast.users["enterprise_b"], mark=mark, name="检修通知.png", data=PNG,
                                 now=TUESDAY + timedelta(hours=1))


def _foreign_portal(cast):
    """乙公司's discharge permit and an accepted file of lab results."""
    from datetime import date

    from lanqing.monitoring.lab import lab_results_upload
    from lanqing.org.models import DischargePermit

    permit = DischargePermit.objects.create(enterprise=cast.enterprise_b, number="乙许可-914110250002",
                                            issued_by="临汾市生态环境局", valid_from=date(2023, 1, 1),
                                            valid_to=date(2027, 12, 31), annual_caps={"SO2": 12.0})
    content = ("outlet,point,factor,sampled,value,unit,lab,report\n"
               "OUT-B,1,a21026,2025-06-02 09:30,33,mg/m3,古县环境检测有限公司,乙检-2025-0602\n").encode()
    upload = lab_results_upload(enterprise=cast.enterprise_b, file_name="乙.csv", content=content,
                                by=cast.users["enterprise_b"], now=TUESDAY)
    assert upload.status == "accepted", upload.errors
    return permit, upload


def _foreign_soil(cast, lead):
    """乙公司 on the soil list with a filed report, and a suspected plot of 北平镇 led by 自然资源局."""
    from lanqing.yearwork.models import Plot, SoilUnit
    from lanqing.yearwork.soil import soil_report_submit

    unit = SoilUnit.objects.create(enterprise=cast.enterprise_b, listed_year=2024)
    report = soil_report_submit(by=cast.users["enterprise_b"], unit=unit, year=2024, kind="monitoring",
                                upload=SimpleUploadedFile("r.pdf", b"%PDF-1.4 report"), now=TUESDAY)
    plot = Plot.objects.create(name="北平镇原焦化厂疑似污染地块", township=cast.beiping, lead_unit=lead)
    return unit, report, plot


def _foreign_project(cast, lead):
    """A mine-restoration project of 北平镇 led by 自然资源局, with a reported photo."""
    from datetime import date

    from lanqing.yearwork.projects import project_create, project_report

    project = project_create(by=cast.users["bureau"], jurisdiction=cast.county, year=2025, kind="mine",
                             name="北平镇废弃矿山复绿工程", lead_unit=lead, township=cast.beiping,
                             planned_start=date(2025, 3, 1), planned_end=date(2025, 11, 30), now=TUESDAY)
    report = project_report(by=cast.users["other_department"], project=project, text="已进场", progress=10,
                            photo=SimpleUploadedFile("p.png", PNG), now=TUESDAY)
    return project, report


def _foreign_ledger(cast):
    """北平镇's letter with its signed file, and a 北平镇 household (fictional) with a visit and its photo."""
    from datetime import date
    from decimal import Decimal

    from lanqing.org.models import Jurisdiction
    from lanqing.yearwork.heating import visit_record
    from lanqing.yearwork.letters import letter_create, letter_target_add
    from lanqing.yearwork.models import Household

    bureau = cast.users["bureau"]
    letter = letter_create(by=bureau, jurisdiction=cast.county, year=2025, township=cast.beiping,
                           signed_file=SimpleUploadedFile("b.png", PNG), now=TUESDAY)
    letter_target_add(by=bureau, letter=letter, measure="other", description="北平镇秸秆禁烧目标",
                      target_value=Decimal(100), measured=Decimal(90), now=TUESDAY)
    village = Jurisdiction.objects.filter(parent=cast.beiping, level="village").order_by("code").first()
    household = Household.objects.create(township=cast.beiping, village=village, head_name="北平户主甲",
                                         id_number="11010519491231002X")
    visit = visit_record(household=household, by=bureau, visited_on=date(2025, 6, 1), back_on_coal=False,
                         photo=SimpleUploadedFile("v.png", PNG), now=TUESDAY)
    return letter, household, visit


def _foreign_key_task(cast, lead, support):
    """A key task of 北平镇 led by 自然资源局 and supported by 水利局, with a reported photo."""
    from datetime import date

    from lanqing.yearwork.models import Plan, Task
    from lanqing.yearwork.services import progress_report_submit

    plan = Plan.objects.create(jurisdiction=cast.county, year=2025, title="2025年重点工作", created_at=TUESDAY)
    task = Task.objects.create(plan=plan, number=1, title="北平镇矿山修复专项", lead_unit=lead,
                               deadline=date(2025, 12, 31))
    task.support_units.set([support])
    task.townships.set([cast.beiping])
    report = progress_report_submit(task=task, by=cast.users["other_department"], text="已开工",
                                    files=[SimpleUploadedFile("a.png", PNG)], now=TUESDAY)
    return task, report.files.get()


def _winter_world(cast):
    from datetime import timedelta

    from lanqing.winter.models import (
        OutletStop,
        PollutionWarning,
        ReductionEntry,
        ReductionList,
        WarningNotice,
    )

    reduction_list = ReductionList.objects.create(jurisdiction=cast.county, season="2025-2026", version=1,
                                                  created_at=TUESDAY)
    entry = ReductionEntry.objects.create(reduction_list=reduction_list, enterprise=cast.enterprise_b, level="orange",
                                          site=cast.outlet_b, allowed_share=50, measure="乙公司焦炉限产一半")
    warning = PollutionWarning.objects.create(
        jurisdiction=cast.county, level="orange", starts_at=TUESDAY, ends_at=TUESDAY + timedelta(days=2),
        document_number="临重污染〔2025〕1号", issuer="临汾市重污染天气应急指挥部", reduction_list=reduction_list,
        issued_at=TUESDAY)
    notice = WarningNotice.objects.create(warning=warning, enterprise=cast.enterprise_b, notified_at=TUESDAY)
    stop = OutletStop.objects.create(site=cast.outlet_b, starts_at=TUESDAY - timedelta(days=3), note="检修")
    from lanqing.winter.inspections import spot_check_record

    check = spot_check_record(by=cast.users["bureau"], notice=notice, checked_at=TUESDAY + timedelta(hours=1),
                              compliant=False, description="乙公司焦炉未按要求闷炉",
                              photos=[SimpleUploadedFile("c.png", PNG)], now=TUESDAY + timedelta(hours=2))
    return reduction_list, entry, warning, notice, stop, check.photos.get()


def fingerprint() -> tuple:
    """Everything a forbidden request might change."""
    from lanqing.alerts.models import Alert
    from lanqing.cases.models import Case, CaseEvent, ResponsibilityChange, ResponsibilityRule
    from lanqing.monitoring.models import DataMark, Device, LabResult, LabUpload, Site
    from lanqing.notifications.models import Notification
    from lanqing.org.models import DischargePermit, Enterprise
    from lanqing.public.models import PublicReport
    from lanqing.reports.models import Report
    from lanqing.winter.models import (
        OutletStop,
        PollutionWarning,
        ReductionEntry,
        ReductionList,
        SpotCheck,
        WarningNotice,
    )
    from lanqing.yearwork.models import (
        Household,
        LetterTarget,
        Plan,
        Plot,
        ProgressReport,
        Project,
        ProjectFund,
        ProjectReport,
        SoilReport,
        TaskImport,
        VillageHeating,
        Visit,
    )

    winter = (ReductionList.objects.count(), list(ReductionEntry.objects.values_list("id", "allowed_share")),
              list(PollutionWarning.objects.values_list("id", "level", "ends_at", "state")),
              list(WarningNotice.objects.values_list("id", "acknowledged_at")), OutletStop.objects.count(),
              SpotCheck.objects.count())
    return (winter, list(PublicReport.objects.values_list("id", "decision", "rated_at", "reopened_at", "hidden",
                                                         "description")),
            list(Case.objects.values_list("id", "state", "updated_at")), CaseEvent.objects.count(),
            list(DataMark.objects.values_list("id", "state", "document")),
            list(Device.objects.values_list("id", "password_hash", "is_active")),
            list(Enterprise.objects.values_list("id", "name", "status")), list(Site.objects.values_list("id", "name")),
            list(Alert.objects.values_list("id", "acknowledged_at")), ResponsibilityRule.objects.count(),
            ResponsibilityChange.objects.count(),
            list(Notification.objects.values_list("id", "read_at")), Report.objects.count(),
            ProgressReport.objects.count(),
            TaskImport.objects.count(), Plan.objects.count(), LetterTarget.objects.count(),
            list(Household.objects.values_list("id", "head_name", "converted_on")), Visit.objects.count(),
            list(Project.objects.values_list("id", "progress")), list(ProjectFund.objects.values_list("id", "spent")),
            ProjectReport.objects.count(), VillageHeating.objects.count(),
            list(SoilReport.objects.values_list("id", "submitted_at")), list(Plot.objects.values_list("id", "stage")),
            LabUpload.objects.count(), LabResult.objects.count(),
            list(DischargePermit.objects.values_list("id", "number", "issued_by", "valid_from", "valid_to",
                                                     "annual_caps")))


def _expected(rule: Rule, role: str) -> str:
    if role in rule.hidden:
        return "hidden"
    return "ok" if role in rule.ok else "forbidden"


def _check(response, expected: str, where: str) -> None:
    if expected == "hidden":
        assert response.status_code == 404, where
    elif expected == "forbidden":
        assert response.status_code == 403, where
    else:
        assert response.status_code < 400, (where, response.status_code)


def _text_of(response) -> str:
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(response.content)).active
        return " ".join(str(cell) for row in sheet.iter_rows(values_only=True) for cell in row)
    return response.content.decode(errors="replace")


# --- the walks ------------------------------------------------------------------------------------------------------

def test_every_url_pattern_has_an_access_rule():
    assert uncovered_patterns() == set()


def test_every_api_route_has_an_access_rule():
    assert uncovered_routes(_schema()) == set()
    from lanqing.cases.transitions import ACTIONS

    assert set(ACTIONS) == set(CASE_ACTIONS)


@pytest.mark.urls("tests.org.urls_with_a_new_page")
def test_a_new_url_without_a_rule_fails_the_walk():
    assert uncovered_patterns() == {"unruled"}


def test_a_new_api_route_without_a_rule_fails_the_walk():
    schema = _schema()
    schema["paths"]["/api/v1/reports"] = {"get": {"operationId": "list_reports"}}
    assert uncovered_routes(schema) == {"GET /api/v1/reports"}


def _page_requests(world: World):
    for name, route in sorted(url_patterns().items()):
        rule = URL_RULES.get(name)
        if rule is None or rule.open or name.startswith("api:"):
            continue
        kwargs = {key: world.objects[key] for key in ("enterprise_id", "site_id", "case_id", "evidence_id",
                                                      "alert_id", "row_id", "import_id", "run_id", "notification_id",
                                                      "device_id", "report_id", "complaint_id", "list_id",
                                                      "entry_id", "warning_id", "notice_id", "stop_id",
                                                      "photo_id", "plan_id", "task_id", "file_id", "letter_id",
                                                      "household_id", "visit_id", "township_id", "unit_id",
                                                      "project_id", "project_report_id", "soil_unit_id",
                                                      "soil_report_id", "plot_id", "mark_id", "mark_event_id",
                                                      "permit_id")
                  if f"<int:{key}>" in route}
        if name == "cases:act":
            for action, ok in CASE_ACTIONS.items():
                yield (name, reverse(name, kwargs={**kwargs, "action": action}),
                       on(CASE_PEOPLE, ok, "post"))
            continue
        assert route.count("<") == len(kwargs), f"{name}: give the walk an object for {route}"
        yield name, reverse(name, kwargs=kwargs), rule


@pytest.mark.parametrize("role", ROLES)
def test_every_page_answers_each_role_by_its_duty_and_scope(world, client, role):
    client.force_login(world.users[role])
    before = fingerprint()
    for _name, url, rule in _page_requests(world):
        expected = _expected(rule, role)
        if rule.method == "post":
            if expected == "ok":
                continue  # allowed actions are tested for their effect elsewhere; here nothing may change
            response = client.post(url, {"text": "x", "note": "x", "reason": "x"})
            _check(response, expected, f"{role} POST {url}")
            assert fingerprint() == before, f"{role} POST {url} changed something"
            continue
        response = client.get(url, rule.params)
        _check(response, expected, f"{role} GET {url}")
        if role in OUTSIDERS and expected == "ok":
            text = _text_of(response) + _text_of(client.get(url, {**rule.params, "export": "xlsx"}))
            leaked = [marker for marker in world.markers if marker in text]
            assert leaked == [], f"{role} reads {leaked} on {url}"
    assert fingerprint() == before


def _api_requests(world: World):
    from lanqing.cases.transitions import ACTIONS

    for operation in sorted(api_operations(_schema())):
        method, path = operation.split(" ", 1)
        rule = API_RULES[operation]
        url = path
        for key, value in world.objects.items():
            url = url.replace("{" + key + "}", str(value))
        if "{action}" in url:
            for action in ACTIONS:
                yield method, url.replace("{action}", action), on(CASE_PEOPLE, CASE_ACTIONS[action], "post")
            continue
        assert "{" not in url, f"{operation}: give the walk an object for {url}"
        yield method, url, rule


@pytest.mark.parametrize("role", ROLES)
def test_every_api_route_answers_each_role_by_its_duty_and_scope(world, client, role):
    client.force_login(world.users[role])
    before = fingerprint()
    for method, url, rule in _api_requests(world):
        expected = _expected(rule, role)
        if method != "GET":
            if expected == "ok":
                continue
            body = {"text": "x", "note": "x", "reason": "x", "name": "x", "password": "x-new-pass-1"}
            response = client.generic(method, url, data=json.dumps(body), content_type="application/json")
            _check(response, expected, f"{role} POST {url}")
            assert fingerprint() == before, f"{role} POST {url} changed something"
            continue
        response = client.get(url, rule.params)
        _check(response, expected, f"{role} GET {url}")
        if role in OUTSIDERS and expected == "ok":
            leaked = [marker for marker in world.markers if marker in response.content.decode()]
            assert leaked == [], f"{role} reads {leaked} on {url}"
    assert fingerprint() == before


@pytest.mark.parametrize("role", ["bureau", "leader", "township_b"])
def test_ids_that_do_not_exist_answer_like_ids_out_of_scope(world, client, role):
    client.force_login(world.users[role])
    missing = {key: 987654 for key in world.objects}
    for name, route in url_patterns().items():
        keys = [key for key in missing if f"<int:{key}>" in route]
        if not keys or name.startswith("admin:"):
            continue
        kwargs = {key: missing[key] for key in keys}
        if "<str:action>" in route:
            kwargs["action"] = "close"
        method = URL_RULES[name].method if name != "cases:act" else "post"
        response = getattr(client, method)(reverse(name, kwargs=kwargs))
        assert response.status_code == 404, name


@pytest.mark.parametrize("role", ["bureau", "leader", "department", "enterprise_a"])
def test_the_admin_is_only_for_staff(world, client, role):
    client.force_login(world.users[role])
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
