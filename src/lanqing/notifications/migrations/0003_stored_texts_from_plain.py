"""Notification titles and bodies the system wrote before stored texts existed hold a rendering in the language
of the day. Those that read as one of the system's texts (in English or Chinese) become stored texts; a
person's text (a reason, a note), and anything not recognised, stays as it was and is shown as written. The
plain columns are left untouched, so going back needs nothing."""

import importlib

from django.db import migrations

from lanqing import texts

_alerts = importlib.import_module("lanqing.alerts.migrations.0003_stored_texts_from_plain")

# The system's texts as they were when this migration was written (frozen on purpose).
TITLES = [
    "New case awaiting dispatch: %(number)s",
    "Case %(number)s dispatched to you; deadline %(deadline)s",
    "Rectification of %(number)s submitted for verification",
    "Case %(number)s verified and closed",
    "Case %(number)s returned: more work needed",
    "Case %(number)s reopened",
    "Extension requested for case %(number)s",
    "Extension of case %(number)s approved",
    "Extension of case %(number)s refused",
    "Urgent: case %(number)s",
    "Reminder: case %(number)s is due on %(deadline)s",
    "Overdue: case %(number)s passed its deadline",
    "Escalated to the unit's leader: case %(number)s",
    "Escalated to county leadership: case %(number)s",
]
BODIES = ["%(days)d working day(s) past the deadline. Lead unit: %(unit)s %(leader)s"]
BATCH = 500


def forwards(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    last = 0
    while True:
        # Pages by id, each read in full before its writes (SQLite: no cursor open across our own writes).
        rows = list(Notification.objects.filter(id__gt=last).order_by("id").only("id", "title", "body")[:BATCH])
        if not rows:
            return
        last = rows[-1].id
        for notification in rows:
            notification.title_text = texts.recognise(notification.title, TITLES)
            # A body is the escalation text, the case's title (an alert's message) or what a person wrote.
            notification.body_text = (texts.recognise(notification.body, BODIES)
                                      or _alerts.recognise_alert_message(notification.body, None))
        Notification.objects.bulk_update(rows, ["title_text", "body_text"])


class Migration(migrations.Migration):

    dependencies = [
        ("notifications", "0002_stored_texts"),
        ("alerts", "0003_stored_texts_from_plain"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
