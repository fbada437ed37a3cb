"""Which database a request uses: the default one, one chosen by the Host header, or a tenant's."""
from __future__ import annotations

from collections.abc import Mapping

from ..db import Database, get_database


def _hosts_setting(raw) -> dict[str, str]:
    hosts: dict[str, str] = {}
    if isinstance(raw, dict):
        return dict(raw)
    for line in str(raw or "").splitlines():
        if "=" in line:
            host, _, db_url = line.partition("=")
            hosts[host.strip()] = db_url.strip()
    return hosts


def static_hosts(settings: Mapping[str, str]) -> set[str]:
    """Host names the ini file itself serves (``zhanggui.hosts``, ``zhanggui.default_hosts``)."""
    from ..tenants.services import split_hosts

    return ({h.lower() for h in _hosts_setting(settings.get("zhanggui.hosts", ""))}
            | set(split_hosts(settings.get("zhanggui.default_hosts", ""))))


class Databases:
    """Maps request hosts to databases.

    ``zhanggui.db_url`` is the default database. ``zhanggui.hosts`` optionally maps
    host names to other database URLs, one ``host = url`` per line, so that one
    process serves several databases each with its own addons.

    With ``zhanggui.operator_db`` set (hosting, docs/hosting.md) the hosts of the
    tenants come from the operator database, and the default database answers only
    the hosts of ``zhanggui.default_hosts``: any other host is unknown (404), never
    someone else's company. ``zhanggui.default_hosts`` also restricts the default
    database without hosting; unset (and no hosting) it answers every other host.
    """

    def __init__(self, default_url: str | None, hosts: dict[str, str] | None = None, tenants=None,
                 default_hosts: set[str] | None = None):
        self.default_url = default_url
        self.hosts = {h.lower(): u for h, u in (hosts or {}).items()}
        #: a :class:`core.tenants.routing.TenantRouter` in hosting mode, else None
        self.tenants = tenants
        #: hosts of the default database; None: every host nobody else claims
        self.default_hosts = default_hosts

    @classmethod
    def from_settings(cls, settings: dict) -> Databases:
        from ..tenants.services import operator_url, split_hosts

        url = settings.get("zhanggui.db_url") or settings.get("sqlalchemy.url")
        hosts = _hosts_setting(settings.get("zhanggui.hosts", ""))
        tenants = None
        default_hosts = set(split_hosts(settings["zhanggui.default_hosts"])) \
            if settings.get("zhanggui.default_hosts") else None
        if operator_url(settings):
            from ..tenants.routing import TenantRouter

            tenants = TenantRouter(settings)
            default_hosts = default_hosts or set()
        return cls(url, hosts, tenants, default_hosts)

    def for_host(self, host: str | None) -> Database | None:
        """The host's database; None for a host nobody serves.

        Raises :class:`core.tenants.routing.TenantUnavailable` for a suspended tenant.
        """
        name = (host or "").split(":")[0].lower()
        if name in self.hosts:
            return get_database(self.hosts[name], key=name)
        if self.tenants is not None:
            route = self.tenants.lookup(name)
            if route is not None:
                return self.tenants.database(route)
        if self.default_hosts is not None and name not in self.default_hosts:
            return None
        if not self.default_url:
            return None
        return get_database(self.default_url, key="default")

    def all(self) -> list[Database]:
        """Every database this process serves (the tenants' active ones included)."""
        urls = ([self.default_url] if self.default_url else []) + list(self.hosts.values())
        seen, out = set(), []
        for url in urls:
            if url not in seen:
                seen.add(url)
                out.append(get_database(url))
        if self.tenants is not None:
            out += [db for db in self.tenants.active() if db.url not in seen]
        return out
