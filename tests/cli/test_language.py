"""The command line speaks the site's language: Chinese by default, English with LANQING_LANGUAGE=en, in its
help, its own messages and the messages of the services it calls."""

from __future__ import annotations

import pytest

# On a SQLite file of its own, whatever the run's database: the PostgreSQL run leaves it out.
pytestmark = pytest.mark.own_sqlite


def test_help_is_in_chinese_by_default_and_in_english_on_request(lanqing):
    chinese = lanqing("--help")
    assert chinese.returncode == 0
    assert "县域生态环境保护工作平台" in chinese.stdout
    assert "提供网站和 JSON API 服务" in chinese.stdout
    english = lanqing("--help", language="en")
    assert "the ecological-environment protection platform of a county" in english.stdout
    assert "serve the web site and the JSON API" in english.stdout
    assert "县域" not in english.stdout


def test_a_command_reports_in_chinese_by_default_and_in_english_on_request(lanqing, tmp_path):
    password = tmp_path / "password"
    password.write_text("Gu-county-2026-lanqing!")
    argv = ("createuser", "clerk", "--role", "bureau", "--scope", "没有这个单位", "--password-file", str(password))
    # The refusal comes from the accounts service, through Django's translation.
    assert "没有名为 '没有这个单位' 的单位" in lanqing(*argv).stderr
    assert "no unit named '没有这个单位'" in lanqing(*argv, language="en").stderr
    # The CLI's own messages.
    assert "无法读取" in lanqing("registry", "import", str(tmp_path / "missing.xlsx")).stderr
    assert "cannot read" in lanqing("registry", "import", str(tmp_path / "missing.xlsx"), language="en").stderr
    done = lanqing("createuser", "clerk", "--role", "bureau", "--scope", "临汾市生态环境局古县分局",
                   "--password-file", str(password))
    assert done.returncode == 0
    assert "已创建用户 clerk" in done.stdout


def test_a_bad_language_stops_the_command_with_the_variable_named(lanqing):
    result = lanqing("check", language="fr")
    assert result.returncode == 2
    assert "LANQING_LANGUAGE" in result.stderr
