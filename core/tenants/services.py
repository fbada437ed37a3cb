"""What the operator does with tenants: create, list, suspend, resume, back up, drop.

Callable without a request (the CLI calls it today, the operator's console later).
Every operation is written to the operator's audit log (``op_log``), failures too,
and every change of tenants or domains bumps ``tenants_serial`` so that each web
process reloads its host table (:mod:`core.tenants.routing`).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import getpass
import re
import secrets
import shutil
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from ..addons import Catalog
from ..db import Database, create_engine, utcnow
from ..i18n import _
from . import schema
from .models import Domain, OperatorLog, OperatorMeta, Tenant

SERIAL_KEY = "tenants_serial"
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DEFAULT_TENANTS_DIR = "var/tenants"
DEFAULT_TENANTS_DB = "sqlite:///{tenants_dir}/{name}/{name}.sqlite"

Progress = Callable[[str], None]


class TenantError(Exception):
    """A request refused or failed; nothing is left half-done (the message says what is).

    ``message`` is the :class:`~pyramid.i18n.TranslationString` the console translates;
    ``str(exc)`` is its English text, for the CLI and the operator's log.
    """

    def __init__(self, message):
        super().__init__(message.interpolate() if hasattr(message, "interpolate") else str(message))
        self.message = message


def _quiet(_line: str) -> None:
    pass


def operator_url(settings: Mapping[str, str]) -> str | None:
    """``zhanggui.operator_db``: set, the host serves tenants (hosting mode)."""
    return (settings.get("zhanggui.operator_db") or "").strip() or None


def tenants_dir(settings: Mapping[str, str]) -> Path:
    return Path(settings.get("zhanggui.tenants_dir") or DEFAULT_TENANTS_DIR).expanduser().resolve()


def split_hosts(value) -> list[str]:
    """Host names from a setting or option: spaces, commas or lines; lower case, no port."""
    if isinstance(value, str):
        value = re.split(r"[\s,]+", value)
    return [h.strip().lower() for h in value or () if h and h.strip()]


def read_serial(connection: sa.Connection | Session, key: str = SERIAL_KEY) -> int:
    """One of the operator database's change counters (tenants by default); -1 when it has no tables yet."""
    try:
        value = connection.execute(
            sa.select(OperatorMeta.value).where(OperatorMeta.key == key)).scalar_one_or_none()
    except sa.exc.DatabaseError:
        connection.rollback()
        return -1
    return value or 0


def bump_serial(session: Session, key: str = SERIAL_KEY) -> int:
    """Move a change counter of the operator database on (in the caller's transaction); its new value."""
    updated = session.execute(
        sa.update(OperatorMeta).where(OperatorMeta.key == key).values(value=OperatorMeta.value + 1)
    ).rowcount
    if not updated:
        session.add(OperatorMeta(key=key, value=1))
    session.flush()
    return read_serial(session, key)


def format_size(n: int | None) -> str:
    """Bytes as people read them (12.3 MB); "?" when unknown."""
    if n is None:
        return "?"
    for unit, factor in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= factor:
            return f"{n / factor:.1f} {unit}"
    return f"{n} B"


@dataclasses.dataclass
class Created:
    """A new tenant: what was installed and the first administrator's password (once)."""

    name: str
    db_url: str
    domains: list[str]
    lines: list[str]
    admin_login: str
    admin_password: str | None


@dataclasses.dataclass
class TenantInfo:
    """One line of ``tenants list``: read from the operator database and the tenant's own."""

    name: str
    state: str
    domains: list[str]
    db_url: str
    files_dir: str
    plan: str | None
    created_at: dt.datetime
    addons: list[str] = dataclasses.field(default_factory=list)
    size: int | None = None
    users: int | None = None
    last_activity: dt.datetime | None = None
    error: str = ""
    message: str = ""  # the suspension's message


class Operator:
    """The host's tenants, managed through the operator database in ``settings``."""

    def __init__(self, settings: Mapping[str, str], catalog: Catalog | None = None, actor: str | None = None):
        url = operator_url(settings)
        if url is None:
            raise TenantError(_("hosting is not configured: set zhanggui.operator_db in the ini file "
                                "(e.g. sqlite:///%(here)s/var/operator.sqlite)"))
        self.settings = dict(settings)
        self.catalog = catalog
        self.actor = actor or f"cli:{getpass.getuser()}"
        parsed = sa.make_url(url)
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        self.engine = create_engine(url)
        schema.upgrade(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    def session(self) -> Session:
        return Session(bind=self.engine, expire_on_commit=False)

    # -- the audit log ---------------------------------------------------------------------

    def log(self, action: str, tenant: str, result: str, message: str = "") -> None:
        with self.session() as session:
            session.add(OperatorLog(at=utcnow(), actor=self.actor[:120], action=action, tenant=tenant[:40],
                                    result=result, message=message[:20000]))
            session.commit()

    def history(self, tenant: str | None = None, limit: int = 100) -> list[OperatorLog]:
        with self.session() as session:
            query = sa.select(OperatorLog).order_by(OperatorLog.id.desc()).limit(limit)
            if tenant is not None:
                query = query.where(OperatorLog.tenant == tenant)
            return list(session.scalars(query))

    # -- reading ---------------------------------------------------------------------------

    def get(self, name: str) -> Tenant:
        with self.session() as session:
            tenant = session.scalars(sa.select(Tenant).options(selectinload(Tenant.domains))
                                     .where(Tenant.name == name)).first()
            if tenant is None:
                raise TenantError(_("no tenant named ${name} (see 'zhanggui tenants list')",
                                    mapping={"name": repr(name)}))
            return tenant

    def tenants(self) -> list[Tenant]:
        with self.session() as session:
            return list(session.scalars(sa.select(Tenant).options(selectinload(Tenant.domains))
                                        .order_by(Tenant.name)))

    def list(self) -> list[TenantInfo]:
        """Every tenant with its addons, size, users and last activity (read from its database)."""
        return [self._info(tenant) for tenant in self.tenants()]

    def search(self, query: str = "", page: int = 1, size: int = 50,
               addons: Iterable[str] = ()) -> tuple[list[TenantInfo], int]:
        """One page of the tenants matching ``query``, and how many match.

        Name, host names, plan and state are matched in the operator database; only the
        page's tenants have their databases read (addons, size, users, last activity),
        so the console's list costs the same with 20 companies or 2,000. A query naming
        one of ``addons`` (the host's addons) also finds the tenants having it installed,
        which reads every remaining tenant's database.
        """
        q = query.strip().lower()
        tenants = self.tenants()
        if q:
            def plain(t: Tenant) -> bool:
                return (q in t.name or q in (t.plan or "") or q == t.state
                        or any(q in d.name for d in t.domains))
            matched = [t for t in tenants if plain(t)]
            if q in set(addons):
                named = {t.name for t in matched}
                matched += [t for t in tenants if t.name not in named and q in self._info(t).addons]
                matched.sort(key=lambda t: t.name)
            tenants = matched
        page = max(1, page)
        shown = tenants[(page - 1) * size: page * size]
        return [self._info(t) for t in shown], len(tenants)

    def info(self, name: str) -> TenantInfo:
        """One tenant as :meth:`list` shows it."""
        return self._info(self.get(name))

    def _info(self, tenant: Tenant) -> TenantInfo:
        info = TenantInfo(tenant.name, tenant.state, [d.name for d in tenant.domains], tenant.db_url,
                          tenant.files_dir, tenant.plan, tenant.created_at)
        info.message = tenant.message or ""
        if tenant.state == Tenant.CREATING:
            return info
        try:
            _inspect(info)
        except Exception as exc:  # noqa: BLE001  one broken tenant must not hide the others
            info.error = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
        return info

    # -- creating --------------------------------------------------------------------------

    def _check_request(self, name: str, domains: list[str], addons: list[str]) -> None:
        if not NAME_RE.match(name):
            raise TenantError(_("${name} is not a valid tenant name: lower-case letters, digits and _, "
                                "starting with a letter, 2 to 40 characters", mapping={"name": repr(name)}))
        if not domains:
            raise TenantError(_("a tenant needs at least one domain (--domain acme.example.com)"))
        for domain in domains:
            if not DOMAIN_RE.match(domain):
                raise TenantError(_("${domain} is not a host name", mapping={"domain": repr(domain)}))
        from ..web.databases import static_hosts

        taken = [d for d in domains if d in static_hosts(self.settings)
                 or d in split_hosts(self.settings.get("zhanggui.console_hosts", ""))]
        if taken:
            raise TenantError(_("${domains} already served by the ini file "
                                "(zhanggui.hosts, zhanggui.default_hosts or zhanggui.console_hosts)",
                                mapping={"domains": ", ".join(taken)}))
        if self.catalog is not None:
            unknown = [a for a in addons if a not in self.catalog]
            if unknown:
                raise TenantError(_("unknown addon(s): ${addons}; see 'zhanggui addons list'",
                                    mapping={"addons": ", ".join(unknown)}))

    def db_url_for(self, name: str) -> str:
        template = self.settings.get("zhanggui.tenants_db") or DEFAULT_TENANTS_DB
        return template.format(name=name, tenants_dir=tenants_dir(self.settings).as_posix())

    def create(self, name: str, domains: Iterable[str], addons: Iterable[str] = (), demo: bool = False,
               progress: Progress = _quiet, plan: str | None = None, admin_email: str = "") -> Created:
        """Create the company's database, install base + ``addons``, make its first administrator.

        The tenant's row is claimed first (state ``creating``: its hosts answer 503), so
        two operators cannot create the same name or domain. Any failure removes what
        was made (database, files, row) and is logged. ``plan`` (a :class:`Plan`'s
        name) must allow every addon asked for; ``admin_email`` is stored on the
        first administrator (the caller sends the password there, see :mod:`.mail`).
        """
        from . import plans

        name = name.strip()
        domains = list(dict.fromkeys(split_hosts(list(domains))))
        addons = [a.strip() for a in addons if a and a.strip()]
        plan = (plan or "").strip() or None
        self._check_request(name, domains, addons)
        admin_email = (admin_email or "").strip()
        try:
            if admin_email and not EMAIL_RE.match(admin_email):
                raise TenantError(_("${email} is not an email address", mapping={"email": repr(admin_email)}))
            plans.check_addons(self, plan, addons)
        except TenantError as exc:
            self.log("create", name, "failed", str(exc))
            raise
        url = self.db_url_for(name)
        files = tenants_dir(self.settings) / name
        with self.session() as session:
            if session.scalar(sa.select(Tenant.id).where(Tenant.name == name)) is not None:
                raise TenantError(_("a tenant named ${name} exists already", mapping={"name": repr(name)}))
            used = session.execute(sa.select(Domain.name, Tenant.name).join(Tenant)
                                   .where(Domain.name.in_(domains))).all()
            if used:
                raise TenantError(_("domain(s) already used: ${domains}",
                                    mapping={"domains": ", ".join(f"{d} ({t})" for d, t in used)}))
            session.add(Tenant(name=name, uid=secrets.token_hex(16), db_url=url, files_dir=str(files),
                               state=Tenant.CREATING, message="", plan=plan,
                               domains=[Domain(name=d) for d in domains]))
            try:
                bump_serial(session)
                session.commit()
            except sa.exc.IntegrityError as exc:
                raise TenantError(_("tenant ${name} or one of its domains was taken meanwhile",
                                    mapping={"name": repr(name)})) from exc
        made = False
        try:
            progress(f"database {_safe_url(url)}")
            _create_database(url)
            made = True
            created = self._install(name, url, files, addons, demo, progress, admin_email)
            created.domains = domains
            with self.session() as session:
                tenant = session.scalars(sa.select(Tenant).where(Tenant.name == name)).one()
                tenant.state = Tenant.ACTIVE
                bump_serial(session)
                session.commit()
        except BaseException as exc:
            self._forget(name, url if made else None, files)
            self.log("create", name, "failed", f"{type(exc).__name__}: {exc}")
            if isinstance(exc, Exception) and not isinstance(exc, TenantError):
                raise TenantError(_("creating ${name} failed, nothing kept: ${error}",
                                    mapping={"name": name, "error": str(exc)})) from exc
            raise
        self.log("create", name, "ok", "\n".join([f"domains: {' '.join(domains)}", f"database: {_safe_url(url)}",
                                                   *([f"plan: {plan}"] if plan else []), *created.lines]))
        return created

    def _install(self, name: str, url: str, files: Path, addons: list[str], demo: bool,
                 progress: Progress, admin_email: str = "") -> Created:
        from ..lifecycle import Lifecycle
        from ..security.services import first_administrator

        catalog = self.catalog if self.catalog is not None else Catalog.from_entry_points()
        files.mkdir(parents=True, exist_ok=True)
        database = Database(url, key=f"tenant:{name}", files_root=files)
        try:
            lifecycle = Lifecycle(database, catalog, actor=self.actor)
            plan = lifecycle.install(addons)
            lines = plan.describe()
            for line in lines:
                progress(line)
            if demo:
                for line in lifecycle.load_demo():
                    progress(line)
                    lines.append(line)
            with database.session() as session:
                password = first_administrator(session)
                if admin_email:
                    from ..security.models import User

                    session.execute(sa.update(User).where(User.login == "admin").values(email=admin_email))
                session.commit()
        finally:
            database.dispose()
        return Created(name, url, [], lines, "admin", password)

    def _forget(self, name: str, url: str | None, files: Path) -> None:
        """Undo a failed creation: the database (if made), the files, the row."""
        if url is not None:
            try:
                _drop_database(url)
            except Exception:  # noqa: BLE001  the row still goes; the log says what failed
                pass
        shutil.rmtree(files, ignore_errors=True)
        with self.session() as session:
            session.execute(sa.delete(Domain).where(Domain.tenant_id.in_(
                sa.select(Tenant.id).where(Tenant.name == name))))
            session.execute(sa.delete(Tenant).where(Tenant.name == name))
            bump_serial(session)
            session.commit()

    # -- state -----------------------------------------------------------------------------

    def _set_state(self, action: str, name: str, state: str, message: str) -> Tenant:
        with self.session() as session:
            tenant = session.scalars(sa.select(Tenant).where(Tenant.name == name)).first()
            if tenant is None:
                self.log(action, name, "failed", "no such tenant")
                raise TenantError(_("no tenant named ${name} (see 'zhanggui tenants list')",
                                    mapping={"name": repr(name)}))
            if tenant.state == Tenant.CREATING:
                raise TenantError(_("${name} is being created", mapping={"name": name}))
            tenant.state = state
            tenant.message = message
            bump_serial(session)
            session.commit()
        self.log(action, name, "ok", message)
        return tenant

    def suspend(self, name: str, message: str = "") -> Tenant:
        """Its hosts answer 503 with ``message`` (pages and API); nothing is deleted."""
        return self._set_state("suspend", name, Tenant.SUSPENDED, message.strip())

    def resume(self, name: str) -> Tenant:
        return self._set_state("resume", name, Tenant.ACTIVE, "")

    def set_domains(self, name: str, add: Iterable[str] = (), remove: Iterable[str] = ()) -> list[str]:
        """Add and remove host names of a tenant; the tenant keeps at least one."""
        add, remove = split_hosts(list(add)), split_hosts(list(remove))
        self._check_request(name, add or ["x.invalid"], [])
        with self.session() as session:
            tenant = session.scalars(sa.select(Tenant).options(selectinload(Tenant.domains))
                                     .where(Tenant.name == name)).first()
            if tenant is None:
                raise TenantError(_("no tenant named ${name}", mapping={"name": repr(name)}))
            used = session.execute(sa.select(Domain.name, Tenant.name).join(Tenant)
                                   .where(Domain.name.in_(add), Tenant.name != name)).all()
            if used:
                raise TenantError(_("domain(s) already used: ${domains}",
                                    mapping={"domains": ", ".join(f"{d} ({t})" for d, t in used)}))
            have = {d.name for d in tenant.domains}
            tenant.domains = [d for d in tenant.domains if d.name not in remove]
            tenant.domains += [Domain(name=d) for d in add if d not in have]
            if not tenant.domains:
                raise TenantError(_("${name} would have no domain left", mapping={"name": name}))
            bump_serial(session)
            session.commit()
            result = sorted(d.name for d in tenant.domains)
        self.log("domains", name, "ok", f"+{' '.join(add)} -{' '.join(remove)}".strip())
        return result

    # -- backup and drop -------------------------------------------------------------------

    def backup_dir(self, name: str) -> Path:
        from . import files_dir

        return files_dir(None, "backups", self.settings) / "tenants" / name

    def backup(self, name: str, progress=None) -> Path:
        """One archive of the tenant's database and files (core.backup), kept on the host."""
        from .. import backup as archive

        tenant = self.get(name)
        target = self.backup_dir(name)
        target.mkdir(parents=True, exist_ok=True)
        try:
            path = archive.backup(tenant.db_url, Path(tenant.files_dir) / "attachments", target, progress)
        except Exception as exc:
            self.log("backup", name, "failed", f"{type(exc).__name__}: {exc}")
            raise
        self.log("backup", name, "ok", str(path))
        return path

    def drop(self, name: str, keep_backup: bool = True, progress=None) -> Path | None:
        """Remove the tenant: its hosts, its database and its files; a backup first unless told not to.

        The row goes first, so no request reaches the database being dropped; a failed
        backup stops everything before anything is removed.
        """
        tenant = self.get(name)
        path = self.backup(name, progress) if keep_backup else None
        with self.session() as session:
            session.execute(sa.delete(Domain).where(Domain.tenant_id == tenant.id))
            session.execute(sa.delete(Tenant).where(Tenant.id == tenant.id))
            bump_serial(session)
            session.commit()
        try:
            _drop_database(tenant.db_url)
            shutil.rmtree(tenant.files_dir, ignore_errors=True)
        except Exception as exc:
            self.log("drop", name, "failed", f"hosts removed, but: {type(exc).__name__}: {exc}")
            raise TenantError(_("${name}: its hosts are removed but its database could not be dropped: ${error}",
                                mapping={"name": name, "error": str(exc)})) from exc
        self.log("drop", name, "ok", f"backup: {path}" if path else "no backup (--no-backup)")
        return path


# -- the databases themselves ------------------------------------------------------------------

def _safe_url(url: str) -> str:
    return sa.make_url(url).render_as_string(hide_password=True)


def _pg_admin(url: sa.URL):
    """An autocommit engine on the server's maintenance database (CREATE/DROP DATABASE)."""
    admin = url.set(database="postgres")
    return create_engine(admin, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _create_database(url: str) -> None:
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        if not parsed.database or parsed.database == ":memory:":
            raise TenantError(_("a tenant's SQLite database must be a file (zhanggui.tenants_db)"))
        if path.exists():
            raise TenantError(_("${path} exists already (left by an earlier tenant?): move it away first",
                                mapping={"path": str(path)}))
        path.parent.mkdir(parents=True, exist_ok=True)
        return
    admin = _pg_admin(parsed)
    try:
        with admin.connect() as conn:
            exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                  {"n": parsed.database}).scalar()
            if exists:
                raise TenantError(_("the database ${database} exists already on the server",
                                    mapping={"database": parsed.database}))
            conn.exec_driver_sql(f"CREATE DATABASE {_quote(parsed.database)}")
    finally:
        admin.dispose()


def _drop_database(url: str) -> None:
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    admin = _pg_admin(parsed)
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {_quote(parsed.database)} WITH (FORCE)")
    finally:
        admin.dispose()


def _folder_size(path: Path) -> int:
    if not path.is_dir():
        return 0
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _inspect(info: TenantInfo) -> None:
    """Fill in addons, size, users and last activity from the tenant's database."""
    from ..models import InstalledAddon
    from ..security.models import AuditEntry, User

    parsed = sa.make_url(info.db_url)
    engine = create_engine(info.db_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            info.addons = sorted(conn.scalars(sa.select(InstalledAddon.name)
                                              .where(InstalledAddon.state == InstalledAddon.INSTALLED)))
            info.users = conn.scalar(sa.select(sa.func.count()).select_from(User).where(User.active.is_(True)))
            times = [conn.scalar(sa.select(sa.func.max(User.last_login_at))),
                     conn.scalar(sa.select(sa.func.max(AuditEntry.at)))]
            times = [t for t in times if t is not None]
            info.last_activity = max(times) if times else None
            if parsed.get_backend_name() == "postgresql":
                db_size = conn.scalar(sa.text("SELECT pg_database_size(current_database())"))
            else:
                db_size = sum(Path(f"{parsed.database}{s}").stat().st_size for s in ("", "-wal")
                              if Path(f"{parsed.database}{s}").exists())
    finally:
        engine.dispose()
    info.size = int(db_size) + _folder_size(Path(info.files_dir))
