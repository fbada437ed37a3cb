"""The user's own account: name and contact, language, password; personal API tokens."""
from __future__ import annotations

import colander
from pyramid.httpexceptions import HTTPForbidden, HTTPSeeOther
from pyramid.i18n import make_localizer
from pyramid.interfaces import ITranslationDirectories
from pyramid.view import view_config

from ..i18n import LOCALES, _
from ..security import services
from ..security.services import SecurityError
from .auth import TEMPLATES, address, safe_next, sign_in, translate
from .errors import wants_json
from .i18n import COOKIE

LANGUAGES = [("", _("The browser's language")), ("zh_Hans", "简体中文"), ("en", "English")]


class ProfileSchema(colander.MappingSchema):
    name = colander.SchemaNode(colander.String(), validator=colander.Length(1, 100))
    email = colander.SchemaNode(colander.String(), missing="",
                                validator=colander.All(colander.Length(max=200), colander.Email()))
    phone = colander.SchemaNode(colander.String(), missing="", validator=colander.Length(max=40))


def _session_only(request) -> None:
    """Account changes need the person at a browser: an API token cannot change the
    password or make more tokens (a leaked token must not become a taken account)."""
    if request.environ.get("zhanggui.auth") != "session":
        raise HTTPForbidden()


def _errors(request, exc: colander.Invalid) -> dict[str, str]:
    return dict(exc.asdict(translate=request.translate))


def _account_page(request, errors: dict | None = None, values: dict | None = None, form: str = ""):
    user = request.user
    request.breadcrumbs.append((_("My account"), None))
    return {"page_title": _("My account"), "user": user, "errors": errors or {}, "form": form,
            "values": values or {"name": user.name, "email": user.email, "phone": user.phone},
            "languages": LANGUAGES, "min_length": services.MIN_PASSWORD_LENGTH}


@view_config(route_name="zg.account", request_method="GET", renderer=TEMPLATES + "account.pt")
def account(request):
    """The account page; as JSON ("who am I") for API clients that ask for it."""
    if wants_json(request):
        request.override_renderer = "json"
        user = request.user
        return {"id": user.id, "login": user.login, "name": user.name, "email": user.email,
                "phone": user.phone, "locale": user.locale, "is_admin": user.is_admin,
                "department_id": user.department_id}
    return _account_page(request)


@view_config(route_name="zg.account", request_method="POST", renderer=TEMPLATES + "account.pt")
def account_post(request):
    _session_only(request)
    form = request.POST.get("form", "")
    handler = {"profile": _save_profile, "language": _save_language, "password": _change_password}.get(form)
    if handler is None:
        request.response.status = 400
        return _account_page(request)
    return handler(request)


def _save_profile(request):
    user = request.user
    raw = {k: request.POST.get(k, "").strip() for k in ("name", "email", "phone")}
    try:
        values = ProfileSchema().deserialize(raw)
    except colander.Invalid as exc:
        request.response.status = 400
        return _account_page(request, _errors(request, exc), raw, "profile")
    user.name, user.email, user.phone = values["name"], values["email"], values["phone"]
    request.session.flash(translate(request, _("Your details are saved.")))
    return HTTPSeeOther(request.route_url("zg.account"))


def _save_language(request):
    user = request.user
    locale = request.POST.get("locale", "")
    if locale not in ("", *LOCALES):
        request.response.status = 400
        return _account_page(request, {"locale": translate(request, _("Choose a language from the list."))},
                             form="language")
    user.locale = locale
    # The message is already in the new language (the request was negotiated in the old one).
    localizer = make_localizer(locale or request.locale_name,
                               request.registry.queryUtility(ITranslationDirectories, default=[]))
    request.session.flash(localizer.translate(_("Your language is saved.")))
    # The user menu's language switch comes back to the page it was used on.
    came_from = request.POST.get("came_from")
    response = HTTPSeeOther(safe_next(request, came_from) if came_from else request.route_url("zg.account"))
    # The sign-in page (nobody signed in yet) follows the same choice.
    if locale:
        response.set_cookie(COOKIE, locale, max_age=365 * 24 * 3600, httponly=True, samesite="Lax",
                            secure=request.registry.settings.get("zhanggui.secure_cookies", "false") == "true")
    else:
        response.delete_cookie(COOKIE)
    return response


def _change_password(request):
    user = request.user
    new = request.POST.get("new_password", "")
    try:
        if new != request.POST.get("confirm_password", ""):
            raise SecurityError(_("The two new passwords differ."), field="confirm_password")
        services.change_password(request.dbsession, user, request.POST.get("current_password", ""), new,
                                 address=address(request))
    except SecurityError as exc:
        request.response.status = 400
        return _account_page(request, {exc.field or "current_password": translate(request, exc.message)},
                             form="password")
    # The new auth epoch ends every session of the user; this one starts again.
    headers = sign_in(request, user.id)
    request.session.flash(translate(request, _("Your password is changed. You were signed out "
                                               "everywhere else.")))
    return HTTPSeeOther(request.route_url("zg.account"), headers=headers)


def _tokens_page(request, new_token: str | None = None, error=None):
    request.breadcrumbs.append((_("My account"), request.route_url("zg.account")))
    request.breadcrumbs.append((_("API tokens"), None))
    return {"page_title": _("API tokens"), "tokens": services.user_tokens(request.dbsession, request.user),
            "new_token": new_token, "error": error,
            "api_url": request.application_url + "/api/v1/"}


@view_config(route_name="zg.tokens", request_method="GET", renderer=TEMPLATES + "tokens.pt")
def tokens(request):
    return _tokens_page(request)


@view_config(route_name="zg.tokens", request_method="POST", renderer=TEMPLATES + "tokens.pt")
def token_create(request):
    """The clear token is in this one answer only (no redirect: it is never stored)."""
    _session_only(request)
    try:
        _row, token = services.create_token(request.dbsession, request.user, request.POST.get("name", ""))
    except SecurityError as exc:
        request.response.status = 400
        return _tokens_page(request, error=exc.message)
    request.response.headers["Cache-Control"] = "no-store"
    return _tokens_page(request, new_token=token)


@view_config(route_name="zg.tokens.revoke", request_method="POST")
def token_revoke(request):
    _session_only(request)
    try:
        token_id = int(request.matchdict["id"])
        row = services.revoke_token(request.dbsession, request.user, token_id, own_only=True)
    except (ValueError, SecurityError):
        request.session.flash(translate(request, _("No such token.")), "error")
    else:
        request.session.flash(translate(request, _("The token “${name}” is revoked.",
                                                   mapping={"name": row.name})))
    return HTTPSeeOther(request.route_url("zg.tokens"))


def includeme(config):
    config.add_route("zg.account", "/account")
    config.add_route("zg.tokens", "/account/tokens")
    config.add_route("zg.tokens.revoke", "/account/tokens/{id:\\d+}/revoke")
    config.scan(__name__)
