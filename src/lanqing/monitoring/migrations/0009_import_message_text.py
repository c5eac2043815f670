"""Why an import failed, as a stored text beside the plain message. Old messages that read as one of the file
errors (in English or Chinese) become stored texts; any other stays as it was and is shown as written."""

from django.db import migrations, models

from lanqing import texts

# The file-level errors as they were when this migration was written (frozen on purpose).
FILE_ERRORS = [
    "the file is neither UTF-8 nor GBK text, nor an Excel .xlsx workbook",
    "the file is empty",
    "the file is binary, not CSV text or an .xlsx workbook",
    "line %(line)s: %(problem)s",
    "more than %(count)s rows; split the file",
    "the .xlsx workbook cannot be opened: %(problem)s",
    "the first sheet is empty",
    "missing column(s): %(columns)s",
]


def forwards(apps, schema_editor):
    MeasurementImport = apps.get_model("monitoring", "MeasurementImport")
    # Failed imports are few (one row per uploaded file); read them all before writing.
    rows = list(MeasurementImport.objects.exclude(message="").only("id", "message"))
    for row in rows:
        row.message_text = texts.recognise(row.message, FILE_ERRORS)
    MeasurementImport.objects.bulk_update([row for row in rows if row.message_text is not None],
                                          ["message_text"])


class Migration(migrations.Migration):

    dependencies = [
        ("monitoring", "0008_lean_receiver_tables"),
    ]

    operations = [
        migrations.AddField(
            model_name="measurementimport",
            name="message_text",
            field=models.JSONField(blank=True, editable=False, null=True, verbose_name="message (stored text)"),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
