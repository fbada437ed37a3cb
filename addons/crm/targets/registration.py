"""The targets part's models for the generic pages and /api/v1: crm.target, crm.points_rule,
crm.points_entry (the history: added by the award services, never edited or deleted)."""
from __future__ import annotations


from core.choices import departments, users
from core.descriptors import Column, Filter, ModelDescriptor
from core.i18n import _
from core.records import ValidationFailed

from . import points, schemas, services
from .models import PointsEntry, PointsRule, Target


def _yes(value) -> str:
    return "✓" if value else ""


def _titles(pairs):
    table = dict(pairs)
    return lambda value: table.get(value, value)


def _attainment(value) -> str:
    return "" if value is None else f"{value} %"


TARGET = ModelDescriptor(
    name="crm.target", model=Target, title=_("Sales target"), title_plural=_("Sales targets"),
    schema=schemas.target_schema,
    columns=[Column("period", _("Period")), Column("scope", _("Scope"), format=_titles(schemas.SCOPE_CHOICES)),
             Column("user.name", _("Sales rep"), sortable=False),
             Column("department.name", _("Department"), sortable=False),
             Column("amount", _("Target amount")),
             Column("actual", _("Actual"), visible=False),
             Column("attainment", _("Attainment"), format=_attainment, visible=False),
             Column("note", _("Note"), sortable=False, visible=False)],
    filters=[Filter("scope", _("Scope"), choices=lambda request: schemas.SCOPE_CHOICES),
             Filter("period_kind", _("Period kind"), choices=lambda request: list(
                 services.PERIOD_KIND_TITLES.items())),
             Filter("user_id", _("Sales rep"), choices=users),
             Filter("department_id", _("Department"), choices=departments),
             Filter("start_date", _("Period start"), kind="date_range")],
    search_fields=["period"], searchable=False, order_by="-start_date", label=str,
    create=services.create_target, update=services.update_target,
    read_only=("actual", "attainment"),
)

POINTS_RULE = ModelDescriptor(
    name="crm.points_rule", model=PointsRule, title=_("Points rule"), title_plural=_("Points rules"),
    schema=schemas.rule_schema,
    columns=[Column("name", _("Name")), Column("kind", _("Kind"), format=_titles(schemas.RULE_KINDS)),
             Column("points", _("Points")), Column("start_date", _("Counts purchases from")),
             Column("active", _("Active"), format=_yes)],
    filters=[Filter("kind", _("Kind"), choices=lambda request: schemas.RULE_KINDS),
             Filter("active", _("Active"), kind="bool")],
    search_fields=["name"], searchable=False, order_by="name", label=lambda r: r.name,
)


def _create_entry(session, appstruct: dict, user) -> PointsEntry:
    if appstruct.get("kind") == "referral":
        if not appstruct.get("referred_partner_id"):
            raise ValidationFailed({"referred_partner_id": _("Choose the customer who was referred.")})
        return points.award_referral(session, appstruct["partner_id"], appstruct["referred_partner_id"],
                                     appstruct.get("rule_id"), by=user, reason=appstruct.get("reason", ""),
                                     points=appstruct.get("points") or None)
    return points.adjust(session, appstruct["partner_id"], appstruct.get("points") or 0,
                         appstruct.get("reason", ""), by=user, rule_id=appstruct.get("rule_id"))


def _keep_history(session, record, user) -> None:
    raise ValidationFailed({"_": _("The points history is kept: add an adjustment instead.")})


POINTS_ENTRY = ModelDescriptor(
    name="crm.points_entry", model=PointsEntry, title=_("Points entry"), title_plural=_("Points history"),
    schema=schemas.entry_schema,
    columns=[Column("at", _("Date")), Column("partner.name", _("Customer"), sortable=False),
             Column("points", _("Points")), Column("kind", _("Kind"), format=_titles(schemas.ENTRY_KINDS)),
             Column("rule.name", _("Rule"), sortable=False), Column("amount", _("Purchase amount")),
             Column("referred_partner.name", _("Referred customer"), sortable=False),
             Column("reason", _("Reason"), sortable=False), Column("by.name", _("By"), sortable=False)],
    filters=[Filter("kind", _("Kind"), choices=lambda request: schemas.ENTRY_KINDS),
             Filter("at", _("Date"), kind="date_range")],
    search_fields=["reason"], searchable=False, order_by="-at", label=lambda e: f"{e.points:+d}",
    create=_create_entry, delete=_keep_history, editable=lambda record: False,
)

DESCRIPTORS = (TARGET, POINTS_RULE, POINTS_ENTRY)
