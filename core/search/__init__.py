"""Search by characters, pinyin, initials and phone fragments, through an index in SQL.

A model declares what it is found by with a class attribute::

    class Partner(Owned, Base):
        __tablename__ = "base_partner"
        __search__ = SearchIndex(names=["name", "short_name"], texts=["code", "email"],
                                 phones=["phone", "mobile"])

Every flush of such records writes one row of text per record into ``zg_search``
(same transaction, see :mod:`.sync`); the list pages, the global search and the
API's ``q=`` (``core.records.search_clause``) look the text up through a trigram
index: pg_trgm on PostgreSQL, an FTS5 ``trigram`` table on SQLite (:mod:`.query`).
What the text holds and how short terms are handled: :mod:`.text`. Guide:
docs/search.md.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence


@dataclasses.dataclass(frozen=True)
class SearchIndex:
    """Which columns of a model are searched, and how.

    ``names``: Chinese (or any) names, found by characters, full pinyin and initials.
    ``texts``: found as typed (logins, e-mail addresses, codes).
    ``phones``: found by any fragment of three digits or more, punctuation ignored.
    Each entry is a column attribute of the model (same name as the column).
    """

    names: Sequence[str] = ()
    texts: Sequence[str] = ()
    phones: Sequence[str] = ()

    @property
    def fields(self) -> tuple[str, ...]:
        return (*self.names, *self.texts, *self.phones)

    def document(self, obj) -> str:
        """The text ``obj`` (a record, or a row with the same attribute names) is found by.

        With the owner's key when ``obj`` has an ``owner_id`` (see ``text.OWNER_KEY``)."""
        from .text import document, values

        return document(values(obj, self.names), values(obj, self.texts), values(obj, self.phones),
                        owner_id=getattr(obj, "owner_id", None))


def index_of(cls) -> SearchIndex | None:
    """The search index a model class declares (``__search__``), or None."""
    index = getattr(cls, "__search__", None)
    return index if isinstance(index, SearchIndex) else None


from . import sync  # noqa: E402,F401  (registers the listener that keeps zg_search up to date)
from .query import join_matches, search_clause, serial_plan  # noqa: E402,F401
