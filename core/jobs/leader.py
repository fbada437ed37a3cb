"""One active scheduler per database; the others wait as hot standbys.

PostgreSQL: a session-level advisory lock held on a dedicated connection. It is
released by the server as soon as the holder's connection dies, so a standby takes
over within one poll. SQLite has no such lock: a lease row renewed by heartbeats
(``zg_scheduler_lease``) that a standby may take once it has expired.
"""
from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa

from ..db import Database, utcnow
from ..models import SchedulerLease

log = logging.getLogger(__name__)

ADVISORY_KEY = 0x7A67_5343  # "zgSC"
LEASE_NAME = "scheduler"


class Leadership:
    def __init__(self, database: Database, holder: str, lease_seconds: float = 10.0):
        self.database = database
        self.holder = holder
        self.lease = dt.timedelta(seconds=lease_seconds)
        self.active = False
        self._conn = None

    def try_acquire(self) -> bool:
        """Become the leader if nobody is; True if this process now leads."""
        try:
            if self.database.dialect == "postgresql":
                self.active = self._pg_acquire()
            else:
                self.active = self._lease_renew()
        except sa.exc.SQLAlchemyError as exc:
            log.warning("leader election on %s failed: %s", self.database.key, exc)
            self.active = False
        return self.active

    def still_leader(self) -> bool:
        """Check (and, for leases, renew) leadership; False once it was lost."""
        if not self.active:
            return False
        try:
            if self.database.dialect == "postgresql":
                self._conn.exec_driver_sql("SELECT 1")
            else:
                self.active = self._lease_renew()
        except sa.exc.SQLAlchemyError:
            self.active = False
            self._drop_conn()
        return self.active

    def release(self) -> None:
        try:
            if self.database.dialect == "postgresql":
                if self._conn is not None:
                    self._conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
            elif self.active:
                with self.database.engine.begin() as conn:
                    conn.execute(sa.delete(SchedulerLease).where(
                        SchedulerLease.name == LEASE_NAME, SchedulerLease.holder == self.holder))
        except sa.exc.SQLAlchemyError:
            pass
        finally:
            self.active = False
            self._drop_conn()

    def _drop_conn(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except sa.exc.SQLAlchemyError:
                pass
            self._conn = None

    def _pg_acquire(self) -> bool:
        if self._conn is None:
            self._conn = self.database.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        got = self._conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY}).scalar()
        if not got:
            self._drop_conn()
        return bool(got)

    def _lease_renew(self) -> bool:
        now = utcnow()
        table = SchedulerLease.__table__
        with self.database.engine.connect().execution_options(sqlite_begin="IMMEDIATE") as conn:
            with conn.begin():
                row = conn.execute(sa.select(table).where(table.c.name == LEASE_NAME)).first()
                if row is None:
                    conn.execute(table.insert().values(name=LEASE_NAME, holder=self.holder,
                                                       expires_at=now + self.lease))
                    return True
                if row.holder == self.holder or row.expires_at < now:
                    conn.execute(table.update().where(table.c.name == LEASE_NAME).values(
                        holder=self.holder, expires_at=now + self.lease))
                    return True
        return False
