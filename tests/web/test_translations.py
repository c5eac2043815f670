"""The zh-Hans catalogue is complete: every message marked in the code has a Chinese translation."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "lanqing"
CATALOGUE = PACKAGE / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


@pytest.mark.skipif(shutil.which("msgmerge") is None, reason="needs GNU gettext (dev.py test installs it)")
def test_every_message_in_the_code_has_a_chinese_translation(tmp_path):
    # makemessages writes into every locale folder under its working directory, so it runs on a copy of the
    # package: the check must neither rewrite the real catalogue nor read back an unmerged copy of it.
    copy = tmp_path / "lanqing"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "vendor", "*.mo"))
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="tests.i18n_settings",
               LANQING_I18N_CHECK_DIR=str(copy / "locale"), PYTHONPATH=str(PACKAGE.parents[1]))
    before = CATALOGUE.read_bytes()
    subprocess.run([sys.executable, "-m", "django", "makemessages", "-l", "zh_Hans", "--no-obsolete"],
                   cwd=copy, env=env, check=True, capture_output=True)
    assert CATALOGUE.read_bytes() == before
    catalogue = polib.pofile(str(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert untranslated == [], f"{len(untranslated)} messages have no Chinese translation: {untranslated[:20]}"
    assert fuzzy == [], f"{len(fuzzy)} translations are marked fuzzy: {fuzzy[:20]}"


def test_the_catalogue_has_no_placeholder_mismatch():
    import re

    placeholder = re.compile(r"%\(\w+\)[sd]|\{\{\s*\w+\s*\}\}|%[sd]")
    for entry in polib.pofile(str(CATALOGUE)):
        if entry.msgstr:
            assert sorted(placeholder.findall(entry.msgid)) == sorted(placeholder.findall(entry.msgstr)), entry.msgid
        for _index, text in entry.msgstr_plural.items():
            assert sorted(set(placeholder.findall(entry.msgid_plural or entry.msgid))) == sorted(
                set(placeholder.findall(text))), entry.msgid
