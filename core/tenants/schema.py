"""The operator database's schema, by its own Alembic migrations.

Why a separate script directory rather than a branch of the kernel's: the kernel's
branches run in every company database (``core.migrate`` assembles them from the
catalog), while these tables exist once per host, in the operator database. Their
own version table (``op_alembic_version``) keeps the two histories apart, and the
rule "tables only through migrations" holds here too: nothing calls ``create_all``.
"""
from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from .models import OperatorBase

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "op_alembic_version"


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("path_separator", "os")
    return cfg


def _run(connection: Connection, destination: str, upgrade: bool) -> list[str]:
    cfg = _config()
    script = ScriptDirectory.from_config(cfg)
    ran: list[str] = []

    def fn(rev, context):
        steps = script._upgrade_revs(destination, rev) if upgrade else script._downgrade_revs(destination, rev)
        ran.extend(s.revision.revision for s in steps)
        return steps

    with EnvironmentContext(cfg, script, fn=fn, destination_rev=destination) as env:
        env.configure(connection=connection, target_metadata=OperatorBase.metadata,
                      version_table=VERSION_TABLE, render_as_batch=True)
        with env.begin_transaction():
            env.run_migrations()
    return ran


def upgrade(engine: Engine) -> list[str]:
    """Bring the operator database to the newest schema (one transaction); the revisions run."""
    with engine.begin() as conn:
        return _run(conn, "heads", upgrade=True)


def downgrade(engine: Engine) -> list[str]:
    """Remove the operator tables (tests, and an operator giving up hosting)."""
    with engine.begin() as conn:
        return _run(conn, "base", upgrade=False)
