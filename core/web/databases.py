"""Which database a request uses: the default one, or one chosen by the Host header."""
from __future__ import annotations

from ..db import Database, get_database


class Databases:
    """Maps request hosts to databases.

    ``zhanggui.db_url`` is the default database. ``zhanggui.hosts`` optionally maps
    host names to other database URLs, one ``host = url`` per line, so that one
    process serves several databases each with its own addons.
    """

    def __init__(self, default_url: str | None, hosts: dict[str, str] | None = None):
        self.default_url = default_url
        self.hosts = {h.lower(): u for h, u in (hosts or {}).items()}

    @classmethod
    def from_settings(cls, settings: dict) -> Databases:
        url = settings.get("zhanggui.db_url") or settings.get("sqlalchemy.url")
        hosts: dict[str, str] = {}
        raw = settings.get("zhanggui.hosts", "")
        if isinstance(raw, dict):
            hosts = dict(raw)
        else:
            for line in str(raw).splitlines():
                if "=" in line:
                    host, _, db_url = line.partition("=")
                    hosts[host.strip()] = db_url.strip()
        return cls(url, hosts)

    def for_host(self, host: str | None) -> Database | None:
        name = (host or "").split(":")[0].lower()
        url = self.hosts.get(name, self.default_url)
        if not url:
            return None
        return get_database(url, key=name if name in self.hosts else "default")

    def all(self) -> list[Database]:
        urls = ([self.default_url] if self.default_url else []) + list(self.hosts.values())
        seen, out = set(), []
        for url in urls:
            if url not in seen:
                seen.add(url)
                out.append(get_database(url))
        return out
