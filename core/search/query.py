"""The search box condition for indexed models, compiled per engine.

``search_clause(Model, "zhang 138")`` is ``Model.id IN (SELECT record_id FROM
zg_search WHERE table_name = … AND <every term matches>)``. How "matches" is written
depends on the engine, decided when the statement is compiled (callers do not know
the engine): on PostgreSQL ``text LIKE '%term%'`` per term, served by the pg_trgm GIN
index; on SQLite one FTS5 query ``"term1" AND "term2"`` on ``zg_search_fts``.
Other engines get the LIKE form without an index.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from . import ddl
from .models import SearchEntry
from .text import owner_pattern, terms


def _like(pattern: str) -> str:
    escaped = pattern.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def fts_query(patterns: Sequence[str]) -> str:
    """An FTS5 query: each pattern a quoted string (any character literal), all required."""
    return " AND ".join('"' + p.replace('"', '""') + '"' for p in patterns)


class TermsMatch(ColumnElement):
    """True for ``zg_search`` rows whose text contains every pattern.

    Holds both engines' forms as bound expressions, so that compiled statements are
    cached like any other (the patterns are bound values, not part of the SQL).
    """

    _traverse_internals = [("like", InternalTraversal.dp_clauseelement),
                           ("fts", InternalTraversal.dp_clauseelement)]
    type = sa.Boolean()

    def __init__(self, patterns: Sequence[str]):
        # The text is stored in lower case and terms are lower-cased: LIKE, not ILIKE.
        self.like = sa.and_(*[SearchEntry.text.like(_like(p), escape="\\") for p in patterns])
        self.fts = sa.bindparam("zg_search_fts", fts_query(patterns), type_=sa.String, unique=True)

    def self_group(self, against=None):
        # A predicate already: without this SQLAlchemy writes "<clause> = 1" on SQLite.
        return self


@compiles(TermsMatch)
def _compile_like(element: TermsMatch, compiler, **kw) -> str:
    return compiler.process(element.like, **kw)


@compiles(TermsMatch, "sqlite")
def _compile_fts(element: TermsMatch, compiler, **kw) -> str:
    fts = sa.table(ddl.FTS_TABLE, sa.column("rowid"))
    matched = sa.select(fts.c.rowid).where(sa.literal_column(ddl.FTS_TABLE).op("MATCH")(element.fts))
    return compiler.process(SearchEntry.id.in_(matched), **kw)


class FoundIn(ColumnElement):
    """``id IN (SELECT record_id …)``; on PostgreSQL ``id = ANY(ARRAY(SELECT record_id …))``.

    The array form makes PostgreSQL find the matches first (an InitPlan through the
    trigram index) and then fetch exactly those records by primary key. With ``IN``,
    the planner may instead walk an index in the list's order (``ORDER BY id DESC
    LIMIT 20``) hoping to meet 20 matches early; when pg_trgm's estimate is too high,
    that walk reads every row: 330 ms instead of 1 ms for a name with 4 matches in a
    million partners (measured with ``zhanggui bench search``).
    """

    _traverse_internals = [("column", InternalTraversal.dp_clauseelement),
                           ("found", InternalTraversal.dp_clauseelement)]
    type = sa.Boolean()

    def __init__(self, column, found):
        self.column = column
        self.found = found

    def self_group(self, against=None):
        return self


@compiles(FoundIn)
def _compile_in(element: FoundIn, compiler, **kw) -> str:
    return compiler.process(element.column.in_(element.found), **kw)


@compiles(FoundIn, "postgresql")
def _compile_any(element: FoundIn, compiler, **kw) -> str:
    column = compiler.process(element.column, **kw)
    found = compiler.process(element.found.scalar_subquery(), **kw)
    return f"{column} = ANY(ARRAY{found})"


def search_clause(model, query: str, owner_id: int | None = None):
    """Records of ``model`` found by ``query`` (None for an empty query).

    Every term must match (``zhang 138`` is a name and a phone); a query with no
    usable term (only punctuation) finds nothing. ``owner_id``: only records that user
    owns can be wanted (their record scope is "own"): the index narrows the matches to
    them (``text.OWNER_KEY``).
    """
    if not (query or "").strip():
        return None
    patterns = terms(query)
    if not patterns:
        return sa.false()
    if owner_id is not None:
        patterns.append(owner_pattern(owner_id))
    found = sa.select(SearchEntry.record_id).where(
        SearchEntry.table_name == model.__tablename__, TermsMatch(patterns))
    return FoundIn(model.id, found)


def join_matches(query, model, text: str, scan: bool = False, owner_id: int | None = None):
    """``query`` (a SELECT of ``model``) joined to the ``zg_search`` rows matching ``text``.

    The same records as ``query.where(search_clause(model, text))`` (one index row per
    record: ``table_name, record_id`` is unique), in a shape where ``LIMIT n`` stops after
    n matches, where ``id = ANY(ARRAY(…))`` first collects every match. None when
    ``text`` is empty.

    ``scan=True`` writes the match so that no index can serve it (``coalesce(text, '')
    LIKE …``): the database then walks the records in the query's order and stops at the
    first page of matches. Only for a search known to be broad (more matches than the
    count cap, see ``core.records.page``): for a rare term that walk would read the whole
    table, which is why :func:`search_clause` (and a planner left alone) avoid it. On
    PostgreSQL the planner cannot be told, and pg_trgm's row estimate is no guide: it took
    the bitmap for "康" (13,540 matches in a million, estimated 100) and spent 430 ms
    fetching and sorting every match for 20 of them; the walk takes about 1 ms.

    ``owner_id``: as for :func:`search_clause` (the index match narrowed to that user's records;
    the walk does not need it).
    """
    if not (text or "").strip():
        return None
    patterns = terms(text)
    if not patterns:
        return query.where(sa.false())
    if owner_id is not None and not scan:
        patterns.append(owner_pattern(owner_id))
    if scan:
        match = sa.and_(*[sa.func.coalesce(SearchEntry.text, "").like(_like(p), escape="\\") for p in patterns])
    else:
        match = TermsMatch(patterns)
    return query.join(SearchEntry, sa.and_(SearchEntry.record_id == model.id,
                                           SearchEntry.table_name == model.__tablename__)).where(match)


@contextlib.contextmanager
def serial_plan(session) -> Iterator[None]:
    """On PostgreSQL, plan the statements run inside without parallel workers.

    For the walk of a broad search (``join_matches(scan=True)`` with a LIMIT): with
    workers, PostgreSQL splits the walk between them, each reading its share of the
    table ahead of the first page: 150 ms instead of 6 ms for "zhoujin" in a million
    partners. Restored afterwards within the same transaction.
    """
    if session.get_bind().dialect.name != "postgresql":
        yield
        return
    session.execute(sa.text("SET LOCAL max_parallel_workers_per_gather = 0"))
    try:
        yield
    finally:
        session.execute(sa.text("SET LOCAL max_parallel_workers_per_gather TO DEFAULT"))
