"""``zhanggui tenants …``: companies hosted by this installation (docs/hosting.md)."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import click

from . import cli


def _settings(obj) -> dict:
    """The ini's settings; unlike other commands, no ``zhanggui.db_url`` is needed here."""
    settings: dict = {}
    if obj.ini:
        from pyramid.paster import get_appsettings

        if not Path(obj.ini).exists():
            raise click.ClickException(f"config file {obj.ini} not found")
        settings = dict(get_appsettings(obj.ini))
    return settings


@contextlib.contextmanager
def _operator(obj, with_catalog: bool = False) -> Iterator:
    from ..tenants.services import Operator, TenantError

    try:
        operator = Operator(_settings(obj), obj.catalog if with_catalog else None)
    except TenantError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        yield operator
    except TenantError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        operator.close()


def _progress():
    from .backup_cmd import _Progress

    return _Progress()


@cli.group()
def tenants():
    """Companies hosted here, one database each (needs zhanggui.operator_db)."""


@tenants.command()
@click.argument("name")
@click.option("--domain", "domains", multiple=True, required=True, metavar="HOST",
              help="A host name of the company (repeat for several).")
@click.option("--addons", "names", default="", metavar="A,B",
              help="Comma-separated addons to install besides base (dependencies come along).")
@click.option("--demo", is_flag=True, help="Load demo data (the demo login admin / admin123).")
@click.option("--plan", default=None, metavar="PLAN", help="The plan limiting the company's addons.")
@click.option("--admin-email", default="", metavar="EMAIL",
              help="Email the administrator's password there (needs zhanggui.operator_smtp).")
@click.pass_obj
def create(obj, name, domains, names, demo, plan, admin_email):
    """Create the company NAME: its database, base and the chosen addons, its administrator.

    The administrator's password is emailed with --admin-email when the operator's SMTP
    server is set, else printed once: hand it to the company.
    """
    from ..tenants.mail import deliver_password

    addons = [n.strip() for n in names.split(",") if n.strip()]
    with _operator(obj, with_catalog=True) as operator:
        created = operator.create(name, domains, addons, demo=demo, progress=click.echo, plan=plan,
                                  admin_email=admin_email)
        problem = deliver_password(operator, created, admin_email) if admin_email else "no email"
    click.echo(f"tenant {created.name} created: {', '.join(created.domains)}" + (f" (plan {plan})" if plan else ""))
    if created.admin_password is not None and problem is None:
        click.echo(f"administrator: {created.admin_login}; the password was emailed to {admin_email}")
    elif created.admin_password is not None:
        if admin_email:
            click.echo(f"the password could not be emailed ({problem}): give it to the company yourself")
        click.echo(f"administrator: {created.admin_login} / {created.admin_password}")
        click.echo("  (shown only this once: give it to the company; they change it under My account)")
    elif demo:
        click.echo("administrator: the demo login admin / admin123")


@tenants.command("list")
@click.pass_obj
def list_(obj):
    """Every tenant: state, domains, addons, size, users, last activity."""
    from ..tenants.services import format_size

    with _operator(obj) as operator:
        rows = operator.list()
    if not rows:
        click.echo("no tenants yet: zhanggui tenants create NAME --domain HOST")
        return
    click.echo(f"{'NAME':<16} {'STATE':<10} {'SIZE':>9} {'USERS':>5}  {'LAST ACTIVITY':<16}  DOMAINS / ADDONS")
    for t in rows:
        last = t.last_activity.strftime("%Y-%m-%d %H:%M") if t.last_activity else "-"
        users = "?" if t.users is None else str(t.users)
        click.echo(f"{t.name:<16} {t.state:<10} {format_size(t.size):>9} {users:>5}  {last:<16}  {' '.join(t.domains)}")
        plan = f"plan {t.plan}: " if t.plan else ""
        click.echo(f"{'':<62}{plan}{', '.join(t.addons) or '-'}" if not t.error else f"{'':<62}error: {t.error}")


@tenants.command()
@click.argument("name")
@click.option("--message", default="", help="Shown to the company's users (default: a standard notice).")
@click.pass_obj
def suspend(obj, name, message):
    """Stop serving NAME: its hosts answer 503 with a message; nothing is deleted."""
    with _operator(obj) as operator:
        operator.suspend(name, message)
    click.echo(f"{name} is suspended")


@tenants.command()
@click.argument("name")
@click.pass_obj
def resume(obj, name):
    """Serve NAME again after a suspension."""
    with _operator(obj) as operator:
        operator.resume(name)
    click.echo(f"{name} is served again")


@tenants.command()
@click.argument("name")
@click.option("--add", "add", multiple=True, metavar="HOST", help="A host name to add.")
@click.option("--remove", "remove", multiple=True, metavar="HOST", help="A host name to remove.")
@click.pass_obj
def domains(obj, name, add, remove):
    """Show, add or remove the host names of NAME."""
    with _operator(obj) as operator:
        current = operator.set_domains(name, add, remove) if add or remove else \
            [d.name for d in operator.get(name).domains]
    click.echo(f"{name}: {' '.join(current)}")


@tenants.command()
@click.argument("name")
@click.pass_obj
def backup(obj, name):
    """Write an archive of NAME's database and files (under zhanggui.backup_dir/tenants/NAME)."""
    from ..backup import BackupError

    progress = _progress()
    with _operator(obj) as operator:
        try:
            path = operator.backup(name, progress)
        except BackupError as exc:
            raise click.ClickException(str(exc)) from None
        finally:
            progress.close()
    click.echo(str(path))


@tenants.command()
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--no-backup", is_flag=True, help="Do not keep a backup first (the data is lost for good).")
@click.pass_obj
def drop(obj, name, yes, no_backup):
    """Remove NAME: its hosts, its database and its files (a backup is kept first)."""
    from ..backup import BackupError

    with _operator(obj) as operator:
        operator.get(name)  # an unknown name is reported before asking anything
        if not yes:
            what = "WITHOUT a backup" if no_backup else "after a backup"
            click.confirm(f"Drop the company {name} ({what})? Type y to confirm", abort=True)
        progress = _progress()
        try:
            path = operator.drop(name, keep_backup=not no_backup, progress=progress)
        except BackupError as exc:
            raise click.ClickException(f"backup failed, nothing dropped: {exc}") from None
        finally:
            progress.close()
    click.echo(f"{name} dropped" + (f"; backup kept at {path}" if path else "; no backup kept"))


@tenants.command()
@click.argument("name", required=False)
@click.option("--limit", default=30, show_default=True)
@click.pass_obj
def log(obj, name, limit):
    """The operator's audit log (of NAME, or of every tenant), newest first."""
    with _operator(obj) as operator:
        for row in operator.history(name, limit):
            click.echo(f"{row.at:%Y-%m-%d %H:%M:%S} {row.actor:<16} {row.action:<8} {row.tenant:<16} "
                       f"{row.result:<6} {row.message.splitlines()[0] if row.message else ''}")


@tenants.group()
def plan():
    """Plans: which addons the companies on each may enable."""


@plan.command("list")
@click.pass_obj
def plan_list(obj):
    """Every plan with its addons and the companies on it."""
    from ..tenants import plans

    with _operator(obj) as operator:
        rows = plans.list_plans(operator)
    if not rows:
        click.echo("no plans yet: zhanggui tenants plan set NAME --addons crm,sale")
        return
    for p in rows:
        click.echo(f"{p.name:<16} {p.title:<24} addons: {', '.join(p.addons) or '-'}")
        click.echo(f"{'':<16} {'':<24} tenants: {', '.join(p.tenants) or '-'}")


@plan.command("set")
@click.argument("name")
@click.option("--addons", "names", required=True, metavar="A,B",
              help="The addons the plan allows (base and dependencies always are).")
@click.option("--title", default=None, help="A title shown to the operator.")
@click.pass_obj
def plan_set(obj, name, names, title):
    """Create the plan NAME or change its addons."""
    from ..tenants import plans

    with _operator(obj, with_catalog=True) as operator:
        row = plans.set_plan(operator, name, names, title)
    click.echo(f"plan {row.name}: {', '.join(row.addon_names) or '-'}")


@plan.command("delete")
@click.argument("name")
@click.pass_obj
def plan_delete(obj, name):
    """Remove the plan NAME (no company may be on it)."""
    from ..tenants import plans

    with _operator(obj) as operator:
        plans.delete_plan(operator, name)
    click.echo(f"plan {name} deleted")


@plan.command("assign")
@click.argument("tenant")
@click.argument("name")
@click.pass_obj
def plan_assign(obj, tenant, name):
    """Put the company TENANT on the plan NAME."""
    from ..tenants import plans

    with _operator(obj, with_catalog=True) as operator:
        plans.assign(operator, tenant, name)
    click.echo(f"{tenant} is on plan {name}")


@plan.command("unassign")
@click.argument("tenant")
@click.pass_obj
def plan_unassign(obj, tenant):
    """Take TENANT off its plan: it may enable any addon of the host."""
    from ..tenants import plans

    with _operator(obj) as operator:
        plans.assign(operator, tenant, None)
    click.echo(f"{tenant} has no plan: any addon of the host")


@tenants.command("operator-password")
@click.argument("login")
@click.password_option(help="The hosting administrator's password (asked twice when not given).")
def operator_password(login, password):
    """Print the zhanggui.operators line of LOGIN for the console (an argon2 hash)."""
    from ..tenants.console.auth import LOGIN_RE, MIN_PASSWORD_LENGTH
    from ..security.passwords import hash_password

    if not LOGIN_RE.match(login):
        raise click.ClickException("a login is 1 to 80 letters, digits, '.', '-', '_' or '@'")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise click.ClickException(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    click.echo(f"{login}:{hash_password(password)}")
    click.echo("Add this line to zhanggui.operators in the ini file (one login per line), then restart.",
               err=True)
