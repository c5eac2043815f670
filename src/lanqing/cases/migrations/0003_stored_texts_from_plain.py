"""Case titles, descriptions, deadline bases and timeline notes the system wrote before stored texts existed hold
a rendering in the language of the day. Those that read as one of the system's texts (in English or Chinese)
become stored texts; a person's text, and anything not recognised, stays as it was and is shown as written.
The plain columns are left untouched, so going back needs nothing."""

import importlib

from django.db import migrations

from lanqing import texts

_alerts = importlib.import_module("lanqing.alerts.migrations.0003_stored_texts_from_plain")

# The system's texts as they were when this migration was written (frozen on purpose).
DESCRIPTION = "Opened from alert “%(rule)s”, first seen %(time)s."
ROUTED = "Routed by the responsibility matrix."
BASES = ["%(days)d working days (default)", "Set by the bureau", "Extended by the bureau"]
# The demo's inspection findings (only demo cases: a person's typed title stays as typed).
DEMO_INSPECTIONS = [
    "%(enterprise)s: open-air stockpile not covered",
    "%(enterprise)s: no attendance record at the online monitoring station",
    "%(enterprise)s: rainwater and sewage not fully separated",
    "%(enterprise)s: hazardous waste store without signs",
]
BATCH = 500


def _pages(model, **filters):
    # Pages by id, each read in full before its writes (SQLite: no cursor open across our own writes).
    last = 0
    while True:
        rows = list(model.objects.filter(id__gt=last, **filters).order_by("id")[:BATCH])
        if not rows:
            return
        last = rows[-1].id
        yield rows


def forwards(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    CaseEvent = apps.get_model("cases", "CaseEvent")
    Alert = apps.get_model("alerts", "Alert")
    Factor = apps.get_model("monitoring", "Factor")
    factors = {f.id: f for f in Factor.objects.all()}
    alert_factor = dict(Alert.objects.filter(cases__isnull=False).values_list("id", "factor_id"))
    for rows in _pages(Case):
        for case in rows:
            if case.source == "alert" and case.title_text is None:
                case.title_text = _alerts.recognise_alert_message(
                    case.title, factors.get(alert_factor.get(case.alert_id)))
            elif case.is_demo and case.title_text is None:
                case.title_text = texts.recognise(case.title, DEMO_INSPECTIONS, languages=["zh-hans"])
            if case.description_text is None:
                case.description_text = texts.recognise(case.description, [DESCRIPTION])
            if case.deadline_basis_text is None:
                case.deadline_basis_text = texts.recognise(case.deadline_basis, BASES)
        Case.objects.bulk_update(rows, ["title_text", "description_text", "deadline_basis_text"])
    for rows in _pages(CaseEvent, note_text__isnull=True, action__in=["opened", "dispatched", "alert_cleared"]):
        changed = []
        for event in rows:
            if event.action == "opened":
                event.note_text = texts.recognise(event.note, [DESCRIPTION])
            elif event.action == "dispatched":
                event.note_text = texts.recognise(event.note, [ROUTED])
            else:
                event.note_text = _alerts.recognise_alert_message(event.note, None)
            if event.note_text is not None:
                changed.append(event)
        CaseEvent.objects.bulk_update(changed, ["note_text"])


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0002_stored_texts"),
        ("alerts", "0003_stored_texts_from_plain"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
