"""crm's reports (docs/reports.md): the funnel by stage, won / lost by reason, by rep, by campaign.

One report on opportunities with the dimensions that answer those questions; the
menu shows it under several names with different defaults, so each question is one
click away. Amounts sum the stored fen (exact on SQLite too); the weighted amount is
Σ amount × probability, in fen × percent (shown with four decimals, exact). Stages are
listed in the order they were created (their ids), which is the funnel's order for the
default stages.
"""
from __future__ import annotations

import sqlalchemy as sa

from addons.base.documents.models import AMOUNT_SCALE
from addons.base.partners.models import Industry, Partner, PartnerSource
from core.i18n import _
from core.reports import Dimension, Measure, Report, names, periods, related
from core.security.models import Department, User

from .models import Campaign, LostReason, Opportunity, Stage
from .registration import OPPORTUNITY
from .schemas import STATE_TITLES


def _states(session, keys) -> dict:
    return {k: STATE_TITLES.get(k, k) for k in keys}


def _amount():
    return sa.type_coerce(Opportunity.expected_amount, sa.BigInteger)


def _measures():
    return [Measure("count", _("Number of opportunities")),
            Measure("amount", _("Expected amount"), "sum", Opportunity.expected_amount),
            Measure("weighted", _("Weighted amount"), "sum", lambda: _amount() * Opportunity.probability,
                    scale=AMOUNT_SCALE + 2, decimals=AMOUNT_SCALE),
            Measure("average", _("Average amount"), "avg", Opportunity.expected_amount)]


def _dimensions():
    return [Dimension("stage", _("Stage"), Opportunity.stage_id, labels=names(Stage, order_by="sequence"),
                      order="labels"),
            Dimension("state", _("State"), Opportunity.state, labels=_states),
            Dimension("lost_reason", _("Lost reason"), Opportunity.lost_reason_id, labels=names(LostReason)),
            Dimension("owner", _("Sales rep"), Opportunity.owner_id, labels=names(User)),
            Dimension("department", _("Department"), Opportunity.department_id, labels=names(Department)),
            Dimension("campaign", _("Campaign"), Opportunity.campaign_id, labels=names(Campaign)),
            Dimension("customer", _("Customer"), Opportunity.partner_id, labels=names(Partner)),
            Dimension("industry", _("Industry"), related(Opportunity.partner_id, Partner, "industry_id"),
                      labels=names(Industry)),
            Dimension("source", _("Source"), related(Opportunity.partner_id, Partner, "source_id"),
                      labels=names(PartnerSource)),
            *periods(Opportunity.expected_date)]


def _report(name: str, title, description, order: int, dims: list[str], measures: list[str],
            where=None, date=Opportunity.expected_date) -> Report:
    return Report(name=name, title=title, model=OPPORTUNITY, order=order, date=date, where=where,
                  description=description, measures=_measures(), dimensions=_dimensions(),
                  default_dimensions=dims, default_measures=measures)


FUNNEL = _report("crm.funnel", _("Sales funnel"),
                 _("Open opportunities by stage: how many, the expected amount and the amount weighted by "
                   "the win probability. Dates: the expected close date."),
                 40, ["stage"], ["count", "amount", "weighted"], where=Opportunity.state == "open")
WON_LOST = _report("crm.won_lost", _("Won and lost by reason"),
                   _("Closed opportunities by state and lost reason. Dates: the day they were closed."),
                   41, ["state", "lost_reason"], ["count", "amount"], where=Opportunity.state != "open",
                   date=Opportunity.closed_date)
BY_REP = _report("crm.by_rep", _("Opportunities by sales rep"),
                 _("All opportunities by rep and state. Dates: the expected close date."),
                 42, ["owner", "state"], ["count", "amount", "weighted"])
BY_CAMPAIGN = _report("crm.by_campaign", _("Opportunities by campaign"),
                      _("Opportunities attributed to each campaign, by state. Dates: the expected close date."),
                      43, ["campaign", "state"], ["count", "amount"])

REPORTS = (FUNNEL, WON_LOST, BY_REP, BY_CAMPAIGN)


def includeme(config):
    for report in REPORTS:
        config.add_report(report)
