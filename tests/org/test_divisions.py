"""Division lists: levels from the code, checked as a whole, loaded again without change; `init --county`."""

import os
import subprocess
import sys

import pytest
from django.utils import translation

from lanqing.org.divisions import DivisionError, divisions_load, level_of_code
from lanqing.org.models import Jurisdiction, Unit

STATISTICS_LIST = (
    "统计用区划代码,名称\n"
    "370000000000,山东省\n"
    "370100000000,济南市\n"
    "370102000000,历下区\n"
    "370102001000,解放路街道\n"
    "370102001001,解放路第一社区居委会\n"
)


def test_the_level_follows_from_the_code():
    assert [level_of_code(c) for c in ("370000000000", "370100000000", "370102000000", "370102001000",
                                       "370102001001")] == ["province", "city", "county", "township", "village"]


@pytest.mark.django_db
def test_a_statistics_bureau_list_loads_as_a_tree_and_again_without_change():
    first = divisions_load(STATISTICS_LIST.encode("gbk"))
    assert (first.created, first.updated, first.unchanged) == (5, 0, 0)
    village = Jurisdiction.objects.get(code="370102001001")
    assert village.level == "village"
    assert village.parent.name == "解放路街道"
    assert village.parent.parent.parent.parent.name == "山东省"
    again = divisions_load(STATISTICS_LIST.encode("utf-8"))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)
    renamed = divisions_load(STATISTICS_LIST.replace("解放路街道", "解放路街道办事处").encode())
    assert (renamed.created, renamed.updated, renamed.unchanged) == (0, 1, 4)


@pytest.mark.django_db
def test_a_bad_list_names_every_bad_line_and_writes_nothing():
    bad = ("code12,name,parent_code12,level\n"
           "370000000000,山东省,,province\n"
           "37010000000,济南市,370000000000,city\n"
           "370102000000,历下区,370000000000,county\n"
           "370102001000,,370102000000,township\n"
           "370102001001,社区,370102001000,township\n"
           "370000000000,山东省,,province\n"
           "420102001000,武汉某街道,,\n")
    with translation.override("en"), pytest.raises(DivisionError) as raised:
        divisions_load(bad.encode())
    errors = raised.value.errors
    assert any(e.startswith("line 3, column code12: '37010000000' is not a 12-digit division code") for e in errors)
    assert any(e.startswith("line 4, column parent_code12: 370000000000 is not the parent of 370102000000")
               for e in errors)
    assert any(e.startswith("line 5, column name: empty") for e in errors)
    assert any(e.startswith("line 6, column level: township does not match the code 370102001001") for e in errors)
    assert any(e.startswith("line 7, column code12: 370000000000 repeats line 2") for e in errors)
    assert any("line 8: the parent 420102000000 of 420102001000 is neither in the file nor stored" in e
               for e in errors)
    assert not Jurisdiction.objects.exists()


def _lanqing(tmp_path, *argv):
    env = dict(os.environ, LANQING_DATA_DIR=str(tmp_path), LANQING_DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
               LANQING_LANGUAGE="en")
    return subprocess.run([sys.executable, "-m", "lanqing", *argv], capture_output=True, text=True, timeout=180,
                          env=env)


def test_init_with_the_county_makes_the_readme_createuser_line_work(tmp_path):
    first = _lanqing(tmp_path, "init", "--county", "141025")
    assert first.returncode == 0, first.stderr
    assert "bureau unit created: 临汾市生态环境局古县分局" in first.stdout
    again = _lanqing(tmp_path, "init", "--county", "141025")
    assert again.returncode == 0
    assert "0 divisions added, 0 renamed, 86 unchanged" in again.stdout
    password = tmp_path / "pw"
    password.write_text("a-long-enough-password-1")
    user = _lanqing(tmp_path, "createuser", "admin", "--role", "bureau", "--scope", "临汾市生态环境局古县分局",
                    "--superuser", "--password-file", str(password))
    assert user.returncode == 0, user.stderr


@pytest.mark.django_db
def test_init_never_makes_a_second_bureau():
    from lanqing.org.divisions import county_load
    from lanqing.org.units import county_bureau_ensure

    county, _loaded = county_load("141025000000")
    bureau, created = county_bureau_ensure(county=county)
    Unit.objects.filter(id=bureau.id).update(name="古县生态环境分局")
    again, created_again = county_bureau_ensure(county=county)
    assert created
    assert not created_again
    assert again.name == "古县生态环境分局"
    assert Unit.objects.filter(kind="bureau").count() == 1


def test_divisions_load_refuses_unknown_counties_and_bad_files_with_the_line(tmp_path):
    assert _lanqing(tmp_path, "init").returncode == 0
    unknown = _lanqing(tmp_path, "divisions", "load", "999999")
    assert unknown.returncode == 1
    assert "no division list for 999999 ships with lanqing" in unknown.stderr
    bad = tmp_path / "list.csv"
    bad.write_text("code,name\n14102510000,岳阳镇\n", encoding="utf-8")
    result = _lanqing(tmp_path, "divisions", "load", str(bad))
    assert result.returncode == 1
    assert "list.csv: line 2, column code: '14102510000' is not a 12-digit division code" in result.stderr
    missing = _lanqing(tmp_path, "divisions", "load", str(tmp_path / "nope.csv"))
    assert missing.returncode == 2
    assert "cannot read" in missing.stderr
    shipped = _lanqing(tmp_path, "divisions", "load", "141025")
    assert shipped.returncode == 0
    assert "86 divisions added" in shipped.stdout
