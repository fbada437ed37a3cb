"""Custom fields, their values and renamed labels (tables of the kernel's ``core`` branch)."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base

#: JSON on SQLite, JSONB on PostgreSQL (expression indexes on ``data ->> 'code'``).
JSONData = sa.JSON().with_variant(JSONB(), "postgresql")

#: Where a field can show; a field hidden from one of them has the name missing.
PLACES = ("new", "edit", "detail", "print")


class CustomField(Base):
    """A field an administrator added to a registered model (``model``: ``base.partner``).

    Its value is ``x_<code>`` in schemas, forms, the API and exports, stored in
    :class:`CustomValue`, never in the model's own table.
    """

    __tablename__ = "zg_custom_field"
    __table_args__ = (sa.UniqueConstraint("model", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    model: Mapped[str] = mapped_column(sa.String(100), index=True)
    code: Mapped[str] = mapped_column(sa.String(40))
    kind: Mapped[str] = mapped_column(sa.String(20))
    title_zh: Mapped[str] = mapped_column(sa.String(100))
    title_en: Mapped[str] = mapped_column(sa.String(100), default="")
    sequence: Mapped[int] = mapped_column(default=100)
    required: Mapped[bool] = mapped_column(default=False)
    hidden: Mapped[bool] = mapped_column(default=False)
    #: a list of :data:`PLACES`
    show: Mapped[list] = mapped_column(sa.JSON, default=lambda: list(PLACES))
    #: choice fields: one option a line, ``value=title`` or just ``title``
    choices: Mapped[str] = mapped_column(sa.Text, default="")
    filterable: Mapped[bool] = mapped_column(default=False)
    searchable: Mapped[bool] = mapped_column(default=False)

    @property
    def name(self) -> str:
        return f"x_{self.code}"

    @property
    def places(self) -> set[str]:
        if self.hidden:
            return set()
        return {p for p in (self.show if self.show is not None else PLACES) if p in PLACES}

    def options(self) -> list[tuple[str, str]]:
        out = []
        for line in (self.choices or "").splitlines():
            line = line.strip()
            if not line:
                continue
            value, sep, title = line.partition("=")
            value, title = value.strip(), title.strip()
            out.append((value, title or value) if sep else (line, line))
        return out

    def title(self, locale: str | None) -> str:
        if locale and not locale.startswith("zh"):
            return self.title_en or self.title_zh
        return self.title_zh or self.title_en

    def __str__(self) -> str:
        return f"{self.model}.{self.name}"


class CustomValue(Base):
    """The custom values of one record: ``{"code": value}`` (money and numbers as exact strings)."""

    __tablename__ = "zg_custom_value"

    model: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    record_id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    data: Mapped[dict] = mapped_column(JSONData, default=dict)


class FieldLabel(Base):
    """A built-in field's title renamed for this company (one database = one company).

    ``field`` is a schema field name, or ``@title`` / ``@plural`` for the model's own titles.
    An empty title keeps the built-in one in that language.
    """

    __tablename__ = "zg_field_label"
    __table_args__ = (sa.UniqueConstraint("model", "field"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    model: Mapped[str] = mapped_column(sa.String(100), index=True)
    field: Mapped[str] = mapped_column(sa.String(100))
    title_zh: Mapped[str] = mapped_column(sa.String(100), default="")
    title_en: Mapped[str] = mapped_column(sa.String(100), default="")

    def title(self, locale: str | None) -> str:
        if locale and not locale.startswith("zh"):
            return self.title_en
        return self.title_zh

    def __str__(self) -> str:
        return f"{self.model}.{self.field}"
