"""base's pages: the company settings (administrators) and the company logo."""
from __future__ import annotations

import colander
import deform
from babel.numbers import is_currency
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.response import Response
from pyramid.security import NO_PERMISSION_REQUIRED
from pyramid.view import view_config

from core.i18n import _
from core.web.theme import available_themes
from core.web.pages.common import flash
from core.web.pages.form import resources

from . import services

MAX_LOGO = 1024 * 1024  # bytes
#: Logo formats by their first bytes: the browser's claimed type is not trusted, and
#: SVG (which may carry scripts) is not accepted.
LOGO_MAGIC = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"GIF87a", "image/gif"),
              (b"GIF89a", "image/gif"))


def theme_choices() -> list[str]:
    """``default`` and every folder under themes/ that has a static/theme.css."""
    return available_themes()


def logo_type(data: bytes) -> str | None:
    for magic, mime in LOGO_MAGIC:
        if data.startswith(magic):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def _logo_validator(node, value):
    data = value["fp"].read(MAX_LOGO + 1)
    value["fp"].seek(0)
    if len(data) > MAX_LOGO:
        raise colander.Invalid(node, _("The logo is too big: at most 1 MB."))
    if logo_type(data) is None:
        raise colander.Invalid(node, _("The logo must be a PNG, JPEG, GIF or WebP image."))


def _currency_validator(node, value):
    if not is_currency(value):
        raise colander.Invalid(node, _("Not a currency code (e.g. CNY)."))


class MemoryTmpStore(dict):
    """deform's upload store for one request: after an error the file is chosen again."""

    def preview_url(self, uid):
        return None


def _text(title, max_length, **kw):
    return colander.SchemaNode(colander.String(), title=title, missing="",
                               validator=colander.Length(max=max_length), **kw)


def _decimals(title):
    return colander.SchemaNode(colander.Integer(), title=title, validator=colander.Range(0, 6))


@colander.deferred
def _theme_widget(node, kw):
    return deform.widget.SelectWidget(values=[(t, t) for t in theme_choices()])


@colander.deferred
def _theme_validator(node, kw):
    return colander.OneOf(theme_choices())


class CompanySchema(colander.MappingSchema):
    name = colander.SchemaNode(colander.String(), title=_("Company name"), validator=colander.Length(1, 200))
    short_name = _text(_("Short name"), 60)
    address = _text(_("Address"), 500, widget=deform.widget.TextAreaWidget(rows=2))
    phone = _text(_("Phone"), 60)
    email = colander.SchemaNode(colander.String(), title=_("Email"), missing="",
                                validator=colander.All(colander.Email(), colander.Length(max=200)))
    website = _text(_("Website"), 200)
    tax_number = _text(_("Tax number"), 40, description=_("The unified social credit code."))
    bank_name = _text(_("Bank"), 200)
    bank_account = _text(_("Bank account"), 60)
    logo = colander.SchemaNode(deform.FileData(), title=_("Logo"), missing=colander.null,
                               validator=_logo_validator,
                               description=_("PNG, JPEG, GIF or WebP, at most 1 MB."),
                               widget=colander.deferred(lambda n, kw: deform.widget.FileUploadWidget(
                                   MemoryTmpStore(), accept="image/png,image/jpeg,image/gif,image/webp")))
    remove_logo = colander.SchemaNode(colander.Boolean(), title=_("Remove the logo"), missing=False)
    theme = colander.SchemaNode(colander.String(), title=_("Theme"), widget=_theme_widget,
                                validator=_theme_validator)
    idle_lock_minutes = colander.SchemaNode(
        colander.Integer(), title=_("Lock idle pages after (minutes)"), validator=colander.Range(0, 1440),
        description=_("0: never lock."))
    quantity_decimals = _decimals(_("Quantity decimals"))
    price_decimals = _decimals(_("Price decimals"))
    amount_decimals = _decimals(_("Amount decimals"))
    base_currency = colander.SchemaNode(colander.String(), title=_("Base currency"),
                                        preparer=lambda v: v.strip().upper() if isinstance(v, str) else v,
                                        validator=colander.All(colander.Regex(r"^[A-Z]{3}$"),
                                                               _currency_validator))
    csrf_token = colander.SchemaNode(colander.String(), widget=deform.widget.HiddenWidget(), missing="")


def company_form(request) -> deform.Form:
    schema = CompanySchema().bind(request=request)
    schema["csrf_token"].default = request.session.get_csrf_token()
    return deform.Form(schema, buttons=(deform.Button("save", _("Save"), css_class="btn-primary"),),
                       formid="zg-company-form")


def current_values(session) -> dict:
    company, settings = services.get_company(session), services.get_settings(session)
    values = {k: getattr(company, k) for k in services.COMPANY_FIELDS}
    values.update({k: getattr(settings, k) for k in services.SETTINGS_FIELDS})
    return values


@view_config(route_name="base.company", permission="admin", renderer="addons.base:templates/company.pt")
def company_settings(request):
    session = request.dbsession
    form = company_form(request)
    if request.method == "POST":
        try:
            values = form.validate(request.POST.items())
        except deform.ValidationFailure as failure:
            html = failure.render()
        else:
            logo = None
            if values.get("logo"):
                data = values["logo"]["fp"].read(MAX_LOGO + 1)
                logo = (data, logo_type(data) or "")
            services.update_company(session, values, logo=logo, remove_logo=values["remove_logo"])
            flash(request, _("Company settings saved."))
            return HTTPSeeOther(request.route_url("base.company"))
    else:
        html = form.render(current_values(session))
    company = services.get_company(session)
    request.breadcrumbs.extend([(_("Dashboard"), request.route_url("zg.dashboard")),
                                (_("Company settings"), None)])
    return {"form": html, "resources": resources(request, form), "has_logo": bool(company.logo),
            "page_title": _("Company settings")}


@view_config(route_name="base.company.logo", permission=NO_PERMISSION_REQUIRED)
def company_logo(request):
    """The logo, public like the company name (the sign-in page may show it)."""
    company = services.get_company(request.dbsession)
    if not company.logo or company.logo_type not in {m for _b, m in LOGO_MAGIC} | {"image/webp"}:
        raise HTTPNotFound()
    response = Response(body=company.logo, content_type=company.logo_type)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    response.cache_control.max_age = 300
    return response


def includeme(config):
    config.add_route("base.company", "/settings/company")
    config.add_route("base.company.logo", "/settings/company/logo")
    config.scan(".views")
