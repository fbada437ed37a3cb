"""``zhanggui backup`` and ``zhanggui restore`` (docs/backup.md)."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from . import cli

DEFAULT_BACKUP_DIR = "var/backups"
STAGES = {"database": "database", "attachments": "attachments (hashing)", "archive": "writing the archive",
          "read": "reading the archive", "verify": "verifying"}


class _Progress:
    """One progress bar per stage of :mod:`core.backup` (on stderr, so stdout stays the result)."""

    def __init__(self):
        self.stage: str | None = None
        self.bar = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self.stage:
            self.close()
            self.stage = stage
            self.bar = click.progressbar(length=max(total, 1), label=STAGES.get(stage, stage).ljust(22),
                                         file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.bar.pos)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _run(func, *args):
    from ..backup import BackupError

    progress = _Progress()
    try:
        return func(*args, progress=progress)
    except BackupError as exc:
        progress.close()
        raise click.ClickException(str(exc)) from None
    finally:
        progress.close()


def _size(n: int) -> str:
    for unit, factor in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= factor:
            return f"{n / factor:.1f} {unit}"
    return f"{n} B"


def describe(manifest: dict) -> list[str]:
    """What an archive holds, for the terminal."""
    addons = ", ".join(f"{n} {v}" for n, v in sorted(manifest["addons"].items())) or "none"
    rows = sum(manifest["tables"].values())
    return [f"  made {manifest['created_at']} from {manifest['engine']} database {manifest['label']!r}, "
            f"kernel {manifest['kernel_version']}",
            f"  addons: {addons}",
            f"  {len(manifest['tables'])} tables, {rows} rows; {len(manifest['attachments'])} attachment file(s), "
            f"{_size(manifest['attachments_size'])}"]


@cli.command("backup")
@click.option("--output", "-o", metavar="DIR", type=click.Path(file_okay=True, path_type=Path),
              help="Folder for the archive, or a file name ending in .tar.gz "
                   "(default: zhanggui.backup_dir, else var/backups).")
@click.pass_obj
def backup_(obj, output):
    """Write one archive with the database and the attachments.

    The archive holds everything (customers, prices, users' password hashes, every
    attached file): keep it as safe as the server itself.
    """
    from .. import backup

    settings = obj.settings
    output = output or Path(settings.get("zhanggui.backup_dir") or DEFAULT_BACKUP_DIR)
    path = _run(backup.backup, settings["zhanggui.db_url"], backup.attachments_dir(settings), output)
    click.echo(f"backup written: {path} ({_size(path.stat().st_size)})")
    for line in describe(backup.read_manifest(path)):
        click.echo(line)


@cli.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def restore_(obj, archive, yes):
    """Restore ARCHIVE into an empty database and the attachments folder.

    The database of the ini file (or --db) must be new or empty: a SQLite file that does
    not exist yet, or a PostgreSQL database without tables (created here when it does
    not exist). Stop the web server and the scheduler of a SQLite site first.
    """
    from .. import backup

    settings = obj.settings
    url = settings["zhanggui.db_url"]
    try:
        manifest = backup.read_manifest(archive)
        backup.check_engine(manifest, url)
        backup.check_empty(url)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    import sqlalchemy as sa

    target = sa.make_url(url).render_as_string(hide_password=True)
    click.echo(f"{archive}:")
    for line in describe(manifest):
        click.echo(line)
    click.echo(f"into the database {target} and the attachments folder {backup.attachments_dir(settings)}")
    if not yes:
        click.confirm("Restore?", abort=True)
    _run(backup.restore, archive, url, backup.attachments_dir(settings))
    click.echo(f"restored: {len(manifest['tables'])} tables and {len(manifest['attachments'])} attachment "
               f"file(s) checked against the manifest")
