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
    scratch = tmp_path / "zh_Hans" / "LC_MESSAGES"
    scratch.mkdir(parents=True)
    shutil.copyfile(CATALOGUE, scratch / "django.po")
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="tests.i18n_settings", LANQING_I18N_CHECK_DIR=str(tmp_path),
               PYTHONPATH=str(PACKAGE.parents[1]))
    subprocess.run([sys.executable, "-m", "django", "makemessages", "-l", "zh_Hans", "--no-obsolete"],
                   cwd=PACKAGE, env=env, check=True, capture_output=True)
    catalogue = polib.pofile(str(scratch / "django.po"))
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
