"""Locale per request: the user's language, else the browser's, else Chinese.

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

from ..i18n import DEFAULT_LOCALE, LOCALES, normalize_locale

COOKIE = "zg_locale"


def negotiate_locale(request) -> str:
    # An explicit choice (?_LOCALE_=en, used by the language switch) wins.
    try:
        chosen = normalize_locale(request.GET.get("_LOCALE_") if request.method == "GET" else None)
    except UnicodeDecodeError:  # a query string that is not UTF-8: answered 400 elsewhere
        chosen = None
    if chosen:
        return chosen
    try:
        user = request.user
    except HTTPException:  # no database for this host: nobody is signed in
        user = None
    if user is not None and user.locale in LOCALES:
        return user.locale
    cookie = normalize_locale(request.cookies.get(COOKIE))
    if cookie:
        return cookie
    for lang in request.accept_language.basic_filtering(["zh-CN", "zh", "en"]) if request.accept_language else ():
        found = normalize_locale(lang[0])
        if found:
            return found
    return request.registry.settings.get("pyramid.default_locale_name", DEFAULT_LOCALE)


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


def includeme(config):
    config.set_locale_negotiator(negotiate_locale)
    config.add_translation_dirs(*translation_dirs(config.registry.zg_catalog))
    config.add_request_method(Formatter, "fmt", reify=True)
    config.add_request_method(lambda r: r.localizer.translate, "translate", reify=True)
