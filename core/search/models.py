"""``zg_search``: one row of searchable text per record of an indexed model."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base


class SearchEntry(Base):
    """The text a record is found by (see :mod:`core.search.text`).

    ``table_name`` is the record's table (``zg_user``), so that writers need nothing
    but the model class. Written with SQL statements by :mod:`core.search.sync`, never
    as ORM objects. The trigram index on ``text`` (pg_trgm GIN on PostgreSQL, the FTS5
    table ``zg_search_fts`` on SQLite) is created by migration core_0005 only.
    """

    __tablename__ = "zg_search"
    __table_args__ = (sa.UniqueConstraint("table_name", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)  # the FTS5 rowid on SQLite
    table_name: Mapped[str] = mapped_column(sa.String(100))
    record_id: Mapped[int] = mapped_column(sa.BigInteger)
    text: Mapped[str] = mapped_column(sa.Text)
