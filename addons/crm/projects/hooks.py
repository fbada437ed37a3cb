"""crm: the projects part's hook implementations (``@hookimpl(specname=...)``, collected by crm/hooks.py).

- the Projects menu entry;
- the "Project" field on the documents of other addons (``model_extensions``: one extension per
  document model of ``models.DOCUMENT_TARGETS``, each in its own side table);
- tabs: a customer's projects (past and current) on the partner, the documents made for a
  project on the project;
- install: the project numbering and a print template for projects.
"""
from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from pyramid.renderers import render

from core.descriptors import Column, Filter, models_for
from core.extensions import Extension
from core.hookspecs import hookimpl
from core.i18n import _

from . import schemas, services
from .models import LINKS, Project

PRINT_DIR = Path(__file__).parent / "print"


@hookimpl(specname="menu_items")
def project_menu(request):
    return [{"id": "crm.projects", "parent": "crm", "title": _("Projects"), "order": 60, "route": "zg.model.list",
             "route_kw": {"model": "crm.project"}, "permission": "crm:project:read"}]


def _save_link(target: str):
    def save(session, document, row, values, user):
        project_id = values.get("project_id")
        project = session.get(Project, project_id) if project_id else None
        if project is not None and row.project_id != project.id:
            services.check_link(session, document, project)
        row.project_id = project.id if project is not None else None
    return save


def _project_choices(request):
    """The list filter's choices: the projects the user may read."""
    query = schemas.in_scope(request, sa.select(Project).order_by(Project.number.desc()).limit(300))
    return [(p.id, str(p)) for p in request.dbsession.scalars(query)]


@hookimpl(specname="model_extensions")
def project_links():
    """A "Project" select on each document model a project's documents can be (sale quotations, orders…)."""
    return [Extension(target=target, model=model, key="document_id",
                      schema=schemas.document_project_schema(target),
                      columns=[Column("project_label", _("Project"), sortable=False)],
                      filters=[Filter("project_id", _("Project"), choices=_project_choices)],
                      save=_save_link(target))
            for target, model in LINKS.items()]


@hookimpl(specname="addon_data")
def project_data(session, registry):
    """The project numbering and a print template for projects (company data, editable)."""
    from addons.base.printing.models import PrintTemplate

    services.ensure_sequence(session)
    exists = session.scalar(sa.select(sa.func.count()).select_from(PrintTemplate).where(
        PrintTemplate.model == "crm.project", PrintTemplate.kind == "document"))
    if not exists:
        css = (Path(__file__).parents[2] / "base" / "printing" / "defaults" / "document.css").read_text("utf-8") \
            + "\n.info th { white-space: nowrap; width: 5.5em; }\n.section { font-size: 11pt; margin: 5mm 0 0; }\n"
        session.add(PrintTemplate(
            name="客户项目", model="crm.project", kind="document",
            source=(PRINT_DIR / "project.html").read_text("utf-8"), css=css, paper="A4", orientation="portrait",
            margin_top=12, margin_right=12, margin_bottom=12, margin_left=12, label_rows=8, label_columns=3,
            is_default=True, active=True))
        session.flush()


def _projects_tab(request, record) -> dict | None:
    descriptor = models_for(request).get("crm.project")
    if descriptor is None or not request.access.allowed("crm.project", "read"):
        return None
    rows = services.projects_of(request.dbsession, record.id, request.access.filter(descriptor, "read"))
    html = render("addons.crm:projects/templates/projects_tab.pt",
                  {"projects": rows, "statuses": schemas.STATUS_TITLES, "partner": record,
                   "can_create": request.access.allowed("crm.project", "create")}, request=request)
    return {"id": "crm-projects", "title": _("Projects"), "html": html, "count": len(rows), "order": 35}


def _documents_tab(request, record) -> dict:
    models = models_for(request)  # the document models installed in this database
    documents = services.documents_of(request.dbsession, record, models, request.access)
    titles = {target: models[target].title for target in LINKS if target in models}
    html = render("addons.crm:projects/templates/documents_tab.pt",
                  {"documents": documents, "titles": titles, "installed": bool(titles)}, request=request)
    return {"id": "crm-project-documents", "title": _("Documents"), "html": html, "count": len(documents),
            "order": 5}


@hookimpl(specname="detail_tabs")
def project_tabs(request, descriptor, record):
    """A customer's projects; the documents made for a project."""
    if descriptor.name == "base.partner":
        tab = _projects_tab(request, record)
        return [tab] if tab is not None else None
    if descriptor.name == "crm.project":
        return [_documents_tab(request, record)]
    return None
