"""crm_0011: a project print template the company never edited learns to print the members."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations

from addons.base.printing.models import PrintTemplate
from addons.crm.projects.hooks import PRINT_DIR
from core.db import Database
from core.testing import install_cached

from ..conftest import crm_catalog

MIGRATION = Path(__file__).parents[4] / "addons/crm/migrations/versions/crm_0011_project_template_members.py"


def _migration():
    spec = importlib.util.spec_from_file_location("crm_0011", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_only_the_untouched_template_is_updated(db_url):
    install_cached(db_url, crm_catalog(), ["crm"])
    migration = _migration()
    db = Database(db_url)
    try:
        with db.session() as session:
            seeded = session.scalars(sa.select(PrintTemplate).where(PrintTemplate.model == "crm.project")).one()
            # As a database installed before members were printed holds it.
            seeded.source = migration.OLD_SOURCE
            seeded.css = seeded.css.replace(".section { font-size: 11pt; margin: 5mm 0 0; }\n", "")
            edited = PrintTemplate(name="我们的项目单", model="crm.project", kind="document",
                                   source=migration.OLD_SOURCE.replace("客户项目", "项目确认单"), css="h1 {}")
            session.add(edited)
            session.commit()
            ids = seeded.id, edited.id
        with db.engine.begin() as conn, Operations.context(MigrationContext.configure(conn)):
            migration.upgrade()
        with db.session() as session:
            seeded, edited = (session.get(PrintTemplate, i) for i in ids)
            assert seeded.source == (PRINT_DIR / "project.html").read_text("utf-8")
            assert "项目成员" in seeded.source and seeded.css.endswith(".section { font-size: 11pt; margin: 5mm 0 0; }\n")
            assert "项目成员" not in edited.source and edited.css == "h1 {}"
    finally:
        db.dispose()
