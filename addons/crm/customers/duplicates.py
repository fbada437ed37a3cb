"""Duplicate customers: similar names and exact phones, e-mails, WeChat and QQ (docs/crm-customers.md).

Two checks, both warnings (nothing is refused: two branches of one group may share a
switchboard number):

* :func:`similar` compares *core names*: the name without the words the company lists
  as common (``crm_common_word``: 有限公司, 科技, 北京, province names…), so that
  "北京华为科技有限公司" and "华为技术有限公司（深圳）" are both "华为技术"-like. The
  candidates come from the search index (``zg_search``, trigram-indexed on both
  engines): records sharing a two-character piece of the core name, at most
  :data:`CANDIDATES` per piece, then scored in Python with ``difflib`` (standard
  library; no fuzzy-matching package is among the project's dependencies).
* :func:`exact` finds partners and contacts with the same phone or mobile (compared by
  digits, a leading 86 ignored), e-mail (case-insensitive), WeChat or QQ, again through
  the search index and then checked exactly.

Scope: the warnings name the customer and its owner even when the user may not open it
(a rep must learn that a colleague already follows the company, or double entry is not
stopped); they link to it only when the user may read it, and never show the other
record's other data.
"""
from __future__ import annotations

import dataclasses
import difflib
import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping

import sqlalchemy as sa
from sqlalchemy.orm import Session

from addons.base.partners.models import Contact, Partner
from core.search.models import SearchEntry
from core.search.query import TermsMatch
from core.security.models import User

from .models import CommonWord

#: The words a new crm ignores in names (the province names are added, full and short).
DEFAULT_WORDS = ("有限公司", "有限责任公司", "股份", "集团", "科技", "贸易", "实业", "公司", "北京", "上海", "广州",
                 "深圳", "杭州")
#: Suffixes of province-level names whose stem is used alone too (浙江省 → 浙江).
_PROVINCE_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")
#: A name is similar from this score (0–1) on.
THRESHOLD = 0.6
#: Candidates read per two-character piece of the core name (keeps the check fast in a million partners).
CANDIDATES = 200
#: At most this many pieces of a core name are searched.
MAX_PIECES = 12
_NOT_WORD = re.compile(r"[\W_]+")


def default_words() -> list[str]:
    """The common words a new crm starts with: :data:`DEFAULT_WORDS`, every province's and city's names."""
    from addons.base.partners import divisions

    words = list(DEFAULT_WORDS)
    for province in divisions.provinces():
        words.append(province.name)
        for suffix in _PROVINCE_SUFFIXES:
            if province.name.endswith(suffix) and len(province.name) > len(suffix) + 1:
                words.append(province.name[: -len(suffix)])
                break
    # Prefecture-level cities (温州市, 温州): "温州鼎盛五金" and "温州众合五金" are not alike. Not the
    # 地区 / 自治州 / 盟, whose short forms are ordinary words (阿里地区 → 阿里).
    for province in divisions.provinces():
        for city in divisions.children(province.code):
            if city.level == 2 and city.name.endswith("市") and len(city.name) >= 3:
                words += [city.name, city.name[:-1]]
    return list(dict.fromkeys(words))


def common_words(session: Session) -> list[str]:
    """The company's active common words, longest first (so 有限责任公司 goes before 公司)."""
    words = session.scalars(sa.select(CommonWord.name).where(CommonWord.active.is_(True)))
    return sorted({_norm(w) for w in words if _norm(w)}, key=lambda w: (-len(w), w))


def _norm(text: str) -> str:
    """Lower case, full-width folded, without spaces and punctuation."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text or "").lower())


def core_name(name: str, words: Iterable[str]) -> str:
    """``name`` without the common ``words`` (leftmost, longest first); the whole name when nothing is left."""
    full = _norm(name)
    pattern = _words_pattern(tuple(words))
    core = pattern.sub("", full) if pattern is not None else full
    return core or full


@functools.lru_cache(maxsize=8)
def _words_pattern(words: tuple[str, ...]) -> re.Pattern | None:
    """One alternation, longest first: scanned left to right, 浙江西湖 loses 浙江, not 江西."""
    words = sorted({w for w in words if w}, key=lambda w: (-len(w), w))
    return re.compile("|".join(re.escape(w) for w in words)) if words else None


def score(a: str, b: str) -> float:
    """How alike two core names are (0–1).

    One inside the other counts at least 0.8 when it has three characters or more and is
    at least half the other (西湖电器 in 西湖电器设备); a two-character brand (鼎盛) is shared
    by too many unrelated companies for that.
    """
    if not a or not b:
        return 0.0
    ratio = difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()
    short, long_ = sorted((a, b), key=len)
    if len(short) >= 3 and len(short) * 2 >= len(long_) and short in long_:
        ratio = max(ratio, 0.8)
    return round(ratio, 3)


@dataclasses.dataclass(frozen=True)
class Similar:
    partner_id: int
    name: str
    owner: str  # the owner's name ("" when none: the public pool)
    score: float


@dataclasses.dataclass(frozen=True)
class Duplicate:
    field: str  # phone, mobile, email, wechat or qq (what the user typed)
    value: str
    partner_id: int
    name: str  # the partner's name
    contact: str  # the contact's name when the match is on a contact, else ""
    owner: str


def _pieces(core: str) -> list[str]:
    """Search patterns for candidates: two-character keys of Chinese, words of three or more otherwise."""
    out: list[str] = []
    if len(core) >= 3:
        out.append(core[:64])
    for run in re.findall(r"[^\x00-\x7f]+", core):
        if len(run) == 1:
            out.append(f" {run} ")
        for i in range(len(run) - 1):
            out.append(f" {run[i:i + 2]} ")
    for word in re.findall(r"[a-z0-9]{3,}", core):
        out.append(word[:64])
    return list(dict.fromkeys(out))[:MAX_PIECES]


def _found(session: Session, table: str, pattern: str, limit: int) -> list[int]:
    query = (sa.select(SearchEntry.record_id)
             .where(SearchEntry.table_name == table, TermsMatch([pattern])).limit(limit))
    return list(session.scalars(query))


def _owners(session: Session, owner_ids: Iterable[int | None]) -> dict[int, str]:
    ids = {i for i in owner_ids if i}
    if not ids:
        return {}
    return dict(session.execute(sa.select(User.id, User.name).where(User.id.in_(ids))).all())


def similar(session: Session, name: str, exclude_id: int | None = None, limit: int = 10,
            words: list[str] | None = None) -> list[Similar]:
    """Existing partners whose core name is like ``name``'s, best first (``exclude_id``: the one being edited)."""
    words = common_words(session) if words is None else words
    core = core_name(name, words)
    if not core:
        return []
    ids: set[int] = set()
    for pattern in _pieces(core):
        ids.update(_found(session, Partner.__tablename__, pattern, CANDIDATES))
    ids.discard(exclude_id)
    if not ids:
        return []
    rows = session.execute(sa.select(Partner.id, Partner.name, Partner.short_name, Partner.owner_id)
                           .where(Partner.id.in_(ids))).all()
    scored = []
    for pid, pname, short, owner_id in rows:
        # A short name of two characters is a brand (鼎盛), shared by unrelated companies: not compared.
        short_core = core_name(short, words) if short else ""
        best = max(score(core, core_name(pname, words)), score(core, short_core) if len(short_core) >= 3 else 0)
        if best >= THRESHOLD:
            scored.append((best, pid, pname, owner_id))
    scored.sort(key=lambda r: (-r[0], r[1]))
    scored = scored[:limit]
    owners = _owners(session, [r[3] for r in scored])
    return [Similar(pid, pname, owners.get(owner_id, ""), best) for best, pid, pname, owner_id in scored]


def digits(value: str) -> str:
    """A phone number's digits, without a leading 86 country code on a mobile (+86 138… = 138…)."""
    out = re.sub(r"\D", "", unicodedata.normalize("NFKC", value or ""))
    if out.startswith("0086"):
        out = out[4:]
    elif out.startswith("86") and len(out) == 13:
        out = out[2:]
    return out


#: The fields :func:`exact` checks, and which columns of partners and contacts hold them.
FIELDS = {"phone": ("phone", "mobile"), "mobile": ("phone", "mobile"), "email": ("email",),
          "wechat": ("wechat",), "qq": ("qq",)}


def _same(field: str, typed: str, stored: str) -> bool:
    if not stored:
        return False
    if field in ("phone", "mobile"):
        return digits(stored) == typed
    return stored.strip().lower() == typed


def exact(session: Session, values: Mapping[str, str], exclude_id: int | None = None,
          limit: int = 10) -> list[Duplicate]:
    """Partners and contacts with exactly one of these ``values`` (keys of :data:`FIELDS`).

    A phone or mobile matches any phone or mobile column (a mobile typed as the office
    number is still the same person); ``exclude_id`` is the partner being edited (its
    own contacts do not count either).
    """
    out: list[Duplicate] = []
    seen: set[tuple] = set()
    for field, raw in values.items():
        if field not in FIELDS or not (raw or "").strip():
            continue
        typed = digits(raw) if field in ("phone", "mobile") else raw.strip().lower()
        if (field in ("phone", "mobile") and len(typed) < 5) or len(typed) < 3:
            continue
        for model in (Partner, Contact):
            columns = [c for c in FIELDS[field] if hasattr(model, c)]
            if not columns:
                continue
            ids = _found(session, model.__tablename__, typed, 50)
            if not ids:
                continue
            for record in session.scalars(sa.select(model).where(model.id.in_(ids))):
                partner_id = record.id if model is Partner else record.partner_id
                if partner_id == exclude_id or not any(_same(field, typed, getattr(record, c)) for c in columns):
                    continue
                key = (field, partner_id, model is Contact and record.id)
                if key in seen:
                    continue
                seen.add(key)
                partner = record if model is Partner else record.partner
                out.append(Duplicate(field, raw.strip(), partner_id, partner.name,
                                     record.name if model is Contact else "", ""))
    owners = _owners(session, [session.get(Partner, d.partner_id).owner_id for d in out])
    out = [dataclasses.replace(d, owner=owners.get(session.get(Partner, d.partner_id).owner_id, ""))
           for d in out]
    return out[:limit]
