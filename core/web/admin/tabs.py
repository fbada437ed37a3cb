"""Detail-page tabs: a role's permissions, a record's sharing and its owner history.

A ``detail_tabs`` hook implementation, registered with the kernel's own plugins
(core/plugins.py), so the generic detail page shows these tabs for every owned model.
"""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.renderers import render

from ...descriptors import models_for
from ...hookspecs import hookimpl
from ...i18n import _
from ...security import sharing
from ...security.models import ACTIONS, User
from ...security.schemas import SCOPE_TITLES
from . import matrix
from .sharing import share_choices, share_names

TEMPLATES = "core:web/templates/admin/"


def _role_tab(request, record) -> dict:
    rows = matrix.summary(request.dbsession, record, models_for(request))
    html = render(TEMPLATES + "tab_role.pt", {
        "role": record, "rows": rows, "actions": ACTIONS, "action_titles": matrix.ACTION_TITLES,
        "scope_titles": SCOPE_TITLES}, request=request)
    return {"id": "permissions", "title": _("Permissions"), "html": html, "order": 10,
            "count": len(rows) or None}


def _sharing_tab(request, descriptor, record) -> dict:
    shares = sharing.shares_of(request.dbsession, descriptor.name, record.id)
    html = render(TEMPLATES + "tab_sharing.pt", {
        "descriptor": descriptor, "record": record, "shares": shares,
        "names": share_names(request.dbsession, shares), "came_from": request.path_qs,
        **share_choices(request)}, request=request)
    return {"id": "sharing", "title": _("Sharing"), "html": html, "order": 80, "count": len(shares) or None}


def _owners_tab(request, descriptor, record) -> dict:
    changes = sharing.owner_history(request.dbsession, descriptor.name, record.id)
    ids = {i for c in changes for i in (c.from_user_id, c.to_user_id, c.by_user_id) if i}
    names = dict(request.dbsession.execute(sa.select(User.id, User.name).where(User.id.in_(ids))).all()) \
        if ids else {}
    transfer_url = None
    if sharing.can_transfer(request.dbsession, request.access, descriptor, record):
        transfer_url = request.route_url("zg.model.transfer", model=descriptor.name,
                                         _query={"ids": record.id, "came_from": request.path_qs})
    html = render(TEMPLATES + "tab_owners.pt", {"changes": changes, "names": names, "kinds": sharing.OWNER_CHANGE_KINDS,
                                                "transfer_url": transfer_url}, request=request)
    return {"id": "owners", "title": _("Owner history"), "html": html, "order": 90,
            "count": len(changes) or None}


@hookimpl
def detail_tabs(request, descriptor, record):
    """The role's permission summary on roles; sharing and owner history on owned records."""
    tabs = []
    if descriptor.name == "core.role" and request.access.is_admin:
        tabs.append(_role_tab(request, record))
    if descriptor.owned:
        if sharing.can_share(request.dbsession, request.access, descriptor, record):
            tabs.append(_sharing_tab(request, descriptor, record))
        tabs.append(_owners_tab(request, descriptor, record))
    return tabs or None

