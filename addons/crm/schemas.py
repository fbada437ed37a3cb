"""colander schemas of crm's records: the forms and the JSON API share them.

Users (campaign participants, team members) are chosen from a select of active users
rather than a reference field: a sales rep has no right to read ``core.user`` records,
yet must be able to name a colleague on a deal.
"""
from __future__ import annotations

from decimal import Decimal

import colander
import deform
import sqlalchemy as sa

from addons.base.documents.models import AMOUNT_SCALE
from addons.base.partners.models import Contact, Partner
from addons.base.partners.schemas import simple_list_schema
from core import choices, fields
from core.fields import reference
from core.i18n import _
from core.security.models import User

from .models import Campaign, CampaignType, Competitor, LostReason, Stage

MAX_AMOUNT = 10 ** 12

#: Roles of the customer's people on a deal (影响者角色).
INFLUENCER_ROLES = [("decision_maker", _("Decision maker")), ("influencer", _("Influencer")),
                    ("user", _("End user")), ("technical", _("Technical evaluator")),
                    ("purchasing", _("Purchasing")), ("gatekeeper", _("Gatekeeper"))]
ATTITUDES = [("supporter", _("Supporter")), ("neutral", _("Neutral")), ("opponent", _("Opponent"))]
STATE_TITLES = {"open": _("Open"), "won": _("Won"), "lost": _("Lost")}


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _text(name: str, title, length: int, required: bool = False, **kw) -> colander.SchemaNode:
    return colander.SchemaNode(colander.String(), name=name, title=title, preparer=_strip,
                               validator=colander.Length(1 if required else 0, length),
                               **({} if required else {"missing": ""}), **kw)


def _area(name: str, title) -> colander.SchemaNode:
    return colander.SchemaNode(colander.String(), name=name, title=title, missing="",
                               widget=deform.widget.TextAreaWidget(rows=3))


def _money(name: str, title, missing=0) -> colander.SchemaNode:
    return colander.SchemaNode(colander.Decimal(str(Decimal(1).scaleb(-AMOUNT_SCALE))),
                               name=name, title=title, missing=missing, default=missing if missing else 0,
                               validator=colander.Range(min=0, max=MAX_AMOUNT))


def _percent(name: str, title, **kw) -> colander.SchemaNode:
    return colander.SchemaNode(colander.Integer(), name=name, title=title, validator=colander.Range(0, 100), **kw)


def active_users(session) -> list[tuple[int, str]]:
    return choices.active_users(session) if session is not None else []


@colander.deferred
def _user_widget(node, kw):
    return deform.widget.SelectWidget(values=[("", "—"), *active_users(kw.get("session"))])


@colander.deferred
def _users_widget(node, kw):
    return deform.widget.SelectWidget(values=active_users(kw.get("session")), multiple=True, size=6)


@colander.deferred
def _user_exists(node, kw):
    session = kw.get("session")

    def check(node, value):
        ids = value if isinstance(value, (set, list, tuple)) else {value}
        if session is None or not ids:
            return
        if any(not isinstance(i, int) or not 0 < i < 2 ** 31 for i in ids):
            raise colander.Invalid(node, _("No such user."))
        found = set(session.scalars(sa.select(User.id).where(User.id.in_(ids), User.active.is_(True))))
        if found != set(ids):
            raise colander.Invalid(node, _("No such user."))
    return check


# -- settings: stages, lost reasons, campaign types ---------------------------------------------

class CheckItemSchema(colander.MappingSchema):
    question = _text("question", _("Question"), 200, required=True)
    weight = colander.SchemaNode(colander.Integer(), title=_("Weight"), default=10,
                                 validator=colander.Range(1, 100))


def _check_stage(form, value) -> None:
    if value.get("is_won") and value.get("is_lost"):
        raise colander.Invalid(form, _("A stage cannot mark deals both won and lost."))


def stage_schema(request) -> colander.SchemaNode:
    schema = colander.SchemaNode(colander.Mapping(), validator=_check_stage)
    schema.add(colander.SchemaNode(colander.String(), name="name", title=_("Name"), preparer=_strip,
                                   validator=fields.unique(Stage, validator=colander.Length(1, 100))))
    schema.add(colander.SchemaNode(colander.Integer(), name="sequence", title=_("Order"), missing=10, default=10,
                                   validator=colander.Range(0, 10000)))
    schema.add(_percent("probability", _("Win probability %"), default=10))
    schema.add(colander.SchemaNode(colander.Boolean(), name="folded", title=_("Folded on the board"),
                                   missing=False))
    schema.add(colander.SchemaNode(colander.Boolean(), name="is_won", title=_("Marks the deal won"),
                                   missing=False))
    schema.add(colander.SchemaNode(colander.Boolean(), name="is_lost", title=_("Marks the deal lost"),
                                   missing=False))
    schema.add(colander.SchemaNode(colander.Boolean(), name="active", title=_("Active"), missing=True,
                                   default=True))
    schema.add(colander.SchemaNode(colander.Sequence(), CheckItemSchema(name="item", title=_("Question")),
                                   name="checklist", title=_("Evaluation checklist"), missing=()))
    return schema


lost_reason_schema = simple_list_schema(LostReason)
campaign_type_schema = simple_list_schema(CampaignType)


# -- competitors --------------------------------------------------------------------------------

class CompetitorProductSchema(colander.MappingSchema):
    name = _text("name", _("Product"), 200, required=True)
    price = _money("price", _("Price"), missing=None)
    note = _text("note", _("Note"), 500)


class CompetitorContactSchema(colander.MappingSchema):
    name = _text("name", _("Name"), 100, required=True)
    title = _text("title", _("Job title"), 100)
    phone = _text("phone", _("Phone"), 40)
    email = colander.SchemaNode(colander.String(), title=_("Email"), missing="", preparer=_strip,
                                validator=colander.All(colander.Length(max=200), colander.Email()))


def competitor_schema(request) -> colander.SchemaNode:
    schema = colander.SchemaNode(colander.Mapping())
    schema.add(colander.SchemaNode(colander.String(), name="name", title=_("Name"), preparer=_strip,
                                   validator=fields.unique(Competitor, validator=colander.Length(1, 200))))
    schema.add(_text("website", _("Website"), 200))
    schema.add(_area("strengths", _("Strengths")))
    schema.add(_area("weaknesses", _("Weaknesses")))
    schema.add(colander.SchemaNode(colander.Sequence(), CompetitorProductSchema(name="product", title=_("Product")),
                                   name="products", title=_("Products and prices"), missing=()))
    schema.add(colander.SchemaNode(colander.Sequence(), CompetitorContactSchema(name="contact", title=_("Contact")),
                                   name="contacts", title=_("Their sales contacts"), missing=()))
    schema.add(_area("note", _("Note")))
    schema.add(colander.SchemaNode(colander.Boolean(), name="active", title=_("Active"), missing=True,
                                   default=True))
    return schema


# -- campaigns ----------------------------------------------------------------------------------

def _check_dates(form, value) -> None:
    start, end = value.get("start_date"), value.get("end_date")
    if start and end and end < start:
        error = colander.Invalid(form)
        error["end_date"] = _("The end is before the start.")
        raise error


def campaign_schema(request) -> colander.SchemaNode:
    schema = colander.SchemaNode(colander.Mapping(), validator=_check_dates)
    schema.add(_text("name", _("Name"), 200, required=True))
    schema.add(reference(CampaignType, title=_("Type"), name="type_id"))
    schema.add(colander.SchemaNode(colander.Date(), name="start_date", title=_("Start"), missing=None))
    schema.add(colander.SchemaNode(colander.Date(), name="end_date", title=_("End"), missing=None))
    schema.add(_money("budget", _("Budget")))
    schema.add(_money("cost", _("Actual cost")))
    schema.add(colander.SchemaNode(fields.IdSet(), name="participant_ids", title=_("Participants"),
                                   missing=set(), widget=_users_widget, validator=_user_exists))
    schema.add(reference(Partner, title=_("Customers reached"), multiple=True, name="customer_ids"))
    schema.add(_area("description", _("Description")))
    schema.add(_area("results", _("Results")))
    return schema


# -- opportunities ------------------------------------------------------------------------------

class InfluencerSchema(colander.MappingSchema):
    contact_id = reference(Contact, title=_("Contact"), missing=colander.required)
    role = colander.SchemaNode(colander.String(), title=_("Role"), default="influencer",
                               validator=colander.OneOf([v for v, _t in INFLUENCER_ROLES]),
                               widget=deform.widget.SelectWidget(values=INFLUENCER_ROLES))
    attitude = colander.SchemaNode(colander.String(), title=_("Attitude"), missing="neutral", default="neutral",
                                   validator=colander.OneOf([v for v, _t in ATTITUDES]),
                                   widget=deform.widget.SelectWidget(values=ATTITUDES))
    note = _text("note", _("Note"), 500)


class TeamMemberSchema(colander.MappingSchema):
    user_id = colander.SchemaNode(colander.Integer(), title=_("Colleague"), widget=_user_widget,
                                  validator=_user_exists)
    role = _text("role", _("Role on the deal"), 60)


@colander.deferred
def _open_stages(node, kw):
    session = kw.get("session")
    values = [(s.id, s.name) for s in session.scalars(
        sa.select(Stage).where(Stage.active.is_(True)).order_by(Stage.sequence, Stage.id))] if session else []
    return deform.widget.SelectWidget(values=[("", "—"), *values])


@colander.deferred
def _stage_exists(node, kw):
    session = kw.get("session")

    def check(node, value):
        if session is not None and (not 0 < value < 2 ** 31 or session.get(Stage, value) is None):
            raise colander.Invalid(node, _("No such stage."))
    return check


def _check_opportunity(form, value) -> None:
    """The contact and the influencers are people of the opportunity's customer."""
    session = getattr(form, "bindings", None) and form.bindings.get("session")
    if session is None or not value.get("partner_id"):
        return
    error = colander.Invalid(form)
    contact_id = value.get("contact_id")
    if contact_id:
        contact = session.get(Contact, contact_id)
        if contact is not None and contact.partner_id != value["partner_id"]:
            error["contact_id"] = _("Not a contact of this customer.")
    for row in value.get("influencers") or ():
        contact = session.get(Contact, row.get("contact_id") or 0)
        if contact is not None and contact.partner_id != value["partner_id"]:
            error["influencers"] = _("Every influencer must be a contact of this customer.")
            break
    if error.children or error.msg:
        raise error


def opportunity_schema(request) -> colander.SchemaNode:
    schema = colander.SchemaNode(colander.Mapping(), validator=_check_opportunity)
    schema.add(_text("number", _("Number"), 40,
                     description=_("Leave empty: the next number of the opportunity numbering is given.")))
    schema.add(_text("title", _("Opportunity name"), 200, required=True))
    schema.add(reference(Partner, title=_("Customer"), missing=colander.required, name="partner_id"))
    schema.add(reference(Contact, title=_("Contact"), name="contact_id"))
    schema.add(colander.SchemaNode(colander.Integer(), name="stage_id", title=_("Stage"), missing=None,
                                   widget=_open_stages, validator=_stage_exists,
                                   description=_("Empty: the first stage.")))
    schema.add(_money("expected_amount", _("Expected amount")))
    schema.add(colander.SchemaNode(colander.Date(), name="expected_date", title=_("Expected close date"),
                                   missing=None))
    schema.add(_percent("probability", _("Probability %"), missing=None,
                        description=_("Empty: the stage's probability.")))
    schema.add(reference(Campaign, title=_("Campaign"), name="campaign_id"))
    schema.add(reference(Competitor, title=_("Competitors"), multiple=True, name="competitor_ids"))
    schema.add(colander.SchemaNode(colander.Sequence(), InfluencerSchema(name="influencer", title=_("Influencer")),
                                   name="influencers", title=_("Influencers"), missing=()))
    schema.add(colander.SchemaNode(colander.Sequence(), TeamMemberSchema(name="member", title=_("Team member")),
                                   name="team", title=_("Our team"), missing=()))
    schema.add(_area("note", _("Note")))
    return schema


# -- actions: won / lost ------------------------------------------------------------------------

class LostSchema(colander.MappingSchema):
    lost_reason_id = reference(LostReason, title=_("Lost reason"), missing=colander.required)
    note = colander.SchemaNode(colander.String(), title=_("Note"), missing="", preparer=_strip,
                               validator=colander.Length(max=500), widget=deform.widget.TextAreaWidget(rows=3))


class WonSchema(colander.MappingSchema):
    note = colander.SchemaNode(colander.String(), title=_("Note"), missing="", preparer=_strip,
                               validator=colander.Length(max=500), widget=deform.widget.TextAreaWidget(rows=3))


# ---- the parameters of the won / lost actions (core.descriptors.Action.schema) ------------------

@colander.deferred
def _reason_widget(node, kw):
    session = kw.get("session")
    values = [(r.id, r.name) for r in session.scalars(
        sa.select(LostReason).where(LostReason.active.is_(True)).order_by(LostReason.sequence, LostReason.name))] \
        if session is not None else []
    return deform.widget.SelectWidget(values=[("", "—"), *values])


@colander.deferred
def _reason_exists(node, kw):
    session = kw.get("session")

    def check(node, value):
        if session is not None and (not 0 < value < 2 ** 31 or session.get(LostReason, value) is None):
            raise colander.Invalid(node, _("No such record."))
    return check


def _note_node() -> colander.SchemaNode:
    return colander.SchemaNode(colander.String(), name="note", title=_("Note"), missing="", preparer=_strip,
                               widget=deform.widget.TextAreaWidget(rows=3), validator=colander.Length(max=500))


def won_schema(request) -> colander.SchemaNode:
    schema = colander.SchemaNode(colander.Mapping())
    schema.add(_note_node())
    return schema


def lost_schema(request) -> colander.SchemaNode:
    schema = colander.SchemaNode(colander.Mapping())
    schema.add(colander.SchemaNode(colander.Integer(), name="lost_reason_id", title=_("Lost reason"),
                                   widget=_reason_widget, validator=_reason_exists))
    schema.add(_note_node())
    return schema
