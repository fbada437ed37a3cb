"""Concurrent numbering: parallel processes, random rollbacks, no duplicate and no gap.

Each worker process takes numbers in its own short transactions, writes a document
row with the number, and rolls back about one transaction in four. Afterwards the
committed numbers must be exactly 1..K (K committed transactions) and the documents
must carry exactly those numbers.
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from addons.base.models import SequenceCounter
from addons.base.sequences import ensure_sequence
from core.cli import cli
from core.lifecycle import Lifecycle
from tests.conftest import fixture_catalog

WORKER = r"""
import json, random, sys, time
import sqlalchemy as sa
from core.db import Database
from addons.base.sequences import take

url, count, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed)
db = Database(url)
print("ready", flush=True)
sys.stdin.readline()  # all workers start together
committed, rolled_back = [], 0
for _ in range(count):
    with db.session() as session:
        taken = take(session, "test.doc")
        session.execute(sa.text("INSERT INTO test_conc_doc (number) VALUES (:n)"), {"n": taken.number})
        if rng.random() < 0.1:
            time.sleep(0.002)  # hold the counter a little while others queue for it
        if rng.random() < 0.25:
            session.rollback()
            rolled_back += 1
        else:
            session.commit()
            committed.append(taken.counter)
print(json.dumps({"committed": committed, "rolled_back": rolled_back}), flush=True)
db.dispose()
"""


def run_workers(db_url: str, workers: int, count: int) -> list[dict]:
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, db_url, str(count), str(seed)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for seed in range(workers)]
    try:
        for proc in procs:
            line = proc.stdout.readline()
            assert line.strip() == "ready", proc.stderr.read()
        for proc in procs:
            proc.stdin.write("go\n")
            proc.stdin.flush()
        results = []
        for proc in procs:
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err
            results.append(json.loads(out.strip().splitlines()[-1]))
        return results
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()


@pytest.mark.slow
def test_parallel_workers_get_every_number_exactly_once(database, db_url, engine_name):
    Lifecycle(database, fixture_catalog()).install([])
    with database.engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE test_conc_doc (number VARCHAR(20) PRIMARY KEY)"))
    with database.session() as session:
        ensure_sequence(session, "test.doc", "Test documents", prefix="T-", padding=4)
        session.commit()
    workers = 8 if engine_name == "postgresql" else 4

    results = run_workers(db_url, workers, 50)

    committed = sorted(c for r in results for c in r["committed"])
    rolled_back = sum(r["rolled_back"] for r in results)
    assert rolled_back > 0 and len(committed) + rolled_back == workers * 50
    assert committed == list(range(1, len(committed) + 1))  # no duplicate, no gap
    with database.engine.connect() as conn:
        documents = sorted(conn.execute(sa.text("SELECT number FROM test_conc_doc")).scalars())
        counter = conn.execute(sa.select(SequenceCounter.value)).scalar_one()
    assert documents == [f"T-{c:04d}" for c in committed]
    assert counter == len(committed)


@pytest.mark.slow
def test_bench_numbering_prints_figures_with_references_and_checks_the_numbers(db_url):
    result = CliRunner().invoke(cli, ["--db", db_url, "bench", "numbering", "--workers", "2", "--seconds", "0.3",
                                      "--no-sqlite"])
    assert result.exit_code == 0, result.output
    for label in ("2 workers, one shared sequence", "reference: 2 workers, one sequence each",
                  "reference: 1 worker, one sequence", "numbers/s", "0 duplicate(s), 0 missing: OK"):
        assert label in result.output, f"missing {label!r} in:\n{result.output}"
