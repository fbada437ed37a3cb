"""One active scheduler per database; the others wait as hot standbys.

PostgreSQL: a session-level advisory lock held on a dedicated connection. It is
released by the server as soon as the holder's connection dies, so a standby takes
over within one poll. SQLite has no such lock: a lease row renewed by heartbeats
(``zg_scheduler_lease``) that a standby may take once it has expired, so a killed
leader is replaced after at most ``lease_seconds`` (plus one poll).

Leadership only keeps the timing single; the claim table (:mod:`core.jobs.runner`)
is what makes a slot run once, even in the moments where two processes both believe
they lead (a lease that expired under a stalled leader, a lock connection lost while
a run was still committing on another connection).
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

import sqlalchemy as sa

from ..db import Database, utcnow
from ..models import SchedulerLease

log = logging.getLogger(__name__)

ADVISORY_KEY = 0x7A67_5343  # "zgSC"; advisory locks are per database on the server
LEASE_NAME = "scheduler"

# The one-argument advisory lock: classid = high 32 bits, objid = low 32 bits, objsubid 1.
_HOLDS_LOCK = sa.text(
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
    " AND pid = pg_backend_pid() AND database = (SELECT oid FROM pg_database"
    " WHERE datname = current_database()) AND classid = :hi AND objid = :lo AND objsubid = 1")


class Leadership:
    """Whether this process leads the scheduler of one database.

    ``clock`` returns naive UTC now; the lease compares it with the other
    schedulers' clocks, so on SQLite (one host) they share the same clock.
    """

    def __init__(self, database: Database, holder: str, lease_seconds: float = 10.0,
                 clock: Callable[[], dt.datetime] = utcnow):
        self.database = database
        self.holder = holder
        self.lease = dt.timedelta(seconds=lease_seconds)
        self.clock = clock
        self.active = False
        self._conn: sa.Connection | None = None
        self._expires: dt.datetime | None = None
        self._last_error = ""

    @property
    def is_postgresql(self) -> bool:
        return self.database.dialect == "postgresql"

    def try_acquire(self) -> bool:
        """Become the leader if nobody is; True if this process now leads."""
        try:
            self.active = self._pg_acquire() if self.is_postgresql else self._lease_take()
            self._last_error = ""
        except sa.exc.SQLAlchemyError as exc:
            # Logged once per distinct error, not at every poll (e.g. a database
            # whose kernel tables do not exist yet).
            if str(exc) != self._last_error:
                log.warning("leader election on %s failed: %s", self.database.key, exc)
                self._last_error = str(exc)
            self.active = False
            self._drop_conn()
        return self.active

    def still_leader(self) -> bool:
        """Check (and, for leases, renew) leadership; False once it was lost."""
        if not self.active:
            return False
        try:
            self.active = self._pg_holds() if self.is_postgresql else self._lease_keep()
        except sa.exc.SQLAlchemyError as exc:
            log.warning("leadership check on %s failed: %s", self.database.key, exc)
            self.active = False
        if not self.active:
            self._drop_conn()
        return self.active

    def release(self) -> None:
        """Step down, so a standby takes over at its next poll."""
        try:
            if self.is_postgresql:
                if self._conn is not None and self.active:
                    self._conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
            elif self.active:
                with self.database.engine.begin() as conn:
                    conn.execute(sa.delete(SchedulerLease).where(
                        SchedulerLease.name == LEASE_NAME, SchedulerLease.holder == self.holder))
        except sa.exc.SQLAlchemyError as exc:
            log.warning("releasing the lead of %s failed: %s", self.database.key, exc)
        finally:
            self.active = False
            self._drop_conn()

    def abandon(self) -> None:
        """Give up without a word to the database: it is gone (a dropped tenant).

        Closing our lock connection is all a PostgreSQL lock needs; a SQLite lease
        row went with its file. Nothing reconnects, so a dropped SQLite file is not
        created again.
        """
        self.active = False
        self._drop_conn()

    # -- PostgreSQL: advisory lock -----------------------------------------------------------

    def _drop_conn(self) -> None:
        if self._conn is not None:
            try:
                # Invalidate rather than return it to the pool: a pooled connection
                # would keep a session lock alive inside some later request.
                self._conn.invalidate()
                self._conn.close()
            except sa.exc.SQLAlchemyError:
                pass
            self._conn = None

    def _pg_acquire(self) -> bool:
        if self._conn is None:  # kept between polls: a standby polls often
            self._conn = self.database.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        return bool(self._conn.execute(
            sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY}).scalar())

    def _pg_holds(self) -> bool:
        # Ask the server rather than trust "the connection still answers": SQLAlchemy
        # may transparently reconnect an invalidated connection, without the lock.
        assert self._conn is not None
        held = self._conn.execute(_HOLDS_LOCK, {"hi": ADVISORY_KEY >> 32, "lo": ADVISORY_KEY & 0xFFFFFFFF})
        return bool(held.scalar())

    # -- SQLite: lease row -------------------------------------------------------------------

    def _lease_row(self):
        table = SchedulerLease.__table__
        with self.database.engine.connect() as conn:
            return conn.execute(sa.select(table).where(table.c.name == LEASE_NAME)).first()

    def _lease_take(self) -> bool:
        # A standby only reads (no write lock) until the lease is free or expired, so
        # polling standbys do not queue behind the leader's running jobs.
        row = self._lease_row()
        if row is not None and row.holder != self.holder and row.expires_at >= self.clock():
            return False
        return self._lease_write()

    def _lease_keep(self) -> bool:
        row = self._lease_row()
        if row is None or row.holder != self.holder:
            return False  # taken over (our lease expired) or released by someone
        if self._expires is not None and self.clock() < self._expires - self.lease * 2 / 3:
            return True  # renewed recently: spare SQLite a write at every poll
        return self._lease_write()

    def _lease_write(self) -> bool:
        """Take or renew the lease if it is free, expired or ours (one IMMEDIATE transaction)."""
        table = SchedulerLease.__table__
        with self.database.engine.connect().execution_options(sqlite_begin="IMMEDIATE") as conn:
            with conn.begin():
                now = self.clock()
                row = conn.execute(sa.select(table).where(table.c.name == LEASE_NAME)).first()
                expires = now + self.lease
                if row is None:
                    conn.execute(table.insert().values(name=LEASE_NAME, holder=self.holder,
                                                       expires_at=expires))
                elif row.holder == self.holder or row.expires_at < now:
                    conn.execute(table.update().where(table.c.name == LEASE_NAME).values(
                        holder=self.holder, expires_at=expires))
                else:
                    return False
        self._expires = expires
        return True
