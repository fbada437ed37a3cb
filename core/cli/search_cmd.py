"""``zhanggui search reindex``: rebuild the search index (docs/search.md)."""
from __future__ import annotations

import importlib
import importlib.util

import click
import sqlalchemy as sa

from . import cli


@cli.group()
def search():
    """The search index (characters, pinyin, initials, phones)."""


def _load_models(obj) -> None:
    """Import the kernel's models and those of the addons installed in the database."""
    from ..registry import read_state
    from ..security import registration  # noqa: F401  (model names of core.user …)

    with obj.database.engine.connect() as conn:
        installed, _serial = read_state(conn)
    catalog = obj.catalog
    for name in installed:
        if name in catalog:
            module = catalog[name].module
            importlib.import_module(module)
            if importlib.util.find_spec(f"{module}.models") is not None:
                importlib.import_module(f"{module}.models")


def _pick(models: list, wanted: str | None) -> list:
    from ..descriptors import model_name

    if not wanted:
        return models
    found = [m for m in models if wanted in (m.__tablename__, model_name(m.__tablename__))]
    if not found:
        known = ", ".join(model_name(m.__tablename__) for m in models) or "none"
        raise click.ClickException(f"{wanted!r} is not an indexed model here (indexed: {known})")
    return found


@search.command()
@click.argument("model", required=False)
@click.pass_obj
def reindex(obj, model):
    """Rebuild the index of MODEL (e.g. core.user), or of every indexed model.

    Needed after records were written without the ORM (bulk SQL, a restore of some
    tables) or when a model's search index changed. One transaction per model.
    """
    from ..descriptors import model_name
    from ..search.sync import count_records, indexed_models, reindex as rebuild

    _load_models(obj)
    with obj.database.engine.connect() as conn:
        here = set(sa.inspect(conn).get_table_names())
    # Models imported but not installed in this database (their addon is elsewhere) are skipped.
    for cls in _pick([m for m in indexed_models() if m.__tablename__ in here], model):
        name = model_name(cls.__tablename__)
        with obj.database.engine.begin() as conn:
            total = count_records(conn, cls)
            with click.progressbar(length=total, label=f"{name}: {total} record(s)") as bar:
                written = rebuild(conn, cls, advance=bar.update)
        click.echo(f"{name}: {written} record(s) indexed")
