"""Alembic plumbing: one version branch per addon plus the kernel's own ``core`` branch.

All branches live in one script directory assembled from the catalog (each addon's
``migrations/versions`` folder). Migrations run on a connection the caller has
already begun, so an install is one transaction with everything else it does.
"""
from __future__ import annotations

import os
from pathlib import Path

from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from .addons import Addon, Catalog
from .db import Base

CORE_MIGRATIONS = Path(__file__).parent / "migrations"
CORE_BRANCH = "core"
VERSION_TABLE = "zg_alembic_version"


def _complete(catalog: Catalog) -> list[Addon]:
    """The addons whose dependencies are all on this host, transitively.

    An addon whose dependency is missing cannot be installed anyway (resolution says
    why); its migrations would name a branch Alembic cannot find and break the script
    directory for every other addon.
    """
    usable = {a.name: a for a in catalog.values()}
    changed = True
    while changed:
        changed = False
        for name, addon in list(usable.items()):
            if not all(d in usable for d in addon.manifest.depends_names):
                del usable[name]
                changed = True
    return list(usable.values())


def alembic_config(catalog: Catalog, connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(CORE_MIGRATIONS))
    cfg.set_main_option("path_separator", "os")
    locations = [str(CORE_MIGRATIONS / "versions")]
    locations += [str(a.migrations_path) for a in _complete(catalog) if a.migrations_path.is_dir()]
    cfg.set_main_option("version_locations", os.pathsep.join(locations))
    cfg.attributes["catalog"] = catalog
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


_scripts: dict[tuple, ScriptDirectory] = {}


def script_directory(catalog: Catalog) -> ScriptDirectory:
    """The script directory for these addons (cached: reading revisions costs)."""
    key = tuple((a.name, str(a.version), str(a.path)) for a in catalog.values())
    script = _scripts.get(key)
    if script is None:
        script = _scripts[key] = ScriptDirectory.from_config(alembic_config(catalog))
    return script


def branch_label(name: str) -> str:
    return CORE_BRANCH if name == CORE_BRANCH else f"addon_{name}"


def has_branch(script: ScriptDirectory, name: str) -> bool:
    """Whether ``name`` (``core`` or an addon) has any migration in ``script``."""
    return _has_label(script, branch_label(name))


def _has_label(script: ScriptDirectory, label: str) -> bool:
    return any(label in (rev.branch_labels or ()) for rev in script.walk_revisions())


def current_heads(connection: Connection) -> tuple[str, ...]:
    ctx = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    return ctx.get_current_heads()


def unknown_heads(connection: Connection, catalog: Catalog) -> list[str]:
    """Revisions this database is at that no migration on this host knows.

    They come from an addon whose code left the host. Alembic cannot move any branch
    then (a head stands for every revision it depends on, the kernel's included), so
    the life cycle refuses to start instead of failing half-way in Alembic.
    """
    script = script_directory(catalog)
    known = {rev.revision for rev in script.walk_revisions()}
    return sorted(h for h in current_heads(connection) if h not in known)


def _run(connection: Connection, catalog: Catalog, destination: str, upgrade: bool) -> list[str]:
    """Run migrations to ``destination`` on ``connection``; returns the revisions run."""
    script = script_directory(catalog)
    ran: list[str] = []

    def fn(rev, context):
        steps = (
            script._upgrade_revs(destination, rev) if upgrade else script._downgrade_revs(destination, rev)
        )
        ran.extend(f"{s.revision.revision} {s.revision.doc or ''}".strip() for s in steps)
        return steps

    cfg = alembic_config(catalog, connection)
    with EnvironmentContext(cfg, script, fn=fn, destination_rev=destination) as env:
        env.configure(
            connection=connection,
            target_metadata=Base.metadata,
            version_table=VERSION_TABLE,
            render_as_batch=True,
        )
        with env.begin_transaction():
            env.run_migrations()
    return ran


def upgrade(connection: Connection, catalog: Catalog, name: str) -> list[str]:
    """Bring ``name``'s branch (``core`` or an addon) to its head; no-op without migrations."""
    script = script_directory(catalog)
    if not _has_label(script, branch_label(name)):
        return []
    return _run(connection, catalog, f"{branch_label(name)}@head", upgrade=True)


def downgrade_to_base(connection: Connection, catalog: Catalog, name: str) -> list[str]:
    """Undo every migration of ``name``'s branch (drops its tables)."""
    script = script_directory(catalog)
    if not _has_label(script, branch_label(name)):
        return []
    if not any(
        script.get_revision(h) and branch_label(name) in _branches_of(script, h)
        for h in current_heads(connection)
    ):
        return []
    return _run(connection, catalog, f"{branch_label(name)}@base", upgrade=False)


def _branches_of(script: ScriptDirectory, rev_id: str) -> set[str]:
    labels: set[str] = set()
    for rev in script.iterate_revisions(rev_id, "base"):
        labels.update(rev.branch_labels or ())
    return labels


def new_revision(catalog: Catalog, addon: Addon, message: str, connection: Connection | None = None,
                 autogenerate: bool = False) -> str:
    """Write a new migration file in ``addon``'s branch; returns its path.

    The first revision of an addon opens its branch and ``depends_on`` the branches
    of the addons it depends on, so Alembic orders migrations across addons.
    """
    from alembic import command

    # Before the config: Alembic only writes into folders listed in version_locations,
    # and alembic_config lists an addon's folder only once it exists.
    addon.migrations_path.mkdir(parents=True, exist_ok=True)
    cfg = alembic_config(catalog, connection)
    cfg.attributes["autogenerate_addon"] = addon
    script = script_directory(catalog)
    label = addon.branch
    first = not _has_label(script, label)
    kwargs = dict(message=message, autogenerate=autogenerate)
    if first:
        deps = [branch_label(d) for d in addon.manifest.depends_names if d in catalog
                and catalog[d].migrations_path.is_dir()]
        kwargs.update(head="base", branch_label=label, version_path=str(addon.migrations_path),
                      depends_on=deps or [CORE_BRANCH])
    else:
        kwargs.update(head=f"{label}@head")
    script_obj = command.revision(cfg, **kwargs)
    _scripts.clear()
    return script_obj.path if script_obj else ""
