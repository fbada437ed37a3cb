"""Custom fields and renamed labels, without a request: definitions, values, labels, SQL.

Definitions and labels are read once per session (a request, a job, a command) and
kept in ``session.info``; a change made through these services clears that cache, and
every other process sees it on its next request (nothing is cached globally).
Values live in ``zg_custom_value`` (one JSON row per record); a page of records reads
them with one query (:func:`values_for`).
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
import zope.sqlalchemy
from sqlalchemy.orm import Session

from ..i18n import _
from .models import PLACES, CustomField, CustomValue, FieldLabel
from .types import TYPES

CODE = re.compile(r"[a-z][a-z0-9_]{0,39}\Z")
MODEL = re.compile(r"[a-z][a-z0-9_]*\.[a-z][a-z0-9_.]*\Z")
PREFIX = "x_"
#: ``FieldLabel.field`` values naming the model's own titles (list title, menu…)
MODEL_TITLE, MODEL_PLURAL = "@title", "@plural"


class FieldError(Exception):
    """A definition that cannot be saved: ``errors`` maps field names to messages."""

    def __init__(self, errors: Mapping[str, Any]):
        super().__init__(dict(errors))
        self.errors = dict(errors)


def _cache(session: Session) -> dict:
    return session.info.setdefault("zg.customfields", {"fields": {}, "labels": {}, "values": {}})


def clear_cache(session: Session) -> None:
    session.info.pop("zg.customfields", None)


# ---- definitions ------------------------------------------------------------------------

def fields_for(session: Session | None, model_name: str) -> list[CustomField]:
    """The custom fields of ``model_name`` in their order (cached for the session)."""
    if session is None:
        return []
    cache = _cache(session)["fields"]
    if model_name not in cache:
        with session.no_autoflush:
            cache[model_name] = [f for f in session.scalars(
                sa.select(CustomField).where(CustomField.model == model_name)
                .order_by(CustomField.sequence, CustomField.id)) if f.kind in TYPES]
    return cache[model_name]


def field_named(session: Session | None, model_name: str, name: str) -> CustomField | None:
    """The custom field ``x_<code>`` of the model, or None."""
    if not name.startswith(PREFIX):
        return None
    return next((f for f in fields_for(session, model_name) if f.name == name), None)


def check_field(session: Session, field: CustomField, models: Iterable[str] | None = None) -> None:
    """FieldError unless ``field`` can be saved as it is."""
    errors: dict[str, Any] = {}
    if models is not None and field.model not in models:
        errors["model"] = _("Choose a model from the list.")
    elif not MODEL.match(field.model or ""):
        errors["model"] = _("Choose a model from the list.")
    if not CODE.match(field.code or ""):
        errors["code"] = _("Lower-case letters, digits and _, starting with a letter (at most 40).")
    if field.kind not in TYPES:
        errors["kind"] = _("Choose a type from the list.")
    if not (field.title_zh or "").strip() and not (field.title_en or "").strip():
        errors["title_zh"] = _("Give the field a title.")
    if field.kind in ("choice", "multichoice") and not field.options():
        errors["choices"] = _("Give at least one option, one a line.")
    values = [v for v, _t in field.options()]
    if len(values) != len(set(values)):
        errors["choices"] = _("Each option must be different.")
    places = set(field.show if field.show is not None else PLACES)
    if places - set(PLACES):
        errors["show"] = _("Unknown place: ${value}.", mapping={"value": ", ".join(sorted(places - set(PLACES)))})
    if field.required and (field.hidden or not {"new", "edit"} <= places):
        errors["required"] = _("A required field must show on the new and edit forms.")
    if field.required and TYPES.get(field.kind) is not None and TYPES[field.kind].needs_record:
        errors["required"] = _("A field of this type cannot be required.")
    if "code" not in errors and "model" not in errors:
        same = session.scalar(sa.select(CustomField.id).where(
            CustomField.model == field.model, CustomField.code == field.code,
            CustomField.id != (field.id or 0)))
        if same is not None:
            errors["code"] = _("This model already has a field with this code.")
    if errors:
        raise FieldError(errors)


def save_field(session: Session, field: CustomField, old_kind: str | None = None) -> CustomField:
    """Check and write a definition (new or changed); index it on PostgreSQL when filtered on."""
    if old_kind is not None and old_kind != field.kind:
        raise FieldError({"kind": _("The type of a field cannot change: delete it and add a new one.")})
    check_field(session, field)
    if field.id is None:
        session.add(field)
    session.flush()
    sync_index(session, field)
    clear_cache(session)
    return field


def delete_field(session: Session, field: CustomField) -> None:
    """Remove a field and its value from every record of its model."""
    model, code = field.model, field.code
    drop_index(session, model, code)
    if _dialect(session) == "postgresql":
        session.execute(sa.text("UPDATE zg_custom_value SET data = data - :code WHERE model = :model"),
                        {"code": code, "model": model})
    else:
        session.execute(sa.text("UPDATE zg_custom_value SET data = json_remove(data, :path) WHERE model = :model"),
                        {"path": f'$."{code}"', "model": model})
    zope.sqlalchemy.mark_changed(session)
    session.delete(field)
    session.flush()
    clear_cache(session)


# ---- the expression indexes of filtered fields (PostgreSQL) ------------------------------

def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def index_name(model: str, code: str) -> str:
    return "ix_zg_custom_value_" + hashlib.sha1(f"{model}:{code}".encode()).hexdigest()[:16]


def sync_index(session: Session, field: CustomField) -> None:
    """On PostgreSQL: an index on ``data ->> 'code'`` for this model's rows iff the field is filterable."""
    if _dialect(session) != "postgresql":
        return
    drop_index(session, field.model, field.code)
    field_type = TYPES.get(field.kind)
    if not field.filterable or field_type is None or field_type.filter is None:
        return
    # code and model are checked against CODE / MODEL: safe to write into the DDL.
    expr = f"(data ->> '{field.code}')"
    if field_type.compare == "number":
        expr = f"(({expr})::numeric)"
    session.execute(sa.text(f"CREATE INDEX {index_name(field.model, field.code)} ON zg_custom_value "
                            f"(({expr})) WHERE model = '{field.model}'"))
    zope.sqlalchemy.mark_changed(session)


def drop_index(session: Session, model: str, code: str) -> None:
    if _dialect(session) == "postgresql":
        session.execute(sa.text(f"DROP INDEX IF EXISTS {index_name(model, code)}"))
        zope.sqlalchemy.mark_changed(session)


# ---- values ---------------------------------------------------------------------------

def _load(fields: list[CustomField], data: Mapping | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    data = data or {}
    for field in fields:
        field_type = TYPES[field.kind]
        raw = data.get(field.code)
        try:
            out[field.name] = field_type.load(raw) if raw is not None else field_type.empty
        except (TypeError, ValueError, ArithmeticError):
            out[field.name] = field_type.empty  # a value an older definition wrote
    return out


def values_for(session: Session, model_name: str, record_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """``{id: {"x_code": value}}`` of records of ``model_name`` (one query; cached for the session)."""
    fields = fields_for(session, model_name)
    ids = [int(i) for i in record_ids if i is not None]
    if not fields or not ids:
        return {i: {} for i in ids}
    cache = _cache(session)["values"]
    missing = [i for i in ids if (model_name, i) not in cache]
    if missing:
        with session.no_autoflush:
            rows = dict(session.execute(sa.select(CustomValue.record_id, CustomValue.data).where(
                CustomValue.model == model_name, CustomValue.record_id.in_(missing))).all())
        for i in missing:
            cache[(model_name, i)] = _load(fields, rows.get(i))
    return {i: cache[(model_name, i)] for i in ids}


def value(session: Session | None, model_name: str, record, name: str):
    """The custom value ``x_<code>`` of ``record`` (None when the record has no such field)."""
    if session is None or getattr(record, "id", None) is None:
        field = field_named(session, model_name, name)
        return TYPES[field.kind].empty if field is not None else None
    return values_for(session, model_name, [record.id]).get(record.id, {}).get(name)


def set_values(session: Session, model_name: str, record, values: Mapping[str, Any]) -> None:
    """Write the given ``x_<code>`` values of ``record`` (others keep theirs; None clears one)."""
    fields = {f.name: f for f in fields_for(session, model_name)}
    given = {k: v for k, v in values.items() if k in fields}
    if not given or record.id is None:
        return
    row = session.get(CustomValue, (model_name, record.id))
    data = dict(row.data or {}) if row is not None else {}
    for name, val in given.items():
        field = fields[name]
        field_type = TYPES[field.kind]
        if val is None or val == field_type.empty and field.kind != "bool":
            data.pop(field.code, None)
        else:
            data[field.code] = field_type.dump(val)
    if row is None:
        if not data:
            return
        session.add(CustomValue(model=model_name, record_id=record.id, data=data))
    else:
        row.data = data  # a new dict: the JSON column sees the change
    session.flush()
    _cache(session)["values"][(model_name, record.id)] = _load(list(fields.values()), data)


def forget_values(session: Session, model_name: str, record_ids: Iterable[int]) -> None:
    """Remove the custom values of deleted records."""
    ids = [int(i) for i in record_ids]
    if not ids:
        return
    session.execute(sa.delete(CustomValue).where(CustomValue.model == model_name,
                                                 CustomValue.record_id.in_(ids)))
    zope.sqlalchemy.mark_changed(session)
    cache = _cache(session)["values"]
    for i in ids:
        cache.pop((model_name, i), None)


def purge_orphans(session: Session, model_name: str, model) -> int:
    """Remove values whose record is gone (deleted by a bulk statement, outside the ORM)."""
    result = session.execute(sa.delete(CustomValue).where(
        CustomValue.model == model_name,
        ~CustomValue.record_id.in_(sa.select(model.id).scalar_subquery())))
    zope.sqlalchemy.mark_changed(session)
    _cache(session)["values"].clear()
    return result.rowcount or 0


# ---- SQL on values: filters and search -------------------------------------------------

def value_text(session_or_dialect, code: str):
    """``data ->> 'code'`` (PostgreSQL, the indexed expression) / ``json_extract`` (SQLite), as text."""
    dialect = session_or_dialect if isinstance(session_or_dialect, str) else _dialect(session_or_dialect)
    if dialect == "postgresql":
        return sa.literal_column(f"zg_custom_value.data ->> '{code}'", sa.Text)
    return sa.func.json_extract(CustomValue.data, f'$."{code}"', type_=sa.Text)


def value_number(dialect: str, code: str):
    if dialect == "postgresql":
        return sa.literal_column(f"(zg_custom_value.data ->> '{code}')::numeric", sa.Numeric)
    return sa.cast(sa.func.json_extract(CustomValue.data, f'$."{code}"'), sa.Numeric)


def records_where(model_name: str, model, condition):
    """``model.id IN (records of model_name whose custom values meet condition)``."""
    return model.id.in_(sa.select(CustomValue.record_id).where(CustomValue.model == model_name, condition))


# ---- labels -------------------------------------------------------------------------

def labels_for(session: Session | None, model_name: str) -> dict[str, FieldLabel]:
    """``{field: FieldLabel}`` of the model's renamed built-in labels (cached for the session)."""
    if session is None:
        return {}
    cache = _cache(session)["labels"]
    if model_name not in cache:
        with session.no_autoflush:
            cache[model_name] = {row.field: row for row in session.scalars(
                sa.select(FieldLabel).where(FieldLabel.model == model_name))}
    return cache[model_name]


def label(session: Session | None, model_name: str, field: str, locale: str | None) -> str | None:
    """The company's title of a built-in field (or ``@title`` / ``@plural``) in ``locale``, or None."""
    row = labels_for(session, model_name).get(field)
    if row is None:
        return None
    return row.title(locale) or None


def rename(session: Session, model_name: str, field: str, title_zh: str = "", title_en: str = "") -> FieldLabel | None:
    """Rename a built-in label per language; both empty resets it (the row is removed)."""
    title_zh, title_en = (title_zh or "").strip()[:100], (title_en or "").strip()[:100]
    row = session.scalar(sa.select(FieldLabel).where(FieldLabel.model == model_name, FieldLabel.field == field))
    if not title_zh and not title_en:
        if row is not None:
            session.delete(row)
        session.flush()
        clear_cache(session)
        return None
    if row is None:
        row = FieldLabel(model=model_name, field=field)
        session.add(row)
    row.title_zh, row.title_en = title_zh, title_en
    session.flush()
    clear_cache(session)
    return row


def reset_labels(session: Session, model_name: str) -> None:
    """Every built-in label of the model back to the product's own."""
    session.execute(sa.delete(FieldLabel).where(FieldLabel.model == model_name))
    zope.sqlalchemy.mark_changed(session)
    clear_cache(session)
