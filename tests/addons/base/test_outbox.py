"""The outbox: queue in the business transaction, send once over real SMTP (aiosmtpd),
back-off, permanent failures, rate limits, opt-outs, in-doubt messages and their reconciliation.
"""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
import transaction
import zope.sqlalchemy

from addons.base.outbox import dispatcher, services
from addons.base.outbox.models import Mailbox, OptOut, OutboxMessage
from core.db import Database, utcnow
from core.jobs.runner import manual_slot, run_slot
from core.lifecycle import Lifecycle
from core.registry import Registries
from tests.conftest import fixture_catalog

from .outbox_support import SMTPServer


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


def make_mailbox(db, smtp, rate=0, **kw) -> int:
    with db.session() as session:
        mailbox = Mailbox(name="Office", from_address="office@shop.test", from_name="掌柜", smtp_host="127.0.0.1",
                          smtp_port=smtp.port, smtp_security="none", rate_per_minute=rate, **kw)
        session.add(mailbox)
        session.commit()
        return mailbox.id


def queue(db, n=1, **kw) -> list[str]:
    """Queue ``n`` messages in one committed transaction; their Message-IDs."""
    with db.session() as session:
        ids = [services.queue(session, to=kw.pop("to", None) or f"c{i}@customer.test", subject=f"Quote {i}",
                              text="Dear customer", **kw).message_id for i in range(n)]
        session.commit()
    return ids


def states(db) -> dict[str, int]:
    with db.session() as session:
        return services.counts_by_state(session)


def message(db, message_id) -> OutboxMessage:
    with db.session() as session:
        return session.scalars(sa.select(OutboxMessage).where(OutboxMessage.message_id == message_id)).one()


def test_queue_follows_the_business_transaction(db, smtp):
    """A business transaction that rolls back leaves nothing to send; a committed one is sent."""
    make_mailbox(db, smtp)
    tm = transaction.TransactionManager(explicit=True)
    session = db.session()
    zope.sqlalchemy.register(session, transaction_manager=tm)
    tm.begin()
    services.queue(session, to="lost@customer.test", subject="Order confirmed")
    tm.abort()
    session.close()
    assert states(db) == {}
    kept = queue(db)
    counts = dispatcher.dispatch(db, "w1")
    assert counts.sent == 1
    assert list(smtp.recorder.ids) == kept


def test_sent_once_with_its_message_id(db, smtp):
    make_mailbox(db, smtp)
    ids = queue(db, 5)
    assert dispatcher.dispatch(db, "w1").sent == 5
    assert dispatcher.dispatch(db, "w1").sent == 0  # nothing twice
    assert smtp.recorder.ids == {i: 1 for i in ids}
    received = smtp.received[0]
    assert received["From"] == "=?utf-8?b?5o6M5p+c?= <office@shop.test>"
    assert received["Subject"].startswith("Quote")
    done = message(db, ids[0])
    assert (done.state, done.attempts, done.error) == ("sent", 1, "")
    assert done.sent_at is not None


def test_temporary_failure_backs_off_then_succeeds(db, smtp):
    make_mailbox(db, smtp)
    smtp.recorder.temporary["slow@customer.test"] = 2
    [mid] = queue(db, to="slow@customer.test")
    counts = dispatcher.dispatch(db, "w1")
    assert (counts.sent, counts.retried) == (0, 1)
    first = message(db, mid)
    assert (first.state, first.attempts) == ("queued", 1)
    assert "451" in first.error
    assert first.next_attempt_at >= utcnow() + dispatcher.BACKOFF - dt.timedelta(seconds=5)
    assert dispatcher.dispatch(db, "w1").reserved == 0  # not before its back-off
    with db.session() as session:  # time passes
        session.execute(sa.update(OutboxMessage).values(next_attempt_at=utcnow() - dt.timedelta(seconds=1)))
        session.commit()
    dispatcher.dispatch(db, "w1")
    second = message(db, mid)
    assert (second.state, second.attempts) == ("queued", 2)
    assert second.next_attempt_at - second.claimed_at >= dispatcher.BACKOFF * 2 - dt.timedelta(seconds=5)
    with db.session() as session:
        session.execute(sa.update(OutboxMessage).values(next_attempt_at=utcnow() - dt.timedelta(seconds=1)))
        session.commit()
    assert dispatcher.dispatch(db, "w1").sent == 1
    assert smtp.recorder.ids == {mid: 1}
    assert message(db, mid).attempts == 3


def test_gives_up_after_max_attempts(db, smtp, monkeypatch):
    monkeypatch.setattr(dispatcher, "MAX_ATTEMPTS", 2)
    monkeypatch.setattr(dispatcher, "BACKOFF", dt.timedelta(0))
    make_mailbox(db, smtp)
    smtp.recorder.temporary["down@customer.test"] = 99
    [mid] = queue(db, to="down@customer.test")
    dispatcher.dispatch(db, "w1")
    dispatcher.dispatch(db, "w1")
    failed = message(db, mid)
    assert failed.state == "failed"
    assert failed.error.startswith("gave up after 2 attempts: 451")


def test_permanent_failure_keeps_the_servers_reason(db, smtp):
    make_mailbox(db, smtp)
    smtp.recorder.permanent.add("nobody@customer.test")
    [bad] = queue(db, to="nobody@customer.test")
    [good] = queue(db, to="ok@customer.test")
    counts = dispatcher.dispatch(db, "w1")
    assert (counts.sent, counts.failed) == (1, 1)
    failed = message(db, bad)
    assert failed.state == "failed"
    assert failed.error == "550 5.1.1 User unknown"
    assert list(smtp.recorder.ids) == [good]


def test_rate_limit_per_mailbox_across_dispatchers(db, smtp):
    make_mailbox(db, smtp, rate=4)
    queue(db, 10)
    assert dispatcher.dispatch(db, "w1").sent == 4
    assert dispatcher.dispatch(db, "w2").sent == 0  # another dispatcher: the same minute's budget
    assert len(smtp.received) == 4
    with db.session() as session:  # a minute later
        session.execute(sa.update(OutboxMessage).where(OutboxMessage.claimed_at.is_not(None))
                        .values(claimed_at=utcnow() - dt.timedelta(seconds=61)))
        session.commit()
    assert dispatcher.dispatch(db, "w2").sent == 4
    assert len(smtp.received) == 8


def test_opted_out_marketing_is_skipped_and_never_sent(db, smtp):
    make_mailbox(db, smtp)
    with db.session() as session:
        services.opt_out(session, "email", " Gone@Customer.test ", "unsubscribe link")
        session.commit()
    unsubscribe = {"unsubscribe_url": "https://shop.test/u/abc"}
    [skipped] = queue(db, to="gone@customer.test", marketing=True, **unsubscribe)
    [business] = queue(db, to="gone@customer.test")  # an invoice still goes
    [later] = queue(db, to="late@customer.test", marketing=True, **unsubscribe)
    assert message(db, skipped).state == "skipped"
    # Opted out after queueing: the dispatcher checks again at send time.
    with db.session() as session:
        session.execute(sa.insert(OptOut).values(channel="email", address="late@customer.test",
                                                          reason="", created=utcnow()))
        session.commit()
    counts = dispatcher.dispatch(db, "w1")
    assert (counts.sent, counts.skipped) == (1, 1)
    assert list(smtp.recorder.ids) == [business]
    assert message(db, later).state == "skipped"
    sent = smtp.received[0]
    assert sent["List-Unsubscribe"] is None  # not marketing: no unsubscribe header


def test_marketing_carries_list_unsubscribe(db, smtp):
    make_mailbox(db, smtp)
    with db.session() as session, pytest.raises(services.OutboxError):
        services.queue(session, to="a@customer.test", marketing=True)
    [mid] = queue(db, to="fan@customer.test", marketing=True, unsubscribe_url="https://shop.test/u/xyz")
    dispatcher.dispatch(db, "w1")
    [received] = smtp.received
    assert received["Message-ID"] == mid
    assert received["List-Unsubscribe"] == "<https://shop.test/u/xyz>"
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


class Crash(BaseException):
    """Stands for the process dying (not an Exception: nothing in the dispatcher catches it)."""


def test_crash_between_send_and_record_is_in_doubt_not_resent(db, smtp):
    make_mailbox(db, smtp)
    ids = queue(db, 3)

    def crash(point):
        if point == "after-send":
            raise Crash()
    with pytest.raises(Crash):
        dispatcher.dispatch(db, "w1", crash=crash)
    assert states(db) == {"sending": 1, "queued": 2}
    # The restarted dispatcher: the started message is in doubt, the reserved ones go.
    counts = dispatcher.dispatch(db, "w1")
    assert (counts.in_doubt, counts.released, counts.sent) == (1, 2, 2)
    assert states(db) == {"in_doubt": 1, "sent": 2}
    assert smtp.recorder.ids == {i: 1 for i in ids}  # all three arrived, none twice
    doubtful = message(db, ids[0])
    assert doubtful.state == "in_doubt" and "may have accepted" in doubtful.error
    assert dispatcher.dispatch(db, "w1").reserved == 0  # never resent by itself
    # The operator checks the server log by Message-ID and marks it sent.
    with db.session() as session:
        assert services.mark_sent(session, [session.get(OutboxMessage, doubtful.id)]) == 1
        session.commit()
    assert message(db, ids[0]).state == "sent"


def test_in_doubt_sent_again_on_the_operators_word(db, smtp):
    make_mailbox(db, smtp)
    [mid] = queue(db)

    def crash(point):
        if point == "before-send":
            raise Crash()
    with pytest.raises(Crash):
        dispatcher.dispatch(db, "w1", crash=crash)
    # Another worker finds it only after the lease.
    assert dispatcher.dispatch(db, "w2").in_doubt == 0
    assert dispatcher.dispatch(db, "w2", lease=dt.timedelta(0)).in_doubt == 1
    assert smtp.received == []
    with db.session() as session:
        doubtful = session.get(OutboxMessage, message(db, mid).id)
        with pytest.raises(services.OutboxError):
            services.retry(session, [doubtful])  # retry is for failed ones
        services.send_again(session, [doubtful])
        session.commit()
    assert dispatcher.dispatch(db, "w2").sent == 1
    assert smtp.recorder.ids == {mid: 1}


def test_cancel_and_retry(db, smtp):
    make_mailbox(db, smtp)
    smtp.recorder.permanent.add("x@customer.test")
    [cancelled] = queue(db, to="y@customer.test")
    [failed] = queue(db, to="x@customer.test")
    with db.session() as session:
        services.cancel(session, [session.get(OutboxMessage, message(db, cancelled).id)])
        session.commit()
    dispatcher.dispatch(db, "w1")
    assert message(db, failed).state == "failed"
    smtp.recorder.permanent.clear()
    with db.session() as session:
        services.retry(session, [session.get(OutboxMessage, message(db, failed).id)])
        session.commit()
    assert dispatcher.dispatch(db, "w1").sent == 1
    assert list(smtp.recorder.ids) == [failed]
    assert message(db, cancelled).state == "cancelled"


def test_no_mailbox_waits_for_one(db, smtp):
    [mid] = queue(db)
    assert message(db, mid).mailbox_id is None
    assert dispatcher.dispatch(db, "w1").reserved == 0
    assert message(db, mid).error == "no active mailbox"
    make_mailbox(db, smtp)
    with db.session() as session:
        session.execute(sa.update(OutboxMessage).values(next_attempt_at=utcnow()))
        session.commit()
    assert dispatcher.dispatch(db, "w1").sent == 1


def test_default_mailbox_prefers_the_users_own(db, smtp):
    from core.security import services as security

    company = make_mailbox(db, smtp)
    with db.session() as session:
        user, _pw = security.create_user(session, "li", "Li", password="li-password-1")
        own = Mailbox(name="Li", user_id=user.id, from_address="li@shop.test", smtp_host="127.0.0.1",
                      smtp_port=smtp.port, smtp_security="none")
        session.add(own)
        session.flush()
        assert services.default_mailbox(session, user).id == own.id
        assert services.default_mailbox(session).id == company
        sent = services.queue(session, to="a@customer.test", user=user)
        assert sent.mailbox_id == own.id and sent.created_by == user.id
        assert sent.message_id.endswith("@shop.test>")
        session.commit()


def test_the_job_dispatches_after_its_run_commits(db, smtp):
    """``base.dispatch_outbox`` runs through the job runner (one transaction) and still sends."""
    make_mailbox(db, smtp)
    ids = queue(db, 3)
    from addons.base.outbox.jobs import dispatch_outbox
    from core.jobs.directive import JobSpec, make_trigger

    job = JobSpec(name="base.dispatch_outbox", addon="base", func=dispatch_outbox,
                  trigger=make_trigger("interval", "UTC", seconds=30), commit_claim=True)
    registries = Registries(fixture_catalog())
    assert run_slot(db, registries, job, {}, manual_slot(job, dt.datetime.now(dt.UTC)), kind="manual") == "ok"
    assert smtp.recorder.ids == {i: 1 for i in ids}
    assert states(db) == {"sent": 3}


def test_a_bounce_settles_the_message(db, smtp):
    """A delivery report (read from the mailbox by the IMAP reader) marks the message bounced."""
    make_mailbox(db, smtp)
    [mid] = queue(db, to="full@customer.test")
    dispatcher.dispatch(db, "w1")
    with db.session() as session:
        assert services.mark_bounced(session, mid, "552 5.2.2 Mailbox full").state == "bounced"
        assert services.mark_bounced(session, "<unknown@x>", "") is None
        session.commit()
    bounced = message(db, mid)
    assert (bounced.state, bounced.error) == ("bounced", "552 5.2.2 Mailbox full")
    with db.session() as session:  # the operator fixes the address book, then retries
        services.retry(session, [session.get(OutboxMessage, bounced.id)])
        session.commit()
    assert dispatcher.dispatch(db, "w1").sent == 1
    assert smtp.recorder.ids == {mid: 2}  # sent again on purpose, with the same Message-ID


def test_stopping_releases_the_rest(db, smtp):
    """SIGTERM in the standalone loop: the current message finishes, the reserved rest goes back."""
    make_mailbox(db, smtp)
    queue(db, 5)
    asked = []

    def stop():
        asked.append(1)
        return len(asked) > 2
    counts = dispatcher.dispatch(db, "w1", stop=stop)
    assert (counts.sent, counts.released) == (2, 3)
    assert states(db) == {"sent": 2, "queued": 3}
    with db.session() as session:
        assert session.scalar(sa.select(sa.func.count()).where(OutboxMessage.claimed_by != "",
                                                               OutboxMessage.state == "queued")) == 0
    assert dispatcher.dispatch(db, "w2").sent == 3
    assert len(smtp.received) == 5
