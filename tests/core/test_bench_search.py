"""``zhanggui bench search`` runs end to end on a small load and prints every figure."""
from __future__ import annotations

import random

from click.testing import CliRunner

from core.bench_search import PARTNER, generate, queries
from core.cli import cli


def test_bench_search_prints_figures_and_references(db_url):
    result = CliRunner().invoke(cli, ["--db", db_url, "bench", "search", "--rows", "3000", "--samples", "3"])
    assert result.exit_code == 0, result.output
    out = result.output
    for label in ("3000 partners", "load (generate", "search by name ", "search by full pinyin",
                  "search by initials", "search by phone fragment", "search by one character",
                  "reference: primary-key lookup", "reference: name search, no index", "target p95 <"):
        assert label in out, f"missing {label!r} in:\n{out}"


def test_generated_partners_and_their_searches():
    rng = random.Random(1)
    rows = generate(rng, 200, [(1, 1), (2, 3)])
    assert [r["id"] for r in rows] == list(range(1, 201))
    assert all(2 <= len(r["name"]) <= 4 and len(r["phone"]) == 11 and r["phone"].isdigit() for r in rows)
    assert {(r["owner_id"], r["department_id"]) for r in rows} <= {(1, 1), (2, 3)}
    texts = queries(rng, [("张三丰", "13800138000"), ("欧阳修", "13912345678")])
    assert texts["name"] == ["张三丰", "欧阳修"]
    assert texts["full pinyin"] == ["zhangsanfeng", "ouyangxiu"]
    assert texts["initials"] == ["zsf", "oyx"]
    assert texts["one character"] == ["张", "欧"]
    assert all(f in p for f, p in zip(texts["phone fragment"], ("13800138000", "13912345678"), strict=True))
    assert all(4 <= len(f) <= 7 for f in texts["phone fragment"])
    assert PARTNER.owned and PARTNER.search_index is not None
