"""Printing pages: PDF and HTML preview of records, the template editor, the API's PDF.

Thin: parse, choose the template and the records (the user's read permission and
record scopes: a record outside them answers 404), call :mod:`.services`, answer.
The HTML preview and the editor's preview are served with a Content-Security-Policy
that loads nothing but ``data:`` images and inline styles, and runs no script: the
browser fetches no more than WeasyPrint does.
"""
from __future__ import annotations

from markupsafe import escape
from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.response import Response
from pyramid.view import view_config

from core import records, sandbox
from core.db import utcnow
from core.descriptors import models_for
from core.i18n import _
from core.web.pages.common import checked_filters, crumbs, flash, http_errors, ids_of, list_state

from ..attachments.views import content_disposition
from . import services
from .models import PrintTemplate
from .registration import PRINT_TEMPLATE

PREVIEW_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; sandbox allow-modals"


class PrintError(Exception):
    """A print request that cannot be served: ``status`` and a message for the user."""

    def __init__(self, status: int, message):
        super().__init__(message)
        self.status, self.message = status, message


def max_records(request) -> int:
    try:
        return max(1, int(request.registry.settings.get("zhanggui.print_max_records", services.MAX_RECORDS)))
    except (TypeError, ValueError):
        return services.MAX_RECORDS


def _template(request, model: str) -> PrintTemplate:
    """The ``template`` parameter (an active template of ``model``), or the default of ``kind``."""
    session = request.dbsession
    chosen = request.params.get("template", "")
    if chosen:
        template = session.get(PrintTemplate, int(chosen)) if chosen.isdigit() and len(chosen) < 10 else None
        if template is None or template.model != model or not template.active:
            raise PrintError(404, _("No such print template."))
        return template
    template = services.default_template(session, model, request.params.get("kind", "document")[:10])
    if template is None:
        raise PrintError(404, _("There is no print template for these records."))
    return template


def print_job(request):
    """(descriptor, template, records) of a print request (PrintError when refused)."""
    descriptor = models_for(request).get(request.matchdict.get("model", ""))
    if descriptor is None:
        raise PrintError(404, _("Not found."))
    if not request.access.allowed(descriptor.name, "read"):
        raise PrintError(403, _("You are not allowed to do this."))
    template = _template(request, descriptor.name)
    state = list_state(request, descriptor)
    good, _errors = checked_filters(descriptor, state.filters, request.access)
    cap = max_records(request)
    try:
        items = services.scoped_records(request.dbsession, descriptor, request.access, ids_of(request),
                                        q=state.q, filters=good, sort=state.sort or None, cap=cap)
    except records.NotFound:
        raise PrintError(404, _("Not found.")) from None
    except records.Forbidden:
        raise PrintError(403, _("You are not allowed to do this.")) from None
    except services.TooMany:
        raise PrintError(400, _("Too many records for one PDF: at most ${cap}. Narrow the list or select fewer.",
                                mapping={"cap": cap})) from None
    if not items:
        raise PrintError(400, _("Nothing to print: no record matches."))
    return descriptor, template, items


def filename(request, template: PrintTemplate, descriptor, items) -> str:
    what = descriptor.label(items[0]) if len(items) == 1 else f"{len(items)}"
    return f"{template.name}-{what}-{utcnow():%Y%m%d}.pdf".replace("/", "-")


def _html(request, descriptor, template, items, source=None, css=None) -> str:
    return services.render_html(request.dbsession, template, descriptor, items, request, request.user,
                                request.translate, source=source, css=css)


def pdf_response(request, descriptor, template, items, source=None, css=None) -> Response:
    html = _html(request, descriptor, template, items, source, css)
    pdf, refused = services.html_to_pdf(html)
    response = Response(body=pdf, content_type="application/pdf")
    response.headers["Content-Disposition"] = content_disposition(
        "attachment" if request.params.get("download") == "1" else "inline",
        filename(request, template, descriptor, items))
    response.headers["X-Content-Type-Options"] = "nosniff"
    if refused:
        response.headers["X-Zhanggui-Refused"] = str(len(refused))
    response.cache_control = "private, no-store"
    return response


def html_response(html: str, status: int = 200) -> Response:
    response = Response(body=html.encode("utf-8"), content_type="text/html", charset="utf-8", status=status)
    response.headers["Content-Security-Policy"] = PREVIEW_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.cache_control = "private, no-store"
    return response


def problem_page(request, message, status: int = 400) -> Response:
    text = request.translate(message) if hasattr(message, "interpolate") else str(message)
    return html_response(f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>'
                         f'<p class="zg-print-problem" style="color:#b00;font-family:sans-serif">{escape(text)}</p>'
                         f"</body></html>", status)


def _problem(request, exc: PrintError):
    if exc.status == 404:
        raise HTTPNotFound()
    if exc.status == 403:
        raise HTTPForbidden()
    return problem_page(request, exc.message, exc.status)


@view_config(route_name="base.print.pdf", request_method="GET")
def print_pdf(request):
    """The PDF of the chosen records (``ids``) or of the list's search and filters."""
    try:
        descriptor, template, items = print_job(request)
        return pdf_response(request, descriptor, template, items)
    except PrintError as exc:
        return _problem(request, exc)
    except sandbox.TemplateProblem as exc:
        return problem_page(request, _("The print template has a problem: ${problem}",
                                       mapping={"problem": str(exc)}))


@view_config(route_name="base.print.preview", request_method="GET")
def print_preview(request):
    """The same pages as HTML in the browser (print with the browser, or look before printing)."""
    try:
        descriptor, template, items = print_job(request)
        return html_response(_html(request, descriptor, template, items))
    except PrintError as exc:
        return _problem(request, exc)
    except sandbox.TemplateProblem as exc:
        return problem_page(request, _("The print template has a problem: ${problem}",
                                       mapping={"problem": str(exc)}))


@view_config(route_name="base.api.print", request_method="GET")
def api_print(request):
    """``GET /api/v1/<model>/print?ids=…&template=…`` → application/pdf; errors as JSON."""
    try:
        descriptor, template, items = print_job(request)
        return pdf_response(request, descriptor, template, items)
    except PrintError as exc:
        if exc.status == 404:
            raise records.NotFound() from None
        if exc.status == 403:
            raise records.Forbidden() from None
        raise records.ValidationFailed({"ids": exc.message}) from None
    except sandbox.TemplateProblem as exc:
        raise records.ValidationFailed({"template": str(exc)}) from None


# ---- the template editor --------------------------------------------------------------

def _editable(request) -> PrintTemplate:
    with http_errors():
        return records.get(request.dbsession, PRINT_TEMPLATE, request.access, request.matchdict["id"], "edit")


def sample_records(request, template: PrintTemplate, limit: int = 50) -> list[tuple[int, str]]:
    """(id, label) of records the template can be tried on: only those the user may read."""
    descriptor = models_for(request).get(template.model)
    if descriptor is None or not request.access.allowed(descriptor.name, "read"):
        return []
    query = records.select(descriptor, request.access)
    return [(r.id, descriptor.label(r)) for r in request.dbsession.scalars(query.limit(limit))]


@view_config(route_name="base.print_template.editor", request_method=("GET", "POST"),
             renderer="addons.base.printing:templates/editor.pt")
def editor(request):
    """The template's HTML and CSS beside a live preview on a chosen record; Save checks it."""
    template = _editable(request)
    source, css, errors = template.source, template.css, {}
    if request.method == "POST":
        source = request.POST.get("source", "")
        css = request.POST.get("css", "")
        try:
            records.update(request.dbsession, PRINT_TEMPLATE, request.access, template.id,
                           {"source": source, "css": css}, request, partial=True)
        except records.ValidationFailed as exc:
            errors = {k: request.translate(v) if hasattr(v, "interpolate") else str(v)
                      for k, v in exc.errors.items()}
        else:
            flash(request, _("Print template saved."))
            return HTTPSeeOther(request.route_url("base.print_template.editor", id=template.id,
                                                  _query={"record": request.POST.get("record", "")}))
    samples = sample_records(request, template)
    chosen = request.params.get("record", "")
    crumbs(request, PRINT_TEMPLATE, (template.name, request.route_url(
        "zg.model.detail", model=PRINT_TEMPLATE.name, id=template.id)), (_("Edit the template"), None))
    descriptor = models_for(request).get(template.model)
    names = services.template_names(request.dbsession, descriptor, request, request.user, request.translate) \
        if descriptor is not None else {"fields": [], "tables": []}
    return {"template": template, "source": source, "css": css, "errors": errors, "samples": samples,
            "chosen": chosen if chosen.isdigit() else (str(samples[0][0]) if samples else ""),
            "model_title": descriptor.title if descriptor is not None else template.model,
            "names": names, "page_title": template.name}


@view_config(route_name="base.print_template.try", request_method="POST")
def try_template(request):
    """The unsaved HTML/CSS on one record: HTML for the preview pane, or ``format=pdf``."""
    template = _editable(request)
    descriptor = models_for(request).get(template.model)
    items = []
    record_id = request.POST.get("record", "")
    if descriptor is not None and record_id:
        try:
            items = [records.get(request.dbsession, descriptor, request.access, record_id, "read")]
        except (records.NotFound, records.Forbidden):
            raise HTTPNotFound() from None
    source, css = request.POST.get("source", ""), request.POST.get("css", "")
    try:
        services.check(source)
        if request.POST.get("format") == "pdf":
            if not items:
                return problem_page(request, _("Choose a record to print."))
            return pdf_response(request, descriptor, template, items, source, css)
        if not items:
            base = {"company": services.company_context(request.dbsession), "printed_at": "", "user": {},
                    "template": {"name": template.name, "kind": template.kind}}
            body = services.render_one(template, {**services.sample_context(), **base}, source)
            style = css.replace("</", "<\\/")
            return html_response(f"<!DOCTYPE html><html><head><meta charset='utf-8'><style>"
                                 f"{services.page_css(template)}</style><style>{style}</style></head>"
                                 f"<body>{body}</body></html>")
        return html_response(_html(request, descriptor, template, items, source, css))
    except sandbox.TemplateProblem as exc:
        return problem_page(request, _("The template cannot be used: ${problem}", mapping={"problem": str(exc)}),
                            200)

