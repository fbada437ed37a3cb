"""colander schemas of targets, points rules and points entries (the forms and the JSON API share them)."""
from __future__ import annotations

import colander
import deform
import sqlalchemy as sa

from addons.base.partners.models import Partner
from core.fields import reference
from core.i18n import _
from core.security.models import Department

from ..schemas import MAX_AMOUNT, _area, _strip, _text, _user_exists, _user_widget
from .models import PointsRule
from .points import MAX_POINTS

SCOPE_CHOICES = [("rep", _("Sales rep")), ("department", _("Department")), ("company", _("Company"))]
RULE_KINDS = [("purchase", _("Per 100 yuan bought")), ("referral", _("Per customer referred")),
              ("manual", _("Manual adjustment"))]
ENTRY_KINDS = [("manual", _("Manual adjustment")), ("referral", _("Referral")), ("purchase", _("Purchases"))]


@colander.deferred
def _departments_widget(node, kw):
    session = kw.get("session")
    values = [(d.id, d.name) for d in session.scalars(
        sa.select(Department).where(Department.active.is_(True)).order_by(Department.path))] if session else []
    return deform.widget.SelectWidget(values=[("", "—"), *values])


@colander.deferred
def _department_exists(node, kw):
    session = kw.get("session")

    def check(node, value):
        if session is not None and (not 0 < value < 2 ** 31 or session.get(Department, value) is None):
            raise colander.Invalid(node, _("No such department."))
    return check


def target_schema(request) -> colander.SchemaNode:
    schema = colander.SchemaNode(colander.Mapping())
    schema.add(colander.SchemaNode(colander.String(), name="scope", title=_("Scope"), missing="rep", default="rep",
                                   validator=colander.OneOf([v for v, _t in SCOPE_CHOICES]),
                                   widget=deform.widget.SelectWidget(values=SCOPE_CHOICES)))
    schema.add(colander.SchemaNode(colander.Integer(), name="user_id", title=_("Sales rep"), missing=None,
                                   widget=_user_widget, validator=_user_exists,
                                   description=_("For a rep's target.")))
    schema.add(colander.SchemaNode(colander.Integer(), name="department_id", title=_("Department"), missing=None,
                                   widget=_departments_widget, validator=_department_exists,
                                   description=_("For a department's target (with the departments below it).")))
    schema.add(colander.SchemaNode(colander.String(), name="period", title=_("Period"), preparer=_strip,
                                   validator=colander.Length(4, 7),
                                   description=_("A month (2026-11), a quarter (2026-Q4) or a year (2026).")))
    schema.add(colander.SchemaNode(colander.Decimal("0.01"), name="amount", title=_("Target amount"),
                                   validator=colander.Range(min=0, max=MAX_AMOUNT)))
    schema.add(_text("note", _("Note"), 500))
    return schema


def rule_schema(request) -> colander.SchemaNode:
    schema = colander.SchemaNode(colander.Mapping())
    schema.add(_text("name", _("Name"), 100, required=True))
    schema.add(colander.SchemaNode(colander.String(), name="kind", title=_("Kind"), missing="purchase",
                                   default="purchase", validator=colander.OneOf([v for v, _t in RULE_KINDS]),
                                   widget=deform.widget.SelectWidget(values=RULE_KINDS)))
    schema.add(colander.SchemaNode(colander.Integer(), name="points", title=_("Points"), default=1,
                                   validator=colander.Range(0, 100000),
                                   description=_("Per 100 yuan bought, per customer referred, or the default "
                                                 "of a manual adjustment.")))
    schema.add(colander.SchemaNode(colander.Date(), name="start_date", title=_("Counts purchases from"),
                                   missing=None, description=_("Empty: every purchase.")))
    schema.add(colander.SchemaNode(colander.Boolean(), name="active", title=_("Active"), missing=True,
                                   default=True))
    schema.add(_area("note", _("Note")))
    return schema


@colander.deferred
def _rules_widget(node, kw):
    session = kw.get("session")
    values = [(r.id, r.name) for r in session.scalars(
        sa.select(PointsRule).where(PointsRule.active.is_(True), PointsRule.kind != "purchase")
        .order_by(PointsRule.name))] if session else []
    return deform.widget.SelectWidget(values=[("", "—"), *values])


def entry_schema(request) -> colander.SchemaNode:
    """A manual adjustment or a referral award (purchase points come from the daily job)."""
    schema = colander.SchemaNode(colander.Mapping())
    schema.add(reference(Partner, title=_("Customer"), missing=colander.required, name="partner_id"))
    schema.add(colander.SchemaNode(colander.String(), name="kind", title=_("Kind"), missing="manual",
                                   default="manual", validator=colander.OneOf(["manual", "referral"]),
                                   widget=deform.widget.SelectWidget(values=ENTRY_KINDS[:2])))
    schema.add(colander.SchemaNode(colander.Integer(), name="points", title=_("Points"), missing=0, default=0,
                                   validator=colander.Range(-MAX_POINTS, MAX_POINTS),
                                   description=_("+ or −. A referral without points takes its rule's.")))
    schema.add(colander.SchemaNode(colander.Integer(), name="rule_id", title=_("Rule"), missing=None,
                                   widget=_rules_widget))
    schema.add(reference(Partner, title=_("Referred customer"), name="referred_partner_id"))
    schema.add(_text("reason", _("Reason"), 200))
    return schema
