"""Backups of the database a site serves: settings, "back up now", the archives in the backup folder.

The archive itself is made by :mod:`core.backup` (the same service as ``zhanggui backup``);
this module adds the site's settings and the retention rule. Callable without a request.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Mapping
from pathlib import Path

from core import backup as archive
from core.tenants import files_dir


DEFAULT_KEEP = 14
DEFAULT_HOUR = 2

log = logging.getLogger(__name__)


def backup_dir(settings: Mapping[str, str] | None, database=None) -> Path:
    """The backup folder of ``database``: ``zhanggui.backup_dir`` (default ``var/backups``), a tenant's own."""
    return files_dir(database, "backups", settings)


def attachments_dir(settings: Mapping[str, str] | None, database=None) -> Path:
    """The attachments folder of ``database`` (``zhanggui.attachments_dir``, a tenant's own)."""
    return files_dir(database, "attachments", settings)


def keep(settings: Mapping[str, str] | None) -> int:
    """``zhanggui.backup_keep``: how many archives of a database the daily job keeps (default 14)."""
    value = int((settings or {}).get("zhanggui.backup_keep") or DEFAULT_KEEP)
    if value < 1:
        raise ValueError("zhanggui.backup_keep must be at least 1")
    return value


def hour(settings: Mapping[str, str] | None) -> int:
    """``zhanggui.backup_hour``: the hour of the daily backup in zhanggui.timezone (default 2)."""
    value = int((settings or {}).get("zhanggui.backup_hour", DEFAULT_HOUR))
    if not 0 <= value <= 23:
        raise ValueError("zhanggui.backup_hour must be 0 to 23")
    return value


def full_url(database) -> str:
    """The database's URL with its password (``str(url)`` would hide it from pg_dump)."""
    return database.engine.url.render_as_string(hide_password=False)


def back_up(database, settings: Mapping[str, str] | None, prune: bool = True) -> tuple[Path, list[Path]]:
    """Write an archive of ``database`` into the backup folder; then keep the newest N of it.

    Returns the archive and the archives removed by retention. The archive is read from
    its own connection: it holds what was committed when it started.
    """
    url = full_url(database)
    folder = backup_dir(settings, database)
    path = archive.backup(url, attachments_dir(settings, database), folder)
    removed = archive.prune(folder, keep(settings), archive.label_of(url)) if prune else []
    log.info("backup %s written, %d old archive(s) removed", path.name, len(removed))
    return path, removed


@dataclasses.dataclass
class ArchiveInfo:
    """One archive in the backup folder and what its manifest says (``error`` if unreadable)."""

    path: Path
    size: int
    created_at: dt.datetime | None = None
    manifest: dict | None = None
    error: str = ""

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def tables(self) -> int:
        return len(self.manifest["tables"]) if self.manifest else 0

    @property
    def rows(self) -> int:
        return sum(self.manifest["tables"].values()) if self.manifest else 0

    @property
    def attachments(self) -> int:
        return len(self.manifest["attachments"]) if self.manifest else 0

    @property
    def attachments_size(self) -> int:
        return self.manifest.get("attachments_size", 0) if self.manifest else 0

    @property
    def addons(self) -> dict[str, str]:
        return dict(self.manifest["addons"]) if self.manifest else {}

    def as_json(self) -> dict:
        return {"name": self.name, "size": self.size,
                "created_at": self.created_at.isoformat() + "Z" if self.created_at else None,
                "engine": self.manifest["engine"] if self.manifest else None,
                "kernel_version": self.manifest["kernel_version"] if self.manifest else None,
                "addons": self.addons, "tables": self.tables, "rows": self.rows,
                "attachments": self.attachments, "attachments_size": self.attachments_size,
                "error": self.error or None}


def archives_of(database, settings: Mapping[str, str] | None) -> list[ArchiveInfo]:
    """The archives of ``database`` in the backup folder, newest first, with their manifests."""
    found = []
    for path in archive.archives(backup_dir(settings, database), archive.label_of(full_url(database))):
        try:
            info = ArchiveInfo(path=path, size=path.stat().st_size)
        except FileNotFoundError:  # removed by retention meanwhile
            continue
        try:
            info.manifest = archive.read_manifest(path)
            info.created_at = dt.datetime.fromisoformat(info.manifest["created_at"].rstrip("Z"))
        except (archive.BackupError, KeyError, ValueError) as exc:
            info.error = str(exc)
        found.append(info)
    return found


def find(database, settings: Mapping[str, str] | None, name: str) -> Path | None:
    """The archive called ``name`` of this database, if there is one (never another file)."""
    for path in archive.archives(backup_dir(settings, database), archive.label_of(full_url(database))):
        if path.name == name:
            return path
    return None


def human_size(size: int) -> str:
    for unit, factor in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= factor:
            return f"{size / factor:.1f} {unit}"
    return f"{size} B"
