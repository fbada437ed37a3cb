"""The contacts part's fixtures: crm's ``site`` (tests/addons/crm/conftest.py) plus data for 360 and birthdays."""
from __future__ import annotations

import contextlib

from core.db import get_database
from core.hookspecs import hookimpl


class SMSChannel:
    """A test-only plugin giving the outbox an ``sms`` channel, the way the SMS gateway addon will."""

    def __init__(self):
        self.sent = []

    @hookimpl
    def base_outbox_channels(self):
        from addons.base.outbox.channels import Channel

        return [Channel(name="sms", title="SMS", send=lambda message, mailbox: self.sent.append(
            (message.to_address, message.body_text)))]


class OtherTab:
    """A test-only plugin: another addon's tab on customers (as sale's orders would be)."""

    @hookimpl
    def detail_tabs(self, request, descriptor, record):
        if descriptor.name != "base.partner":
            return None
        return [{"id": "test-orders", "title": "Orders of the test addon", "html": "<p>SO-0001 已发货</p>",
                 "count": 1, "order": 50}]


def grant_more(session, user, grants: dict) -> None:
    """More rights for ``user`` (a role of its own: crm's conftest already made "<login>-crm")."""
    from core.security.models import Role, RoleGrant

    role = Role(name=f"{user.login}-contacts-{len(user.roles)}")
    for model, (actions, scope) in grants.items():
        role.grants.append(RoleGrant(model=model, actions=actions, scope=scope))
    session.add(role)
    session.flush()
    user.roles.append(role)


@contextlib.contextmanager
def plugin(site, obj, name="test-contacts"):
    """Register ``obj`` in the web app's registry of the site's database for the block."""
    pm = site.app.registry.zg_registries.get(get_database(site.url)).pm
    pm.register(obj, name=name)
    try:
        yield obj
    finally:
        pm.unregister(name=name)
