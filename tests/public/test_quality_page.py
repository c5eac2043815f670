"""The public quality page: AQI now with its colour, primary pollutant and advice, 24 hours and 30 days, the
water sections' class against target, the year so far; "insufficient data" where the engine finds too little."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from lanqing.monitoring import quality
from lanqing.public.quality import ADVICE

pytestmark = pytest.mark.django_db

# Hourly values whose AQI is PM2.5's (75 µg/m³: IAQI 100 by HJ 633-2012, more by the 2026 version in force
# now); the others stay far below it.
HOURLY = {"a21026": 5.0, "a21004": 10.0, "a21005": 0.3, "a05024": 20.0, "a34002": 20.0, "a34004": 75.0}


def _measure(site, hours: int, now):
    from lanqing.monitoring.models import Factor, Measurement, Period, Point

    point = Point.objects.filter(site=site).first()
    factors = {f.code: f for f in Factor.objects.filter(code__in=HOURLY)}
    last = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    rows = [Measurement(point=point, factor=factors[code], period=Period.HOUR, time=last - timedelta(hours=h),
                        value=value, flag="N")
            for h in range(hours) for code, value in HOURLY.items()]
    Measurement.objects.bulk_create(rows)


def test_the_page_shows_the_engines_aqi_with_colour_primary_pollutant_and_advice(cast, client):
    from django.core.cache import cache

    cache.clear()
    _measure(cast.air_station, 72, timezone.now())
    page = client.get(reverse("public:quality"))
    assert page.status_code == 200
    html = page.content.decode()
    assert cast.air_station.name in html
    now = quality.hourly_aqi(cast.air_station, last_hour=timezone.now().replace(
        minute=0, second=0, microsecond=0) - timedelta(hours=1))[0]
    assert now.aqi >= 100
    assert now.primary == ("PM2.5",)
    assert f'<span class="pub-aqi-value" data-testid="aqi">{now.display}</span>' in html
    assert now.category_zh in html
    assert now.colour in html
    assert "细颗粒物(PM2.5)" in html
    with translation.override("zh-hans"):
        assert str(ADVICE[now.level]) in html
    english = client.get(reverse("public:quality"), HTTP_COOKIE="django_language=en").content.decode()
    assert now.category_en in english
    with translation.override("en"):
        assert str(ADVICE[now.level]) in english


def test_without_data_the_page_says_insufficient_data(cast, client):
    from django.core.cache import cache

    cache.clear()
    html = client.get(reverse("public:quality")).content.decode()
    assert 'data-testid="aqi-insufficient"' in html
    assert "数据不足" in html
    assert 'data-testid="aqi"' not in html
