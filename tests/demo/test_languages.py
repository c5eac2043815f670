"""Every page of the demo, as the bureau sees it, reads in one language: the Chinese interface shows Latin
letters only in codes, units and names, the English one Chinese only in names and in what people typed."""

import html
import re
from collections import defaultdict
from datetime import UTC, datetime

from django.conf import settings
from django.contrib.auth import get_user_model

from lanqing.alerts.models import AlertRule
from lanqing.cases.models import Case, CaseEvent, DeadlineRule
from lanqing.demo import demo_load
from lanqing.monitoring.models import DataMark, Factor, LabResult, LabUpload, Point, Site
from lanqing.notifications.models import Notification
from lanqing.org.models import DischargePermit, Enterprise, Industry, Jurisdiction, Unit
from lanqing.public.models import PublicReport, ReporterContact
from lanqing.standards import factor_codes

END = datetime(2026, 1, 10, 0, tzinfo=UTC)
SKIPPED = ("/static/", "/admin/", "/api/", "/i18n/", "/logout/", "/accounts/logout/")
PER_KIND = 3  # pages of one shape (/cases/<id>/) looked at
# A Latin word in a code (GB13223-2011:coal, PM2.5, DB2026000019), an acronym or unit (AQI, MN, MB), or a word
# allowed on purpose: the language switch, a product, the column names an import file must use.
LATIN = re.compile(r"[A-Za-z][A-Za-z0-9.:/_-]*[A-Za-z0-9]|[A-Za-z]")
ALLOWED = {"English", "Excel", "xlsx", "csv", "site", "point", "factor", "period", "time", "value", "flag", "rtd", "min",
           "hour", "day",
           # a factor named as everyone names it, units of an emission rate and a distance (the winter pages)
           "pH", "kg/h", "km"}
CJK = re.compile(r"[\u3400-\u9fff\u3001\u3002\uff08\uff09\uff0c\uff1a\uff1b\u201c\u201d]+")


def _text(page: str) -> str:
    page = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", page)
    return html.unescape(re.sub(r"(?s)<[^>]*>", " ", page))


def _crawl(client) -> dict[str, str]:
    """The visible text of every page reachable from the home page, a few of each shape."""
    seen, queue, shapes, texts = set(), ["/"], defaultdict(int), {}
    while queue:
        url = queue.pop(0)
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response["Content-Type"]:
            continue
        page = response.content.decode()
        texts[url] = _text(page)
        for link in re.findall(r'href="(/[^"#]*)"', page):
            link = html.unescape(link)
            shape = re.sub(r"\d+", "N", link.split("?")[0])
            if link in seen or link.startswith(SKIPPED) or "format=" in link or shapes[shape] >= PER_KIND:
                continue
            seen.add(link)
            shapes[shape] += 1
            queue.append(link)
    return texts


def _names() -> list[str]:
    """Proper names and what people typed, in the language they were written in."""
    names = {"简体中文"}  # the language switch names each language in itself
    for model, field in [(Jurisdiction, "name"), (Enterprise, "name"), (Enterprise, "address"),
                         (Enterprise, "contact_name"), (Unit, "name"), (Unit, "leader_name"), (Industry, "name"),
                         (Site, "name"), (Point, "name"), (AlertRule, "name"), (DeadlineRule, "basis"),
                         (get_user_model(), "first_name"), (get_user_model(), "last_name"), (Case, "location"),
                         (PublicReport, "description"), (PublicReport, "refusal_note"),
                         (PublicReport, "reopen_reason"), (PublicReport, "rating_note"), (ReporterContact, "name"),
                         (DataMark, "reason"), (DataMark, "document_name"),
                         (LabUpload, "file_name"), (LabResult, "lab"), (DischargePermit, "issued_by")]:
        names |= set(model.objects.values_list(field, flat=True))
    names |= _year_names()
    names |= _winter_names()
    names |= set(Case.objects.filter(title_text__isnull=True).values_list("title", flat=True))
    names |= set(CaseEvent.objects.filter(note_text__isnull=True).values_list("note", flat=True))
    names |= set(Notification.objects.filter(body_text__isnull=True).values_list("body", flat=True))
    return sorted((name for name in names if name), key=len, reverse=True)


def _winter_names() -> set[str]:
    """What the bureau and officers typed for heavy-pollution weather (lists, warnings' documents, checks)."""
    from lanqing.winter import models as winter

    names: set[str] = set()
    for model, field in [(winter.ReductionList, "note"), (winter.ReductionEntry, "measure"),
                         (winter.ReductionEntry, "process"), (winter.PollutionWarning, "document_number"),
                         (winter.PollutionWarning, "issuer"), (winter.PollutionWarning, "document"),
                         (winter.PollutionWarning, "end_document_number"), (winter.PollutionWarning, "end_issuer"),
                         (winter.SpotCheck, "description")]:
        names |= set(model.objects.values_list(field, flat=True))
    return names


def _year_names() -> set[str]:
    """What people typed into the year's work (plans, tasks, letters, the ledger, projects, soil)."""
    from lanqing.yearwork import models as year

    names: set[str] = set()
    for model, field in [(year.Plan, "title"), (year.Plan, "meeting"), (year.Plan, "document_number"),
                         (year.Task, "title"), (year.Target, "description"), (year.Target, "unit"),
                         (year.Milestone, "title"), (year.ProgressReport, "text"), (year.LetterTarget, "description"),
                         (year.Household, "head_name"), (year.Household, "address"), (year.Project, "name"),
                         (year.Plot, "name")]:
        names |= set(model.objects.values_list(field, flat=True))
    return names


def test_every_demo_page_reads_in_the_language_the_bureau_chose(db, client):
    demo_load(days=6, end=END)
    client.force_login(get_user_model().objects.get(username="bureau"))
    names = _names()
    # Units of measurement (mg/L, µg/m³) are as international on a Chinese page as the numbers they follow.
    units = {word for unit in Factor.objects.values_list("unit", "ambient_unit") for word in LATIN.findall(" ".join(unit))}
    # So are the chemical symbols in pollutant names (pH值, NOx in a permit's caps).
    units |= {word for name in [*factor_codes.EMISSION.values(), *Factor.objects.values_list("name_zh", flat=True)]
              for word in LATIN.findall(name)}

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    chinese = _crawl(client)
    assert len(chinese) > 20
    latin = {url: words for url, text in chinese.items()
             if (words := {word for word in LATIN.findall(text)
                           if word not in ALLOWED | units and not word.isupper() and not any(c.isdigit() for c in word)})}
    assert latin == {}

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = _crawl(client)
    assert len(english) == len(chinese)
    for url, text in english.items():
        for name in names:
            text = text.replace(name, " ")
        # An English sentence quotes a name (“%(rule)s”) with the same marks Chinese uses: once the name is
        # gone, its quotes are no Chinese text.
        text = text.replace("“ ”", " ")
        english[url] = " ".join(CJK.findall(text))
    assert {url: text for url, text in english.items() if text} == {}
