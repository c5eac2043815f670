"""The heavy-pollution warning on the public site (issue 19, item 2): issued through winter's service, every
public page shows its level, period, document number and the advice for its level, in both languages; the
quality page shows it large; once lifted or ended it is gone; nothing internal about it is shown."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from tests.winter.conftest import make_good_rows, workbook

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2027, 1, 10, 20, 0, tzinfo=SHANGHAI)
NOW = START + timedelta(hours=2)
NUMBER = "古重污染指〔2027〕2号"
# Fields of the warning the public never reads: who issued it, the document's text, who entered it.
ISSUER = "古县重污染天气应急指挥部办公室"
TEXT = "内部：请各乡镇今晚十点前完成企业抽查"


@pytest.fixture
def winter_day(cast, monkeypatch):
    """A January evening of the 2026-2027 heating season with its list in force, as "now" of pages and
    services."""
    from django.utils import timezone

    from lanqing.winter import lists

    imported = lists.reduction_list_import(by=cast.users["bureau"], season="2026-2027",
                                           data=workbook(make_good_rows(cast)))
    assert imported.reduction_list is not None
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    return cast


def _issue(cast, level="orange", ends_at=None):
    from lanqing.winter.warnings import Document, warning_issue

    return warning_issue(by=cast.users["bureau"], level=level, starts_at=START, ends_at=ends_at,
                         document=Document(number=NUMBER, issuer=ISSUER, text=TEXT))


def _page(client, name, *args, language="zh-hans"):
    response = client.get(reverse(name, args=args), HTTP_COOKIE=f"django_language={language}")
    assert response.status_code == 200
    return response.content.decode()


def test_a_warning_in_force_shows_on_the_public_pages_with_its_advice_until_it_is_lifted(winter_day, client):
    from lanqing.winter.warnings import Document, warning_lift

    assert 'data-testid="warning"' not in _page(client, "public:home")
    warning = _issue(winter_day)
    home = _page(client, "public:home")
    assert 'data-testid="warning" data-level="orange"' in home
    assert "橙色（Ⅱ级）" in home
    assert "重污染天气预警" in home
    assert "2027-01-10 20:00" in home
    assert NUMBER in home
    assert "儿童、老年人和心脏病、肺病患者应留在室内" in home  # orange's health advice
    assert "不在户外烧烤" in home  # and what the public is asked to do
    quality = _page(client, "public:quality")
    assert "pub-warn pub-warn-orange pub-warn-big" in quality
    assert NUMBER in quality
    assert 'data-testid="warning"' in _page(client, "public:report")
    english = _page(client, "public:quality", language="en")
    assert "Orange (Ⅱ)" in english
    assert "Heavy-pollution weather warning" in english
    assert "In force from 2027-01-10 20:00 until lifted" in english
    assert "grill nothing outdoors" in english
    for page in (home, quality, english):
        for internal in (ISSUER, TEXT, "bureau", "5.0"):
            assert internal not in page, internal
    warning_lift(by=winter_day.users["bureau"], warning=warning, at=NOW - timedelta(minutes=5),
                 document=Document(number="古重污染指〔2027〕3号", issuer=ISSUER))
    for name in ("public:home", "public:quality"):
        for language in ("zh-hans", "en"):
            assert 'data-testid="warning"' not in _page(client, name, language=language), (name, language)


def test_a_warning_disappears_when_its_stated_end_has_passed(winter_day, client, monkeypatch):
    from django.utils import timezone

    _issue(winter_day, level="red", ends_at=NOW + timedelta(hours=1))
    page = _page(client, "public:home")
    assert 'data-level="red"' in page
    assert "至 2027-01-10 23:00" in page
    monkeypatch.setattr(timezone, "now", lambda: NOW + timedelta(hours=1))
    assert 'data-testid="warning"' not in _page(client, "public:home")


def test_a_change_of_level_shows_only_the_new_level_on_the_tracking_page(winter_day, client):
    from lanqing.winter.warnings import Document, warning_change_level

    yellow = _issue(winter_day, level="yellow")
    warning_change_level(by=winter_day.users["bureau"], warning=yellow, level="red", at=NOW - timedelta(hours=1),
                         document=Document(number="古重污染指〔2027〕4号", issuer=ISSUER))
    from lanqing.public.models import PublicReport

    response = client.post(reverse("public:report"), {
        "category": "air", "description": "焦化厂夜里冒黑烟", "observed_at": "2027-01-10T21:00", "division": "",
        "longitude": "111.920000", "latitude": "36.270000", "name": "", "phone": "", "website": ""},
        REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 302
    page = _page(client, "public:track", PublicReport.objects.get().code)
    assert 'data-level="red"' in page
    assert 'data-level="yellow"' not in page
    assert "古重污染指〔2027〕4号" in page
