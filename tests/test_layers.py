"""The import layers of .importlinter (docs/architecture.md) hold, and an import against them fails the check.

`lint-imports` runs on the source tree as it is, then on copies with one offending change each: an app importing
the app above it, a library importing Django, a new app not placed in a layer.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "lanqing"
LINT = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    """`lint-imports` with the contracts of `tree`/.importlinter, reading the package under `tree`/src."""
    path = os.pathsep.join(filter(None, [str(tree / "src"), os.environ.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, "-c", LINT, "--no-cache"], cwd=tree, env=dict(os.environ, PYTHONPATH=path),
                          capture_output=True, text=True, timeout=120)


def test_the_source_tree_keeps_every_contract():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.fixture
def tree(tmp_path) -> Path:
    """A copy of the contracts and of the package's Python modules."""
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")

    def not_python(folder: str, names: list[str]) -> list[str]:
        return [name for name in names if name == "__pycache__"
                or not (name.endswith(".py") or (Path(folder) / name).is_dir())]

    shutil.copytree(PACKAGE, tmp_path / "src" / "lanqing", ignore=not_python)
    return tmp_path


def _append(tree: Path, module: str, line: str) -> None:
    path = tree / "src" / "lanqing" / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")


def test_an_app_importing_the_app_above_it_breaks_the_layers(tree):
    _append(tree, "alerts/models.py", "from lanqing.cases.models import Case  # noqa: E402,F401")
    result = lint_imports(tree)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Each layer imports only the layers below it BROKEN" in result.stdout
    assert "lanqing.alerts.models -> lanqing.cases.models" in result.stdout


def test_an_import_inside_a_function_counts_too(tree):
    _append(tree, "org/views.py", "def sites(user):\n    from lanqing.monitoring.selectors import sites_visible_to\n"
                                  "    return sites_visible_to(user)")
    result = lint_imports(tree)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "lanqing.org.views -> lanqing.monitoring.selectors" in result.stdout


def test_a_library_importing_django_breaks_its_contract(tree):
    _append(tree, "tabular.py", "from django.utils import timezone  # noqa: E402,F401")
    result = lint_imports(tree)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "import no Django BROKEN" in result.stdout
    assert "lanqing.tabular -> django" in result.stdout


def test_a_new_app_must_be_given_a_layer(tree):
    portal = tree / "src" / "lanqing" / "portal"
    portal.mkdir()
    (portal / "__init__.py").write_text("")
    result = lint_imports(tree)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "lanqing.portal" in result.stdout
