"""Alembic environment used only by ``zhanggui addons revision`` (autogenerate).

Life-cycle commands drive migrations from :mod:`core.migrate` without this file.
"""
from __future__ import annotations

import importlib

from alembic import context

from core.db import Base
from core.migrate import VERSION_TABLE

config = context.config
addon = config.attributes.get("autogenerate_addon")
if addon is not None:
    # Import the addon's models so their tables are in the metadata.
    try:
        importlib.import_module(f"{addon.module}.models")
    except ModuleNotFoundError:
        pass


def include_object(obj, name, type_, reflected, compare_to):
    """Only the tables of the addon being revised; never other addons' tables."""
    if type_ != "table" or addon is None:
        return True
    table = obj if not reflected else compare_to
    if table is None:  # a table in the database only: leave other addons' alone
        return name.startswith(f"{addon.name}_")
    return table.name.startswith(f"{addon.name}_")


connection = config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    version_table=VERSION_TABLE,
    render_as_batch=True,
    include_object=include_object,
)
with context.begin_transaction():
    context.run_migrations()
