"""``zhanggui import MODEL FILE [--dry-run]``: the import pages' service from the command line."""
from __future__ import annotations

import json
import sys

import click
import sqlalchemy as sa

from . import cli


def _models(obj) -> dict:
    """The descriptors of the models whose addon is installed in the database."""
    from ..registry import read_state

    config = obj.config()
    config.commit()
    with obj.database.engine.connect() as conn:
        installed, _serial = read_state(conn)
    return {n: d for n, d in config.registry.zg_models.items() if d.addon == "core" or d.addon in installed}


def _user(session, login: str | None):
    from ..security.models import User

    query = sa.select(User).where(User.active.is_(True))
    query = query.where(User.login == login) if login else query.where(User.is_admin.is_(True)).order_by(User.id)
    user = session.scalars(query).first()
    if user is None:
        raise click.ClickException(f"no active user {login!r}" if login else "no active administrator: "
                                   "give --user LOGIN")
    return user


def translators(obj) -> dict:
    """locale → translate function (Chinese and English), for messages and column titles."""
    from pyramid.i18n import make_localizer
    from pyramid.path import AssetResolver

    from ..web.i18n import _Localizer, translation_dirs

    dirs = [AssetResolver().resolve(d).abspath() for d in translation_dirs(obj.catalog)]
    out = {}
    for locale in ("zh_Hans", "en"):
        plain = make_localizer(locale, dirs)
        out[locale] = _Localizer(plain.locale_name, plain.translations).translate
    return out


def _pairs(values, what: str) -> dict[str, str]:
    out = {}
    for value in values:
        left, sep, right = value.partition("=")
        if not sep:
            raise click.BadParameter(f"{value!r}: expected {what}")
        out[left.strip()] = right.strip()
    return out


@cli.command(name="import")
@click.argument("model")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check every row and report; write nothing.")
@click.option("--user", "login", metavar="LOGIN", help="Import as this user (default: the first administrator).")
@click.option("--map", "maps", multiple=True, metavar="COLUMN=FIELD",
              help="Map a column to a field (repeat); default: the remembered mapping or the titles.")
@click.option("--set", "sets", multiple=True, metavar="FIELD=VALUE", help="A value every row gets (repeat).")
@click.option("--rule", default=None, help="De-duplication rule (e.g. code, name, phone).")
@click.option("--mode", type=click.Choice(["skip", "update", "create"]), default="skip", show_default=True,
              help="What to do with a row that matches an existing record.")
@click.option("--lang", type=click.Choice(["zh_Hans", "en"]), default=None,
              help="Language of the messages (default: zhanggui.default_locale).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_obj
def import_(obj, model, file, dry_run, login, maps, sets, rule, mode, lang, as_json):
    """Import FILE (.xlsx or CSV in UTF-8 / GBK) into MODEL (e.g. base.partner).

    All or nothing, in one transaction: if any row is bad, nothing is written and every
    bad row is listed (row, column, reason). Exit status 1 when rows are bad.
    """
    from ..imports import readers, services
    from ..imports.mapping import clean, fields_of, guess, signature
    from ..imports.views import remember, remembered
    from ..records import Forbidden, bound_schema
    from ..security.access import Access

    from ..web.i18n import default_locale

    models = _models(obj)
    languages = translators(obj)
    translate = languages[lang or default_locale(obj.settings)]
    descriptor = models.get(model)
    if descriptor is None or not descriptor.importable:
        known = ", ".join(sorted(n for n, d in models.items() if d.importable)) or "none"
        raise click.ClickException(f"{model!r} does not take imports here (importable: {known})")
    try:
        table = readers.open_table(file)
    except readers.FileError as exc:
        raise click.ClickException(translate(exc.message)) from None
    session = obj.database.session()
    try:
        user = _user(session, login)
        session.info.update({"zg.audit": True, "zg.user": user, "zg.address": "cli",
                             "zg.timezone": obj.settings.get("zhanggui.timezone") or "Asia/Shanghai"})
        fields = fields_of(bound_schema(descriptor, session, None, None, user), list(languages.values()))
        sig = signature(table.header)
        saved = remembered(session, descriptor.name, sig)
        mapping = _pairs(maps, "COLUMN=FIELD") or (dict(saved.mapping) if saved is not None
                                                   else guess(table.header, fields, list(languages.values())))
        mapping = clean(mapping, table.header, fields)
        click.echo(f"{table.kind} {table.encoding} · {table.total} row(s) · columns: "
                   + ", ".join(f"{c} → {f}" for c, f in mapping.items()), err=True)
        with click.progressbar(length=max(table.total, 1), label="rows", file=sys.stderr) as bar:
            done = [0]

            def progress(count: int, total: int) -> None:
                bar.length = max(total, 1)
                bar.update(count - done[0])
                done[0] = count

            try:
                report = services.run(session, descriptor, Access(session, user), table, mapping, rule, mode,
                                      dry_run, _pairs(sets, "FIELD=VALUE"), progress, translate, models)
            except services.ImportRefused as exc:
                raise click.ClickException(translate(exc.message)) from None
            except readers.FileError as exc:
                raise click.ClickException(translate(exc.message)) from None
            except Forbidden as exc:
                raise click.ClickException(f"not allowed: {exc}") from None
        if report.committed:
            remember(session, descriptor.name, sig, mapping, rule or "", mode)
        session.commit()
    finally:
        session.close()
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=1))
    else:
        for error in report.errors:
            click.echo(f"row {error['row']}: {error['column'] or '-'}: {error['message']}")
        for note in report.notes:
            click.echo(f"row {note['row']}: skipped: {note['message']}")
        state = "dry run" if dry_run else ("imported" if report.committed else "NOT imported (bad rows)")
        click.echo(f"{state}: {report.total} row(s), {report.created} created, {report.updated} updated, "
                   f"{report.skipped} skipped, {report.bad} bad")
    if report.bad:
        sys.exit(1)
