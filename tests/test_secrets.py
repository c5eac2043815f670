"""No secret is committed, and none is generated inside the source tree or the installed package."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import lanqing

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = Path(lanqing.__file__).resolve().parent

SECRET_NAMES = re.compile(r"(^|/)(secret_key|\.env|id_(rsa|dsa|ecdsa|ed25519)|[^/]*\.(pem|key|p12|pfx|keystore))$")
PRIVATE_KEY = re.compile(rb"-----BEGIN [A-Z ]*PRIVATE KEY-----")
# A file that holds nothing but one long random-looking token, as a generated secret key file does.
LONE_TOKEN = re.compile(rb"\s*[A-Za-z0-9_\-+/=]{32,}\s*")


def tracked_files() -> list[str]:
    try:
        listing = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [name for name in listing.stdout.decode().split("\0") if name]


def looks_like_a_secret(name: str, content: bytes) -> bool:
    return bool(SECRET_NAMES.search(name) or PRIVATE_KEY.search(content)
                or (len(content) < 512 and LONE_TOKEN.fullmatch(content)))


def test_the_checker_recognises_secrets_and_passes_ordinary_files():
    assert looks_like_a_secret("src/lanqing/var/secret_key", b"x")
    assert looks_like_a_secret("deploy/server.pem", b"")
    assert looks_like_a_secret("notes.txt", b"-----BEGIN RSA " + b"PRIVATE KEY-----\nMIIE\n")
    assert looks_like_a_secret("token", b"Zq3v8Jp0_Wm2Rk7Tn5Yb1Xc4Hs6Lf9Gd8Ae0Qw3Ut2\n")
    assert not looks_like_a_secret("src/lanqing/texts.py", (PACKAGE / "texts.py").read_bytes())
    assert not looks_like_a_secret("README.md", b"# lanqing\n")


def test_no_tracked_file_looks_like_a_secret_or_a_key():
    suspects = [name for name in tracked_files()
                if (ROOT / name).is_file() and looks_like_a_secret(name, (ROOT / name).read_bytes())]
    assert suspects == []


def test_var_folders_are_ignored_at_any_depth():
    paths = ["src/lanqing/var/secret_key", "var/lanqing.sqlite3", "deploy/var/media/photo.jpg"]
    result = subprocess.run(["git", "check-ignore", "--no-index", *paths], cwd=ROOT, capture_output=True, text=True)
    if result.returncode == 128:
        pytest.skip("not a git checkout")
    assert result.stdout.split() == paths


def _lanqing(*argv, cwd: Path, **env):
    environment = {k: v for k, v in os.environ.items() if k not in ("LANQING_DATA_DIR", "LANQING_DATABASE_URL")}
    return subprocess.run([sys.executable, "-m", "lanqing", *argv], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env=dict(environment, **env))


def test_a_command_started_inside_the_package_refuses_to_make_secrets_there():
    before = set(PACKAGE.rglob("*"))
    result = _lanqing("init", cwd=PACKAGE)
    assert result.returncode == 2
    assert "LANQING_DATA_DIR" in result.stderr
    assert "inside the lanqing package" in result.stderr
    assert "Traceback" not in result.stderr
    created = [path for path in set(PACKAGE.rglob("*")) - before if "__pycache__" not in path.parts]
    assert created == []


def test_a_data_folder_named_inside_the_package_is_refused(tmp_path):
    result = _lanqing("init", cwd=tmp_path, LANQING_DATA_DIR=str(PACKAGE / "var"))
    assert result.returncode == 2
    assert "inside the lanqing package" in result.stderr
    assert not (PACKAGE / "var").exists()


def test_a_relative_data_folder_is_resolved_against_the_starting_directory(tmp_path):
    result = _lanqing("init", cwd=tmp_path, LANQING_DATA_DIR="data/here")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data" / "here" / "secret_key").is_file()
    assert (tmp_path / "data" / "here" / "lanqing.sqlite3").is_file()
