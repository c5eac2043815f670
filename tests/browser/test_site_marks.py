"""An outlet's chart in a real browser shades the periods under its valid data marks, labelled with their kind in
the reader's language, beside the limit line; the table badges the excused values. As the enterprise and the
bureau, both languages, desk and phone widths, nothing wider than the screen. Screenshots go to
/tmp/site-marks-*.png for a person to look at."""

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.browser.test_marks import WIDER, _login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp")
PDF = b"%PDF-1.4\n% maintenance plan\n%%EOF\n"
START = datetime(2026, 1, 5, 0, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
H = timedelta(hours=1)
# The chart's option as ECharts holds it: the bands' labels and where they start and end.
BANDS = """() => {
  const option = echarts.getInstanceByDom(document.getElementById('site-chart')).getOption();
  const area = option.series[0].markArea;
  return area ? area.data.map((band) => [band[0].name, band[0].xAxis, band[1].xAxis]) : [];
}"""


@pytest.mark.parametrize("who", ["enterprise_a", "bureau"])
def test_the_outlet_chart_shades_its_marks_in_both_languages_on_desk_and_phone(cast, live_server, browser, who):
    from lanqing.monitoring.marks import mark_create
    from lanqing.monitoring.models import Factor, Measurement, Site

    Site.objects.filter(id=cast.outlet_a.id).update(limit_set="GB13223-2011:special:coal")  # SO2 50 at 6 % O2
    point = cast.outlet_a.points.get()
    so2, o2 = Factor.objects.get(code="a21026"), Factor.objects.get(code="a19001")
    rows = []
    for hour in range(48):
        # Over the limit while the desulphuriser is serviced (hours 10-15) and once unexcused (hour 30).
        value = 180.0 if 10 <= hour < 16 else 120.0 if hour == 30 else 30.0 + hour % 5
        rows += [Measurement(point=point, factor=so2, period="hour", time=START + hour * H, value=value, flag="N"),
                 Measurement(point=point, factor=o2, period="hour", time=START + hour * H, value=6.0, flag="N")]
    Measurement.objects.bulk_create(rows)
    enterprise = cast.users["enterprise_a"]
    mark_create(by=enterprise, site=cast.outlet_a, kind="maintenance", reason="脱硫塔季度检修",
                starts_at=START + 10 * H, ends_at=START + 16 * H, document=("检修计划.pdf", PDF), now=START)
    mark_create(by=enterprise, site=cast.outlet_a, kind="production_stopped", reason="焦炉停产",
                starts_at=START + 40 * H, ends_at=START + 44 * H, document=("停产通知.pdf", PDF), now=START)
    labels = {"zh-hans": ("维护", "停产"), "en": ("Maintenance", "Production stopped")}
    for language in ("zh-hans", "en"):
        for width in (1440, 390):
            context, page = _login(browser, live_server, who, language=language, width=width)
            page.goto(f"{live_server.url}/monitoring/sites/{cast.outlet_a.id}/?factor=a21026&period=hour&days=7")
            page.wait_for_function("() => document.querySelector('#site-chart').dataset.rendered !== undefined")
            chart = page.get_by_test_id("site-chart")
            assert chart.get_attribute("data-rendered") == "chart"
            assert chart.get_attribute("data-mark-areas") == "2"
            assert chart.get_attribute("data-exceed-marks") == "1"  # the serviced hours are excused, not pinned
            assert page.evaluate(BANDS) == [[labels[language][0], "2026-01-05 10:00", "2026-01-05 16:00"],
                                            [labels[language][1], "2026-01-06 16:00", "2026-01-06 20:00"]]
            assert page.get_by_test_id("mark-legend").is_visible()
            # The newest 48 values are the whole two days: 6 under maintenance, 4 under the stop.
            assert page.get_by_test_id("under-mark").count() == 10
            overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{who} {language} {width}px: {overflow}px too wide: {page.evaluate(WIDER)}"
            chart.scroll_into_view_if_needed()
            page.screenshot(path=str(SHOTS / f"site-marks-{who}-{language}-{width}.png"), full_page=True)
            context.close()
