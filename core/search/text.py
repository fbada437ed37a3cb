"""The text a record is found by, and the terms a search box query is split into.

A record of an indexed model gets one line of text in ``zg_search``, built here from
the attributes its :class:`~core.search.SearchIndex` names:

* **names**: the characters as typed, the full pinyin (``zhangsanfeng``) and the
  initials (``zsf``), all lower case;
* **texts** (logins, e-mail addresses, codes): as typed, lower case;
* **phones**: the digits only (``+86 138-0013-8000`` → ``8613800138000``).

Trigram indexes (pg_trgm, SQLite FTS5) find any fragment of three characters or
more. One- and two-character terms (``张``, ``三丰``, ``zs``) have no trigram of their
own, so the text also carries *keys*: every one- and two-character piece a short
term may stand for, each as its own space-delimited word. A short term is then
searched as `` zs `` (with the spaces), which is three or four characters long and
matches only a whole key. Keys are: any one or two consecutive characters of a name,
the first one or two letters of its initials and of each pinyin syllable, and the
first one or two characters of each word of a text (and, Chinese having no spaces,
any one or two consecutive characters in its first 64). Phones have no keys: a phone
fragment needs three digits or more. (Two initials match from the start only: "zs"
finds 张三丰, "sf" does not, because "zw" anywhere in the initials would match three
times as many names and every search must count its matches.)

Polyphones: pypinyin reads a name as a phrase (重庆 → chongqing). A name that starts
with a surname read differently as a surname (单 shan, 曾 zeng, 解 xie, …) is indexed
under both readings, so 单雄信 is found by ``danxiongxin`` and ``shanxiongxin``.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence

#: CJK ideographs (basic, extension A, compatibility, extensions B and later).
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_WORD = re.compile(r"\w+")
_PHONE_LIKE = re.compile(r"\+?[\d()\-]+")
#: Keys come from the first KEY_SPAN characters of a name's word or of a text's Chinese.
KEY_SPAN = 64
#: The word that says who owns the record: ``qx`` and the owner's id in letters, lowest first, at
#: least three (user 1: ``qxbaa``, user 27: ``qxbba``). A user whose record scope is "own" searches
#: with it as one more required term: the trigram index then intersects the matches with that
#: user's records itself, instead of the database fetching every match of a short term (10,000 for
#: "xy" in a million partners) to keep the 5% the user owns. Letters, lowest first, so that each of
#: the key's trigrams is shared by few owners (digits would meet the codes' "000"; a common first
#: trigram would make the index read every owned record's entry). Only a hint: the records are
#: filtered by their scope as always (a search text that happens to look like a key, or initials
#: such as "qxb", only add candidates).
OWNER_PREFIX = "qx"
#: At most this many terms of a query are searched (the rest is ignored).
MAX_TERMS = 8
MAX_TERM_LENGTH = 64

#: Surnames read differently as a surname than pypinyin's default reading of the name.
#: Compound surnames first (they are matched before single characters).
SURNAMES: dict[str, tuple[str, ...]] = {
    "长孙": ("zhang", "sun"), "尉迟": ("yu", "chi"), "万俟": ("mo", "qi"), "单于": ("chan", "yu"),
    "澹台": ("tan", "tai"), "令狐": ("ling", "hu"), "亓官": ("qi", "guan"), "宰父": ("zai", "fu"),
    "单": ("shan",), "曾": ("zeng",), "解": ("xie",), "仇": ("qiu",), "朴": ("piao",), "查": ("zha",),
    "乐": ("yue",), "区": ("ou",), "盖": ("ge",), "覃": ("qin",), "翟": ("zhai",), "缪": ("miao",),
    "召": ("shao",), "员": ("yun",), "种": ("chong",), "秘": ("bi",), "句": ("gou",), "繁": ("po",),
    "隗": ("wei",), "尉": ("yu",), "蔚": ("yu",), "折": ("she",), "那": ("na",), "朝": ("chao",),
    "宿": ("su",), "贲": ("ben",), "祭": ("zhai",), "褚": ("chu",), "燕": ("yan",), "任": ("ren",),
    "沈": ("shen",), "柏": ("bai",), "薄": ("bo",), "适": ("kuo",), "逄": ("pang",), "阚": ("kan",),
}


def normalize(value: str) -> str:
    """Lower case, full-width forms folded (ＡＢＣ１２３ → abc123), control characters and
    runs of white space turned into single spaces."""
    value = unicodedata.normalize("NFKC", value)
    value = _CONTROL.sub(" ", value).lower()
    return " ".join(value.split())


@functools.lru_cache(maxsize=65536)
def _pinyin(run: str) -> tuple[str, ...]:
    """One syllable per character of a run of Han characters, read as a phrase."""
    from pypinyin import lazy_pinyin  # ~0.2 s to import its dictionaries: only writers need it

    syllables = lazy_pinyin(run, errors=lambda chars: list(chars))
    return tuple(s.lower() for s in syllables)


def _parts(compact: str) -> list[tuple[str, bool]]:
    """The name cut into syllables (Han, True) and other words (letters/digits, False)."""
    parts: list[tuple[str, bool]] = []
    pos = 0
    for match in HAN.finditer(compact):
        parts += [(w, False) for w in _WORD.findall(compact[pos:match.start()])]
        parts += [(s, True) for s in _pinyin(match.group())]
        pos = match.end()
    parts += [(w, False) for w in _WORD.findall(compact[pos:])]
    return parts


def readings(name: str) -> list[list[tuple[str, bool]]]:
    """The pinyin readings of a name: pypinyin's, then the surname reading if it differs."""
    compact = "".join(normalize(name).split())
    default = _parts(compact)
    out = [default]
    for surname, syllables in SURNAMES.items():
        if compact.startswith(surname):
            variant = [(s, True) for s in syllables] + default[len(syllables):]
            if variant != default:
                out.append(variant)
            break
    return out


def _pieces(word: str) -> set[str]:
    """Every one- and two-character piece of ``word``."""
    word = word[:KEY_SPAN]
    return {word[i:i + n] for n in (1, 2) for i in range(len(word) - n + 1)}


def _starts(words: Iterable[str]) -> set[str]:
    return {w[:n] for w in words for n in (1, 2) if w[:n]}


class Document:
    """The searchable text of one record, built field by field."""

    def __init__(self):
        self.words: list[str] = []
        self.keys: set[str] = set()

    def _add(self, word: str) -> None:
        if word and word not in self.words:
            self.words.append(word)

    def name(self, value: str) -> None:
        value = normalize(value)
        if not value:
            return
        for word in value.split():
            self._add(word)
            self.keys |= _pieces(word)
        if not HAN.search(value):
            return
        for parts in readings(value):
            full = "".join(p for p, _han in parts)
            initials = "".join(p[0] if han else p for p, han in parts)
            self._add(full)
            self._add(initials)
            self.keys |= _starts([initials])
            self.keys |= _starts(p for p, han in parts if han)

    def text(self, value: str) -> None:
        value = normalize(value)
        for word in value.split():
            self._add(word)
        self.keys |= _starts(_WORD.findall(value))
        for run in HAN.findall(value[:KEY_SPAN]):  # Chinese has no spaces: any characters
            self.keys |= _pieces(run)

    def phone(self, value: str) -> None:
        self._add(re.sub(r"\D", "", unicodedata.normalize("NFKC", value)))

    def owner(self, owner_id: int) -> None:
        self._add(owner_key(owner_id))

    def render(self) -> str:
        """Space-delimited words, then the keys, with a space at each end."""
        keys = sorted(k for k in self.keys if k not in self.words and k.strip())
        return " " + " ".join(self.words + keys) + " "


def document(names: Iterable[str] = (), texts: Iterable[str] = (), phones: Iterable[str] = (),
             owner_id: int | None = None) -> str:
    """The index text for these values (empty values are skipped), with the record's owner key."""
    doc = Document()
    for value in names:
        if value:
            doc.name(str(value))
    for value in texts:
        if value:
            doc.text(str(value))
    for value in phones:
        if value:
            doc.phone(str(value))
    if owner_id is not None:
        doc.owner(owner_id)
    return doc.render()


def owner_key(owner_id: int) -> str:
    """The word naming the owner in a record's text (see ``OWNER_PREFIX``)."""
    n, letters = int(owner_id), []
    while n or len(letters) < 3:
        letters.append(chr(ord("a") + n % 26))
        n //= 26
    return OWNER_PREFIX + "".join(letters)


def owner_pattern(owner_id: int) -> str:
    """The pattern (a fragment, like a term) that narrows a search to the records ``owner_id`` owns."""
    return owner_key(owner_id)


def terms(query: str) -> list[str]:
    """The patterns a query is searched by: every one must occur in a record's text.

    White space separates terms (``zhang san`` finds 张三丰). A term written like a
    phone number (``138-0013``) is reduced to its digits. Terms without any letter,
    digit or character are dropped. A term of one or two characters becomes a whole
    key, `` zs `` (see the module docstring); longer ones are fragments.
    """
    out: list[str] = []
    for term in normalize(query).split():
        term = term[:MAX_TERM_LENGTH]
        if _PHONE_LIKE.fullmatch(term) and not term.isdigit() and sum(c.isdigit() for c in term) >= 3:
            term = re.sub(r"\D", "", term)
        if not _WORD.search(term):
            continue
        pattern = f" {term} " if len(term) <= 2 else term
        if pattern not in out:
            out.append(pattern)
    return out[:MAX_TERMS]


def values(obj, fields: Sequence[str]) -> list[str]:
    out = []
    for name in fields:
        value = getattr(obj, name, None)
        if value not in (None, ""):
            out.append(str(value))
    return out
