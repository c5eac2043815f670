from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("monitoring", "0002_measurement_converted_measurement_cumulative_and_more"),
    ]

    operations = [
        migrations.AddField(
            model_name="device",
            name="logger_id",
            field=models.CharField(blank=True, db_index=True, max_length=40, verbose_name="data-logger ID"),
        ),
    ]
