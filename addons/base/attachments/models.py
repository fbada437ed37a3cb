"""Attachments: files on any record, stored on disk once per content (by SHA-256)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, utcnow
from core.security.models import Owned, User


class Attachment(Owned, Base):
    """A file attached to the record ``(model, record_id)`` of any registered model.

    The bytes are not in the database: they are in ``<attachments_dir>/ab/cd/<sha256>``
    (see :mod:`addons.base.attachments.storage`), so two rows with the same content
    share one file. ``content_type`` is detected from the bytes, never taken from
    the browser.

    Owned: its owner is the uploader (``uploaded_by`` keeps who uploaded it if the owner
    changes), so the Attachments list and ``/api/v1/base.attachment`` follow the record
    scope of ``base.attachment`` like any owned model. On a record's tab the record's
    own read access decides instead (docs/attachments.md).
    """

    __tablename__ = "base_attachment"
    __table_args__ = (sa.Index("ix_base_attachment_record", "model", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    model: Mapped[str] = mapped_column(sa.String(100))
    record_id: Mapped[int]
    filename: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(120))
    size: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    uploaded_by: Mapped[int | None] = mapped_column(sa.ForeignKey("zg_user.id", ondelete="SET NULL"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    uploader: Mapped[User | None] = relationship(User, foreign_keys=lambda: [Attachment.uploaded_by])

    def __str__(self) -> str:
        return self.filename

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
