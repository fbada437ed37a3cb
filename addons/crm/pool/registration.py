"""The pool's models for the generic pages and the JSON API: ``crm.pool`` and ``crm.pool_settings``.

``crm.pool`` lists the customers in the public pool (read-only records, :class:`.models.PoolCustomer`)
with two actions: ``claim`` (the ``edit`` right: a rep takes the customer) and ``assign``
(the ``approve`` right: a manager gives it to a rep). Its permissions are the pool's, apart
from base.partner's: a rep whose partner scope is "own" still sees the pool.
``crm.pool_settings`` is the one row of limits (the ``edit`` right changes it).
"""
from __future__ import annotations

import colander
import deform
import sqlalchemy as sa

from addons.base.partners import divisions
from addons.base.partners.models import Industry, Partner
from core import records
from core.choices import named
from core.descriptors import DESCRIPTORS, Action, Column, Filter, ModelDescriptor
from core.i18n import _
from core.records import ValidationFailed
from core.security.models import User

from ..customers.models import CustomerType
from . import services
from .models import PoolCustomer, PoolSettings


def provinces(request):
    return [(d.code, d.name) for d in divisions.provinces()]


def search_where(text: str):
    """The pool's search box: base partner search (characters, pinyin, initials, phones)."""
    clause = records.search_clause(DESCRIPTORS["base.partner"], text)
    if clause is None:
        return sa.true()
    return PoolCustomer.id.in_(sa.select(Partner.id).where(clause))


@colander.deferred
def _type_widget(node, kw):
    session = kw.get("session")
    values = [(t.id, t.name) for t in session.scalars(sa.select(CustomerType).order_by(CustomerType.sequence))] \
        if session is not None else []
    return deform.widget.SelectWidget(values=[("", "—"), *values])


@colander.deferred
def _industry_widget(node, kw):
    session = kw.get("session")
    values = [(t.id, t.name) for t in session.scalars(sa.select(Industry).order_by(Industry.sequence))] \
        if session is not None else []
    return deform.widget.SelectWidget(values=[("", "—"), *values])


def pool_schema(request) -> colander.SchemaNode:
    """What the API shows of a pool customer (nothing is written through it)."""
    schema = colander.SchemaNode(colander.Mapping())
    schema.add(colander.SchemaNode(colander.String(), name="code", title=_("Code"), missing=""))
    schema.add(colander.SchemaNode(colander.String(), name="name", title=_("Name"), missing=""))
    schema.add(colander.SchemaNode(colander.Integer(), name="customer_type_id", title=_("Customer type"),
                                   missing=None, widget=_type_widget))
    schema.add(colander.SchemaNode(colander.Integer(), name="industry_id", title=_("Industry"), missing=None,
                                   widget=_industry_widget))
    schema.add(colander.SchemaNode(colander.String(), name="province", title=_("Province"), missing=""))
    schema.add(colander.SchemaNode(colander.DateTime(), name="pooled_at", title=_("In the pool since"),
                                   missing=None))
    schema.add(colander.SchemaNode(colander.DateTime(), name="last_contact_at", title=_("Last contact"),
                                   missing=None))
    return schema


def _int(value, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit() \
            or len(str(value)) > 9:
        raise ValidationFailed({field: _("Choose an active user.")})
    return int(value)


def _partner(session, record) -> Partner:
    return session.get(Partner, record.id)


def claim_action(request, session, records_, user):
    """Take the customers from the pool (the company's limits apply)."""
    for record in records_:
        services.claim(session, _partner(session, record), user)
    return _("Claimed: the customer is yours now.") if len(records_) == 1 else \
        _("Claimed ${count} customers.", mapping={"count": len(records_)})


def assign_action(request, session, records_, user, user_id=None, note=""):
    """Give the customers to a rep (a manager's action)."""
    to_user = session.get(User, _int(user_id, "user_id"))
    if not isinstance(note, str):
        raise ValidationFailed({"note": _("Text expected.")})
    for record in records_:
        services.assign(session, _partner(session, record), to_user, user, note.strip())
    return _("Assigned to ${name}.", mapping={"name": to_user.name})


def _never(record) -> bool:
    return False  # needs the rep: the pool page's form


def _read_only(record) -> bool:
    return False


def _no_delete(session, record, user):
    raise ValidationFailed({"": _("A customer leaves the pool when it is claimed or assigned.")})


def _type_name(value) -> str:
    return value.name if value is not None else ""


POOL = ModelDescriptor(
    name="crm.pool", model=PoolCustomer, title=_("Pool customer"), title_plural=_("Public pool"),
    schema=pool_schema,
    columns=[Column("code", _("Code")), Column("name", _("Name")),
             Column("customer_type", _("Customer type"), sortable=False, format=_type_name),
             Column("industry", _("Industry"), sortable=False, format=_type_name),
             Column("province", _("Province"), format=divisions.name),
             Column("pooled_at", _("In the pool since")), Column("last_contact_at", _("Last contact"))],
    filters=[Filter("search", _("Name, pinyin or phone"), kind="text", where=search_where),
             Filter("customer_type_id", _("Customer type"), choices=named(CustomerType, active_only=True)),
             Filter("industry_id", _("Industry"), choices=named(Industry, active_only=True)),
             Filter("province", _("Province"), choices=provinces),
             Filter("pooled_at", _("In the pool since"), kind="date_range")],
    search_fields=["name", "code"], searchable=False,
    actions=[Action("claim", _("Claim"), claim_action, permission="edit"),
             Action("assign", _("Assign"), assign_action, permission="approve", batch=False, available=_never)],
    order_by="-pooled_at", label=lambda r: r.name, creatable=False, editable=_read_only, delete=_no_delete,
    read_only=("pooled_at", "last_contact_at"),
)


def settings_schema(request) -> colander.SchemaNode:
    schema = colander.SchemaNode(colander.Mapping())
    for name, title, description in (
            ("daily_claim_limit", _("Claims per rep per day"),
             _("At most this many claims per rep per day; 0: no limit.")),
            ("max_customers", _("Customers per rep at most"),
             _("A rep who has this many customers claims no more; 0: no limit.")),
            ("reclaim_days", _("Days before a rep may claim back"),
             _("A customer a rep released, or lost to the pool, is theirs to claim again only after this "
               "many days; 0: at once."))):
        schema.add(colander.SchemaNode(colander.Integer(), name=name, title=title, description=description,
                                       missing=0, default=0, validator=colander.Range(0, 10000)))
    return schema


def _settings_create(session, appstruct, user):
    raise ValidationFailed({"": _("The pool has one set of settings: edit it.")})


def _settings_update(session, record, appstruct, user):
    return services.update_settings(session, dict(appstruct))


SETTINGS = ModelDescriptor(
    name="crm.pool_settings", model=PoolSettings, title=_("Public pool settings"),
    title_plural=_("Public pool settings"), schema=settings_schema,
    columns=[Column("daily_claim_limit", _("Claims per rep per day")),
             Column("max_customers", _("Customers per rep at most")),
             Column("reclaim_days", _("Days before a rep may claim back"))],
    searchable=False, order_by="id", label=lambda r: r.__str__(), creatable=False,
    create=_settings_create, update=_settings_update, delete=_no_delete,
)

DESCRIPTORS_ = (POOL, SETTINGS)
