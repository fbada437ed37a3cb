"""Which list columns a user sees, in which order: their own choice, else the admin's default.

A user's choice is a ``UserPreference`` with key ``list:<model>`` and value
``{"columns": [...]}``; the administrator's default for everyone is a
``zg_list_default`` row. Names no longer declared by the descriptor are dropped.
"""
from __future__ import annotations

from collections.abc import Sequence

from pyramid.httpexceptions import HTTPForbidden, HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy.orm import Session

from ... import datacache
from ...descriptors import ModelDescriptor
from ...i18n import _
from ...security.models import User, UserPreference
from .common import columns_of, descriptor_of, flash, local_url, require
from .models import ListDefault


def pref_key(descriptor: ModelDescriptor) -> str:
    return f"list:{descriptor.name}"


def _known(descriptor: ModelDescriptor, names: Sequence[str]) -> list[str]:
    declared = [c.name for c in columns_of(descriptor)]
    out: list[str] = []
    for name in names or ():
        if isinstance(name, str) and name in declared and name not in out:
            out.append(name)
    return out


def default_columns(session: Session, descriptor: ModelDescriptor) -> list[str]:
    """The administrator's default, else the descriptor's visible columns."""
    def read() -> tuple[str, ...]:
        row = session.get(ListDefault, descriptor.name)
        return tuple(row.columns or ()) if row is not None else ()
    names = _known(descriptor, datacache.cached(session, ("list_default", descriptor.name), read))
    return names or [c.name for c in columns_of(descriptor) if c.visible] or [columns_of(descriptor)[0].name]


def user_columns(session: Session, user: User | None, descriptor: ModelDescriptor) -> list[str]:
    """The columns ``user`` sees in the list of ``descriptor``, in order."""
    if user is not None:
        pref = session.get(UserPreference, (user.id, pref_key(descriptor)))
        if pref is not None and isinstance(pref.value, dict):
            names = _known(descriptor, pref.value.get("columns", ()))
            if names:
                return names
    return default_columns(session, descriptor)


def save_user_columns(session: Session, user: User, descriptor: ModelDescriptor,
                      names: Sequence[str] | None) -> list[str]:
    """Save the user's columns; ``None`` or nothing known forgets the choice."""
    names = _known(descriptor, names or ())
    pref = session.get(UserPreference, (user.id, pref_key(descriptor)))
    if not names:
        if pref is not None:
            session.delete(pref)
        return default_columns(session, descriptor)
    if pref is None:
        session.add(UserPreference(user_id=user.id, key=pref_key(descriptor), value={"columns": names}))
    else:
        pref.value = {"columns": names}
    session.flush()
    return names


def save_default_columns(session: Session, descriptor: ModelDescriptor, names: Sequence[str]) -> list[str]:
    """Set the default columns for everyone who made no choice of their own."""
    names = _known(descriptor, names)
    row = session.get(ListDefault, descriptor.name)
    if not names:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(ListDefault(model=descriptor.name, columns=names))
    else:
        row.columns = names
    session.flush()
    return names


def column_choices(session: Session, user: User | None, descriptor: ModelDescriptor,
                   shown: Sequence[str] | None = None) -> list[tuple[str, bool]]:
    """Every column as (name, shown): the shown ones in the user's order, then the others.

    ``shown``: the user's columns when the caller has read them already (``user_columns``)."""
    shown = user_columns(session, user, descriptor) if shown is None else shown
    rest = [c.name for c in columns_of(descriptor) if c.name not in shown]
    return [(n, True) for n in shown] + [(n, False) for n in rest]


@view_config(route_name="zg.model.columns", request_method="POST")
def save_columns(request):
    descriptor = descriptor_of(request)
    require(request, descriptor, "read")
    session, user = request.dbsession, request.user
    back = local_url(request, request.POST.get("came_from"),
                     request.route_url("zg.model.list", model=descriptor.name))
    if request.POST.get("reset"):
        save_user_columns(session, user, descriptor, None)
        flash(request, _("The list shows the default columns again."))
        return HTTPSeeOther(back)
    names = _known(descriptor, request.POST.getall("columns"))
    if not names:
        flash(request, _("Choose at least one column."), "error")
        return HTTPSeeOther(back)
    if request.POST.get("as_default"):
        if not request.access.is_admin:
            raise HTTPForbidden()
        save_default_columns(session, descriptor, names)
    save_user_columns(session, user, descriptor, names)
    flash(request, _("Default columns saved for everyone.") if request.POST.get("as_default")
          else _("Columns saved."))
    return HTTPSeeOther(back)
