"""Schema fields every addon shares: a reference to records of another registered model.

``reference(Partner, title=_("Customer"))`` is an integer field (a set of integers with
``multiple=True``) that the API takes as record ids and the forms show as a select
that searches the referenced model as the user types (the same search as its list:
characters, pinyin, initials, phone fragments). Values are checked: the record must
exist and, when there is a request, be visible to the user (read scope). See
docs/models.md, "References to other records".
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import colander
import deform
import sqlalchemy as sa

from .descriptors import model_name
from .i18n import _

#: How many records the lookup offers at once (the rest: type more).
LOOKUP_SIZE = 20


class ReferenceWidget(deform.widget.SelectWidget):
    """A select holding only the chosen records; ``reference.js`` fills it from the lookup URL."""

    def __init__(self, model, request=None, session=None, current=None, **kw):
        self.model = model
        self.request = request
        self.session = session
        attributes = dict(kw.pop("attributes", {}) or {})
        if request is not None:
            attributes["data-zg-lookup"] = request.route_url("zg.model.lookup", model=model_name(model.__tablename__))
            attributes["data-zg-placeholder"] = request.localizer.translate(_("Type to search…"))
        # ``values`` (the select's choices) start as the labels of the record's current value:
        # pages that show a record read them to display labels instead of ids (detail page).
        super().__init__(attributes=attributes, values=self._choices(current), **kw)

    def _choices(self, value) -> list[tuple[str, str]]:
        chosen = value if isinstance(value, (list, tuple, set, frozenset)) else [value]
        ids = [int(v) for v in chosen if v not in (None, colander.null, "") and str(v).isdigit()]
        return [(str(i), text) for i, text in labels(self.request, self.session, self.model, ids)]

    def serialize(self, field, cstruct, **kw):
        kw["values"] = ([] if self.multiple else [("", "—")]) + self._choices(cstruct)
        return super().serialize(field, cstruct, **kw)


def _descriptor(request, model):
    if request is None:
        return None
    return getattr(request.registry, "zg_models", {}).get(model_name(model.__tablename__))


def labels(request, session, model, ids: Iterable[int]) -> list[tuple[int, str]]:
    """``(id, label)`` of the records ``ids`` (in that order), with their descriptor's label."""
    ids = list(dict.fromkeys(ids))
    if not ids or session is None:
        return []
    descriptor = _descriptor(request, model)
    label = descriptor.label if descriptor is not None else str
    found = {r.id: r for r in session.scalars(sa.select(model).where(model.id.in_(ids)))}
    return [(i, label(found[i])) for i in ids if i in found]


class IdSet(colander.Set):
    """A set of record ids: form values (strings) and JSON numbers alike become ints."""

    def deserialize(self, node, cstruct):
        values = super().deserialize(node, cstruct)
        if values is colander.null:
            return values
        try:
            return {int(v) for v in values if v not in ("", None)}
        except (TypeError, ValueError):
            raise colander.Invalid(node, _("No such record.")) from None


class _Exists:
    """The referenced records exist and (with a request) are within the user's read scope."""

    def __init__(self, model, kw):
        self.model = model
        self.session = kw.get("session")
        self.request = kw.get("request")

    def __call__(self, node, value):
        if self.session is None or value in (None, colander.null):
            return
        values = value if isinstance(value, (set, frozenset, list, tuple)) else [value]
        try:
            ids = {int(v) for v in values}
        except (TypeError, ValueError):
            raise colander.Invalid(node, _("No such record.")) from None
        if not ids:
            return
        if any(not 0 < i <= 2 ** 31 - 1 for i in ids):
            raise colander.Invalid(node, _("No such record."))
        query = sa.select(self.model.id).where(self.model.id.in_(ids))
        descriptor = _descriptor(self.request, self.model)
        access = getattr(self.request, "access", None) if self.request is not None else None
        if descriptor is not None and access is not None and access.allowed(descriptor.name, "read"):
            query = query.where(access.filter(descriptor, "read"))
        found = set(self.session.scalars(query))
        if ids - found:
            raise colander.Invalid(node, _("No such record."))


def reference(model, title: Any = None, missing: Any = None, multiple: bool = False,
              validator=None, **kw) -> colander.SchemaNode:
    """A field that holds the id (``multiple``: the ids) of records of ``model``.

    ``model`` is a mapped class registered with a descriptor (its lookup and labels
    come from there). ``missing=colander.required`` makes the field required.
    The node's ``reference_model`` attribute is ``model`` (see :func:`referenced_model`):
    tools that walk schemas (the authorization matrix, generators) learn from it which
    records a value must name.
    """

    @colander.deferred
    def widget(node, bind):
        from .records import field_value  # another addon's field reads from its table (core/extensions.py)

        record = bind.get("record")
        current = field_value(record, node) if record is not None else None
        return ReferenceWidget(model, bind.get("request"), bind.get("session"), current, multiple=multiple)

    @colander.deferred
    def check(node, bind):
        exists = _Exists(model, bind)
        return colander.All(exists, validator) if validator is not None else exists

    if multiple:
        return colander.SchemaNode(IdSet(), title=title, missing=() if missing is None else missing,
                                   widget=widget, validator=check,
                                   json_schema={"items": {"type": "integer", "minimum": 1,
                                                          "maximum": 2 ** 31 - 1}},
                                   reference_model=model, reference_multiple=True, **kw)
    return colander.SchemaNode(colander.Integer(), title=title, missing=missing, widget=widget,
                               validator=check, reference_model=model, reference_multiple=False, **kw)


def referenced_model(node: colander.SchemaNode) -> type | None:
    """The mapped class a :func:`reference` node points to, or None for any other node."""
    return getattr(node, "reference_model", None)


def unique(model, column: str = "name", message=None, validator=None):
    """A deferred validator: no other record of ``model`` has this value in ``column``.

    The record being edited (bound as ``record``) does not count. ``validator`` runs first
    (e.g. ``colander.Length(1, 100)``). The database's unique constraint stays the guard
    against two saves at once; this gives the user the message before that.
    """

    @colander.deferred
    def check(node, bind):
        session, record = bind.get("session"), bind.get("record")

        def taken(node, value):
            if session is None:
                return
            query = sa.select(model.id).where(getattr(model, column) == value)
            if record is not None:
                query = query.where(model.id != record.id)
            if session.scalar(query) is not None:
                raise colander.Invalid(node, message or _("This name is already used."))
        return colander.All(validator, taken) if validator is not None else taken

    return check
