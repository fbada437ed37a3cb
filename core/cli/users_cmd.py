"""``zhanggui users …``: create users, reset a password, unlock an account — without a browser."""
from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

import click
import sqlalchemy as sa
from sqlalchemy.orm import Session

from . import cli


@cli.group()
def users():
    """People who sign in: create, reset a password, unlock, list."""


@contextlib.contextmanager
def _session(obj) -> Iterator[Session]:
    """A session committed at the end; a database without the kernel tables is reported."""
    from ..security.models import User

    database = obj.database
    with database.session() as session:
        try:
            session.execute(sa.select(User.id).limit(1))
        except sa.exc.DBAPIError as exc:
            raise click.ClickException("this database has no users yet: run 'zhanggui init' first") from exc
        yield session
        session.commit()


def _find(session: Session, login: str):
    from ..security.models import User

    user = session.scalars(sa.select(User).where(sa.func.lower(User.login) == login.strip().lower())).first()
    if user is None:
        raise click.ClickException(f"no user with the login {login!r}")
    return user


def _password_from_stdin() -> str:
    return sys.stdin.readline().rstrip("\r\n")


def _refused(exc) -> click.ClickException:
    message = exc.message
    return click.ClickException(message.interpolate() if hasattr(message, "interpolate") else str(message))


@users.command("create")
@click.argument("login")
@click.option("--name", required=True, help="The person's name, as shown in the pages.")
@click.option("--admin", "is_admin", is_flag=True, help="An administrator (every permission).")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from standard input instead of generating one.")
@click.pass_obj
def create(obj, login, name, is_admin, password_stdin):
    """Create a user; a generated password is printed once."""
    from ..security.services import SecurityError, create_user

    password = _password_from_stdin() if password_stdin else None
    with _session(obj) as session:
        try:
            user, password = create_user(session, login, name, password, is_admin=is_admin)
        except SecurityError as exc:
            raise _refused(exc) from exc
    click.echo(f"created {'administrator' if is_admin else 'user'} {user.login} ({user.name})")
    if not password_stdin:
        click.echo(f"password: {password}  (shown only this once)")


@users.command("reset-password")
@click.argument("login")
@click.option("--password-stdin", is_flag=True,
              help="Read the new password from standard input instead of generating one.")
@click.pass_obj
def reset_password(obj, login, password_stdin):
    """Set a new password (generated unless given); the user's sessions end."""
    from ..security.services import SecurityError
    from ..security.services import reset_password as reset

    given = _password_from_stdin() if password_stdin else None
    with _session(obj) as session:
        user = _find(session, login)
        try:
            password = reset(session, None, user, given)
        except SecurityError as exc:
            raise _refused(exc) from exc
    click.echo(f"password of {user.login} reset; the account is unlocked and its sessions ended")
    if not password_stdin:
        click.echo(f"password: {password}  (shown only this once)")


@users.command()
@click.argument("login")
@click.pass_obj
def unlock(obj, login):
    """Unlock an account locked after failed sign-ins."""
    from ..security.services import unlock as do_unlock

    with _session(obj) as session:
        user = _find(session, login)
        do_unlock(session, None, user)
    click.echo(f"{user.login} is unlocked")


@users.command("list")
@click.pass_obj
def list_(obj):
    """Every user: login, name, administrator, active, locked."""
    from ..security.models import User
    from ..security.services import is_locked

    with _session(obj) as session:
        rows = list(session.scalars(sa.select(User).order_by(User.login)))
        for user in rows:
            flags = [flag for flag, on in (("admin", user.is_admin), ("inactive", not user.active),
                                           ("locked", is_locked(user))) if on]
            click.echo(f"{user.login:<20} {user.name:<20} {' '.join(flags)}".rstrip())
