"""Alert messages written before stored texts existed hold a rendering in the language of the day. The ones that
read as a rule's message (in English or Chinese) become stored texts, with the factor's name in both languages;
any other message stays as it was and is shown as written. The plain column is left untouched, so going back
needs nothing."""

from django.db import migrations

from lanqing import texts

# The rules' messages as they were when this migration was written (frozen: later wording changes do not
# change what old rows are recognised as).
ALERT_KEYS = [
    "%(site)s %(factor)s %(value)s above the limit %(limit)s (%(time)s)",
    "%(site)s device %(mn)s sent nothing since %(time)s",
    "%(site)s has no %(factor)s values since %(time)s",
    "%(site)s %(factor)s has stayed at %(value)s for %(hours)d hours",
    "%(site)s %(factor)s reads %(value)s (zero or negative)",
    "%(site)s %(factor)s jumped suddenly to %(value)s",
    "%(site)s %(factor)s flagged as fault, calibration or over range for %(hours)d hours",
    "%(site)s hourly AQI %(aqi)d above %(level)d",
    "%(site)s is class %(actual)s, worse than its target %(target)s (%(factors)s)",
]
NESTED = ["never", "worse than Ⅴ"]
BATCH = 500


def recognise_alert_message(plain, factor):
    """The stored text of an old alert message (None if it reads as none of the rules'); `factor` is the
    alert's Factor row or None."""
    stored = texts.recognise(plain, ALERT_KEYS, nested=NESTED)
    if stored is not None and factor is not None and stored["params"].get("factor") in (factor.name_zh,
                                                                                        factor.name_en):
        stored["params"]["factor"] = texts.names(zh=factor.name_zh, en=factor.name_en)
    return stored


def forwards(apps, schema_editor):
    Alert = apps.get_model("alerts", "Alert")
    Factor = apps.get_model("monitoring", "Factor")
    factors = {f.id: f for f in Factor.objects.all()}
    last = 0
    while True:
        # Pages by id, each read in full before its writes (SQLite: no cursor open across our own writes).
        rows = list(Alert.objects.filter(id__gt=last, message_text__isnull=True).order_by("id")
                    .only("id", "message", "factor_id")[:BATCH])
        if not rows:
            return
        last = rows[-1].id
        changed = []
        for alert in rows:
            alert.message_text = recognise_alert_message(alert.message, factors.get(alert.factor_id))
            if alert.message_text is not None:
                changed.append(alert)
        Alert.objects.bulk_update(changed, ["message_text"])


class Migration(migrations.Migration):

    dependencies = [
        ("alerts", "0002_stored_texts"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
