"""Attachments: storing, listing, deleting, and who may do what.

Callable without a request. :func:`store` checks the file (size, type detected from
its bytes) but not the user's rights: the views check those with :func:`can_add`,
:func:`can_see` and :func:`can_delete` (the rule is in docs/attachments.md).
"""
from __future__ import annotations

import fnmatch
import hashlib
import mimetypes
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

import filetype
import sqlalchemy as sa
from sqlalchemy.orm import Session

from core import records
from core.db import utcnow
from core.descriptors import ModelDescriptor
from core.i18n import _
from core.security.access import Access
from core.security.models import User
from core.tenants import files_dir

from ..activities import targets
from . import storage
from .models import Attachment

MODEL = "base.attachment"
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
#: Images, PDF, Office (old and new, and OpenDocument), text and CSV, zip archives.
DEFAULT_TYPES = (
    "image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp", "image/tiff", "image/heic",
    "application/pdf",
    "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.*",
    "application/vnd.oasis.opendocument.*",
    "text/plain", "text/csv",
    "application/zip",
)
#: Shown in the browser (everything else is downloaded); never HTML or SVG.
INLINE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp", "application/pdf")
FILENAME_LENGTH = 255


class AttachmentError(records.ValidationFailed):
    """A file refused (too big, a type not allowed, empty): per-field message under ``file``."""

    def __init__(self, message: Any):
        super().__init__({"file": message})
        self.message = message


def _root(session: Session | None, settings: Mapping[str, str] | None):
    """The attachments folder of the session's database (a tenant's own; else the ini's)."""
    return files_dir(session, "attachments", settings)


def max_bytes(settings: Mapping[str, str] | None) -> int:
    """``zhanggui.attachment_max_bytes`` (default 20 MB)."""
    value = (settings or {}).get("zhanggui.attachment_max_bytes")
    return int(value) if value else DEFAULT_MAX_BYTES


def human_size(size: int) -> str:
    """``20 MB``, ``512 KB``, ``300 B``: a size for messages."""
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor:
            return f"{size / factor:.4g} {unit}"
    return f"{size} B"


def allowed_types(settings: Mapping[str, str] | None) -> tuple[str, ...]:
    """``zhanggui.attachment_types``: MIME types or patterns (``image/*``), space or comma separated."""
    value = (settings or {}).get("zhanggui.attachment_types")
    if not value:
        return DEFAULT_TYPES
    return tuple(t for t in re.split(r"[\s,]+", value.strip()) if t)


def detect_type(data: bytes, filename: str = "") -> str:
    """The content type from the bytes (magic numbers); never from what the browser claims.

    Files without magic numbers (plain text, CSV) are text when the bytes are UTF-8 or
    GB18030 without NUL characters; then the file name may say CSV. Anything else is
    ``application/octet-stream``.
    """
    kind = filetype.guess(data)
    if kind is not None:
        return kind.mime
    head = data[:65536]
    if b"\x00" not in head and _is_text(head):
        guessed, _encoding = mimetypes.guess_type(filename or "")
        return "text/csv" if guessed == "text/csv" else "text/plain"
    return "application/octet-stream"


def _is_text(head: bytes) -> bool:
    for encoding in ("utf-8", "gb18030"):
        try:
            head.decode(encoding)
        except UnicodeDecodeError as exc:
            # A multi-byte character cut by the 64 KiB window is still text.
            if exc.start >= len(head) - 4 and encoding == "utf-8":
                return True
            continue
        return True
    return False


def type_allowed(content_type: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(content_type, p) for p in patterns)


def clean_filename(name: str) -> str:
    """The file's own name: no folders (browsers may send ``C:\\fakepath\\…``), no control characters."""
    name = re.split(r"[\\/]", name or "")[-1]
    name = "".join(c for c in unicodedata.normalize("NFC", name) if unicodedata.category(c)[0] != "C")
    name = name.strip().strip(".") or "file"
    if len(name) > FILENAME_LENGTH:
        stem, dot, ext = name.rpartition(".")
        keep = FILENAME_LENGTH - len(ext) - 1 if dot and len(ext) < 16 else FILENAME_LENGTH
        name = (stem[:keep] + "." + ext) if dot and len(ext) < 16 else name[:keep]
    return name


def check(data: bytes, filename: str, settings: Mapping[str, str] | None) -> str:
    """The detected type if the file may be stored; AttachmentError otherwise."""
    limit = max_bytes(settings)
    if not data:
        raise AttachmentError(_("The file is empty."))
    if len(data) > limit:
        raise AttachmentError(_("The file is larger than ${max}.", mapping={"max": human_size(limit)}))
    content_type = detect_type(data, filename)
    if not type_allowed(content_type, allowed_types(settings)):
        raise AttachmentError(_("Files of this type (${type}) cannot be attached.",
                                mapping={"type": content_type}))
    return content_type


def store(session: Session, model: str, record_id: int, filename: str, data: bytes, user: User | int | None,
          settings: Mapping[str, str] | None) -> Attachment:
    """Attach ``data`` to the record ``(model, record_id)``; checks the file, not the user.

    Nothing is written (neither file nor row) when the file is refused. The same
    content is stored on disk once. The row joins the caller's transaction; if it
    rolls back, the file stays until :func:`purge_orphans` removes it.
    """
    content_type = check(data, filename, settings)
    digest = hashlib.sha256(data).hexdigest()
    storage.write(_root(session, settings), digest, data)
    uploader = session.get(User, int(user)) if isinstance(user, int) else user
    attachment = Attachment(model=model, record_id=int(record_id), filename=clean_filename(filename),
                            content_type=content_type, size=len(data), sha256=digest,
                            uploaded_by=getattr(uploader, "id", None), uploaded_at=utcnow(),
                            owner_id=getattr(uploader, "id", None),
                            department_id=getattr(uploader, "department_id", None))
    session.add(attachment)
    session.flush()
    return attachment


def attachments_of(session: Session, model: str, record_id: int) -> list[Attachment]:
    """The record's attachments, newest first."""
    return list(session.scalars(
        sa.select(Attachment).where(Attachment.model == model, Attachment.record_id == record_id)
        .order_by(Attachment.uploaded_at.desc(), Attachment.id.desc())))


def path_of(attachment: Attachment, settings: Mapping[str, str] | None):
    """The file of an attachment on disk."""
    return storage.path_of(_root(sa.orm.object_session(attachment), settings), attachment.sha256)


def delete(session: Session, attachment: Attachment) -> None:
    """Remove the row. The file goes at the next purge if no other row shares it.

    Not removed at once: another attachment may have the same content, and the
    transaction may still roll back.
    """
    session.delete(attachment)
    session.flush()


def purge_orphans(session: Session, settings: Mapping[str, str] | None, grace_seconds: float = 3600) -> int:
    """Remove files that no attachment row references any more (older than the grace period)."""
    referenced = set(session.scalars(sa.select(Attachment.sha256).distinct()))
    return storage.purge_orphans(_root(session, settings), referenced, grace_seconds)


# -- who may do what -------------------------------------------------------------------

def can_see(session: Session, access: Access, descriptors: Mapping[str, ModelDescriptor], model: str,
            record_id: Any) -> bool:
    """base:attachment:read and the record readable (its model's read right, in scope)."""
    return access.allowed(MODEL, "read") and targets.may(session, access, descriptors, model, record_id)


def can_add(session: Session, access: Access, descriptors: Mapping[str, ModelDescriptor], model: str,
            record_id: Any) -> bool:
    """base:attachment:create and the record readable."""
    return access.allowed(MODEL, "create") and targets.may(session, access, descriptors, model, record_id)


def can_delete(session: Session, access: Access, descriptors: Mapping[str, ModelDescriptor],
               attachment: Attachment) -> bool:
    """The record editable by the user, or: the user uploaded it and has base:attachment:delete.

    Either way the user must be able to see it (base:attachment:read, record readable).
    """
    if not can_see(session, access, descriptors, attachment.model, attachment.record_id):
        return False
    if targets.may(session, access, descriptors, attachment.model, attachment.record_id, "edit"):
        return True
    return attachment.uploaded_by == access.user_id and access.allowed(MODEL, "delete")
