"""Back up and restore one database and its attachments as one archive (docs/backup.md).

A function of (database URL, attachments folder, target), used by ``zhanggui backup`` /
``zhanggui restore``, by base's daily job and page, and by hosting (one call per tenant).

The archive is a ``.tar.gz`` holding, in this order:

* ``manifest.json``: format version, engine, when, kernel version, installed addons,
  every table's row count, the database file's and every attachment's SHA-256;
* ``database.sqlite3`` (SQLite: a copy made with the online backup API) or
  ``database.pgdump`` (PostgreSQL: ``pg_dump --format=custom``);
* ``attachments/<path>``: every file of the attachments folder (base keeps them under
  ``ab/cd/<sha256>``).

What a backup captures: the data committed when it starts. SQLite copies the whole file
in one step under one read transaction; PostgreSQL counts rows and dumps inside one
exported snapshot (``pg_export_snapshot`` + ``pg_dump --snapshot``). Neither blocks the
application's writers. Attachment files are written once and never change, so copying
them after the snapshot gives every file the snapshot's rows point to.

A restore goes into an empty database only, checks everything it reads (members, hashes,
then row counts) and writes nothing when a check fails.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import urllib.parse
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from . import datacache

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DB_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
ATTACHMENTS = "attachments"
SUFFIX = ".tar.gz"
#: ``<label>-YYYYMMDD-HHMMSS[-n].tar.gz``: the archives :func:`prune` may remove.
NAME_RE = re.compile(r"^(?P<label>[\w-]+?)-(?P<stamp>\d{8}-\d{6})(?:-(?P<n>\d+))?\.tar\.gz$")
DEFAULT_ATTACHMENTS_DIR = "var/attachments"  # as base's attachments.storage
CHUNK = 1024 * 1024

#: ``progress(stage, done, total)``: stages ``database``, ``attachments``, ``archive``
#: (backup) and ``read``, ``database``, ``verify`` (restore).
Progress = Callable[[str, int, int], None]


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why, in one line."""


def _quiet(stage: str, done: int, total: int) -> None:
    pass


def attachments_dir(settings: dict | None) -> Path:
    """``zhanggui.attachments_dir`` (default ``var/attachments``), as base's storage reads it."""
    return Path((settings or {}).get("zhanggui.attachments_dir") or DEFAULT_ATTACHMENTS_DIR).expanduser().resolve()


def engine_of(db_url: str) -> str:
    name = sa.make_url(db_url).get_backend_name()
    if name not in DB_MEMBER:
        raise BackupError(f"cannot back up a {name} database: only SQLite and PostgreSQL")
    return name


def label_of(db_url: str) -> str:
    """The archives' name prefix: the SQLite file's stem or the PostgreSQL database's name."""
    url = sa.make_url(db_url)
    name = Path(url.database).stem if engine_of(db_url) == "sqlite" else url.database
    return re.sub(r"[^\w-]+", "_", name or "zhanggui").strip("_-") or "zhanggui"


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _attachment_files(root: Path) -> list[tuple[str, Path]]:
    """(path in the folder, file) of every regular file, hidden names (temporary uploads) left out."""
    if not root.is_dir():
        return []
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if not name.startswith(".") and path.is_file() and not path.is_symlink():
                found.append((path.relative_to(root).as_posix(), path))
    return found


# -- SQLite ------------------------------------------------------------------------------

def _sqlite_path(db_url: str) -> Path:
    database = sa.make_url(db_url).database
    if database in (None, "", ":memory:"):
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(database).expanduser().resolve()


def _read_only(path: Path) -> str:
    """A URI that opens ``path`` read-only, never creating it (``?`` or ``#`` in the name escaped)."""
    return f"file:{urllib.parse.quote(str(path))}?mode=ro"


def _sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]


def _sqlite_counts(conn: sqlite3.Connection) -> dict[str, int]:
    return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in _sqlite_tables(conn)}


def _sqlite_addons(conn: sqlite3.Connection) -> dict[str, str]:
    if "zg_addon" not in _sqlite_tables(conn):
        return {}
    return dict(conn.execute("SELECT name, version FROM zg_addon WHERE state = 'installed' ORDER BY name"))


def _sqlite_dump(db_url: str, target: Path) -> tuple[dict[str, int], dict[str, str]]:
    """Copy the database with the online backup API (one step: one consistent read)."""
    source = _sqlite_path(db_url)
    if not source.is_file():
        raise BackupError(f"database file {source} not found")
    src = sqlite3.connect(_read_only(source), uri=True, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)  # pages=-1: the whole file under one read transaction
        # A file that stands alone (no -wal beside it) and whose counts are those of the copy.
        dst.execute("PRAGMA journal_mode=DELETE")
        return _sqlite_counts(dst), _sqlite_addons(dst)
    finally:
        dst.close()
        src.close()


def _sqlite_check_empty(path: Path) -> None:
    if not path.exists() or path.stat().st_size == 0:
        return
    conn = sqlite3.connect(_read_only(path), uri=True)
    try:
        tables = _sqlite_tables(conn)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not an empty SQLite database ({exc})") from None
    finally:
        conn.close()
    if tables:
        raise BackupError(f"the database {path} is not empty: it has {_named(tables)}; "
                          f"restore only into a new or empty database")


def _named(things: list[str], limit: int = 5) -> str:
    shown = ", ".join(things[:limit]) + (", …" if len(things) > limit else "")
    return f"{len(things)} table(s) ({shown})"


def _bump_serial_sqlite(conn: sqlite3.Connection) -> None:
    if "zg_meta" in _sqlite_tables(conn):
        conn.execute("UPDATE zg_meta SET value = value + 1 WHERE key = 'registry_serial'")
        # What processes kept of the replaced data is dropped (core.datacache: a random step).
        conn.execute("UPDATE zg_meta SET value = value + ? WHERE key = ?",
                     (datacache.step(), datacache.DATA_KEY))


def _sqlite_restore(staged: Path, db_url: str, expected: dict[str, int], progress: Progress) -> None:
    """Check the staged copy, bump its serial, then copy it into the target with the backup API.

    The copy into the target is one step under one write transaction: other processes
    see an empty database or the whole restored one, nothing in between.
    """
    target = _sqlite_path(db_url)
    target.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(staged, isolation_level=None)
    try:
        _check_counts(_sqlite_counts(conn), expected)
        conn.execute("BEGIN")
        _bump_serial_sqlite(conn)
        conn.execute("COMMIT")
        progress("database", 0, 1)
        dst = sqlite3.connect(target, timeout=30)
        try:
            # Checked again under the write lock: nobody created a table meanwhile.
            dst.execute("BEGIN IMMEDIATE")
            tables = _sqlite_tables(dst)
            dst.execute("ROLLBACK")
            if tables:
                raise BackupError(f"the database {target} is not empty: it has {_named(tables)}")
            conn.backup(dst)
            _check_counts(_sqlite_counts(dst), expected)
        except sqlite3.Error as exc:
            raise BackupError(f"cannot write the database {target}: {exc}") from None
        finally:
            dst.close()
        progress("database", 1, 1)
    finally:
        conn.close()


# -- PostgreSQL --------------------------------------------------------------------------

def _libpq(url: sa.URL, database: str | None = None) -> tuple[str, dict[str, str]]:
    """A libpq connection string for pg_dump / pg_restore, and the environment (password)."""
    def quote(value: Any) -> str:
        return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"

    parts: dict[str, Any] = {"dbname": database or url.database, "host": url.host, "port": url.port,
                             "user": url.username}
    parts.update({k: v for k, v in url.query.items() if isinstance(v, str)})
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return " ".join(f"{k}={quote(v)}" for k, v in parts.items() if v not in (None, "")), env


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} not found on PATH: install the PostgreSQL client "
                          f"(Debian: apt install postgresql-client)")
    return path


def _tool_major(path: str) -> int:
    out = subprocess.run([path, "--version"], capture_output=True, text=True, check=False).stdout
    found = re.search(r"(\d+)(?:\.\d+)?", out)
    if not found:
        raise BackupError(f"cannot tell the version of {path}: {out.strip()!r}")
    return int(found.group(1))


def _check_tool(name: str, server_version_num: int) -> str:
    """The tool's path; refused when its major version is older than the server's."""
    path = _pg_tool(name)
    tool, server = _tool_major(path), server_version_num // 10000
    if tool < server:
        raise BackupError(f"{name} {tool} is older than the PostgreSQL {server} server: install "
                          f"postgresql-client-{server} and put its {name} first on PATH")
    return path


def _pg_engine(db_url: str, **kwargs) -> sa.Engine:
    from .db import create_engine

    return create_engine(db_url, poolclass=sa.pool.NullPool, **kwargs)


def _pg_relations(conn: sa.Connection) -> list[tuple[str, str, str]]:
    """(schema, name, relkind) of every table, view and sequence outside the system schemas."""
    return [tuple(r) for r in conn.execute(sa.text(
        "SELECT n.nspname, c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
        "AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%' ORDER BY 1, 2"))]


def _pg_tables(conn: sa.Connection) -> list[tuple[str, str]]:
    return [(s, n) for s, n, kind in _pg_relations(conn) if kind in ("r", "p")]


def _table_key(schema: str, name: str) -> str:
    return name if schema == "public" else f"{schema}.{name}"


def _pg_counts(conn: sa.Connection) -> dict[str, int]:
    return {_table_key(s, n): conn.execute(sa.text(f'SELECT count(*) FROM "{s}"."{n}"')).scalar_one()
            for s, n in _pg_tables(conn)}


def _pg_addons(conn: sa.Connection) -> dict[str, str]:
    if ("public", "zg_addon") not in _pg_tables(conn):
        return {}
    return dict(conn.execute(sa.text(
        "SELECT name, version FROM zg_addon WHERE state = 'installed' ORDER BY name")).all())


def _pg_dump(db_url: str, target: Path) -> tuple[dict[str, int], dict[str, str]]:
    """``pg_dump --format=custom`` inside a snapshot whose row counts go in the manifest."""
    url = sa.make_url(db_url)
    engine = _pg_engine(db_url)
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                conn.execute(sa.text("SET TRANSACTION READ ONLY"))
                snapshot = conn.execute(sa.text("SELECT pg_export_snapshot()")).scalar_one()
                pg_dump = _check_tool("pg_dump", int(conn.execute(sa.text("SHOW server_version_num")).scalar_one()))
                counts, addons = _pg_counts(conn), _pg_addons(conn)
                conninfo, env = _libpq(url)
                done = subprocess.run([pg_dump, "--format=custom", f"--snapshot={snapshot}", "--file", str(target),
                                       "--dbname", conninfo], env=env, capture_output=True, text=True, check=False)
                if done.returncode != 0:
                    raise BackupError(f"pg_dump failed: {_last_line(done.stderr)}")
    finally:
        engine.dispose()
    return counts, addons


def _last_line(text: str) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[-1] if lines else "no message"


@contextlib.contextmanager
def _pg_target(db_url: str) -> Iterator[bool]:
    """Make sure the target database exists and is empty; yields whether it was created here.

    A missing database is created (the user needs the CREATEDB right; else the operator
    creates it); it is dropped again if the restore fails.
    """
    url = sa.make_url(db_url)
    created = False
    engine = _pg_engine(db_url)
    try:
        with engine.connect() as conn:
            relations = _pg_relations(conn)
    except sa.exc.OperationalError as exc:
        engine.dispose()
        if f'"{url.database}" does not exist' not in str(exc):
            raise BackupError(f"cannot connect to {url.render_as_string(hide_password=True)}: "
                              f"{_last_line(str(exc.orig))}") from None
        _pg_admin(url, f'CREATE DATABASE "{url.database}"')
        created, relations = True, []
    finally:
        engine.dispose()
    if relations:
        raise BackupError(_not_empty(url.database, relations))
    try:
        yield created
    except BaseException:
        if created:
            _pg_admin(url, f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
        else:
            _pg_wipe(db_url)
        raise


def _pg_admin(url: sa.URL, statement: str) -> None:
    """Run CREATE / DROP DATABASE from the server's ``postgres`` database."""
    engine = _pg_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(statement)
    except sa.exc.DBAPIError as exc:
        raise BackupError(f"{statement.split(' IF ')[0].split(' WITH ')[0]} failed: {_last_line(str(exc.orig))}; "
                          f"create the empty database yourself and run the restore again") from None
    finally:
        engine.dispose()


def _pg_wipe(db_url: str) -> None:
    """Undo a failed restore into a database that was empty: drop what it left there."""
    engine = _pg_engine(db_url)
    try:
        with engine.begin() as conn:
            schemas = sorted({s for s, _n, _k in _pg_relations(conn)})
            for schema in schemas:
                conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
            if "public" in schemas:
                conn.exec_driver_sql("CREATE SCHEMA public")
    finally:
        engine.dispose()


def _pg_restore(staged: Path, db_url: str, expected: dict[str, int], progress: Progress) -> None:
    """pg_restore in one transaction, then check the counts and bump the serial (one transaction)."""
    url = sa.make_url(db_url)
    engine = _pg_engine(db_url)
    try:
        with engine.connect() as conn:
            pg_restore = _check_tool("pg_restore", int(conn.execute(sa.text("SHOW server_version_num")).scalar_one()))
    finally:
        engine.dispose()
    conninfo, env = _libpq(url)
    progress("database", 0, 1)
    done = subprocess.run([pg_restore, "--no-owner", "--no-acl", "--exit-on-error", "--single-transaction",
                           "--dbname", conninfo, str(staged)], env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {_last_line(done.stderr)}")
    engine = _pg_engine(db_url)
    try:
        with engine.begin() as conn:
            _check_counts(_pg_counts(conn), expected)
            if ("public", "zg_meta") in _pg_tables(conn):
                conn.execute(sa.text("UPDATE zg_meta SET value = value + 1 WHERE key = 'registry_serial'"))
                datacache.bump(conn)  # what processes kept of the replaced data is dropped
    finally:
        engine.dispose()
    progress("database", 1, 1)


def _check_counts(actual: dict[str, int], expected: dict[str, int]) -> None:
    if actual == expected:
        return
    wrong = [f"{t}: {actual.get(t, 'missing')} instead of {n}" for t, n in expected.items() if actual.get(t) != n]
    wrong += [f"{t}: not in the archive" for t in actual if t not in expected]
    raise BackupError("the restored database does not match the archive's manifest (" + "; ".join(wrong[:5]) + ")")


# -- backup ------------------------------------------------------------------------------

def _target(target: Path) -> tuple[Path, list[Path] | None]:
    """The folder of the archive, and its one possible name (a file target) or None (a folder)."""
    if target.name.endswith(SUFFIX):
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            raise BackupError(f"{target} exists already: a backup never overwrites a file")
        return target.parent, [target]
    target.mkdir(parents=True, exist_ok=True)
    return target, None


def _publish(partial: Path, folder: Path, names: list[Path] | None, stem: str) -> Path:
    """Give the finished archive its name, atomically and never over another archive.

    ``os.link`` fails when the name is taken, so two backups in the same second (the
    job and "Back up now") get ``-2``, ``-3``… instead of one replacing the other.
    """
    candidates = iter(names) if names else (folder / (f"{stem}{SUFFIX}" if n == 1 else f"{stem}-{n}{SUFFIX}")
                                             for n in range(1, 10000))
    for path in candidates:
        try:
            os.link(partial, path)
        except FileExistsError:
            continue
        partial.unlink()
        return path
    raise BackupError(f"{names[0] if names else folder / stem} exists already: a backup never overwrites a file")


class _Hashing(io.RawIOBase):
    """Reads a file for tarfile and hashes what it read."""

    def __init__(self, f):
        self.f, self.digest = f, hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.f.read(size)
        self.digest.update(data)
        return data


def backup(db_url: str, attachments_dir: str | Path, target: str | Path, progress: Progress | None = None) -> Path:
    """Write one archive of the database at ``db_url`` and the files of ``attachments_dir``.

    ``target`` is a folder (the archive is named ``<label>-YYYYMMDD-HHMMSS.tar.gz`` there)
    or a file name ending in ``.tar.gz``. The archive appears complete or not at all (it
    is written under a hidden temporary name and renamed). Returns its path.
    """
    progress = progress or _quiet
    engine = engine_of(db_url)
    root = Path(attachments_dir).expanduser().resolve()
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    folder, names = _target(Path(target).expanduser().resolve())
    stem = f"{label_of(db_url)}-{now:%Y%m%d-%H%M%S}"
    with tempfile.TemporaryDirectory(prefix=".zhanggui-backup-", dir=folder) as work:
        dump = Path(work) / DB_MEMBER[engine]
        progress("database", 0, 1)
        counts, addons = (_sqlite_dump if engine == "sqlite" else _pg_dump)(db_url, dump)
        progress("database", 1, 1)
        files = _attachment_files(root)
        hashes: dict[str, str] = {}
        for i, (name, file) in enumerate(files):
            progress("attachments", i, len(files))
            try:
                hashes[name] = _sha256_file(file)
            except FileNotFoundError:  # removed meanwhile (an orphan purged): not in the snapshot's rows
                continue
        progress("attachments", len(files), len(files))
        from . import __version__

        manifest = {
            "format_version": FORMAT_VERSION, "engine": engine, "label": label_of(db_url),
            "created_at": now.isoformat() + "Z", "kernel_version": __version__, "addons": addons,
            "tables": counts,
            "database": {"file": DB_MEMBER[engine], "sha256": _sha256_file(dump), "size": dump.stat().st_size},
            "attachments": hashes,
            "attachments_size": sum((root / n).stat().st_size for n in hashes if (root / n).exists()),
        }
        partial = Path(work) / f"{stem}.partial"
        _write_archive(partial, manifest, dump, root, progress)
        return _publish(partial, folder, names, stem)


def _write_archive(partial: Path, manifest: dict, dump: Path, root: Path, progress: Progress) -> None:
    mtime = int(dt.datetime.now(dt.UTC).timestamp())
    names = sorted(manifest["attachments"])
    with tarfile.open(partial, "w:gz", compresslevel=6, format=tarfile.PAX_FORMAT) as tar:
        body = json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mtime, info.mode = len(body), mtime, 0o640
        tar.addfile(info, io.BytesIO(body))  # first: the archive list reads only this
        info = tarfile.TarInfo(DB_MEMBER[manifest["engine"]])
        info.size, info.mtime, info.mode = dump.stat().st_size, mtime, 0o640
        with open(dump, "rb") as f:
            tar.addfile(info, f)
        for i, name in enumerate(names):
            progress("archive", i, len(names))
            file = root / name
            info = tarfile.TarInfo(f"{ATTACHMENTS}/{name}")
            info.size, info.mtime, info.mode = file.stat().st_size, int(file.stat().st_mtime), 0o640
            with open(file, "rb") as f:
                reader = _Hashing(f)
                tar.addfile(info, reader)
            if reader.digest.hexdigest() != manifest["attachments"][name]:
                raise BackupError(f"attachment {name} changed during the backup; run it again")
        progress("archive", len(names), len(names))
    # The archive holds password hashes and every file: readable by the server's account only.
    os.chmod(partial, 0o600)
    with open(partial, "rb+") as done:
        os.fsync(done.fileno())


# -- reading archives --------------------------------------------------------------------

def read_manifest(archive: str | Path) -> dict:
    """The manifest of an archive (its first member), checked for the format version."""
    try:
        with tarfile.open(archive, "r|gz") as tar:
            first = tar.next()
            if first is None or first.name != MANIFEST or not first.isfile():
                raise BackupError(f"{archive} is not a Zhanggui backup: it does not start with {MANIFEST}")
            manifest = json.loads(tar.extractfile(first).read())
    except (tarfile.TarError, OSError, EOFError, ValueError) as exc:
        raise BackupError(f"{archive} cannot be read as a backup archive: {exc}") from None
    version = manifest.get("format_version") if isinstance(manifest, dict) else None
    if version != FORMAT_VERSION:
        raise BackupError(f"{archive} has backup format version {version}; this Zhanggui reads version "
                          f"{FORMAT_VERSION}")
    if manifest.get("engine") not in DB_MEMBER:
        raise BackupError(f"{archive}: unknown database engine {manifest.get('engine')!r}")
    return manifest


def _safe_member(member: tarfile.TarInfo, dest: Path) -> None:
    """Refuse absolute paths, ``..``, links and devices (the ``data`` filter's rules, and files only)."""
    try:
        tarfile.data_filter(member, str(dest))
    except tarfile.FilterError as exc:
        raise BackupError(f"unsafe member in the archive, nothing restored: {exc}") from None
    if not member.isfile():
        raise BackupError(f"unexpected member {member.name!r} in the archive (only files), nothing restored")


# -- restore -----------------------------------------------------------------------------

def restore(archive: str | Path, db_url: str, attachments_dir: str | Path,
            progress: Progress | None = None) -> dict:
    """Restore ``archive`` into the empty database at ``db_url`` and into ``attachments_dir``.

    Refused, with nothing written, when: the archive is not a backup of this format, is
    from the other engine, has unsafe or unexpected members or a wrong hash; the
    database is not empty; a file in ``attachments_dir`` has other bytes than the
    archive's file of the same name. Files already there with the same bytes are kept.
    After the restore, the row counts are checked against the manifest and the
    registry serial is bumped so running processes rebuild their registries.
    Returns the manifest.
    """
    progress = progress or _quiet
    archive = Path(archive)
    manifest = read_manifest(archive)
    check_engine(manifest, db_url)
    engine = engine_of(db_url)
    root = Path(attachments_dir).expanduser().resolve()
    _check_attachments_folder(root, manifest["attachments"])
    if engine == "sqlite":
        _sqlite_check_empty(_sqlite_path(db_url))
        target_ctx = contextlib.nullcontext(False)
    else:
        target_ctx = _pg_target(db_url)
    root.parent.mkdir(parents=True, exist_ok=True)
    with target_ctx, tempfile.TemporaryDirectory(prefix=".zhanggui-restore-", dir=root.parent) as work:
        staged = Path(work)
        _stage(archive, manifest, staged, progress)
        placed = _place_attachments(staged / ATTACHMENTS, root, manifest["attachments"])
        try:
            dump = staged / DB_MEMBER[engine]
            (_sqlite_restore if engine == "sqlite" else _pg_restore)(dump, db_url, manifest["tables"], progress)
        except BaseException:
            for path in placed:
                path.unlink(missing_ok=True)
            raise
    progress("verify", 1, 1)
    return manifest


def check_empty(db_url: str) -> None:
    """Refuse a target database that is not empty (a missing one is fine), naming what is there."""
    if engine_of(db_url) == "sqlite":
        _sqlite_check_empty(_sqlite_path(db_url))
        return
    engine = _pg_engine(db_url)
    try:
        with engine.connect() as conn:
            relations = _pg_relations(conn)
    except sa.exc.OperationalError:
        return  # missing (restore creates it) or unreachable (restore says why)
    finally:
        engine.dispose()
    if relations:
        raise BackupError(_not_empty(sa.make_url(db_url).database, relations))


def _not_empty(name: str, relations: list[tuple[str, str, str]]) -> str:
    tables = [_table_key(s, n) for s, n, kind in relations if kind in ("r", "p")]
    what = _named(tables) if tables else f"{len(relations)} relation(s) ({_table_key(*relations[0][:2])}…)"
    return f"the database {name} is not empty: it has {what}; restore only into a new or empty database"


def check_engine(manifest: dict, db_url: str) -> None:
    """Refuse an archive of the other engine (a pg_dump cannot go into SQLite, nor the reverse)."""
    if manifest["engine"] != engine_of(db_url):
        source = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}[manifest["engine"]]
        raise BackupError(f"this archive is from {source}: restore it into a {source} database")


def _check_attachments_folder(root: Path, expected: dict[str, str]) -> None:
    for name, digest in expected.items():
        path = root / name
        if path.exists() and _sha256_file(path) != digest:
            raise BackupError(f"{path} exists with other content than the archive's; restore into an empty "
                              f"attachments folder")


def _stage(archive: Path, manifest: dict, staged: Path, progress: Progress) -> None:
    """Extract every member into ``staged``, checking names, types and hashes against the manifest."""
    engine = manifest["engine"]
    expected = {DB_MEMBER[engine]: manifest["database"]["sha256"]}
    expected.update({f"{ATTACHMENTS}/{n}": h for n, h in manifest["attachments"].items()})
    seen: set[str] = set()
    try:
        with tarfile.open(archive, "r|gz") as tar:
            for index, member in enumerate(tar):
                if index == 0:
                    continue  # the manifest, read already
                _safe_member(member, staged)
                if member.name not in expected or member.name in seen:
                    raise BackupError(f"unexpected member {member.name!r} in the archive, nothing restored")
                seen.add(member.name)
                progress("read", len(seen), len(expected))
                target = staged / member.name
                target.parent.mkdir(parents=True, exist_ok=True)
                digest = hashlib.sha256()
                source = tar.extractfile(member)
                with open(target, "wb") as out:
                    for chunk in iter(lambda: source.read(CHUNK), b""):
                        digest.update(chunk)
                        out.write(chunk)
                if digest.hexdigest() != expected[member.name]:
                    raise BackupError(f"{member.name} in the archive is damaged (its SHA-256 is not the "
                                      f"manifest's), nothing restored")
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        raise BackupError(f"{archive} is damaged, nothing restored: {exc}") from None
    missing = sorted(set(expected) - seen)
    if missing:
        raise BackupError(f"the archive lacks {len(missing)} file(s) of its manifest ({missing[0]}…), "
                          f"nothing restored")


def _place_attachments(staged: Path, root: Path, expected: dict[str, str]) -> list[Path]:
    """Move the staged files into the attachments folder; the files that were not there before."""
    placed: list[Path] = []
    try:
        for name in sorted(expected):
            target = root / name
            if target.exists():
                continue  # same bytes, checked before
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(staged / name, target)
            placed.append(target)
    except BaseException:
        for path in placed:
            path.unlink(missing_ok=True)
        raise
    return placed


# -- the backup folder -------------------------------------------------------------------

def archives(folder: str | Path, label: str | None = None) -> list[Path]:
    """The archives in ``folder`` named by :func:`backup` (of ``label`` only if given), newest first."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        match = NAME_RE.match(path.name)
        if match and path.is_file() and (label is None or match["label"] == label):
            found.append((match["stamp"], int(match["n"] or 1), path))
    return [p for _s, _n, p in sorted(found, reverse=True)]


def prune(folder: str | Path, keep: int, label: str | None = None) -> list[Path]:
    """Remove all but the newest ``keep`` archives (of ``label``); returns what was removed.

    Only files named like :func:`backup` names them are considered: an archive copied
    in under another name (e.g. kept before a tenant was dropped) is never removed.
    """
    if keep < 1:
        raise BackupError("keep at least one backup")
    removed = archives(folder, label)[keep:]
    for path in removed:
        path.unlink(missing_ok=True)
    return removed
