"""One archive holds a whole installation: the database, the uploaded files and the secret that seals SM4 keys.

The archive is a plain tar: ``manifest.json`` first (format, when, which database engine, every table's row
count, every file's size and SHA-256), then ``database/`` (the SQLite file, or a ``pg_dump`` custom-format dump),
``media/`` (evidence and other uploads) and ``secret/secret_key`` (the SECRET_KEY that seals SM4 keys and salts
device password hashes: without it a restored installation cannot open either).

Backups are taken while the web, worker and receiver processes keep writing, and are consistent:
- SQLite: the sqlite3 online backup API copies the database in one read transaction (WAL lets writers go on);
  the row counts are read from that copy.
- PostgreSQL: a REPEATABLE READ transaction exports its snapshot; the row counts are read in it and ``pg_dump
  --snapshot`` dumps exactly that snapshot.
The files are copied after the database, so every file the database names is in the archive.

A restore checks the whole archive against its manifest before it changes anything, refuses a target that holds
data unless forced, and checks the restored tables' row counts against the manifest.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

import psycopg
from django.conf import settings

from lanqing.config import env_str

FORMAT = "lanqing-backup"
VERSION = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database/lanqing.sqlite3"
PG_MEMBER = "database/lanqing.pgdump"
SECRET_MEMBER = "secret/secret_key"
MEDIA_PREFIX = "media/"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """The backup or restore did not happen; the message says why, for the operator. `changed`: a restore failed
    after it had begun to replace the target (which must then be restored again)."""

    def __init__(self, message: str, *, changed: bool = False) -> None:
        super().__init__(message)
        self.changed = changed


@dataclass(frozen=True)
class Target:
    """Where an installation keeps its data: the database settings, the uploads folder and the data folder."""

    database: dict[str, Any]
    media_root: Path
    data_dir: Path
    secret_key: str
    secret_from_environment: bool

    @property
    def engine(self) -> str:
        return "sqlite" if self.database["ENGINE"].endswith("sqlite3") else "postgresql"


def target_from_settings() -> Target:
    return Target(database=settings.DATABASES["default"], media_root=Path(settings.MEDIA_ROOT),
                  data_dir=Path(settings.DATA_DIR), secret_key=settings.SECRET_KEY,
                  secret_from_environment=bool(env_str("LANQING_SECRET_KEY", "")))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


# --- SQLite ---------------------------------------------------------------------------------------------------------

def _sqlite_tables(connection: sqlite3.Connection) -> list[str]:
    rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                              "ORDER BY name").fetchall()
    return [name for (name,) in rows]


def _sqlite_counts(path: Path) -> dict[str, int]:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
        return {table: connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
                for table in _sqlite_tables(connection)}


def _sqlite_copy(source: Path, destination: Path) -> None:
    """Copies a live database with the online backup API: one consistent state, whatever others write."""
    with closing(sqlite3.connect(source, timeout=60)) as origin, closing(sqlite3.connect(destination)) as copy:
        origin.backup(copy)


def _sqlite_snapshot(target: Target, work: Path) -> tuple[Path, dict[str, int]]:
    source = Path(target.database["NAME"])
    if not source.exists():
        raise BackupError(f"the SQLite database {source} does not exist")
    snapshot = work / "lanqing.sqlite3"
    try:
        _sqlite_copy(source, snapshot)
    except sqlite3.Error as error:
        raise BackupError(f"cannot copy the SQLite database {source}: {error}") from error
    return snapshot, _sqlite_counts(snapshot)


# --- PostgreSQL -----------------------------------------------------------------------------------------------------

def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} was not found on PATH: install the PostgreSQL client programs of the server's "
                          f"major version or newer (Debian: apt-get install postgresql-client)")
    return found


def _pg_environment(database: dict[str, Any]) -> dict[str, str]:
    environment = dict(os.environ)
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD"),
                          ("NAME", "PGDATABASE")):
        if database.get(key):
            environment[variable] = str(database[key])
    if database.get("OPTIONS", {}).get("sslmode"):
        environment["PGSSLMODE"] = database["OPTIONS"]["sslmode"]
    return environment


def _pg_connect(database: dict[str, Any]) -> psycopg.Connection:
    options = {key: value for key, value in database.get("OPTIONS", {}).items() if key == "sslmode"}
    try:
        return psycopg.connect(dbname=database["NAME"], user=database.get("USER") or None,
                               password=database.get("PASSWORD") or None, host=database.get("HOST") or None,
                               port=database.get("PORT") or None, **options)
    except psycopg.Error as error:
        raise BackupError(f"cannot connect to PostgreSQL {database['NAME']}: {error}") from error


def _pg_counts(connection) -> dict[str, int]:
    tables = [name for (name,) in connection.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename").fetchall()]
    counts = {}
    for table in tables:
        row = connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()
        counts[table] = row[0] if row else 0
    return counts


def _run(command: list[str], environment: dict[str, str], what: str) -> None:
    done = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        reason = " ".join(done.stderr.strip().splitlines()[-3:]) or f"exit status {done.returncode}"
        raise BackupError(f"{what} failed: {reason}")


def _pg_snapshot(target: Target, work: Path) -> tuple[Path, dict[str, int]]:
    pg_dump = _pg_tool("pg_dump")
    dump = work / "lanqing.pgdump"
    with closing(_pg_connect(target.database)) as connection:
        connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        connection.read_only = True
        row = connection.execute("SELECT pg_export_snapshot()").fetchone()
        assert row is not None
        snapshot = row[0]
        counts = _pg_counts(connection)
        # The dump sees exactly the snapshot the counts were read in, while this transaction stays open.
        _run([pg_dump, "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
              f"--file={dump}"], _pg_environment(target.database), "pg_dump")
        connection.rollback()
    return dump, counts


# --- making an archive ----------------------------------------------------------------------------------------------

def _media_files(root: Path) -> Iterator[tuple[str, Path]]:
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield MEDIA_PREFIX + path.relative_to(root).as_posix(), path


def _add(archive: tarfile.TarFile, name: str, data: bytes | None = None, path: Path | None = None,
         mode: int = 0o644) -> None:
    info = tarfile.TarInfo(name)
    info.mode, info.mtime = mode, int(datetime.now(UTC).timestamp())
    if data is not None:
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
        return
    assert path is not None
    info.size = path.stat().st_size
    with path.open("rb") as handle:
        archive.addfile(info, handle)


def backup_create(destination: Path, target: Target | None = None) -> dict[str, Any]:
    """Writes the archive to `destination` (a new file, readable by its owner only); returns the manifest."""
    target = target or target_from_settings()
    destination = destination.resolve()
    if destination.exists():
        raise BackupError(f"{destination} exists; give a new file name (backups are never overwritten)")
    if not destination.parent.is_dir():
        raise BackupError(f"the folder {destination.parent} does not exist")
    with tempfile.TemporaryDirectory(dir=destination.parent, prefix=".lanqing-backup-") as folder:
        work = Path(folder)
        if target.engine == "sqlite":
            database, counts = _sqlite_snapshot(target, work)
            member = SQLITE_MEMBER
        else:
            database, counts = _pg_snapshot(target, work)
            member = PG_MEMBER
        secret = target.secret_key.encode("utf-8")
        files = [(name, path, path.stat().st_size, _sha256(path)) for name, path in _media_files(target.media_root)]
        manifest = {
            "format": FORMAT, "version": VERSION, "created_at": datetime.now(UTC).isoformat(),
            "engine": target.engine, "tables": counts,
            "database": {"name": member, "size": database.stat().st_size, "sha256": _sha256(database)},
            "secret": {"name": SECRET_MEMBER, "size": len(secret), "sha256": hashlib.sha256(secret).hexdigest(),
                       "from_environment": target.secret_from_environment},
            "files": [{"name": name, "size": size, "sha256": digest} for name, _path, size, digest in files],
        }
        partial = work / "archive.tar"
        # The archive holds the secret key: only its owner may read it.
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle, tarfile.open(fileobj=handle, mode="w", format=tarfile.PAX_FORMAT) \
                as archive:
            _add(archive, MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8"))
            _add(archive, member, path=database, mode=0o600)
            _add(archive, SECRET_MEMBER, secret, mode=0o600)
            for name, path, _size, _digest in files:
                _add(archive, name, path=path)
        os.replace(partial, destination)
    return manifest


# --- checking an archive --------------------------------------------------------------------------------------------

def _safe_name(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and name == path.as_posix()


def archive_check(source: Path, work: Path) -> dict[str, Any]:
    """Unpacks the archive into `work` and checks every member against the manifest; returns the manifest."""
    try:
        archive = tarfile.open(source, mode="r:")
    except FileNotFoundError:
        raise BackupError(f"{source} does not exist") from None
    except (tarfile.TarError, OSError) as error:
        raise BackupError(f"{source} is not a lanqing backup (not a tar archive: {error})") from None
    with archive:
        try:
            first = archive.next()
            if first is None or first.name != MANIFEST or not first.isfile():
                raise BackupError(f"{source} is not a lanqing backup: {MANIFEST} is not its first member")
            handle = archive.extractfile(first)
            assert handle is not None
            manifest = json.loads(handle.read().decode("utf-8"))
        except (ValueError, UnicodeDecodeError, tarfile.TarError) as error:
            raise BackupError(f"{source}: the manifest cannot be read: {error}") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise BackupError(f"{source} is not a lanqing backup (its manifest names another format)")
        if manifest.get("version") != VERSION:
            raise BackupError(f"{source} is a backup of format version {manifest.get('version')}; this lanqing "
                              f"reads version {VERSION}")
        try:
            expected = {entry["name"]: (entry["size"], entry["sha256"])
                        for entry in [manifest["database"], manifest["secret"], *manifest["files"]]}
            if not isinstance(manifest["tables"], dict):
                raise TypeError("tables")
        except (KeyError, TypeError) as error:
            raise BackupError(f"{source}: the manifest is incomplete ({error})") from None
        seen: set[str] = set()
        try:
            for member in archive:
                if member is first:
                    continue
                if not member.isfile() or not _safe_name(member.name) or member.name not in expected:
                    raise BackupError(f"{source}: the member {member.name!r} is not in the manifest")
                if member.name in seen:
                    raise BackupError(f"{source}: the member {member.name!r} appears twice")
                seen.add(member.name)
                size, digest = expected[member.name]
                target = work / member.name
                target.parent.mkdir(parents=True, exist_ok=True)
                reader = archive.extractfile(member)
                assert reader is not None
                hasher = hashlib.sha256()
                with target.open("wb") as out:
                    while block := reader.read(CHUNK):
                        hasher.update(block)
                        out.write(block)
                if member.size != size or hasher.hexdigest() != digest:
                    raise BackupError(f"{source}: {member.name} does not match its checksum in the manifest "
                                      f"(the archive is damaged)")
        except (tarfile.TarError, OSError, EOFError) as error:
            raise BackupError(f"{source}: the archive is damaged or cut short ({error})") from None
        missing = sorted(set(expected) - seen)
        if missing:
            raise BackupError(f"{source}: the archive lacks {len(missing)} member(s) of its manifest, "
                              f"first {missing[0]} (the archive is cut short)")
    return manifest


# --- restoring ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Contents:
    tables_with_rows: int
    files: int

    @property
    def empty(self) -> bool:
        return not self.tables_with_rows and not self.files


def target_contents(target: Target) -> Contents:
    if target.engine == "sqlite":
        path = Path(target.database["NAME"])
        counts = _sqlite_counts(path) if path.exists() and path.stat().st_size else {}
    else:
        with closing(_pg_connect(target.database)) as connection:
            counts = _pg_counts(connection)
    return Contents(sum(1 for count in counts.values() if count), sum(1 for _ in _media_files(target.media_root)))


def _restore_sqlite(target: Target, dump: Path) -> dict[str, int]:
    path = Path(target.database["NAME"])
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # The backup API writes the restored pages into the target (and its WAL) as one transaction.
        _sqlite_copy(dump, path)
    except sqlite3.Error as error:
        raise BackupError(f"cannot write the SQLite database {path}: {error}") from error
    return _sqlite_counts(path)


def _restore_postgresql(target: Target, dump: Path) -> dict[str, int]:
    pg_restore = _pg_tool("pg_restore")
    with closing(_pg_connect(target.database)) as connection:
        tables = list(_pg_counts(connection))
        if tables:
            connection.execute("DROP TABLE " + ", ".join(f'"{table}"' for table in tables) + " CASCADE")
            connection.commit()
    _run([pg_restore, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
          f"--dbname={target.database['NAME']}", str(dump)], _pg_environment(target.database), "pg_restore")
    with closing(_pg_connect(target.database)) as connection:
        return _pg_counts(connection)


def _restore_files(target: Target, manifest: dict[str, Any], work: Path) -> None:
    if target.media_root.exists():
        shutil.rmtree(target.media_root)
    target.media_root.mkdir(parents=True)
    for entry in manifest["files"]:
        destination = target.media_root / entry["name"][len(MEDIA_PREFIX):]
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(work / entry["name"], destination)


def _restore_secret(target: Target, secret: str) -> None:
    key_file = target.data_dir / "secret_key"
    descriptor = os.open(key_file.with_suffix(".new"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(secret)
    os.replace(key_file.with_suffix(".new"), key_file)


def backup_restore(source: Path, *, force: bool = False, target: Target | None = None) -> dict[str, Any]:
    """Restores the archive into this installation; returns the manifest. Nothing is changed when the archive
    does not check out, when its database engine differs from this one's, or (without `force`) when the target
    already holds data."""
    target = target or target_from_settings()
    target.data_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.data_dir, prefix=".lanqing-restore-") as folder:
        work = Path(folder)
        manifest = archive_check(source, work)
        if manifest["engine"] != target.engine:
            raise BackupError(f"the archive holds a {manifest['engine']} database and this installation uses "
                              f"{target.engine}; restore it into a {manifest['engine']} database")
        secret = (work / SECRET_MEMBER).read_text(encoding="utf-8")
        if target.secret_from_environment and secret != target.secret_key and not force:
            raise BackupError("this installation takes its secret key from LANQING_SECRET_KEY (or _FILE), and it is "
                              "not the archive's: sealed SM4 keys and device passwords would not open. Set it to "
                              f"the archive's ({SECRET_MEMBER} in the archive), or give --force")
        contents = target_contents(target)
        if not contents.empty and not force:
            raise BackupError(f"the target is not empty ({contents.tables_with_rows} tables with rows, "
                              f"{contents.files} uploaded files): restore into an empty database and data folder, "
                              "or give --force to replace what is there")
        try:
            _replace(target, manifest, work, secret)
        except BackupError as error:
            raise BackupError(f"{error}; the target was partly replaced: restore again with --force",
                              changed=True) from error
        except OSError as error:
            raise BackupError(f"cannot write the uploaded files or the secret key: {error}; the target was partly "
                              "replaced: restore again with --force", changed=True) from error
    return manifest


def _replace(target: Target, manifest: dict[str, Any], work: Path, secret: str) -> None:
    dump = work / manifest["database"]["name"]
    restored = (_restore_sqlite if target.engine == "sqlite" else _restore_postgresql)(target, dump)
    if restored != manifest["tables"]:
        wrong = sorted(name for name in set(restored) | set(manifest["tables"])
                       if restored.get(name) != manifest["tables"].get(name))
        raise BackupError(f"the restored database does not match the manifest: {len(wrong)} table(s) differ, "
                          f"first {wrong[0]} ({restored.get(wrong[0])} rows, manifest "
                          f"{manifest['tables'].get(wrong[0])})")
    _restore_files(target, manifest, work)
    if not target.secret_from_environment:
        _restore_secret(target, secret)
