"""Which column fills which field: the fields of a model's schema, guesses, remembered mappings.

Fields are the nodes of the descriptor's bound colander schema (``records.bound_schema``),
so custom fields (``x_<code>`` nodes) are importable like the addon's own, and nothing
here knows a model. Cells are turned into what the schema expects: yes/no words,
a choice's title (Chinese or English) or value, a referenced record's code or label.
"""
from __future__ import annotations

import dataclasses
import hashlib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

import colander
import sqlalchemy as sa

from .. import records
from ..fields import referenced_model
from ..i18n import _

#: Words read as yes / no in boolean columns (compared case-insensitively).
YES = {"1", "true", "yes", "y", "是", "有", "对", "✓", "√", "x", "on"}
NO = {"0", "false", "no", "n", "否", "无", "不", "", "off", "×"}
#: Separators of several values in one cell (tags): , ， ; ； 、 |
SEPARATORS = re.compile(r"[,，;；、|]")


def normalize(text: Any) -> str:
    """Text compared loosely: full-width to half-width (NFKC), case and inner spaces ignored."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text or ""))).casefold()


def digits(text: Any) -> str:
    """Only the digits of a phone number, without China's country code (+86 138-0013-8000 → 13800138000)."""
    found = re.sub(r"\D", "", unicodedata.normalize("NFKC", str(text or "")))
    if len(found) > 11 and found.startswith("86"):
        found = found[2:]
    return found


def signature(header: Sequence[str]) -> str:
    """The file layout's key: its column titles, normalised, in order."""
    return hashlib.sha256("\x1f".join(normalize(h) for h in header).encode("utf-8")).hexdigest()


@dataclasses.dataclass
class Field:
    """One importable schema node."""

    name: str
    title: Any
    node: colander.SchemaNode
    required: bool
    kind: str  # text, bool, choice, reference, references, date, datetime, number
    choices: dict[str, Any] = dataclasses.field(default_factory=dict)  # normalised title/value → value
    choice_titles: list = dataclasses.field(default_factory=list)
    model: type | None = None


def _kind(node) -> str:
    if referenced_model(node) is not None:
        return "references" if getattr(node, "reference_multiple", False) else "reference"
    typ = node.typ
    if isinstance(typ, colander.Boolean):
        return "bool"
    if isinstance(typ, colander.DateTime):
        return "datetime"
    if isinstance(typ, colander.Date):
        return "date"
    if isinstance(typ, (colander.Integer, colander.Decimal, colander.Float, colander.Money)):
        return "number"
    return "text"


def fields_of(schema, translators: Sequence = ()) -> list[Field]:
    """The importable fields of a bound schema (not lines: a document's lines are not one row)."""
    out = []
    for node in schema.children:
        if records.is_lines(node) or isinstance(node.typ, (colander.Mapping, colander.Sequence,
                                                           colander.Tuple)):
            continue
        field = Field(node.name, node.title, node, node.missing is colander.required, _kind(node))
        field.model = referenced_model(node)
        if field.kind in ("text", "number"):
            values = getattr(getattr(node, "widget", None), "values", None)
            if isinstance(values, (list, tuple)) and values:
                for item in values:
                    if not (isinstance(item, (list, tuple)) and len(item) == 2) or item[0] in ("", None):
                        continue
                    value, title = item
                    field.choice_titles.append(title)
                    field.choices[normalize(value)] = value
                    for translate in translators:
                        field.choices.setdefault(normalize(translate(title)), value)
                    field.choices.setdefault(normalize(getattr(title, "default", None) or title), value)
                field.kind = "choice"
        out.append(field)
    return out


def guess(header: Sequence[str], fields: Sequence[Field], translators: Sequence = ()) -> dict[str, str]:
    """{column: field name} for columns whose title is a field's title (any language) or name."""
    names: dict[str, str] = {}
    for field in fields:
        keys = {normalize(field.name), normalize(getattr(field.title, "default", None) or field.title)}
        keys |= {normalize(t(field.title)) for t in translators}
        for key in keys:
            names.setdefault(key, field.name)
    out: dict[str, str] = {}
    used: set[str] = set()
    for column in header:
        name = names.get(normalize(column))
        if column and name and name not in used:
            out[column] = name
            used.add(name)
    return out


def clean(mapping: Mapping[str, str], header: Sequence[str], fields: Sequence[Field]) -> dict[str, str]:
    """Keep pairs naming a column of the file and a field (each field once)."""
    known = {f.name for f in fields}
    out: dict[str, str] = {}
    for column, name in mapping.items():
        if column in header and name in known and name not in out.values():
            out[column] = name
    return out


def missing_required(fields: Sequence[Field], mapping: Mapping[str, str], defaults: Mapping) -> list[Field]:
    mapped = set(mapping.values()) | set(defaults)
    return [f for f in fields if f.required and f.name not in mapped]


# ---- cells → colander cstructs ---------------------------------------------------------

class CellError(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]+(.*))?$")


def cstruct(field: Field, text: str):
    """The cell ``text`` as the schema node's input (colander.null for an empty cell)."""
    text = text.strip()
    if field.kind == "bool":
        key = normalize(text)
        if key in YES:
            return "true"
        if key in NO:
            return colander.null if not text else "false"
        raise CellError(_("Not a yes/no value: use 是/否 or yes/no."))
    if not text:
        return colander.null
    if field.kind == "choice":
        value = field.choices.get(normalize(text))
        if value is None:
            titles = [str(t) for t in field.choice_titles[:12]]
            raise CellError(_("Not one of the choices: ${choices}", mapping={"choices": "、".join(titles)}))
        return str(value)
    if field.kind in ("date", "datetime"):
        match = _DATE.match(unicodedata.normalize("NFKC", text))
        if match:
            year, month, day, rest = match.groups()
            text = f"{int(year):04d}-{int(month):02d}-{int(day):02d}"
            if field.kind == "datetime":
                text += f"T{rest.strip()}" if rest else "T00:00:00"
        return text
    if field.kind == "number":
        return re.sub(r"[,\s¥￥$]", "", unicodedata.normalize("NFKC", text))
    return text


class References:
    """Resolves cells naming records of other models (a code, a name, the label) to ids, in bulk.

    One query per referenced model per batch of rows; only records the user may read are found.
    """

    #: Columns of a referenced model looked in, when it has them.
    KEYS = ("code", "name", "full_name", "short_name", "login", "number")

    def __init__(self, session, access, models: Mapping[str, Any]):
        self.session = session
        self.access = access
        self.by_table = {d.model.__tablename__: d for d in models.values()}
        self.found: dict[type, dict[str, set[int]]] = {}

    def load(self, model, texts: set[str]) -> None:
        known = self.found.setdefault(model, {})
        wanted = {t for t in texts if t and normalize(t) not in known}
        if not wanted:
            return
        descriptor = self.by_table.get(model.__tablename__)
        mapper = sa.inspect(model)
        columns = [mapper.columns[k] for k in self.KEYS if k in mapper.columns]
        clauses = [c.in_(wanted) for c in columns]
        ids = [int(t) for t in wanted if t.isdigit() and len(t) < 10]
        clauses.append(model.id.in_(ids))
        query = sa.select(model).where(sa.or_(*clauses))
        if descriptor is not None and self.access is not None:
            query = query.where(self.access.filter(descriptor, "read"))
        label = descriptor.label if descriptor is not None else str
        for text in wanted:
            known.setdefault(normalize(text), set())
        by_id = {}
        for record in self.session.scalars(query):
            by_id[record.id] = record
            for name in {getattr(record, c.key) for c in columns} | {label(record)}:
                key = normalize(name)
                if key in known:
                    known[key].add(record.id)
        # A number that names no record by its code or name: a record id (what the API exports).
        for text in wanted:
            if text.isdigit() and not known[normalize(text)] and int(text) in by_id:
                known[normalize(text)].add(int(text))

    def resolve(self, field: Field, text: str):
        """The id (or ids) named by ``text``; CellError when none or several records match."""
        text = text.strip()
        if not text:
            return colander.null if field.kind == "reference" else []
        parts = [p.strip() for p in SEPARATORS.split(text)] if field.kind == "references" else [text]
        ids = []
        for part in parts:
            if not part:
                continue
            found = self.found.get(field.model, {}).get(normalize(part), set())
            if not found:
                raise CellError(_("No such record: ${text}", mapping={"text": part}))
            if len(found) > 1:
                raise CellError(_("Several records are named ${text}: use their code.", mapping={"text": part}))
            ids.append(str(next(iter(found))))
        return ids[0] if field.kind == "reference" else ids
