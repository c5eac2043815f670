"""Loading the demo into the database: real divisions, fictional enterprises, accounts, deterministic data."""

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse

from lanqing.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, DemoAlreadyLoaded, demo_load, demo_loaded
from lanqing.demo.geo import boundary_polygons, contains
from lanqing.monitoring.models import Device, Measurement, Site
from lanqing.org.credit_code import credit_code_problem
from lanqing.org.divisions import GU_COUNTY_BOUNDARY
from lanqing.org.models import Enterprise, Jurisdiction, Membership, Role

END = datetime(2026, 1, 10, 0, tzinfo=UTC)


class Rollback(Exception):
    pass


def measurement_rows(**since):
    rows = (Measurement.objects.filter(**since)
            .values_list("point__site__code", "factor__code", "period", "time", "value", "flag", "source")
            .order_by("point__site__code", "factor__code", "time"))
    return [(site, factor, period, time.isoformat(), repr(value), flag, source)
            for site, factor, period, time, value, flag, source in rows]


def digest(rows):
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def load_and_read(*, since=None, **kwargs):
    """Loads the demo inside a transaction that is rolled back, and returns its measurement rows."""
    try:
        with transaction.atomic():
            demo_load(**kwargs)
            rows = measurement_rows(**({"time__gte": since} if since else {}))
            raise Rollback
    except Rollback:
        pass
    return rows


@pytest.fixture
def demo(db):
    return demo_load(days=2, end=END)


def test_the_demo_loads_the_real_townships_and_villages_under_shanxi_and_linfen(demo):
    assert (demo.townships, demo.villages) == (6, 79)
    county = Jurisdiction.objects.get(code="141025000000")
    assert (county.name, county.parent.name, county.parent.parent.name) == ("古县", "临汾市", "山西省")
    townships = dict(Jurisdiction.objects.filter(level="township").values_list("code", "name"))
    assert townships == {"141025100000": "岳阳镇", "141025101000": "北平镇", "141025102000": "古阳镇",
                         "141025103000": "旧县镇", "141025104000": "三合镇", "141025202000": "南垣乡"}
    assert Jurisdiction.objects.get(code="141025100200").name == "偏涧村村民委员会"


def test_the_summary_counts_what_was_loaded(demo):
    assert demo.units == 11
    assert demo.enterprises == Enterprise.objects.count() == 20
    assert demo.sites == Site.objects.count() == 25
    assert demo.devices == Device.objects.count() == 25
    assert demo.measurements == Measurement.objects.count() > 25 * 4 * 40
    assert demo_loaded()


def test_every_enterprise_is_fictional_inside_the_county_and_has_a_valid_credit_code(demo):
    polygons = boundary_polygons(GU_COUNTY_BOUNDARY)
    for enterprise in Enterprise.objects.select_related("village", "township"):
        assert enterprise.name.startswith("示例")
        assert credit_code_problem(enterprise.credit_code) is None
        assert enterprise.credit_code[2:8] == "141025"
        assert contains(polygons, float(enterprise.longitude), float(enterprise.latitude)), enterprise.name
        assert enterprise.village.parent_id == enterprise.township_id
        enterprise.full_clean()
    for site in Site.objects.all():
        assert contains(polygons, float(site.longitude), float(site.latitude)), site.code
        site.full_clean()


def test_outlets_carry_a_limit_set_reference_oxygen_and_a_device_of_every_protocol(demo):
    outlets = Site.objects.filter(kind="outlet")
    assert outlets.count() == 20
    assert all(site.limit_set for site in outlets)
    assert all(site.reference_o2 for site in outlets.filter(outlet_medium="gas"))
    assert set(Device.objects.values_list("protocol", flat=True)) == {"2005", "2017", "2025"}
    for device in Device.objects.all():
        assert 14 <= len(device.mn) <= 24
        assert device.check_password("123456")
    assert set(Site.objects.filter(kind="water").values_list("target_class", flat=True)) <= {2, 3}


def test_every_demo_object_is_marked_as_demo(demo):
    for model in apps.get_models():
        if any(field.name == "is_demo" for field in model._meta.fields):
            assert not model.objects.filter(is_demo=False).exists(), model.__name__


def test_loading_twice_is_refused_and_changes_nothing(demo):
    with pytest.raises(DemoAlreadyLoaded):
        demo_load(days=2, end=END)
    assert Measurement.objects.count() == demo.measurements


def test_every_demo_account_logs_in_and_sees_its_home_page(demo, client):
    assert {account.role for account in DEMO_ACCOUNTS} == set(Role.values)
    for account in DEMO_ACCOUNTS:
        # Through the login form, as a person logs in (the login throttle needs the request).
        login = client.post(reverse("login"), {"username": account.username, "password": DEMO_PASSWORD})
        assert login.status_code == 302, account.username
        assert login.url == reverse("home"), account.username
        response = client.get(reverse("home"))
        assert response.status_code == 200, account.username
        assert Membership.objects.get(user__username=account.username).role == account.role
        client.logout()


def test_the_enterprise_account_sees_only_its_own_outlets(demo, client):
    user = get_user_model().objects.get(username="qiye")
    enterprise = user.membership.enterprise
    client.force_login(user)
    content = client.get(reverse("home")).content.decode()
    assert enterprise.name in content
    assert "示例古岳热电有限公司" not in content


def test_the_enterprise_accounts_file_shows_its_permit_and_lab_results(demo, client):
    from lanqing.monitoring.models import LabResult

    user = get_user_model().objects.get(username="qiye")
    enterprise = user.membership.enterprise
    client.force_login(user)
    page = client.get(reverse("org:enterprise", args=[enterprise.id])).content.decode()
    assert f"{enterprise.credit_code}001P" in page
    assert "烟气湿度" in page
    assert LabResult.objects.filter(point__site__enterprise=enterprise).count() == 12
    assert not LabResult.objects.exclude(point__site__enterprise=enterprise).exists()


def test_the_same_seed_gives_identical_rows_and_another_seed_different_ones(db):
    first = load_and_read(seed=11, days=1, end=END)
    again = load_and_read(seed=11, days=1, end=END)
    other = load_and_read(seed=12, days=1, end=END)
    assert len(first) > 1000
    assert digest(first) == digest(again)
    assert digest(first) != digest(other)


def test_an_hour_has_the_same_value_whether_the_span_ends_then_or_a_day_later(db):
    overlap_start = END - timedelta(days=1)
    ending_now = load_and_read(seed=3, days=2, end=END, since=overlap_start)
    later = load_and_read(seed=3, days=2, end=END + timedelta(days=1), since=overlap_start)
    ending_later = [row for row in later if row[3] < END.isoformat()]
    assert len(ending_now) > 1000
    assert ending_now == ending_later


def test_measurement_times_are_hour_starts_in_utc_covering_the_span(demo):
    from lanqing.demo.winter import BASELINE_DAYS, LISTED, _episode_times

    # The enterprise's lab results (source manual) were sampled before the span; the devices' values cover it,
    # and before it come only the January episode's outlets and air stations, from its baseline to a day after.
    devices = Measurement.objects.filter(source="device")
    times = devices.values_list("time", flat=True)
    start, lift = _episode_times(END)
    earlier = devices.filter(time__lt=END - timedelta(days=2))
    assert set(earlier.values_list("point__site__code", flat=True)) == (
        {listed.outlet for listed in LISTED} | set(Site.objects.filter(kind="air").values_list("code", flat=True)))
    assert min(times) >= start - timedelta(days=BASELINE_DAYS + 1)
    assert earlier.filter(time__gte=lift + timedelta(days=1)).count() == 0
    assert max(times) == END - timedelta(hours=1)
    assert all(t.minute == 0 and t.second == 0 and t.utcoffset() == timedelta(0)
               for t in Measurement.objects.values_list("time", flat=True))
    assert set(Measurement.objects.values_list("period", "source").distinct()) == {("hour", "device"),
                                                                                   ("hour", "manual")}


def test_the_demo_has_a_documented_maintenance_mark_and_one_that_reverted_without_its_document(demo, client):
    from lanqing.monitoring.models import DataMark

    marks = {m.site.enterprise.name: m for m in DataMark.objects.select_related("site__enterprise")}
    assert {name: (m.kind, m.state) for name, m in marks.items()} == {
        "示例鸿泰焦化有限公司": ("maintenance", "documented"), "示例金鼎焦化有限公司": ("facility_stopped", "reverted")}
    assert bytes(marks["示例鸿泰焦化有限公司"].document.read()).startswith(b"%PDF-")
    # The reverted mark told its enterprise and the bureau.
    told = set(get_user_model().objects.filter(notifications__title__contains="金鼎").values_list("username", flat=True))
    assert {"qiye2", "bureau"} <= told
    # The demo's enterprise account sees its own mark only.
    client.force_login(get_user_model().objects.get(username="qiye"))
    page = client.get(reverse("marks:list")).content.decode()
    assert "1#焦炉烟囱" in page
    assert "示例金鼎焦化有限公司" not in page
