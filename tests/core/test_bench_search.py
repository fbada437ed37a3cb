"""``zhanggui bench search`` runs end to end on a small load and prints every figure."""
from __future__ import annotations

import random

import sqlalchemy as sa
from click.testing import CliRunner
from stdnum.cn import uscc

from addons.base.partners.models import Partner
from core.bench_search import descriptor, generate, queries
from core.cli import cli


def test_bench_search_prints_figures_and_references(db_url):
    result = CliRunner().invoke(cli, ["--db", db_url, "bench", "search", "--rows", "3000", "--samples", "3"])
    assert result.exit_code == 0, result.output
    out = result.output
    for label in ("3000 partners", "counts capped at 1000", "load (generate", "search by name ",
                  "search by full pinyin", "search by initials", "search by phone fragment",
                  "search by one character", "reference: primary-key lookup",
                  "reference: name search, no index", "target p95 <"):
        assert label in out, f"missing {label!r} in:\n{out}"
    result = CliRunner().invoke(cli, ["--db", db_url, "bench", "search", "--rows", "300", "--samples", "2",
                                      "--count-cap", "0"])
    assert result.exit_code == 0 and "every match counted" in result.output, result.output


def test_generated_partners_and_their_searches():
    rng = random.Random(1)
    rows = generate(rng, 400, [(1, 1), (2, 3)])
    assert [r["id"] for r in rows] == list(range(1, 401))
    assert len({r["code"] for r in rows}) == 400
    columns = set(sa.inspect(Partner).columns.keys())
    assert all(set(r) <= columns for r in rows)  # insertable as they are
    people = [r for r in rows if not r["short_name"]]
    companies = [r for r in rows if r["short_name"]]
    assert 60 < len(people) < 180  # about 30 %
    assert all(2 <= len(r["name"]) <= 4 and not r["tax_number"] for r in people)
    assert all(r["short_name"] in r["name"] and r["name"].endswith(("公司", "商行")) for r in companies)
    assert all(uscc.is_valid(r["tax_number"]) for r in companies)
    assert all(len(r["mobile"]) == 11 and r["mobile"].isdigit() for r in rows)
    assert {(r["owner_id"], r["department_id"]) for r in rows} <= {(1, 1), (2, 3)}

    texts = queries(rng, [("张三丰", "", "13800138000"), ("杭州华信电子有限公司", "华信电子", "0571-88231234")])
    assert texts["name"] == ["张三丰", "华信电子"]
    assert texts["full pinyin"] == ["zhangsanfeng", "huaxindianzi"]
    assert texts["initials"] == ["zsf", "hxdz"]
    assert texts["one character"] == ["张", "华"]
    assert all(f in p for f, p in zip(texts["phone fragment"], ("13800138000", "057188231234"), strict=True))
    assert all(4 <= len(f) <= 7 for f in texts["phone fragment"])
    assert descriptor(Partner).search_index is not None and descriptor(Partner, plain=True).search_index is None
