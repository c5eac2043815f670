"""A site page lists its devices a page at a time, with the transmission statistics of the devices shown."""

from django.urls import reverse
from django.utils import timezone

from lanqing.monitoring.models import Device, Factor, Span, TransmissionStat
from lanqing.ui.tables import PAGE_SIZE


def test_a_site_with_more_devices_than_a_page_shows_one_page_and_the_transmission_of_those_devices(cast, client_for):
    point = cast.air_station.points.get()
    # MNAIR01 is the site's own device: with these the site has PAGE_SIZE + 11 devices.
    extra = Device.objects.bulk_create([Device(mn=f"MNBULK{n:04d}", point=point, password_hash="-")
                                        for n in range(PAGE_SIZE + 10)])
    month = timezone.localdate().replace(day=1)
    factor = Factor.objects.get(code="a21026")
    on_first, on_second = Device.objects.get(mn="MNAIR01"), extra[-1]
    TransmissionStat.objects.bulk_create([
        TransmissionStat(device=device, factor=factor, span=Span.MONTH, start=month, expected=24, received=24,
                         valid=24, computed_at=timezone.now()) for device in (on_first, on_second)])
    client = client_for(cast.users["bureau"])
    url = reverse("monitoring:site", args=[cast.air_station.id])

    first = client.get(url).content.decode()
    assert first.count('data-testid="device-') == PAGE_SIZE
    assert str(PAGE_SIZE + 11) in first.split('class="pagination"', 1)[1].split("</nav>", 1)[0]
    assert 'data-testid="transmission-MNAIR01"' in first
    assert f"<h3>{on_second.mn}</h3>" not in first

    second = client.get(url, {"page": 2}).content.decode()
    assert second.count('data-testid="device-') == 11
    assert f'data-testid="transmission-{on_second.mn}"' in second
    assert 'data-testid="device-MNAIR01"' not in second
    assert 'data-testid="transmission-MNAIR01"' not in second
