"""``base.activity`` for the generic pages and the JSON API: list, filters, actions."""
from __future__ import annotations

import sqlalchemy as sa

from core.choices import users
from core.descriptors import Action, Column, Filter, MatchRule, ModelDescriptor
from core.i18n import _

from . import services
from .models import Activity
from .schemas import activity_schema


def _users(request):
    return [(str(i), n) for i, n in users(request)]


def _partners(request):
    """Partners that have activities (at most 200), when the partners part is there."""
    try:
        from ..partners.models import Partner
    except ImportError:
        return []
    rows = request.dbsession.execute(
        sa.select(Partner.id, Partner.name).where(Partner.id.in_(sa.select(Activity.partner_id)))
        .order_by(Partner.name).limit(200)).all()
    return [(str(i), n) for i, n in rows]


def _mark_done(request, session, records, user, **params):
    count = services.mark_done(session, records)
    return _("${count} next steps marked done.", mapping={"count": count})


ACTIVITY = ModelDescriptor(
    name="base.activity", model=Activity, title=_("Activity"), title_plural=_("Activities"),
    schema=activity_schema,
    columns=[Column("at", _("When")), Column("kind", _("Kind")), Column("subject", _("Subject")),
             Column("model", _("Record type"), visible=False), Column("record_id", _("Record number"), visible=False),
             Column("next_step", _("Next step")), Column("next_due", _("Next step due")),
             Column("done", _("Next step done"), format=lambda v: "✓" if v else ""),
             Column("owner", _("Owner"), sortable=False)],
    filters=[Filter("kind", _("Kind"), choices=lambda request: services.KIND_TITLES),
             Filter("owner_id", _("Owner"), choices=_users),
             Filter("at", _("When"), kind="date_range"),
             Filter("next_due", _("Next step due"), kind="date_range"),
             Filter("done", _("Next step done"), kind="bool"),
             Filter("partner_id", _("Partner"), choices=_partners)],
    search_fields=["subject", "content", "next_step"],
    actions=[Action("mark_done", _("Mark next step done"), _mark_done, permission="edit")],
    order_by="-at",
    label=lambda a: a.subject,
    create=services.create_activity, update=services.update_activity,
    # A row names its record by the partner, the contact, or a record type + number (see
    # schemas.activity_schema without a request); the record must be readable by the importer.
    importable=True,
    import_rules=[MatchRule("record", _("Same partner, time and subject"), ["partner_id", "at", "subject"])],
)
