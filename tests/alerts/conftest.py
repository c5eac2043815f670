from __future__ import annotations

import pytest

from tests.cases.conftest import SHANGHAI, TUESDAY  # noqa: F401 - shared time anchors


@pytest.fixture(autouse=True)
def _english_messages():
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def hourly(cast):
    """Writes hourly values: hourly(site, factor_code, [(time, value, flag), ...])."""
    from lanqing.monitoring.measurements import MeasurementRow, measurements_upsert
    from lanqing.monitoring.models import Factor

    def write(site, code, rows, period="hour"):
        point = site.points.get()
        factor = Factor.objects.get(code=code)
        measurements_upsert([MeasurementRow(point.id, factor.id, period, t, v, f) for t, v, f in rows])

    return write
