"""crm's models registered for the generic list / form / detail pages and the JSON API.

The opportunity's actions (move, won, lost, evaluate) are API actions and the board's
drag and drop; won and lost declare their parameters (``Action.schema``), so the detail
page offers them as the kernel's action forms (a note; a reason from the company's list).
"""
from __future__ import annotations

import sqlalchemy as sa

from core.choices import named, users
from core.descriptors import Action, Column, Filter, ModelDescriptor
from core.i18n import _

from . import schemas, services
from .models import Campaign, CampaignType, Competitor, LostReason, Opportunity, Stage


def _yes(value) -> str:
    return "✓" if value else ""


def _percent(value) -> str:
    return "" if value is None else f"{value} %"


def _campaigns(request):
    return [(c.id, c.name) for c in request.dbsession.scalars(sa.select(Campaign).order_by(Campaign.name)
                                                               .limit(200))]


def _states(request):
    return list(schemas.STATE_TITLES.items())


def _money(request, value) -> str:
    return request.fmt.number(value, 2) if request is not None else f"{value:.2f}"


def _opportunity_details(request, record: Opportunity):
    rows = [(_("State"), request.translate(schemas.STATE_TITLES.get(record.state, record.state))),
            (_("Weighted amount"), _money(request, record.weighted_amount)),
            (_("Evaluation score"), _percent(record.score) or "—")]
    if record.state != "open":
        rows.append((_("Closed on"), request.fmt.date(record.closed_date) if record.closed_date else ""))
    if record.lost_reason is not None:
        rows.append((_("Lost reason"), record.lost_reason.name))
    if record.close_note:
        rows.append((_("Closing note"), record.close_note))
    return [(request.translate(t), v) for t, v in rows]


def _never(record) -> bool:
    return False  # the board moves (drag and drop) and the evaluation tab ticks: no button of their own


OPPORTUNITY = ModelDescriptor(
    name="crm.opportunity", model=Opportunity, title=_("Opportunity"), title_plural=_("Opportunities"),
    schema=schemas.opportunity_schema,
    columns=[Column("number", _("Number")), Column("title", _("Opportunity name")),
             Column("partner", _("Customer"), sortable=False), Column("stage", _("Stage"), sortable=False),
             Column("expected_amount", _("Expected amount")), Column("probability", _("Probability %")),
             Column("expected_date", _("Expected close date")),
             Column("state", _("State"), format=lambda v: schemas.STATE_TITLES.get(v, v)),
             Column("score", _("Evaluation score"), format=_percent, visible=False),
             Column("lost_reason", _("Lost reason"), sortable=False, visible=False),
             Column("campaign", _("Campaign"), sortable=False, visible=False),
             Column("closed_date", _("Closed on"), visible=False),
             Column("owner", _("Owner"), sortable=False)],
    filters=[Filter("state", _("State"), choices=_states),
             Filter("stage_id", _("Stage"), choices=named(Stage)),
             Filter("lost_reason_id", _("Lost reason"), choices=named(LostReason)),
             Filter("campaign_id", _("Campaign"), choices=_campaigns),
             Filter("expected_date", _("Expected close date"), kind="date_range"),
             Filter("expected_amount", _("Expected amount"), kind="number_range"),
             Filter("owner_id", _("Owner"), choices=users)],
    actions=[Action("move", _("Move to stage"), services.move_action, batch=False, available=_never),
             # Parameters (a note, a reason): the kernel asks for them on a form page and in the API body.
             Action("won", _("Mark won"), services.won_action, batch=False, available=services.is_open,
                    schema=schemas.won_schema),
             Action("lost", _("Mark lost"), services.lost_action, batch=False, available=services.is_open,
                    schema=schemas.lost_schema),
             Action("evaluate", _("Evaluate"), services.evaluate_action, batch=False, available=_never)],
    order_by="-id", label=str,
    create=services.create_opportunity, update=services.update_opportunity,
    detail_fields=_opportunity_details,
    read_only=("state", "score", "lost_reason_id", "closed_date", "close_note"),
)

STAGE = ModelDescriptor(
    name="crm.stage", model=Stage, title=_("Stage"), title_plural=_("Stages"), schema=schemas.stage_schema,
    columns=[Column("sequence", _("Order")), Column("name", _("Name")),
             Column("probability", _("Win probability %")), Column("folded", _("Folded on the board"), format=_yes),
             Column("is_won", _("Marks the deal won"), format=_yes),
             Column("is_lost", _("Marks the deal lost"), format=_yes), Column("active", _("Active"), format=_yes)],
    search_fields=["name"], searchable=False, order_by="sequence", label=lambda s: s.name,
)

COMPETITOR = ModelDescriptor(
    name="crm.competitor", model=Competitor, title=_("Competitor"), title_plural=_("Competitors"),
    schema=schemas.competitor_schema,
    columns=[Column("name", _("Name")), Column("website", _("Website")),
             Column("strengths", _("Strengths"), sortable=False), Column("weaknesses", _("Weaknesses"),
                                                                          sortable=False, visible=False),
             Column("active", _("Active"), format=_yes)],
    filters=[Filter("active", _("Active"), kind="bool")],
    search_fields=["name", "website"], order_by="name", label=lambda c: c.name,
)


def _campaign_details(request, record: Campaign):
    figures = services.campaign_figures(request.dbsession, record)
    rows = [(_("Customers reached"), str(figures.customers)),
            (_("Customers brought"), str(figures.brought)),
            (_("Opportunities attributed"), str(figures.opportunities)),
            (_("Opportunities won"), str(figures.won)),
            (_("Amount won"), _money(request, figures.amount_won))]
    return [(request.translate(t), v) for t, v in rows]


CAMPAIGN = ModelDescriptor(
    name="crm.campaign", model=Campaign, title=_("Campaign"), title_plural=_("Campaigns"),
    schema=schemas.campaign_schema,
    columns=[Column("name", _("Name")), Column("type", _("Type"), sortable=False),
             Column("start_date", _("Start")), Column("end_date", _("End")), Column("budget", _("Budget")),
             Column("cost", _("Actual cost")), Column("owner", _("Owner"), sortable=False)],
    filters=[Filter("type_id", _("Type"), choices=named(CampaignType)),
             Filter("start_date", _("Start"), kind="date_range")],
    order_by="-start_date", label=lambda c: c.name,
    create=services.create_campaign, update=services.update_campaign, detail_fields=_campaign_details,
)


def _simple(name, model, title, plural, schema) -> ModelDescriptor:
    return ModelDescriptor(name=name, model=model, title=title, title_plural=plural, schema=schema,
                           columns=[Column("name", _("Name")), Column("sequence", _("Order")),
                                    Column("active", _("Active"), format=_yes)],
                           filters=[Filter("active", _("Active"), kind="bool")], search_fields=["name"],
                           searchable=False, order_by="sequence", label=lambda r: r.name)


LOST_REASON = _simple("crm.lost_reason", LostReason, _("Lost reason"), _("Lost reasons"),
                      schemas.lost_reason_schema)
CAMPAIGN_TYPE = _simple("crm.campaign_type", CampaignType, _("Campaign type"), _("Campaign types"),
                        schemas.campaign_type_schema)

DESCRIPTORS = (OPPORTUNITY, STAGE, COMPETITOR, CAMPAIGN, LOST_REASON, CAMPAIGN_TYPE)
