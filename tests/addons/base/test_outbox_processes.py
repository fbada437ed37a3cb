"""Dispatcher processes against a real SMTP server (aiosmtpd): killed at random moments, and in parallel.

The count that matters is what the server received, by Message-ID: never twice, and
every message either received or reported in doubt.
"""
from __future__ import annotations

import collections
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from addons.base.outbox import services
from addons.base.outbox.models import Mailbox, OutboxMessage
from core.db import Database
from core.lifecycle import Lifecycle
from tests.conftest import fixture_catalog

from .outbox_support import SMTPServer

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]
TOTAL = 300


@pytest.fixture
def smtp():
    server = SMTPServer()
    yield server
    server.stop()


@pytest.fixture
def db(db_url):
    database = Database(db_url)
    Lifecycle(database, fixture_catalog()).install(["base"])
    yield database
    database.dispose()


def blast(db, smtp, total=TOTAL) -> list[str]:
    with db.session() as session:
        mailbox = Mailbox(name="Office", from_address="office@shop.test", smtp_host="127.0.0.1",
                          smtp_port=smtp.port, smtp_security="none", rate_per_minute=0)
        session.add(mailbox)
        session.flush()
        ids = [services.queue(session, to=f"c{i}@customer.test", subject=f"双十一 {i}", text="优惠",
                              mailbox=mailbox, blast_id=1, marketing=True,
                              unsubscribe_url=f"https://shop.test/u/{i}").message_id for i in range(total)]
        session.commit()
    return ids


def dispatcher(db, worker: str, once: bool = False) -> subprocess.Popen:
    args = [sys.executable, "-m", "addons.base.outbox.dispatcher", "--db", db.url, "--worker", worker,
            "--idle", "0.2"]
    if once:
        args.append("--once")
    return subprocess.Popen(args, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def final_states(db) -> dict[str, str]:
    with db.session() as session:
        return dict(session.execute(sa.select(OutboxMessage.message_id, OutboxMessage.state)).all())


def test_killed_dispatcher_never_sends_twice(db, smtp):
    """SIGKILL at random moments, restart, again and again: each message arrives at most once."""
    ids = blast(db, smtp)
    rng = random.Random(os.getpid())
    kills = []
    for _round in range(6):
        process = dispatcher(db, "w1")
        # Kill once it is sending (after a random number of messages), then at a random
        # instant: between any two steps of claim, start, send and record.
        target = len(smtp.received) + rng.randint(1, 40)
        deadline = time.monotonic() + 120
        while len(smtp.received) < target and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(rng.uniform(0, 0.05))
        before = len(smtp.received)
        process.send_signal(signal.SIGKILL)
        process.wait()
        kills.append(before)
    process = dispatcher(db, "w1", once=True)
    output, _ = process.communicate(timeout=300)
    assert process.returncode == 0, output
    received = smtp.recorder.ids
    states = final_states(db)
    duplicates = {mid: n for mid, n in received.items() if n > 1}
    in_doubt = {mid for mid, state in states.items() if state == "in_doubt"}
    in_doubt_not_received = in_doubt - set(received)
    print(f"\nkilled 6 times (received so far at each kill: {kills}); received {len(received)}, "
          f"in doubt {len(in_doubt)} ({len(in_doubt & set(received))} of them did arrive), duplicates "
          f"{len(duplicates)}; states {collections.Counter(states.values())}")
    assert duplicates == {}
    assert set(received) <= set(ids)
    assert len(received) + len(in_doubt_not_received) == TOTAL
    assert {s for s in states.values()} <= {"sent", "in_doubt"}
    assert {mid for mid, s in states.items() if s == "sent"} <= set(received)  # "sent" is never a lie
    assert len(in_doubt) <= len(kills)  # at most the one message each killed dispatcher was sending
    assert any(0 < k < TOTAL for k in kills), f"no kill landed while sending: {kills}"


def test_parallel_dispatchers_drain_without_duplicates(db, smtp):
    ids = blast(db, smtp)
    processes = [dispatcher(db, f"w{n}", once=True) for n in (1, 2, 3)]
    for process in processes:
        output, _ = process.communicate(timeout=300)
        assert process.returncode == 0, output
    received = smtp.recorder.ids
    assert received == {mid: 1 for mid in ids}
    with db.session() as session:
        by_worker = dict(session.execute(sa.select(OutboxMessage.claimed_by, sa.func.count())
                                         .group_by(OutboxMessage.claimed_by)).all())
        states = services.counts_by_state(session)
    print(f"\n{db.engine.dialect.name}: {TOTAL} messages, sent per dispatcher {by_worker}")
    assert states == {"sent": TOTAL}
    assert sum(by_worker.values()) == TOTAL
