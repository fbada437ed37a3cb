"""The ``zhanggui`` console script."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click
import sqlalchemy as sa

from ..addons import AddonError, Catalog
from ..db import get_database
from ..manifest import ManifestError


class Context:
    """Settings from the ini file (or --db) and the objects commands share."""

    def __init__(self, ini: str | None, db_url: str | None):
        self.ini = ini
        self.db_url_override = db_url
        self._settings: dict | None = None
        self._catalog: Catalog | None = None

    @property
    def settings(self) -> dict:
        if self._settings is None:
            settings: dict = {}
            if self.ini:
                from pyramid.paster import get_appsettings, setup_logging

                path = Path(self.ini)
                if not path.exists():
                    raise click.ClickException(f"config file {self.ini} not found")
                setup_logging(str(path))
                settings = dict(get_appsettings(str(path)))
            if self.db_url_override:
                settings["zhanggui.db_url"] = self.db_url_override
            if not settings.get("zhanggui.db_url"):
                raise click.ClickException("no database: give --db URL or an ini file with zhanggui.db_url")
            self._settings = settings
        return self._settings

    @property
    def catalog(self) -> Catalog:
        if self._catalog is None:
            self._catalog = Catalog.from_entry_points()
            for error in self._catalog.errors:
                click.secho(f"warning: addon skipped: {error}", fg="yellow", err=True)
        return self._catalog

    @property
    def database(self):
        url = self.settings["zhanggui.db_url"]
        parsed = sa.make_url(url)
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            # A new SQLite database's folder (var/) is created, not reported as an error.
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        return get_database(url)

    def lifecycle(self):
        from ..lifecycle import Lifecycle

        return Lifecycle(self.database, self.catalog)

    def config(self):
        """The Pyramid configuration (jobs, routes) without serving anything."""
        from ..web import make_config

        return make_config(self.settings, self.catalog)


def _default_ini() -> str | None:
    env = os.environ.get("ZHANGGUI_INI")
    if env:
        return env
    return "development.ini" if Path("development.ini").exists() else None


class Group(click.Group):
    """A click group that reports addon errors as one clean line, not a traceback.

    ``main()`` catches them too, but only for the console script; this also covers
    ``cli`` called directly (click.testing, embedding) and every nested subcommand.
    """

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (AddonError, ManifestError) as exc:
            raise click.ClickException(str(exc)) from exc


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-c", "--config", "ini", default=_default_ini, metavar="INI",
              help="Pyramid ini file (default: $ZHANGGUI_INI or ./development.ini).")
@click.option("--db", "db_url", metavar="URL", help="Database URL, overriding the ini file.")
@click.pass_context
def cli(ctx, ini, db_url):
    """Zhanggui (掌柜): manage databases, addons, jobs and benchmarks."""
    ctx.obj = Context(ini, db_url)


def main() -> None:
    try:
        cli(standalone_mode=True)
    except (AddonError, ManifestError) as exc:
        click.secho(f"error: {exc}", fg="red", err=True)
        sys.exit(2)


# The subcommands register themselves on ``cli`` when imported.
from . import addons_cmd, bench_cmd, i18n_cmd, init_cmd, jobs_cmd  # noqa: E402,F401
from . import users_cmd  # noqa: E402,F401
from . import search_cmd  # noqa: E402,F401
from . import backup_cmd, import_cmd, tenants_cmd  # noqa: E402,F401
from . import market_cmd  # noqa: E402,F401
