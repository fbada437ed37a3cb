"""Who may share and transfer which records, and the checked, all-or-nothing operations.

The rules (docs/permissions.md explains them to administrators):

* **Share / unshare** (:func:`can_share`): only records of owned models. The user must
  be able to *read* the record within their scope, and be one of: an administrator;
  the record's owner; a manager of the record's department (``record.department_id``,
  the owner's main department when the record was created or last transferred) or of
  any department above it; or a user allowed to *edit* the record within their scope
  (their roles grant ``edit`` on the model and the record is inside the edit scope,
  editable shares included).
* **Transfer** (:func:`can_transfer`): administrators, and users allowed to *edit* the
  record within their scope. The new owner must be an active user; a reason is required.

The batch functions check every record before changing any: one refused record
refuses the whole batch with a message naming it, and nothing is written.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..i18n import _
from .access import Access
from .models import Department, DepartmentManager, OwnerChange, Share, User
from .services import SecurityError, share, transfer, unshare

#: More records than this in one batch is refused (a form, not a bulk loader).
MAX_BATCH = 500
#: Larger numbers are no record id (and would overflow the database's integers).
MAX_ID = 2 ** 63 - 1


class NotVisible(SecurityError):
    """A record that does not exist or is outside the user's read scope (answer 404)."""


class NotAllowed(SecurityError):
    """The user may see the records but not share or transfer them (answer 403)."""


def parse_ids(values: Iterable[str] | str | None) -> list[int]:
    """``"1,2"`` or ``["1", "2,3"]`` → ``[1, 2, 3]`` (order kept, duplicates dropped)."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    out: list[int] = []
    for value in values:
        for part in str(value).split(","):
            part = part.strip()
            if not part:
                continue
            try:
                number = int(part)
                if not 0 < number <= MAX_ID:
                    raise ValueError(part)
            except ValueError:
                raise SecurityError(_("Invalid record number: ${value}", mapping={"value": part[:20]}),
                                    field="ids") from None
            if number not in out:
                out.append(number)
    return out


def manages(session: Session, user_id: int | None, department_id: int | None) -> bool:
    """Is the user a manager of this department or of a department above it?"""
    if user_id is None or department_id is None:
        return False
    target = session.scalar(sa.select(Department.path).where(Department.id == department_id))
    if not target:
        return False
    managed = session.scalars(sa.select(Department.path).join(
        DepartmentManager, DepartmentManager.department_id == Department.id)
        .where(DepartmentManager.user_id == user_id))
    return any(target.startswith(path) for path in managed)


def can_share(session: Session, access: Access, descriptor, record) -> bool:
    """May the user share this record (and remove its shares)? See the module docstring."""
    if not descriptor.owned or access.user is None:
        return False
    if access.is_admin:
        return True
    if not access.can(session, descriptor, record, "read"):
        return False
    if record.owner_id == access.user_id:
        return True
    if manages(session, access.user_id, record.department_id):
        return True
    return access.can(session, descriptor, record, "edit")


def can_transfer(session: Session, access: Access, descriptor, record) -> bool:
    """May the user give this record to another owner? (edit within scope, or admin)"""
    if not descriptor.owned or access.user is None:
        return False
    return access.is_admin or access.can(session, descriptor, record, "edit")


def load_records(session: Session, access: Access, descriptor, record_ids: Sequence[int]) -> list:
    """The records, each readable by the user; :class:`NotVisible` naming the first one that is not."""
    if not record_ids:
        raise SecurityError(_("Select at least one record."), field="ids")
    if len(record_ids) > MAX_BATCH:
        raise SecurityError(_("Select at most ${n} records at once.", mapping={"n": MAX_BATCH}), field="ids")
    records = []
    for record_id in record_ids:
        record = access.visible(session, descriptor, record_id, "read") if 0 < record_id <= MAX_ID else None
        if record is None:
            raise NotVisible(_("Record ${id} does not exist or you may not see it.",
                               mapping={"id": record_id}), field="ids")
        records.append(record)
    return records


def _names(descriptor, records: list) -> str:
    names = ", ".join(f"{descriptor.label(r)} (#{r.id})" for r in records[:10])
    return names + ("…" if len(records) > 10 else "")


def _in_range(ids: list[int]) -> list[int]:
    return [i for i in ids if 0 < i <= MAX_ID]


def _active_users(session: Session, user_ids: Iterable[int]) -> list[int]:
    ids = sorted({int(i) for i in user_ids})
    if not ids:
        return []
    found = set(session.scalars(sa.select(User.id).where(User.id.in_(_in_range(ids)), User.active.is_(True))))
    missing = [i for i in ids if i not in found]
    if missing:
        raise SecurityError(_("No such active user: ${ids}", mapping={"ids": ", ".join(map(str, missing))}),
                            field="users")
    return ids


def _departments(session: Session, department_ids: Iterable[int]) -> list[int]:
    ids = sorted({int(i) for i in department_ids})
    if not ids:
        return []
    found = set(session.scalars(sa.select(Department.id).where(Department.id.in_(_in_range(ids)))))
    missing = [i for i in ids if i not in found]
    if missing:
        raise SecurityError(_("No such department: ${ids}", mapping={"ids": ", ".join(map(str, missing))}),
                            field="departments")
    return ids


def share_records(session: Session, access: Access, descriptor, record_ids: Sequence[int],
                  users: Iterable[int] = (), departments: Iterable[int] = (), can_edit: bool = False) -> int:
    """Share records with users and/or departments, all or nothing; returns new shares.

    Sharing again with the same user or department updates read-only/editable. The
    owner of a record is not shared their own record.
    """
    if not descriptor.owned:
        raise SecurityError(_("Records of this kind cannot be shared."))
    user_ids = _active_users(session, users)
    department_ids = _departments(session, departments)
    if not user_ids and not department_ids:
        raise SecurityError(_("Choose at least one user or department."), field="users")
    records = load_records(session, access, descriptor, record_ids)
    refused = [r for r in records if not can_share(session, access, descriptor, r)]
    if refused:
        raise NotAllowed(_("You may not share these records: ${records}",
                           mapping={"records": _names(descriptor, refused)}), field="ids")
    count = 0
    for record in records:
        count += share(session, access.user, descriptor.name, [record.id],
                       users=[u for u in user_ids if u != record.owner_id], departments=department_ids,
                       can_edit=can_edit)
    session.flush()
    return count


def unshare_record(session: Session, access: Access, descriptor, record_id: int, share_id: int) -> None:
    """Remove one share of a record the user may share."""
    records = load_records(session, access, descriptor, [record_id])
    if not can_share(session, access, descriptor, records[0]):
        raise NotAllowed(_("You may not change the sharing of these records: ${records}",
                           mapping={"records": _names(descriptor, records)}))
    if not 0 < share_id <= MAX_ID or not unshare(session, descriptor.name, records[0].id, share_id):
        raise NotVisible(_("This share does not exist (any more)."))


def transfer_records(session: Session, access: Access, descriptor, record_ids: Sequence[int],
                     to_user_id, reason: str) -> int:
    """Give records to another active user, all or nothing, keeping the owner history."""
    if not descriptor.owned:
        raise SecurityError(_("Records of this kind have no owner."))
    reason = (reason or "").strip()
    try:
        to_id = int(to_user_id)
    except (TypeError, ValueError):
        to_id = 0
    to = session.get(User, to_id) if 0 < to_id <= MAX_ID else None
    if to is None or not to.active:
        raise SecurityError(_("Choose an active user as the new owner."), field="to")
    if not reason:
        raise SecurityError(_("Give a reason for the transfer."), field="reason")
    records = load_records(session, access, descriptor, record_ids)
    refused = [r for r in records if not can_transfer(session, access, descriptor, r)]
    if refused:
        raise NotAllowed(_("You may not transfer these records: ${records}",
                           mapping={"records": _names(descriptor, refused)}), field="ids")
    moved = transfer(session, access.user, descriptor.name, records, to, reason)
    session.flush()
    return moved


def shares_of(session: Session, model: str, record_id: int) -> list[Share]:
    return list(session.scalars(sa.select(Share).where(Share.model == model, Share.record_id == record_id)
                                .order_by(Share.id)))


#: kind of an owner change → its title (the owner history tab). Addons add theirs at import
#: (crm: a claim from the public pool, a release to it…); an unknown kind shows as it is.
OWNER_CHANGE_KINDS: dict[str, Any] = {"transfer": _("Transferred")}


def owner_history(session: Session, model: str, record_id: int) -> list[OwnerChange]:
    """The record's ownership changes, newest first."""
    return list(session.scalars(sa.select(OwnerChange).where(
        OwnerChange.model == model, OwnerChange.record_id == record_id)
        .order_by(OwnerChange.at.desc(), OwnerChange.id.desc())))
