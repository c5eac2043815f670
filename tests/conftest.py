"""A small cast of users, one per role and jurisdiction, shared by the Django tests (STYLE.md lesson 11)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from lanqing.org.credit_code import make_credit_code

PASSWORD = "correct-horse-battery-9"

YUEYANG = "141025100000"  # 岳阳镇
BEIPING = "141025101000"  # 北平镇
YUEYANG_VILLAGE = "141025100005"  # 岳阳社区居民委员会


@dataclass
class Cast:
    county: object
    yueyang: object
    beiping: object
    bureau_unit: object
    department: object
    enterprise_a: object  # in 岳阳镇
    enterprise_b: object  # in 北平镇
    air_station: object  # in 岳阳镇
    outlet_a: object
    outlet_b: object
    users: dict


def _user(username, role, **scope):
    from lanqing.org.accounts import user_create

    value = scope.get("scope", "")
    return user_create(username=username, password=PASSWORD, role=role, scope=value, full_name=username)


def pytest_collection_modifyitems(config, items):
    # Browser tests last: Playwright's sync API keeps an event loop running in this thread while its
    # session-wide browser lives, and the asyncio tests of the receiver need the thread free of one.
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(autouse=True)
def _kept_figures_forgotten(request):
    """The workbench keeps shared figures in the process for a minute; a test starts without the last one's."""
    if not request.config.pluginmanager.hasplugin("django"):
        yield
        return
    from lanqing.workbench.kept import kept_forget

    kept_forget()
    yield
    kept_forget()


@pytest.fixture(autouse=True)
def _fast_password_hashing(request):
    # The production hasher is slow on purpose; tests create many users. The pure libraries' tests also run
    # without Django (-p no:django), where there are no settings to change.
    if not request.config.pluginmanager.hasplugin("django"):
        return
    settings = request.getfixturevalue("settings")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def gu_county(db):
    from lanqing.monitoring.factors import factors_ensure
    from lanqing.org.divisions import gu_county_load
    from lanqing.org.models import Jurisdiction

    gu_county_load()
    factors_ensure()
    return Jurisdiction.objects.get(code="141025000000")


@pytest.fixture
def cast(gu_county) -> Cast:
    from django.contrib.auth import get_user_model

    from lanqing.monitoring.models import Device, Point, Site
    from lanqing.org.models import Enterprise, Industry, Jurisdiction, Unit

    yueyang = Jurisdiction.objects.get(code=YUEYANG)
    beiping = Jurisdiction.objects.get(code=BEIPING)
    bureau_unit = Unit.objects.create(name="临汾市生态环境局古县分局", kind="bureau", jurisdiction=gu_county)
    department = Unit.objects.create(name="古县住房和城乡建设管理局", kind="department", jurisdiction=gu_county)
    coking = Industry.objects.create(code="2521", name="炼焦")
    enterprise_a = Enterprise.objects.create(
        credit_code=make_credit_code("91141025MA0000001"), name="甲焦化有限公司", industry=coking,
        township=yueyang, village=Jurisdiction.objects.get(code=YUEYANG_VILLAGE))
    enterprise_b = Enterprise.objects.create(
        credit_code=make_credit_code("91141025MA0000002"), name="乙焦化有限公司", industry=coking, township=beiping)
    air = Site.objects.create(kind="air", code="AIR-01", name="县城空气站", jurisdiction=yueyang)
    village = Jurisdiction.objects.get(code=YUEYANG_VILLAGE)
    outlet_a = Site.objects.create(kind="outlet", code="OUT-A", name="甲公司焦炉烟囱", jurisdiction=village,
                                   enterprise=enterprise_a, outlet_medium="gas")
    outlet_b = Site.objects.create(kind="outlet", code="OUT-B", name="乙公司焦炉烟囱", jurisdiction=beiping,
                                   enterprise=enterprise_b, outlet_medium="gas")
    for site in (air, outlet_a, outlet_b):
        point = Point.objects.create(site=site, code="1", name="1#")
        device = Device(mn=f"MN{site.code.replace('-', '')}", point=point)
        device.set_password("123456")
        device.save()
    users = {
        "leader": _user("leader", "leadership", scope=gu_county.code),
        "bureau": _user("bureau", "bureau", scope=bureau_unit.name),
        "department": _user("department", "unit", scope=department.name),
        "township_a": _user("township_a", "township", scope=YUEYANG),
        "township_b": _user("township_b", "township", scope=BEIPING),
        "grid_a": _user("grid_a", "grid_officer", scope=YUEYANG_VILLAGE),
        "enterprise_a": _user("enterprise_a", "enterprise", scope=enterprise_a.credit_code),
        "enterprise_b": _user("enterprise_b", "enterprise", scope=enterprise_b.credit_code),
    }
    users["nobody"] = get_user_model().objects.create_user("nobody", password=PASSWORD)
    return Cast(gu_county, yueyang, beiping, bureau_unit, department, enterprise_a, enterprise_b, air,
                outlet_a, outlet_b, users)


@pytest.fixture
def client_for(client):
    """Logs the test client in as one of the cast."""

    def login(user):
        client.force_login(user)
        return client

    return login
