"""Importing rows into a model through its descriptor: validation, de-duplication, all or nothing.

:func:`run` is the one service behind the import pages, the JSON API and ``zhanggui
import``. It goes through the same schema (``records.bound_schema``), permissions and
record scopes as the forms, and through the descriptor's ``create`` / ``update``
services, so an imported record is exactly what the form would have made.

All or nothing: the whole file is written inside one SAVEPOINT of the caller's
transaction. A dry run, or a file with any bad row, is rolled back to it before
returning, so the caller may commit what else it did (a remembered mapping, the run's
report) without writing a single imported record.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import colander
import sqlalchemy as sa
from sqlalchemy.orm import Session

from .. import extensions, records
from ..descriptors import MatchRule, ModelDescriptor
from ..fields import referenced_model
from ..i18n import _
from ..security.access import Access
from . import ids
from .mapping import (SEPARATORS, CellError, References, cstruct, digits, fields_of, missing_required,
                      normalize)
from .readers import Table

MODES = ("skip", "update", "create")
#: Rows validated, then written and flushed, together.
BATCH = 500
#: Bad rows listed one by one in a report (all are counted).
MAX_LISTED = 10_000


class ImportRefused(Exception):
    """The import cannot start (a required field not mapped, an unknown rule…): ``message``."""

    def __init__(self, message, missing: list[str] | None = None):
        super().__init__(str(message))
        self.message = message
        self.missing = missing or []


@dataclasses.dataclass
class Report:
    """What an import did, or would do (a dry run): counts and every bad row."""

    model: str
    dry_run: bool
    total: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    bad: int = 0
    #: {"row": 7, "column": "电话", "message": "…"} per problem (several per row possible)
    errors: list[dict] = dataclasses.field(default_factory=list)
    #: Rows skipped with a reason worth telling (a match outside the user's scope).
    notes: list[dict] = dataclasses.field(default_factory=list)
    committed: bool = False

    @property
    def ok(self) -> bool:
        return self.bad == 0

    def as_dict(self) -> dict:
        return {"model": self.model, "dry_run": self.dry_run, "committed": self.committed, "total": self.total,
                "created": self.created, "updated": self.updated, "skipped": self.skipped, "bad": self.bad,
                "errors": self.errors, "notes": self.notes}


def _plain(message) -> str:
    return message.interpolate() if hasattr(message, "interpolate") else str(message)


def _phone_field(descriptor: ModelDescriptor, name: str) -> bool:
    index = descriptor.search_index
    if index is not None and name in getattr(index, "phones", ()):
        return True
    return any(part in name for part in ("phone", "mobile", "fax", "tel"))


def rule_of(descriptor: ModelDescriptor, name: str | None) -> MatchRule | None:
    if not name:
        return None
    for rule in descriptor.import_rules:
        if rule.name == name:
            return rule
    raise ImportRefused(_("Unknown de-duplication rule: ${rule}.", mapping={"rule": name}))


def _resolved_references(schema):
    """The schema without its reference existence checks: :class:`References` found those records
    already, within the user's read scope, in one query per batch (not one per row and field)."""
    from ..fields import _Exists

    for node in schema.children:
        if referenced_model(node) is None:
            continue
        check = node.validator
        if isinstance(check, _Exists):
            node.validator = None
        elif isinstance(check, colander.All):
            rest = [v for v in check.validators if not isinstance(v, _Exists)]
            node.validator = colander.All(*rest) if rest else None
    return schema


@dataclasses.dataclass
class _Op:
    number: int
    appstruct: dict
    record: Any = None  # the record to update, or the one created
    key: tuple | None = None
    update: bool = False


class _Run:
    """One import: the state shared by its batches."""

    def __init__(self, session: Session, descriptor: ModelDescriptor, access: Access, header: list[str],
                 mapping: Mapping[str, str], rule: MatchRule | None, mode: str, defaults: Mapping[str, Any],
                 models: Mapping[str, ModelDescriptor], translate: Callable, report: Report):
        self.session, self.descriptor, self.access = session, descriptor, access
        self.user = access.user
        self.translate = translate
        self.report = report
        self.rule, self.mode = rule, mode
        self.schema = _resolved_references(records.bound_schema(descriptor, session, None, None, self.user))
        self.fields = {f.name: f for f in fields_of(self.schema, [translate])}
        wrong = [f"{c} → {n}" for c, n in mapping.items() if c not in header or n not in self.fields]
        if wrong:
            raise ImportRefused(_("These columns cannot be mapped: ${pairs}.", mapping={"pairs": "、".join(wrong)}))
        self.columns = [(header.index(col), col, self.fields[name]) for col, name in mapping.items()]
        self.column_of = {name: col for col, name in mapping.items()}
        self.defaults = dict(defaults)
        self.references = References(session, access, models)
        self.may_create = access.allowed(descriptor.name, "create")
        self.may_edit = access.allowed(descriptor.name, "edit")
        self.model = descriptor.model
        self.keys: dict[tuple, list] = {}
        if rule is not None:
            self._load_keys()
        mapper = sa.inspect(self.model)
        self.unique = [c.key for c in mapper.columns if c.unique and c.key in self.fields]
        self.seen: dict[str, dict[str, int]] = {name: {} for name in self.unique}

    # -- problems ------------------------------------------------------------------

    def problem(self, number: int, column: str, message, bad: bool = True) -> None:
        entry = {"row": number, "column": column, "message": self.translate(message)}
        if bad:
            if len(self.report.errors) < MAX_LISTED:
                self.report.errors.append(entry)
        else:
            self.report.notes.append(entry)

    def _column_title(self, name: str) -> str:
        if name in self.column_of:
            return self.column_of[name]
        field = self.fields.get(name)
        return self.translate(field.title) if field is not None else name

    def _invalid(self, number: int, errors: Mapping[str, Any]) -> None:
        for name, message in errors.items():
            name = name.split(".")[0]
            self.problem(number, self._column_title(name) if name else "", message)

    # -- de-duplication ------------------------------------------------------------

    def _norm(self, name: str, value) -> str:
        return digits(value) if _phone_field(self.descriptor, name) else normalize(value)

    def _load_keys(self) -> None:
        """Every existing record's key under the rule, in one query (no query per row)."""
        columns = [getattr(self.model, f) for f in self.rule.fields]
        for row in self.session.execute(sa.select(self.model.id, *columns)):
            key = tuple(self._norm(f, v) for f, v in zip(self.rule.fields, row[1:]))
            if all(key):
                self.keys.setdefault(key, []).append(row[0])

    def _row_key(self, values: Mapping[str, Any]) -> tuple | None:
        if self.rule is None:
            return None
        key = tuple(self._norm(f, self._typed(f, values.get(f))) for f in self.rule.fields)
        return key if all(key) else None

    def _typed(self, name: str, value):
        """The cell as the schema reads it, so it compares with the stored value (a local time
        typed 2026/3/5 14:30 against the UTC the database holds); the text when it does not read."""
        node = self.schema.get(name)
        if node is None or value in (None, colander.null, ""):
            return value
        try:
            typed = node.typ.deserialize(node, value)
        except colander.Invalid:
            return value
        return value if typed is colander.null else typed

    # -- rows ----------------------------------------------------------------------

    def convert(self, number: int, cells: list[str]) -> tuple[dict, dict] | None:
        """The row as the schema's input, or None (and its problems reported)."""
        data = dict(self.defaults)
        texts: dict[str, str] = {}
        failed = False
        for index, column, field in self.columns:
            text = cells[index] if index < len(cells) else ""
            texts[field.name] = text
            try:
                if field.kind in ("reference", "references"):
                    value = self.references.resolve(field, text)
                else:
                    value = cstruct(field, text)
            except CellError as exc:
                self.problem(number, column, exc.message)
                failed = True
                continue
            if value is not colander.null:
                data[field.name] = value  # an empty cell keeps the default, if any
        return None if failed else (data, texts)

    def plan(self, batch: list[tuple[int, list[str]]]) -> list[_Op]:
        """Validate a batch of rows and decide for each: create, update or skip."""
        wanted: dict[type, set[str]] = {}
        for _number, cells in batch:
            for index, _column, field in self.columns:
                if field.kind in ("reference", "references") and index < len(cells) and cells[index]:
                    texts = SEPARATORS.split(cells[index]) if field.kind == "references" else [cells[index]]
                    wanted.setdefault(field.model, set()).update(t.strip() for t in texts)
        for model, texts in wanted.items():
            self.references.load(model, texts)
        converted = []
        for number, cells in batch:
            row = self.convert(number, cells)
            if row is None:
                self.report.bad += 1
                continue
            converted.append((number, *row))
        # The records rows match, and which of them the user may change: two queries per batch.
        matched_ids = set()
        for _number, data, texts in converted:
            key = self._row_key(data)
            for target in self.keys.get(key, ()) if key else ():
                if isinstance(target, int):
                    matched_ids.add(target)
        editable: dict[int, Any] = {}
        if matched_ids and self.mode == "update":
            query = sa.select(self.model).where(self.model.id.in_(matched_ids),
                                                self.access.filter(self.descriptor, "edit"))
            editable = {r.id: r for r in self.session.scalars(query)}
        ops = []
        for number, data, texts in converted:
            op = self._decide(number, data, texts, editable)
            if op is not None:
                ops.append(op)
        return ops

    def _decide(self, number: int, data: dict, texts: dict, editable: Mapping[int, Any]) -> _Op | None:
        key = self._row_key(data)
        targets = self.keys.get(key, []) if key else []
        if targets and self.mode == "skip":
            self.report.skipped += 1
            return None
        if targets and self.mode == "update":
            if len(targets) > 1:
                self.problem(number, "", _("Matches ${n} existing records: the rule must find one only.",
                                           mapping={"n": len(targets)}))
                self.report.bad += 1
                return None
            return self._update(number, data, targets[0], editable)
        return self._create(number, data, key)

    def _create(self, number: int, data: dict, key) -> _Op | None:
        if not self.may_create:
            self.problem(number, "", _("You may not create ${model} records.",
                                       mapping={"model": self.translate(self.descriptor.title)}))
            self.report.bad += 1
            return None
        try:
            appstruct = self.schema.deserialize(data)
        except colander.Invalid as exc:
            self._invalid(number, exc.asdict(translate=self.translate))
            self.report.bad += 1
            return None
        errors = records.column_errors(self.model, appstruct)
        for name in self.unique:
            value = appstruct.get(name)
            if isinstance(value, str) and value:
                first = self.seen[name].setdefault(normalize(value), number)
                if first != number:
                    errors[name] = _("The same value is in row ${row} of the file.", mapping={"row": first})
        if errors:
            self._invalid(number, errors)
            self.report.bad += 1
            return None
        op = _Op(number, appstruct, None, key)
        if key:  # a later row of the file with the same key matches this one
            self.keys.setdefault(key, []).append(op)
        return op

    def _update(self, number: int, data: dict, target, editable: Mapping[int, Any]) -> _Op | None:
        if isinstance(target, _Op):  # a row above in the same file: that record is not written yet
            record = target.record
            if record is None:
                self.report.skipped += 1
                self.problem(number, "", _("Same record as row ${row}: skipped.", mapping={"row": target.number}),
                             bad=False)
                return None
        else:
            record = editable.get(target)
            if record is None or not self.may_edit:
                self.report.skipped += 1
                self.problem(number, "", _("Matches a record you may not change: not updated."), bad=False)
                return None
        if self.descriptor.editable is not None and not self.descriptor.editable(record):
            self.problem(number, "", _("This record cannot be edited in its current state."))
            self.report.bad += 1
            return None
        schema = records.bound_schema(self.descriptor, self.session, None, record, self.user)
        current = records.serialize_for_schema(schema, record)
        # The fields the rule matched on are equal already (maybe written differently): keep the record's.
        data = {k: v for k, v in data.items() if k not in self.rule.fields}
        try:
            appstruct = schema.deserialize({**current, **data})
        except colander.Invalid as exc:
            self._invalid(number, exc.asdict(translate=self.translate))
            self.report.bad += 1
            return None
        errors = records.column_errors(self.model, appstruct)
        if errors:
            self._invalid(number, errors)
            self.report.bad += 1
            return None
        return _Op(number, appstruct, record, update=True)

    # -- writing -------------------------------------------------------------------

    def _own(self, op: _Op) -> dict:
        """The row's values of the model itself (other addons' fields are written beside it)."""
        return extensions.split(self.session, self.descriptor.name, op.appstruct)[0]

    def apply(self, op: _Op) -> None:
        descriptor, session = self.descriptor, self.session
        if op.record is not None:
            if descriptor.update is not None:
                descriptor.update(session, op.record, self._own(op), self.user)
            else:
                records._apply(op.record, self._own(op))
            return
        if descriptor.create is not None:
            record = descriptor.create(session, self._own(op), self.user)
        else:
            record = self.model()
            records._apply(record, self._own(op))
            session.add(record)
        self._created(op, record)

    def _created(self, op: _Op, record) -> None:
        if self.descriptor.owned and getattr(record, "owner_id", None) is None and self.user is not None:
            record.owner_id = self.user.id
            record.department_id = self.user.department_id
        op.record = record

    def apply_all(self, ops: list[_Op]) -> list[_Op]:
        """Apply a batch (no flush); the ops done. The descriptor's ``create_many`` creates the
        new records together (one query per batch for numbers and duplicates), else one by one."""
        done = []
        creates = [op for op in ops if op.record is None] if self.descriptor.create_many is not None else []
        if creates:
            try:
                results = self.descriptor.create_many(self.session, [self._own(op) for op in creates], self.user)
            except records.ValidationFailed:  # about the whole batch (an inactive numbering…): say it per row
                creates, results = [], []
            for op, result in zip(creates, results, strict=True):
                if isinstance(result, records.ValidationFailed):
                    self._invalid(op.number, result.errors)
                    self.report.bad += 1
                else:
                    self._created(op, result)
                    done.append(op)
        batched = {id(op) for op in creates}
        for op in ops:
            if id(op) in batched:
                continue
            try:
                self.apply(op)
                done.append(op)
            except records.ValidationFailed as exc:
                self._invalid(op.number, exc.errors)
                self.report.bad += 1
        ids.assign(self.session, [op.record for op in done if not op.update])
        return done

    def write(self, ops: list[_Op]) -> None:
        """Write a batch in a savepoint; if the database refuses it, find the bad rows one by one."""
        session = self.session
        savepoint = session.begin_nested()
        done = None
        try:
            with session.no_autoflush:
                done = self.apply_all(ops)
            session.flush()
            self._custom_values(done)
            savepoint.commit()
        except (sa.exc.IntegrityError, sa.exc.DataError):
            savepoint.rollback()
            self._one_by_one(ops if done is None else done)
            return
        self._count(done)

    def _one_by_one(self, ops: list[_Op]) -> None:
        done = []
        for op in ops:
            if not op.update:
                op.record = None  # created in the rolled back savepoint: create it again
            savepoint = self.session.begin_nested()
            try:
                with self.session.no_autoflush:
                    self.apply(op)
                self.session.flush()
                self._custom_values([op])
                savepoint.commit()
                done.append(op)
            except records.ValidationFailed as exc:
                savepoint.rollback()
                self._invalid(op.number, exc.errors)
                self.report.bad += 1
            except (sa.exc.IntegrityError, sa.exc.DataError):
                savepoint.rollback()
                self.problem(op.number, "", _("This conflicts with other records: a duplicate, a record that "
                                              "does not exist, or a record still in use."))
                self.report.bad += 1
        self._count(done)

    def _custom_values(self, ops: Iterable[_Op]) -> None:
        """The rows' custom fields (``x_<code>``) and other addons' fields on the model
        (docs/model-extensions.md), kept beside their records as the record service does."""
        from ..customfields import services as custom_values

        for op in ops:
            values = {k: v for k, v in op.appstruct.items() if k.startswith(custom_values.PREFIX)}
            if values and op.record is not None:
                custom_values.set_values(self.session, self.descriptor.name, op.record, values)
            parts = extensions.split(self.session, self.descriptor.name, op.appstruct)[1]
            if parts and op.record is not None:
                extensions.save(self.session, op.record, parts, self.user)
        self.session.flush()

    def _count(self, ops: Iterable[_Op]) -> None:
        for op in ops:
            if op.update:
                self.report.updated += 1
            else:
                self.report.created += 1


def run(session: Session, descriptor: ModelDescriptor, access: Access, table: Table, mapping: Mapping[str, str],
        rule: str | None = None, mode: str = "skip", dry_run: bool = True, defaults: Mapping[str, Any] | None = None,
        progress: Callable[[int, int], None] | None = None, translate: Callable | None = None,
        models: Mapping[str, ModelDescriptor] | None = None, batch: int = BATCH) -> Report:
    """Import ``table`` into ``descriptor``'s model as ``access.user``; the report of what happened.

    ``mapping`` is {column title: schema field name}; ``defaults`` are schema values every
    row gets (cstruct form, e.g. ``{"is_customer": "true"}``) unless its own column says
    otherwise. ``rule`` names one of ``descriptor.import_rules``; a row matching an
    existing record is then skipped, updated, or created anyway (``mode``). Records are
    written only when ``dry_run`` is false and no row is bad (all or nothing); the
    caller commits. ``progress(rows done, rows in the file)`` is called after each batch.
    """
    translate = translate or _plain
    if not descriptor.importable:
        raise records.Forbidden(f"{descriptor.name} does not take imports")
    if not access.allowed(descriptor.name, "import"):
        raise records.Forbidden(descriptor.permission("import"))
    if not (access.allowed(descriptor.name, "create") or access.allowed(descriptor.name, "edit")):
        raise records.Forbidden(descriptor.permission("create"))
    if mode not in MODES:
        raise ImportRefused(_("Unknown mode: ${mode}.", mapping={"mode": mode}))
    match = rule_of(descriptor, rule)
    report = Report(descriptor.name, dry_run)
    outer = session.begin_nested()
    try:
        state = _Run(session, descriptor, access, table.header, mapping, match, mode, defaults or {},
                     models or {descriptor.name: descriptor}, translate, report)
        if not (match is not None and mode == "update"):  # updates take the rest from the record
            check_mapping(state, mapping, defaults or {}, translate)
        chunk: list[tuple[int, list[str]]] = []
        for item in table.rows:
            chunk.append(item)
            if len(chunk) >= batch:
                _batch(state, chunk, progress, table)
                chunk = []
        if chunk:
            _batch(state, chunk, progress, table)
    except BaseException:
        if outer.is_active:
            outer.rollback()
        raise
    report.errors.sort(key=lambda e: e["row"])  # conversion problems are found before validation ones
    report.notes.sort(key=lambda e: e["row"])
    if dry_run or not report.ok:
        outer.rollback()
    else:
        outer.commit()
        report.committed = True
    return report


def check_mapping(state: _Run, mapping: Mapping[str, str], defaults: Mapping, translate: Callable) -> None:
    missing = missing_required(list(state.fields.values()), mapping, defaults)
    if missing:
        titles = [translate(f.title) for f in missing]
        raise ImportRefused(_("Missing required columns: ${fields}.", mapping={"fields": "、".join(titles)}),
                            [f.name for f in missing])


#: Row counts after which the planner's statistics of the tables an import fills are refreshed.
ANALYZE_AT = (2_000, 8_000, 32_000, 128_000, 512_000)


def refresh_statistics(session: Session, model) -> None:
    """``ANALYZE`` the model's table and the search index on PostgreSQL, inside the import's transaction.

    The tables grow from a few rows to 100,000 within one transaction, where autovacuum
    cannot see them: the planner would go on believing them tiny, and psycopg's prepared
    statements keep the plans made then, so every batch's duplicate and code lookups
    (``code IN (…500 values)``) scanned the whole table: 1 s per batch at 100,000 rows,
    instead of milliseconds through the index. ANALYZE sees the transaction's own rows,
    and the new statistics invalidate the cached plans.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    tables = [model.__table__.name, "zg_search", "zg_audit"]
    for name in tables:
        session.execute(sa.text(f'ANALYZE "{name}"'))


def _batch(state: _Run, chunk, progress, table: Table) -> None:
    before = state.report.total
    state.report.total += len(chunk)
    state.write(state.plan(chunk))
    if any(before < at <= state.report.total for at in ANALYZE_AT):
        refresh_statistics(state.session, state.descriptor.model)
    if progress is not None:
        progress(state.report.total, max(table.total, state.report.total))


