"""crm's statistics besides the pipeline's (docs/reports.md): new customers with crm's
dimensions, activities by rep and kind, target attainment.

* **New customers** is base's report (period, rep, department, province, city, industry,
  source, category) plus crm's profile: customer type, level, status, campaign, channel.
* **Activities by rep and kind** is base's activity report opened on those two dimensions.
* **Target attainment** reads the targets with the actual amount and attainment stored by
  the job ``crm.refresh_target_actuals`` (hourly; the My targets page is always live). The
  attainment of a row of several targets is their average attainment.
"""
from __future__ import annotations

import dataclasses

import sqlalchemy as sa

from addons.base.partners.models import Partner
from addons.base.statistics import ACTIVITIES, NEW_CUSTOMERS
from core.i18n import _
from core.reports import Dimension, Measure, Report, names, periods, related
from core.security.models import Department, User

from ..customers.models import CustomerLevel, CustomerProfile, CustomerType
from ..models import Campaign
from .models import Target
from .registration import TARGET
from .schemas import SCOPE_CHOICES
from .services import PERIOD_KIND_TITLES


def _profile(attr: str):
    return related(Partner.id, CustomerProfile, attr, key="partner_id")


def _titles(table: dict):
    return lambda session, keys: {k: table.get(k, k) for k in keys}


STATUS_TITLES = {"following": _("Following up"), "dealt": _("Dealt"), "dormant": _("Dormant"), "lost": _("Lost")}

NEW_CUSTOMERS_CRM = dataclasses.replace(
    NEW_CUSTOMERS, name="crm.new_customers", title=_("New customers by source, region, industry and rep"),
    order=44, default_dimensions=["month", "source"],
    dimensions=[*NEW_CUSTOMERS.dimensions,
                Dimension("customer_type", _("Customer type"), _profile("customer_type_id"),
                          labels=names(CustomerType)),
                Dimension("customer_level", _("Customer level"), _profile("customer_level_id"),
                          labels=names(CustomerLevel)),
                Dimension("customer_status", _("Customer status"), _profile("customer_status"),
                          labels=_titles(STATUS_TITLES)),
                Dimension("campaign", _("Campaign"), _profile("campaign_id"), labels=names(Campaign)),
                Dimension("channel", _("Channel partner"), _profile("channel_id"), labels=names(Partner))],
)

ACTIVITIES_BY_REP = dataclasses.replace(
    ACTIVITIES, name="crm.activities_by_rep", title=_("Activities by rep and kind"), order=45,
    default_dimensions=["owner", "kind"],
)


def _whose(session, keys) -> dict:
    """``rep:7`` → the rep's name, ``department:3`` → the department's, ``company`` → Company."""
    ids = {"rep": set(), "department": set()}
    for key in keys:
        kind, _sep, value = str(key).partition(":")
        if kind in ids and value.isdigit():
            ids[kind].add(int(value))
    users = dict(session.execute(sa.select(User.id, User.name).where(
        User.id.in_(ids["rep"]))).all()) if ids["rep"] else {}
    departments = dict(session.execute(sa.select(Department.id, Department.name).where(
        Department.id.in_(ids["department"]))).all()) if ids["department"] else {}
    out = {}
    for key in keys:
        kind, _sep, value = str(key).partition(":")
        if kind == "rep":
            out[key] = users.get(int(value), key)
        elif kind == "department":
            out[key] = departments.get(int(value), key)
        else:
            out[key] = _("Company")
    return out


def _department():
    return sa.func.coalesce(Target.department_id, related(Target.user_id, User, "department_id")())


TARGET_ATTAINMENT = Report(
    name="crm.target_attainment", title=_("Target attainment"), model=TARGET, order=46, date=Target.start_date,
    description=_("Targets and the actual sales of their period (approved orders where sale is installed, "
                  "else won opportunities), refreshed every hour. Dates: the period's first day."),
    measures=[Measure("target", _("Target amount"), "sum", Target.amount),
              Measure("actual", _("Actual"), "sum", Target.actual),
              Measure("attainment", _("Average attainment %"), "avg", Target.attainment),
              Measure("count", _("Number of targets"))],
    dimensions=[Dimension("period", _("Period"), Target.period, order="key"),
                Dimension("whose", _("Whose target"), Target.scope_key, labels=_whose),
                Dimension("rep", _("Sales rep"), Target.user_id, labels=names(User), key_type=int),
                Dimension("department", _("Department"), _department, labels=names(Department), key_type=int),
                Dimension("scope", _("Scope"), Target.scope, labels=_titles(dict(SCOPE_CHOICES))),
                Dimension("period_kind", _("Period kind"), Target.period_kind, labels=_titles(PERIOD_KIND_TITLES)),
                *periods(Target.start_date, ("year",))],
    default_dimensions=["period", "whose"], default_measures=["target", "actual", "attainment"],
)

REPORTS = (NEW_CUSTOMERS_CRM, ACTIVITIES_BY_REP, TARGET_ATTAINMENT)


def includeme(config):
    for report in REPORTS:
        config.add_report(report)
