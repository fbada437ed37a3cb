"""Where uploaded files wait for their import, and the upload size limit (settings)."""
from __future__ import annotations

import secrets
import tempfile
from pathlib import Path
from typing import BinaryIO

from ..i18n import _

DEFAULT_MAX_BYTES = 64 * 1024 * 1024


class TooLarge(Exception):
    def __init__(self, limit: int):
        super().__init__(limit)
        self.limit = limit
        self.message = _("The file is larger than ${mb} MB: split it, or ask the administrator to raise "
                         "zhanggui.import_max_bytes.", mapping={"mb": limit // (1024 * 1024)})


def max_bytes(settings) -> int:
    return int(settings.get("zhanggui.import_max_bytes") or DEFAULT_MAX_BYTES)


def directory(settings) -> Path:
    """``zhanggui.import_dir`` (shared by the web processes of one machine), default the temp folder."""
    path = Path(settings.get("zhanggui.import_dir") or Path(tempfile.gettempdir()) / "zhanggui-imports")
    path.mkdir(parents=True, exist_ok=True)
    return path


def store(source: BinaryIO, filename: str, settings) -> Path:
    """Copy an upload to the import folder, streamed; TooLarge beyond the limit (nothing kept)."""
    limit = max_bytes(settings)
    suffix = Path(filename or "").suffix.lower()[:10]
    target = directory(settings) / f"{secrets.token_hex(12)}{suffix}"
    written = 0
    with target.open("wb") as out:
        while chunk := source.read(1 << 20):
            written += len(chunk)
            if written > limit:
                out.close()
                target.unlink(missing_ok=True)
                raise TooLarge(limit)
            out.write(chunk)
    return target

