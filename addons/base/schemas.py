"""colander schemas of base's models registered for the generic pages and the API."""
from __future__ import annotations

import re

import colander
import deform
import sqlalchemy as sa

from core.i18n import _

from . import sequences
from .models import Sequence

RESET_TITLES = [("never", _("Never")), ("yearly", _("Every year")), ("monthly", _("Every month")),
                ("daily", _("Every day"))]
CODE_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")


def _normal_code(value):
    return re.sub(r"\s+", "_", value.strip().lower()) if isinstance(value, str) else value


def _prefix_validator(node, value):
    problem = sequences.prefix_problem(value)
    if problem is not None:
        raise colander.Invalid(node, problem)


@colander.deferred
def _code_validator(node, kw):
    session, record = kw.get("session"), kw.get("record")

    def unique(node, value):
        if not CODE_RE.match(value):
            raise colander.Invalid(node, _("Lowercase letters, digits, _ and dots, e.g. sale.order."))
        if record is not None and value != record.code:
            raise colander.Invalid(node, _("The code cannot be changed: addons find the sequence by it."))
        if session is not None and record is None and \
                session.scalar(sa.select(Sequence.id).where(Sequence.code == value)) is not None:
            raise colander.Invalid(node, _("This code is already used."))
    return colander.All(colander.Length(1, 64), unique)


def _consistent(form, value):
    """The prefix must carry the date parts the reset needs, or a number would come back."""
    problem = sequences.reset_problem(value.get("prefix") or "", value.get("reset") or "never")
    if problem is not None:
        error = colander.Invalid(form)
        error["prefix"] = problem
        raise error


class SequenceSchema(colander.MappingSchema):
    code = colander.SchemaNode(colander.String(), title=_("Code"), validator=_code_validator,
                               preparer=_normal_code,
                               description=_("What the addon asks for, e.g. sale.order (lowercase; spaces "
                                             "become _). Cannot be changed."))
    name = colander.SchemaNode(colander.String(), title=_("Name"), validator=colander.Length(1, 100))
    prefix = colander.SchemaNode(
        colander.String(), title=_("Prefix"), missing="", validator=colander.All(
            colander.Length(max=40), _prefix_validator),
        preparer=lambda v: v.strip() if isinstance(v, str) else v,
        description=_("Text before the counter. Date parts: {yyyy} year, {yy} year in 2 digits, {mm} month, "
                      "{dd} day. Example: SO{yyyy}{mm}- gives SO202405-0001."))
    padding = colander.SchemaNode(colander.Integer(), title=_("Counter digits"), missing=4, default=4,
                                  validator=colander.Range(1, sequences.MAX_PADDING),
                                  description=_("The counter is padded with zeros to this many digits."))
    reset = colander.SchemaNode(colander.String(), title=_("Counter restarts"), missing="never", default="never",
                                validator=colander.OneOf([v for v, _t in RESET_TITLES]),
                                widget=deform.widget.SelectWidget(values=RESET_TITLES),
                                description=_("The counter starts again at 1 when the period changes."))
    next_counter = colander.SchemaNode(
        colander.Integer(), title=_("Next counter"), missing=1, default=1,
        validator=colander.Range(1, 10 ** 15),
        description=_("The counter of the next number in the current period. It only goes forward: "
                      "a lower value is ignored, so no number is given twice."))
    user_editable = colander.SchemaNode(colander.Boolean(), title=_("Users may type the number"),
                                        missing=False,
                                        description=_("Otherwise numbers are always given automatically."))
    active = colander.SchemaNode(colander.Boolean(), title=_("Active"), missing=True, default=True)


def sequence_schema(request=None) -> SequenceSchema:
    return SequenceSchema(validator=_consistent)
