"""The one set of migrations applies on the database under test and matches the models."""

import io

import pytest
from django.core.management import call_command
from django.db import connection


@pytest.mark.django_db
def test_the_models_have_no_unmigrated_changes():
    out = io.StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_migrations_unapply_and_reapply(django_db_blocker):
    call_command("migrate", "monitoring", "zero", verbosity=0)
    call_command("migrate", verbosity=0)
    assert "monitoring_measurement" in connection.introspection.table_names()


@pytest.mark.django_db
def test_measurement_upsert_is_idempotent_on_this_database(cast):
    from datetime import UTC, datetime

    from lanqing.monitoring.measurements import MeasurementRow, measurements_upsert
    from lanqing.monitoring.models import Factor, Measurement

    point = cast.air_station.points.get()
    factor = Factor.objects.get(code="a34004")
    rows = [MeasurementRow(point.id, factor.id, "hour", datetime(2026, 1, 1, h, tzinfo=UTC), float(h))
            for h in range(24)]
    first = measurements_upsert(rows)
    second = measurements_upsert(rows)
    changed = measurements_upsert([MeasurementRow(point.id, factor.id, "hour", datetime(2026, 1, 1, 5, tzinfo=UTC),
                                                  99.0, "D")])
    assert (first.written, second.written, second.unchanged, changed.written) == (24, 0, 24, 1)
    assert Measurement.objects.count() == 24
    assert Measurement.objects.get(time=datetime(2026, 1, 1, 5, tzinfo=UTC)).flag == "D"
