"""The text a record is found by (characters, pinyin, initials, phones) and query terms."""
from __future__ import annotations

from core.search import SearchIndex
from core.search.query import fts_query
from core.search.text import document, owner_key, owner_pattern, readings, terms


def words(text: str) -> set[str]:
    assert text.startswith(" ") and text.endswith(" ")
    return set(text.split())


def test_a_name_has_its_characters_full_pinyin_initials_and_short_keys():
    found = words(document(names=["张三丰"]))
    assert {"张三丰", "zhangsanfeng", "zsf"} <= found
    # keys for one- and two-character terms: any characters, initials, syllable starts
    assert {"张", "三", "丰", "张三", "三丰", "z", "zs", "zh", "s", "sa", "f", "fe"} <= found
    assert not {"an", "丰张", "sf"} & found  # mid-syllable, not consecutive, initials not from the start


def test_phrases_are_read_in_context_and_ü_is_v():
    assert "chongqingshi" in words(document(names=["重庆市"]))
    assert {"lvbu", "lb"} <= words(document(names=["吕布"]))


def test_polyphonic_surnames_are_indexed_under_both_readings():
    found = words(document(names=["单雄信"]))
    assert {"danxiongxin", "dxx", "shanxiongxin", "sxx", "sh"} <= found
    assert {"zengguofan", "zgf", "cengguofan"} <= words(document(names=["曾国藩"]))
    assert {"yuchigong", "ycg"} <= words(document(names=["尉迟恭"]))
    assert len(readings("张三丰")) == 1  # not a polyphonic surname: one reading
    assert len(readings("重庆")) == 1  # 重 is no surname here: no second reading


def test_mixed_and_latin_names():
    found = words(document(names=["ABC公司 上海"]))
    assert {"abc公司", "上海", "abcgongsishanghai", "abcgssh"} <= found
    latin = words(document(names=["John Smith"]))
    assert {"john", "smith", "jo", "sm", "mi"} <= latin
    assert not any(w.startswith("johnsmith") for w in latin)  # no pinyin for a name without Han


def test_full_width_upper_case_and_control_characters_are_folded():
    assert "abc123" in words(document(names=["ＡＢＣ１２３"]))
    assert {"z", "sf"} <= words(document(texts=["Z\x00SF"]))  # a control character separates words
    assert "\x00" not in document(texts=["Z\x00SF"])


def test_phones_are_digits_only_and_get_no_short_keys():
    found = words(document(phones=["+86 138-0013-8000", "(021) 6488 1234"]))
    assert found == {"8613800138000", "02164881234"}


def test_texts_are_found_as_typed_and_by_word_starts():
    found = words(document(texts=["zsf@wudang.cn"]))
    assert {"zsf@wudang.cn", "z", "zs", "w", "wu", "c", "cn"} <= found
    assert "ud" not in found
    body = words(document(texts=["客户拜访记录, call back"]))
    assert {"客户拜访记录,", "拜访", "访", "c", "ca", "b", "ba"} <= body  # Chinese has no spaces
    assert "al" not in body


def test_a_search_index_reads_the_record_attributes():
    class Person:
        id, name, login, phone = 1, "李四", "lisi", None

    text = SearchIndex(names=["name"], texts=["login"], phones=["phone"]).document(Person())
    assert {"李四", "lisi", "ls"} <= words(text)
    assert SearchIndex(names=["a"], texts=["b"], phones=["c"]).fields == ("a", "b", "c")


def test_a_record_with_an_owner_carries_the_owner_key():
    class Note:
        id, title, owner_id = 1, "拜访", 17

    text = SearchIndex(names=["title"]).document(Note())
    assert "qxraa" in words(text) and owner_pattern(17) in text
    assert "qx" not in document(names=["拜访"])  # no owner, no key
    # Letters, lowest first: the key's first trigram already tells most owners apart.
    assert [owner_key(n) for n in (1, 2, 27, 17576)] == ["qxbaa", "qxcaa", "qxbba", "qxaaab"]


def test_query_terms():
    assert terms("Zhang  三丰") == ["zhang", " 三丰 "]
    assert terms("ＺＳＦ") == ["zsf"]
    assert terms("138-0013 (021)6488") == ["1380013", "0216488"]
    assert terms("1.5 -- 8") == ["1.5", " 8 "]  # punctuation alone is no term
    assert terms("   ") == []
    assert terms("a a a") == [" a "]
    assert len(terms(" ".join(f"w{i}" for i in range(20)))) == 8
    assert fts_query(['say "hi"', " zs "]) == '"say ""hi""" AND " zs "'
