"""Stored system text (lanqing.texts): rendered in the reader's language, numbers for people, names in two
languages and nested texts."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from django.utils.translation import trans_real

from lanqing import texts
from lanqing.texts import gettext_noop

CJK = re.compile(r"[\u3400-\u9fff]")
OFFLINE = gettext_noop("%(site)s device %(mn)s sent nothing since %(time)s")
EXCEEDANCE = gettext_noop("%(site)s %(factor)s %(value)s above the limit %(limit)s (%(time)s)")


def _in(language, stored):
    with translation.override(language):
        return texts.render(stored)


@pytest.mark.parametrize(("value", "en", "zh"), [
    (62500.0, "62,500", "62500"),
    (133.3333, "133.3", "133.3"),
    (3.14159, "3.142", "3.142"),
    (0.0001234, "0.0001234", "0.0001234"),
    (-12.5, "-12.5", "-12.5"),
    (7, "7", "7"),
    (None, "—", "—"),
    (float("nan"), "—", "—"),
])
def test_numbers_are_written_for_people_in_each_locale_without_exponents(value, en, zh):
    with translation.override("en"):
        assert texts.number(value) == en
    with translation.override("zh-hans"):
        assert texts.number(value) == zh


def test_a_measured_value_in_a_sentence_is_formatted_for_the_reader():
    stored = texts.message(EXCEEDANCE, site="甲公司焦炉烟囱", factor=texts.names(zh="二氧化硫", en="Sulfur dioxide"),
                           value=62500.0, limit=100.0, time="06-10 08:00")
    english, chinese = _in("en", stored), _in("zh-hans", stored)
    assert "Sulfur dioxide 62,500 above the limit 100" in english
    assert "e+" not in english
    assert "二氧化硫" in chinese
    assert "62500" in chinese
    assert "Sulfur" not in chinese
    assert "e+" not in chinese


def test_a_nested_text_is_rendered_in_the_same_language_as_its_sentence():
    stored = texts.message(OFFLINE, site="县城空气站", mn="MNAIR01", time=texts.message(gettext_noop("never")))
    english, chinese = _in("en", stored), _in("zh-hans", stored)
    assert english == "县城空气站 device MNAIR01 sent nothing since never"
    assert chinese == "县城空气站 设备 MNAIR01 未上传数据（最后通信时间：无）"


def test_a_name_kept_in_two_languages_follows_the_reader_and_falls_back_to_chinese():
    assert _in("en", texts.message("%(x)s", x=texts.names(zh="氨氮", en="Ammonia nitrogen"))) == "Ammonia nitrogen"
    assert _in("zh-hans", texts.message("%(x)s", x=texts.names(zh="氨氮", en="Ammonia nitrogen"))) == "氨氮"
    assert _in("en", texts.message("%(x)s", x=texts.names(zh="氨氮", en=""))) == "氨氮"


def test_times_and_lists_are_shown_in_local_time_with_the_readers_separator(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    moment = datetime(2025, 6, 10, 0, 30, tzinfo=ZoneInfo("UTC"))
    stored = texts.message("%(a)s|%(b)s|%(c)s", a=texts.moment(moment), b=texts.moment(moment, precision="date"),
                           c=texts.items(["COD", "TP"]))
    assert _in("en", stored) == "06-10 08:30|2025-06-10|COD, TP"
    assert _in("zh-hans", stored) == "06-10 08:30|2025-06-10|COD、TP"


def test_a_drifted_catalogue_entry_shows_the_source_text_instead_of_failing():
    key = gettext_noop("Case %(number)s reopened")
    catalogue = trans_real.translation("zh-hans")._catalog
    good = catalogue[key]
    catalogue[key] = "督办单 %(case_number)s 已重新打开"  # a translator renamed the placeholder
    try:
        assert _in("zh-hans", texts.message(key, number="DB2025000001")) == "Case DB2025000001 reopened"
    finally:
        catalogue[key] = good
    assert _in("zh-hans", texts.message(key, number="DB2025000001")) == good % {"number": "DB2025000001"}


def test_a_stored_text_whose_parameters_no_longer_fit_shows_its_key():
    assert _in("en", {"key": "Case %(number)s reopened", "params": {"old_name": "x"}}) == "Case %(number)s reopened"


def test_typed_text_is_shown_as_typed_in_every_language():
    assert _in("en", "焦炉烟囱冒黄烟") == "焦炉烟囱冒黄烟"
    assert _in("zh-hans", "") == ""
    assert texts.split("焦炉烟囱冒黄烟") == ("焦炉烟囱冒黄烟", None)


def test_the_plain_copy_of_a_system_text_is_in_the_installations_language(settings):
    settings.LANGUAGE_CODE = "zh-hans"
    stored = texts.message(gettext_noop("Routed by the responsibility matrix."))
    with translation.override("en"):
        plain, kept = texts.split(stored)
    assert kept == stored
    assert CJK.search(plain)
    assert "Routed" not in plain


