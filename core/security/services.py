"""Accounts, sign-in throttling, API tokens, sharing and ownership transfer.

Services run without a request: views, the API, the CLI and tests call the same
functions. Settings (all optional, ``zhanggui.`` prefix in the ini file):
``login_max_failures`` (default 5) failed sign-ins in a row before the account locks
for ``login_lock_minutes`` (default 15); from the third failure on, each failure also
waits a little (``login_delay_seconds``, default 1, doubled per failure, capped at 8).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
import string
import time
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from .. import tree
from ..db import utcnow
from ..i18n import _
from .models import ApiToken, AuditEntry, Department, OwnerChange, Share, User
from .passwords import hash_password, needs_rehash, verify_nothing, verify_password
from .policy import new_token

MIN_PASSWORD_LENGTH = 8


class SecurityError(Exception):
    """A refused security operation; ``str()`` is a message for the user (translatable)."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclasses.dataclass(frozen=True)
class LoginPolicy:
    """How sign-in failures are slowed down and when an account locks."""

    max_failures: int = 5
    lock_minutes: int = 15
    delay_seconds: float = 1.0

    @classmethod
    def from_settings(cls, settings: dict) -> LoginPolicy:
        return cls(
            max_failures=max(1, int(settings.get("zhanggui.login_max_failures", 5))),
            lock_minutes=max(1, int(settings.get("zhanggui.login_lock_minutes", 15))),
            delay_seconds=max(0.0, float(settings.get("zhanggui.login_delay_seconds", 1.0))),
        )

    def delay(self, failures: int) -> float:
        """Seconds to wait after the ``failures``-th failure in a row (0 for the first two)."""
        if failures < 3 or not self.delay_seconds:
            return 0.0
        return min(8.0, self.delay_seconds * 2 ** (failures - 3))


def audit(session: Session, action: str, user: User | None = None, login: str = "", address: str = "",
          model: str = "", record_id: int | None = None, changes: dict | None = None) -> None:
    session.add(AuditEntry(action=action, user_id=user.id if user else None,
                           login=(login or (user.login if user else ""))[:80], address=(address or "")[:64],
                           model=model, record_id=record_id, changes=changes or {}))


def is_locked(user: User, now: dt.datetime | None = None) -> bool:
    return user.locked_until is not None and user.locked_until > (now or utcnow())


WRONG_LOGIN = _("Wrong login or password.")
LOCKED = _("This account is locked after too many failed sign-ins. "
           "Try again in ${minutes} minutes or ask an administrator to unlock it.")


def authenticate(session: Session, login: str, password: str, address: str = "",
                 policy: LoginPolicy = LoginPolicy(), sleep: Callable[[float], None] = time.sleep,
                 via: str = "", now: dt.datetime | None = None) -> User:
    """The user for ``login``/``password``, or :class:`SecurityError`.

    Failures are counted per account; after ``policy.max_failures`` in a row the
    account is locked for ``policy.lock_minutes`` (an administrator can unlock it),
    and from the third failure on each failure waits ``policy.delay()`` seconds
    (``sleep`` is injectable for tests). An unknown login and a wrong password get
    the same message. Every attempt is audited (``login`` / ``login_failed``) with
    the address; ``via`` ("idle_lock") says where the password was typed. The
    caller commits, also on failure, so that counters and audit rows are kept.
    """
    login = (login or "").strip()
    password = password or ""
    now = now or utcnow()
    extra = {"via": via} if via else {}
    user = session.scalars(sa.select(User).where(sa.func.lower(User.login) == login.lower())).first() \
        if login else None
    if user is None:
        verify_nothing(password)  # the same work as for a real login
        audit(session, "login_failed", login=login, address=address, changes=extra)
        raise SecurityError(WRONG_LOGIN)
    if is_locked(user, now):
        audit(session, "login_failed", user, address=address, changes={**extra, "reason": "locked"})
        minutes = max(1, -(-int((user.locked_until - now).total_seconds()) // 60))
        raise SecurityError(_(LOCKED, mapping={"minutes": minutes}))
    if not verify_password(user.password_hash, password) or not user.active:
        # One atomic increment: parallel attempts cannot slip past the limit.
        failures = session.scalar(
            sa.update(User).where(User.id == user.id).values(failed_logins=User.failed_logins + 1)
            .returning(User.failed_logins), execution_options={"synchronize_session": False})
        set_committed_value(user, "failed_logins", failures)
        locked = failures >= policy.max_failures
        if locked:
            user.locked_until = now + dt.timedelta(minutes=policy.lock_minutes)
            user.failed_logins = 0
        audit(session, "login_failed", user, address=address,
              changes={**extra, "failures": failures, **({"locked": True} if locked else {})})
        if locked:
            raise SecurityError(_(LOCKED, mapping={"minutes": policy.lock_minutes}))
        pause = policy.delay(failures)
        if pause:
            sleep(pause)
        raise SecurityError(WRONG_LOGIN)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    audit(session, "login", user, address=address, changes=extra)
    return user


_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")


def generate_password(length: int = 14) -> str:
    """A random password without look-alike characters, to be shown once."""
    return "".join(secrets.choice(_ALPHABET) for _i in range(length))


def check_password_strength(password: str, field: str = "new_password") -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise SecurityError(_("Use at least ${n} characters.", mapping={"n": MIN_PASSWORD_LENGTH}),
                            field=field)


def set_password(session: Session, user: User, password: str) -> None:
    """Set a new password; every existing session of the user ends (auth epoch)."""
    check_password_strength(password)
    user.password_hash = hash_password(password)
    user.auth_epoch += 1


def change_password(session: Session, user: User, current: str, new: str, address: str = "") -> None:
    """The user changes their own password; the current one is required."""
    if not verify_password(user.password_hash, current or ""):
        raise SecurityError(_("The current password is wrong."), field="current_password")
    set_password(session, user, new)
    audit(session, "password_changed", user, address=address)


def reset_password(session: Session, admin: User | None, user: User, new: str | None = None,
                   address: str = "") -> str:
    """An administrator (or the CLI, ``admin=None``) sets a new password; returns it.

    Without ``new`` a password is generated. The account is unlocked and every
    session of the user ends.
    """
    new = new or generate_password()
    set_password(session, user, new)
    user.failed_logins = 0
    user.locked_until = None
    audit(session, "password_reset", admin, login="" if admin else "(cli)", address=address,
          model="core.user", record_id=user.id, changes={"user": user.login})
    return new


def unlock(session: Session, admin: User | None, user: User, address: str = "") -> None:
    user.failed_logins = 0
    user.locked_until = None
    audit(session, "unlocked", admin, login="" if admin else "(cli)", address=address,
          model="core.user", record_id=user.id, changes={"user": user.login})


def create_user(session: Session, login: str, name: str, password: str | None = None,
                is_admin: bool = False, **fields) -> tuple[User, str]:
    """A new active user; returns it and its password (generated when not given)."""
    login = (login or "").strip()
    if not 2 <= len(login) <= 80:
        raise SecurityError(_("A login has 2 to 80 characters."), field="login")
    if session.scalar(sa.select(User.id).where(sa.func.lower(User.login) == login.lower())) is not None:
        raise SecurityError(_("This login is already used."), field="login")
    password = password or generate_password()
    check_password_strength(password, field="password")
    user = User(login=login, name=(name or login).strip()[:100], password_hash=hash_password(password),
                is_admin=is_admin, **fields)
    session.add(user)
    session.flush()
    return user, password


def first_administrator(session: Session, login: str = "admin") -> str | None:
    """Create the administrator ``login`` when the database has no user; its password, once.

    Returns None (and changes nothing) when any user exists already.
    """
    if session.scalar(sa.select(User.id).limit(1)) is not None:
        return None
    _user, password = create_user(session, login, "Administrator", is_admin=True)
    return password


def create_token(session: Session, user: User, name: str) -> tuple[ApiToken, str]:
    """A new API token for ``user``; the clear token is returned once, never stored."""
    name = (name or "").strip()
    if not name:
        raise SecurityError(_("Required"), field="name")
    token, prefix, digest = new_token()
    row = ApiToken(user_id=user.id, name=name[:100], prefix=prefix, token_hash=digest)
    session.add(row)
    session.flush()
    return row, token


def user_tokens(session: Session, user: User) -> list[ApiToken]:
    """The user's tokens, newest first, revoked ones included (they stay listed)."""
    return list(session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id)
                                .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def revoke_token(session: Session, user: User, token_id: int, own_only: bool = False) -> ApiToken:
    """Revoke one of ``user``'s tokens (an administrator may revoke anyone's unless ``own_only``)."""
    row = session.get(ApiToken, token_id)
    if row is None or (row.user_id != user.id and (own_only or not user.is_admin)):
        raise SecurityError(_("No such token."))
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    return row


def share(session: Session, by: User, model: str, record_ids: list[int], users=(), departments=(),
          can_edit: bool = False) -> int:
    """Share records with users and/or departments; returns the number of new shares."""
    count = 0
    for record_id in record_ids:
        for uid in users:
            count += _share_one(session, by, model, record_id, user_id=uid, can_edit=can_edit)
        for did in departments:
            count += _share_one(session, by, model, record_id, department_id=did, can_edit=can_edit)
    return count


def _share_one(session, by, model, record_id, can_edit, user_id=None, department_id=None) -> int:
    existing = session.scalars(sa.select(Share).where(
        Share.model == model, Share.record_id == record_id,
        Share.user_id.is_(None) if user_id is None else Share.user_id == user_id,
        Share.department_id.is_(None) if department_id is None else Share.department_id == department_id,
    )).first()
    if existing is not None:
        existing.can_edit = can_edit
        return 0
    session.add(Share(model=model, record_id=record_id, user_id=user_id, department_id=department_id,
                      can_edit=can_edit, shared_by_id=by.id))
    return 1


def unshare(session: Session, model: str, record_id: int, share_id: int) -> bool:
    """Remove one share of one record; True if it existed.

    Deleted through the ORM (not a bulk DELETE) so that the audit trail records it.
    """
    row = session.scalars(sa.select(Share).where(Share.id == share_id, Share.model == model,
                                                 Share.record_id == record_id)).first()
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


def transfer(session: Session, by: User, model: str, records: list, to: User, reason: str = "") -> int:
    """Give records to another owner, keeping the history (who, when, from, to, why)."""
    if not to.active:
        raise SecurityError(_("This user is not active."), field="to")
    moved = 0
    for record in records:
        if record.owner_id == to.id:
            continue
        session.add(OwnerChange(model=model, record_id=record.id, from_user_id=record.owner_id,
                                to_user_id=to.id, by_user_id=by.id, reason=(reason or "")[:500], kind="transfer"))
        record.owner_id = to.id
        record.department_id = to.department_id
        moved += 1
    return moved


def department_path(session: Session, department: Department) -> str:
    """Recompute ``path`` for a department and everything below it (after a move)."""
    if department.id is None:
        session.flush()
    if tree.would_cycle(department, department.parent):
        raise SecurityError(_("A department cannot be placed under itself."), field="parent_id")
    tree.repath(session, department, department.parent)
    return department.path
