"""The project model for the generic pages, the API (``/api/v1/crm.project``), export and print."""
from __future__ import annotations


from core.choices import users
from core.descriptors import Action, Column, Filter, ModelDescriptor, models_for
from core.i18n import _

from . import schemas, services
from .models import Project


def _statuses(request):
    return list(schemas.STATUS_TITLES.items())


def _money(request, value) -> str:
    return request.fmt.number(value, 2) if request is not None else f"{value:.2f}"


def _details(request, record: Project):
    """The totals of the documents made for the project (where their addons are installed)."""
    models = models_for(request)
    rows = []
    for target, total in services.figures(request.dbsession, record, models).items():
        rows.append((request.translate(_("${documents}: total", mapping={
            "documents": request.translate(models[target].title_plural)})), _money(request, total)))
    if record.members:
        rows.append((request.translate(_("Team")), "、".join(m.user.name for m in record.members)))
    return rows


def _status_action(status: str):
    def run(request, session, records, user, **params):
        services.set_status(session, records, status)
        return _("${n} project(s) changed.", mapping={"n": len(records)})
    return run


def _not_in(*statuses):
    return lambda record: record.status not in statuses


PROJECT = ModelDescriptor(
    name="crm.project", model=Project, title=_("Project"), title_plural=_("Projects"),
    schema=schemas.project_schema,
    columns=[Column("number", _("Project number")), Column("name", _("Project name")),
             Column("partner", _("Customer"), sortable=False),
             Column("status", _("Status"), format=lambda v: schemas.STATUS_TITLES.get(v, v)),
             Column("start_date", _("Start date")), Column("end_date", _("End date"), visible=False),
             Column("quotation_amount", _("Quotation amount")), Column("budget", _("Budget")),
             Column("opportunity", _("Opportunity"), sortable=False, visible=False),
             Column("owner", _("Owner"), sortable=False)],
    filters=[Filter("status", _("Status"), choices=_statuses),
             Filter("start_date", _("Start date"), kind="date_range"),
             Filter("budget", _("Budget"), kind="number_range"),
             Filter("owner_id", _("Owner"), choices=users)],
    actions=[Action("activate", _("Start"), _status_action("active"), available=_not_in("active")),
             Action("hold", _("Put on hold"), _status_action("on_hold"), available=_not_in("on_hold")),
             Action("finish", _("Mark done"), _status_action("done"), available=_not_in("done")),
             Action("cancel", _("Cancel project"), _status_action("cancelled"), available=_not_in("cancelled"),
                    confirm=_("Cancel the selected projects?"))],
    order_by="-id", label=str,
    create=services.create_project, update=services.update_project, detail_fields=_details,
)

DESCRIPTORS = (PROJECT,)
