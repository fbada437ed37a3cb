"""Translation strings and locale helpers shared by the kernel and addons.

Catalogs live in ``<package>/locale/<locale>/LC_MESSAGES/<domain>.po`` (compiled to
``.mo``). The Chinese locale is named ``zh_Hans`` as colander and deform name theirs;
browsers' ``zh-CN`` / ``zh`` map to it.
"""
from __future__ import annotations

from pyramid.i18n import TranslationStringFactory

DOMAIN = "zhanggui"
_ = TranslationStringFactory(DOMAIN)

LOCALES = ("zh_Hans", "en")
DEFAULT_LOCALE = "zh_Hans"


def normalize_locale(value: str | None) -> str | None:
    """Map a browser or user locale to one we ship (``zh-CN`` → ``zh_Hans``)."""
    if not value:
        return None
    v = value.replace("-", "_").lower()
    if v.startswith("zh"):
        return "zh_Hans"
    if v.startswith("en"):
        return "en"
    return None
