"""Attachment files on disk: ``<root>/ab/cd/<sha256>``, written once, atomically.

The database holds the rows (name, type, who, which record); the disk holds each
distinct content once, named by its SHA-256. A file is written to a temporary name
in its final folder and renamed, so a reader never sees half a file and a crash
leaves at most a stray temporary file (removed by :func:`purge_orphans`).
"""
from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

DEFAULT_DIR = "var/attachments"
TEMP_PREFIX = ".upload-"


def root_of(settings: Mapping[str, str] | None) -> Path:
    """The folder of ``zhanggui.attachments_dir`` (default ``var/attachments``).

    A relative path is relative to the process's working directory: the shipped ini
    files set ``%(here)s/var/attachments`` so the web server, the scheduler and the
    command line find the same folder wherever they are started.
    """
    value = (settings or {}).get("zhanggui.attachments_dir") or DEFAULT_DIR
    return Path(value).expanduser().resolve()


def path_of(root: Path, sha256: str) -> Path:
    """Where the content with this hash lives (two levels of folders keep them small)."""
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError(f"not a sha256 hex digest: {sha256!r}")
    return root / sha256[:2] / sha256[2:4] / sha256


def write(root: Path, sha256: str, data: bytes) -> bool:
    """Store ``data`` under its hash unless it is there already; True when a file was written."""
    target = path_of(root, sha256)
    if target.exists():
        # Fresh again: purge_orphans spares it while this upload's row is not committed.
        os.utime(target)
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o640)
        # Atomic on POSIX; two uploads of the same content race to the same bytes.
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return True


def remove(root: Path, sha256: str) -> bool:
    """Remove the content's file; True if there was one."""
    target = path_of(root, sha256)
    try:
        target.unlink()
    except FileNotFoundError:
        return False
    return True


def stored(root: Path) -> Iterable[tuple[Path, str]]:
    """Every file under ``root`` with its name: (path, sha256 or a temporary name)."""
    if not root.is_dir():
        return
    for first in sorted(root.iterdir()):
        if not first.is_dir() or len(first.name) != 2:
            continue
        for second in sorted(first.iterdir()):
            if not second.is_dir():
                continue
            for item in sorted(second.iterdir()):
                if item.is_file():
                    yield item, item.name


def purge_orphans(root: Path, referenced: set[str], grace_seconds: float = 3600, now: float | None = None) -> int:
    """Delete files no row references (and stale temporary files) older than ``grace_seconds``.

    The grace period spares uploads whose transaction has not committed yet: their
    file exists before their row is visible. Returns how many files were removed.
    """
    now = time.time() if now is None else now
    removed = 0
    for path, name in list(stored(root)):
        if name in referenced:
            continue
        try:
            if now - path.stat().st_mtime < grace_seconds:
                continue
            path.unlink()
            removed += 1
        except FileNotFoundError:
            continue
    return removed
