"""The README documents every environment variable and exactly two set-up commands."""

import re
from pathlib import Path

from lanqing.config import VARIABLES

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_environment_variable_is_in_the_configuration_table():
    for variable in VARIABLES:
        assert f"| `{variable.name}` | {variable.default} | {variable.meaning} |" in README


def test_the_readme_names_exactly_two_set_up_commands():
    section = README.split("## Two commands", 1)[1].split("## ", 1)[0]
    assert re.findall(r"```\n(.+?)\n```", section) == ["python3 dev.py demo", "python3 dev.py test"]


def test_ci_runs_the_readme_test_command():
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text()
    assert "python3 dev.py test" in ci
