"""``zhanggui bench numbering``: parallel workers taking document numbers (figures, never asserts).

Each worker is a process with its own connection taking one number per short
transaction (``take`` + commit), for a fixed time, all starting together. Printed
for each engine:

* contended: every worker on the SAME sequence (the counter row is the bottleneck);
* reference, no contention: every worker on its OWN sequence (same code, same
  commits, no waiting for each other);
* reference, one worker on one sequence (the serial rate).

Afterwards the contended numbers are checked: exactly 1..N, no gap, no duplicate.
"""
from __future__ import annotations

import multiprocessing
import statistics
import time
from collections.abc import Callable

import sqlalchemy as sa

from core.addons import Catalog
from core.bench import empty_database
from core.db import Database
from core.lifecycle import Lifecycle

SHARED = "bench.shared"


def _worker(url: str, tasks, results) -> None:
    """Take numbers of the sequence each task names, from its start time for its duration."""
    from .sequences import take

    db = Database(url)
    try:
        with db.session() as session:  # connected before any clock starts
            session.execute(sa.text("SELECT 1"))
        results.put({"ready": True})
        while (task := tasks.get()) is not None:
            code, start_at, seconds = task
            time.sleep(max(0.0, start_at - time.time()))  # every worker of the phase starts together
            counters: list[int] = []
            latencies: list[float] = []
            start = time.perf_counter()
            end = start + seconds
            while (t := time.perf_counter()) < end:
                with db.session() as session:
                    taken = take(session, code)
                    session.commit()
                latencies.append(time.perf_counter() - t)
                counters.append(taken.counter)
            results.put({"counters": counters, "latencies": latencies, "elapsed": time.perf_counter() - start})
    except Exception as exc:  # reported by the parent, which must not wait forever
        results.put({"error": f"{type(exc).__name__}: {exc}"})
    finally:
        db.dispose()


class Workers:
    """``count`` worker processes on the database at ``url``, reused for every figure."""

    def __init__(self, url: str, count: int):
        ctx = multiprocessing.get_context("spawn")  # no inherited connections
        self.results = ctx.Queue()
        self.tasks = [ctx.Queue() for _ in range(count)]
        self.procs = [ctx.Process(target=_worker, args=(url, q, self.results)) for q in self.tasks]
        for proc in self.procs:
            proc.start()
        self._collect(count, 120)

    def _collect(self, count: int, timeout: float) -> list[dict]:
        out = [self.results.get(timeout=timeout) for _ in range(count)]
        errors = [r["error"] for r in out if "error" in r]
        if errors:
            raise RuntimeError("; ".join(errors))
        return out

    def run(self, codes: list[str], seconds: float) -> dict:
        """Worker i takes numbers of ``codes[i]`` for ``seconds``, all together; merged figures."""
        start_at = time.time() + 0.2
        for queue, code in zip(self.tasks, codes):
            queue.put((code, start_at, seconds))
        out = self._collect(len(codes), seconds + 120)
        latencies = sorted(x for r in out for x in r["latencies"])
        count = len(latencies)
        return {
            "numbers": count,
            "per_second": count / max(r["elapsed"] for r in out),
            "p50_ms": statistics.median(latencies) * 1000 if latencies else 0.0,
            "p95_ms": latencies[int(0.95 * (count - 1))] * 1000 if latencies else 0.0,
            "counters": [c for r in out for c in r["counters"]],
        }

    def close(self) -> None:
        for queue in self.tasks:
            queue.put(None)
        for proc in self.procs:
            proc.join(timeout=30)
            if proc.is_alive():
                proc.kill()


def _line(label: str, r: dict) -> str:
    return (f"{label:<44} {r['per_second']:9.0f} numbers/s   p50 {r['p50_ms']:7.2f} ms   "
            f"p95 {r['p95_ms']:7.2f} ms   ({r['numbers']} numbers)")


def bench_engine(url: str, catalog: Catalog, workers: int, seconds: float,
                 echo: Callable[[str], None] = print) -> dict:
    """The three figures and the gap/duplicate check on a new empty database like ``url``."""
    from .sequences import current_counter, ensure_sequence, get_sequence

    engine = sa.make_url(url).get_backend_name()
    with empty_database(url) as bench_url:
        db = Database(bench_url)
        try:
            Lifecycle(db, catalog, actor="bench").install([])
            with db.session() as session:
                ensure_sequence(session, SHARED, "Bench", prefix="B{yyyy}-", padding=6)
                for i in range(workers):
                    ensure_sequence(session, f"bench.own{i}", f"Bench {i}", prefix=f"W{i}-", padding=6)
                ensure_sequence(session, "bench.serial", "Bench serial", prefix="S-", padding=6)
                session.commit()
            echo(f"engine {engine}: {workers} worker processes, {seconds:g} s per figure")
            pool = Workers(bench_url, workers)
            try:
                shared = pool.run([SHARED] * workers, seconds)
                echo(_line(f"  {workers} workers, one shared sequence:", shared))
                own = pool.run([f"bench.own{i}" for i in range(workers)], seconds)
                echo(_line(f"  reference: {workers} workers, one sequence each:", own))
                serial = pool.run(["bench.serial"], seconds)
                echo(_line("  reference: 1 worker, one sequence:", serial))
            finally:
                pool.close()
            with db.session() as session:
                last = current_counter(session, get_sequence(session, SHARED))
            got = sorted(shared["counters"])
            ok = got == list(range(1, len(got) + 1)) and last == len(got)
            duplicates = len(got) - len(set(got))
            echo(f"  check: {len(got)} numbers committed, counter at {last}, "
                 f"{duplicates} duplicate(s), {last - len(set(got))} missing: {'OK' if ok else 'FAILED'}")
        finally:
            db.dispose()
    return {"engine": engine, "shared": shared["per_second"], "own": own["per_second"],
            "serial": serial["per_second"], "ok": ok}


def bench_numbering(url: str, catalog: Catalog, workers: int = 8, seconds: float = 5.0, sqlite: bool = True,
                    echo: Callable[[str], None] = print) -> list[dict]:
    """Print the numbering figures for the engine of ``url`` (and SQLite for comparison)."""
    echo("zhanggui bench numbering — one number per transaction (take + commit), all workers at once")
    results = [bench_engine(url, catalog, workers, seconds, echo)]
    if sqlite and results[0]["engine"] != "sqlite":
        results.append(bench_engine("sqlite://", catalog, workers, seconds, echo))
    return results
