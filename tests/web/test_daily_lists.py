"""Lists say how things stand: sites online or not with their last data and latest value, unread
notifications counted in the menu, divisions chosen township first, labels with Chinese punctuation."""

from datetime import UTC, datetime

from django.urls import reverse
from django.utils import timezone

from lanqing.monitoring.models import Device, Factor, Measurement


def test_the_site_list_shows_state_last_data_and_latest_value(cast, client_for):
    Device.objects.filter(mn="MNAIR01").update(is_online=True, last_seen_at=datetime(2026, 3, 1, 7, 5, tzinfo=UTC))
    point = cast.air_station.points.get()
    pm25 = Factor.objects.get(code="a34004")
    for hour, value in ((5, 61.0), (6, 47.0)):
        Measurement.objects.create(point=point, factor=pm25, period="hour", value=value,
                                   time=datetime(2026, 3, 1, hour, tzinfo=UTC))
    page = client_for(cast.users["bureau"]).get(reverse("monitoring:sites")).content.decode()
    rows = {row.split("</td>", 1)[0].rsplit(">", 1)[1]: row for row in page.split('data-testid="site-row"')[1:]}
    air, outlet = rows["AIR-01"], rows["OUT-A"]
    assert "在线" in air.split('data-testid="site-state"', 1)[1].split("</td>", 1)[0]
    assert "2026-03-01 15:05" in air  # Beijing time
    assert "47" in air.split('data-testid="site-latest"', 1)[1].split("</td>", 1)[0]
    assert "离线" in outlet.split('data-testid="site-state"', 1)[1].split("</td>", 1)[0]


def test_the_menu_counts_unread_notifications(cast, client_for):
    from lanqing.notifications.models import Notification

    user = cast.users["grid_a"]
    for title in ("新督办单", "催办"):
        Notification.objects.create(user=user, title=title, created_at=timezone.now())
    Notification.objects.create(user=user, title="旧", created_at=timezone.now(), read_at=timezone.now())
    client = client_for(user)
    page = client.get(reverse("home")).content.decode()
    assert 'data-testid="unread-count"' in page
    assert ">2</span>" in page.split('data-testid="unread-count"', 1)[1]
    response = client.post(reverse("notifications:read_all"), follow=True)
    page = response.content.decode()
    assert "全部通知已标为已读。" in page
    assert 'data-testid="unread-count"' not in page
    # Nothing left to mark: the button is gone too.
    assert 'data-testid="read-all"' not in page


def test_a_division_is_chosen_township_by_township(cast, client_for):
    page = client_for(cast.users["bureau"]).get(reverse("cases:new")).content.decode()
    picker = page.split('name="jurisdiction"', 1)[1].split("</select>", 1)[0]
    assert "data-division-picker" in page
    group = picker.split('<optgroup label="岳阳镇">', 1)[1].split("</optgroup>", 1)[0]
    assert "岳阳镇（全镇）" in group
    assert "岳阳社区居民委员会" in group
    assert "北平镇" not in group


def test_form_labels_end_with_a_full_width_colon_in_chinese(cast, client_for):
    page = client_for(cast.users["bureau"]).get(reverse("cases:new")).content.decode()
    assert '<label for="id_title">标题：</label>' in page


def test_the_enterprise_profile_names_each_outlets_standard(cast, client_for):
    from lanqing.monitoring.models import Site

    Site.objects.filter(id=cast.outlet_a.id).update(limit_set="GB16171-2012:coke-oven:special")
    page = client_for(cast.users["enterprise_a"]).get(
        reverse("org:enterprise", args=[cast.enterprise_a.id])).content.decode()
    assert "《炼焦化学工业污染物排放标准》GB 16171-2012" in page
    assert "GB16171-2012:coke-oven:special" not in page
