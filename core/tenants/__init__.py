"""Tenants (租户): one database per company, routed by the Host header.

The host keeps its tenants in an operator database (``zhanggui.operator_db``):
:mod:`.models` and its own migrations (:mod:`.schema`); :mod:`.services` creates,
lists, suspends, resumes, backs up and drops them (the CLI and, later, the
operator's console call it); :mod:`.routing` maps a request's host to its tenant's
database inside the web process (used by :class:`core.web.databases.Databases`).

:func:`files_dir` is the one place that says where a database's files live: the
ini's folders for the default database, ``<tenants_dir>/<name>/<kind>`` for a
tenant. Everything that stores files per company calls it.
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

#: kind -> (setting of the single-company folder, its default)
FOLDERS = {
    "attachments": ("zhanggui.attachments_dir", "var/attachments"),
    "backups": ("zhanggui.backup_dir", "var/backups"),
}


def files_dir(where: Any, kind: str, settings: Mapping[str, str] | None = None) -> Path:
    """The folder of ``kind`` files (``attachments``…) of the database behind ``where``.

    ``where`` is a :class:`core.db.Database`, a session, connection or engine of one,
    or a request (its database). A tenant's files are in its own folder; any other
    database uses the ini's setting (``zhanggui.attachments_dir``…), exactly as a
    single-company install always did. Relative paths are relative to the working
    directory (the shipped ini files set ``%(here)s/...``).
    """
    from ..db import database_of

    database = getattr(where, "database", None) if hasattr(where, "registry") else where
    database = database_of(database) if database is not None else None
    root = getattr(database, "files_root", None)
    if root is not None:
        return (Path(root) / kind).expanduser().resolve()
    setting, default = FOLDERS.get(kind, (f"zhanggui.{kind}_dir", f"var/{kind}"))
    return Path((settings or {}).get(setting) or default).expanduser().resolve()
