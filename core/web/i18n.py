"""Locale per request: ``?_LOCALE_=``, else the user's language, else the language cookie,
else the browser's, else ``zhanggui.default_locale`` (Chinese unless set).

Catalogs: the kernel's ``core/locale``, each addon's ``<addon>/locale`` when it has
one, and colander's and deform's own (they ship ``zh_Hans``).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal
from pyramid.httpexceptions import HTTPException
from pyramid.i18n import Localizer, LocalizerRequestMixin
from sqlalchemy.exc import SQLAlchemyError

from ..i18n import DEFAULT_LOCALE, LOCALES, normalize_locale

COOKIE = "zg_locale"


def negotiate_locale(request) -> str:
    # An explicit choice for one page (?_LOCALE_=en in a link or an API call) wins.
    try:
        chosen = normalize_locale(request.GET.get("_LOCALE_") if request.method == "GET" else None)
    except UnicodeDecodeError:  # a query string that is not UTF-8: answered 400 elsewhere
        chosen = None
    if chosen:
        return chosen
    try:
        user = request.user
        locale = user.locale if user is not None else None
    except HTTPException:  # no database for this host: nobody is signed in
        locale = None
    except SQLAlchemyError:
        # The session failed (e.g. a refused write) before the first translation: the
        # error page must still render, in the browser's language.
        locale = None
    if locale in LOCALES:
        return locale
    cookie = normalize_locale(request.cookies.get(COOKIE))
    if cookie:
        return cookie
    return browser_locale(request) or default_locale(request.registry.settings)


def browser_locale(request) -> str | None:
    """The first language of Accept-Language we ship, by preference (``en-US`` → en)."""
    ranges = getattr(request.accept_language, "parsed", None) or ()  # None: no or a bad header
    for lang, quality in sorted(ranges, key=lambda item: -item[1]):  # stable: header order on ties
        found = normalize_locale(lang) if quality > 0 else None
        if found:
            return found
    return None


def default_locale(settings) -> str:
    """``zhanggui.default_locale`` (zh_Hans or en), Chinese when unset.

    Not ``pyramid.default_locale_name``: Pyramid sets that to ``en`` when it is not
    given, so it cannot tell "not configured" from "English".
    """
    return normalize_locale(settings.get("zhanggui.default_locale")) or DEFAULT_LOCALE


def _babel_locale(request) -> Locale:
    return Locale.parse("zh_Hans_CN" if request.locale_name == "zh_Hans" else "en_US")


class Formatter:
    """Dates, numbers and money in the request's locale (``request.fmt`` in templates)."""

    def __init__(self, request):
        self.locale = _babel_locale(request)
        self.tzinfo = ZoneInfo(request.registry.settings.get("zhanggui.timezone", "Asia/Shanghai"))

    def date(self, value) -> str:
        return format_date(value, format="medium", locale=self.locale) if value else ""

    def datetime(self, value) -> str:
        """A stored datetime (naive UTC) in the company's time zone."""
        if not value:
            return ""
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return format_datetime(value, format="medium", tzinfo=self.tzinfo, locale=self.locale)

    def number(self, value, decimals: int | None = None) -> str:
        if value is None:
            return ""
        fmt = None if decimals is None else "#,##0." + "0" * decimals if decimals else "#,##0"
        return format_decimal(value, format=fmt, locale=self.locale)

    def money(self, value, currency: str = "CNY") -> str:
        return format_currency(value, currency, locale=self.locale) if value is not None else ""


def translation_dirs(catalog) -> list[str]:
    dirs = ["colander:locale", "deform:locale", "core:locale"]
    for name in catalog:
        addon = catalog[name]
        if (Path(addon.path) / "locale").is_dir():
            dirs.append(f"{addon.module}:locale")
    return dirs


class _Localizer(Localizer):
    """Pyramid's localizer, also translating the translation strings in a message's mapping.

    ``_("Make ${document}", mapping={"document": _("Sales order")})`` then reads 生成销售订单,
    not 生成Sales order, in templates (``${action.title}``) and in ``request.translate`` alike.
    """

    def translate(self, tstring, domain=None, mapping=None):
        nested = getattr(tstring, "mapping", None)
        if nested and any(hasattr(v, "interpolate") for v in nested.values()):
            tstring = tstring.__class__(tstring, mapping={
                k: self.translate(v) if hasattr(v, "interpolate") else v for k, v in nested.items()})
        return super().translate(tstring, domain=domain, mapping=mapping)


def _localizer(request) -> Localizer:
    plain = LocalizerRequestMixin.localizer.wrapped(request)
    return _Localizer(plain.locale_name, plain.translations)


def includeme(config):
    config.set_locale_negotiator(negotiate_locale)
    config.add_translation_dirs(*translation_dirs(config.registry.zg_catalog))
    config.add_request_method(Formatter, "fmt", reify=True)
    config.add_request_method(_localizer, "localizer", reify=True)
    config.add_request_method(lambda r: r.localizer.translate, "translate", reify=True)
