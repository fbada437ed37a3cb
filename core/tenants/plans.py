"""Plans (套餐): which addons a hosting administrator lets a tenant enable.

Contract used by the company's module page (应用管理) and its service:

    allowed_addons(settings, database) -> frozenset[str] | None

``None`` means "no restriction" (single-company installs, or a tenant without a
plan). Otherwise the names of the addons the tenant may have installed; ``base``
(and whatever every allowed addon depends on, and glue addons whose dependencies
are all allowed) is always allowed.

The operator's console and ``zhanggui tenants plan …`` manage the plans through the
functions below; each writes the operator's audit log and bumps ``tenants_serial``,
which is also what keeps :func:`allowed_addons` cheap: one primary-key read of the
serial per call, the tenants' plans re-read only when it moved.
"""
from __future__ import annotations

import dataclasses
import re
import threading
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from ..addons import Catalog
from ..db import create_engine
from ..i18n import _
from .models import Plan, Tenant
from .services import TenantError, bump_serial, operator_url, read_serial

if TYPE_CHECKING:
    from .services import Operator

NAME_RE = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
#: Every tenant has it: the company, users, partners… (the kernel's own business base).
ALWAYS = frozenset({"base"})


def split_addons(value: str | Iterable[str]) -> list[str]:
    """Addon names from ``crm,sale`` / ``crm sale`` / a list: stripped, unique, sorted."""
    if isinstance(value, str):
        value = re.split(r"[\s,]+", value)
    return sorted({v.strip() for v in value if v and v.strip()})


def closure(names: Iterable[str], catalog: Catalog | None) -> frozenset[str]:
    """``names`` with ``base``, their dependencies and the glue addons they complete."""
    allowed = set(names) | ALWAYS
    if catalog is None:
        return frozenset(allowed)
    todo = list(allowed)
    while todo:
        addon = catalog.get(todo.pop())
        for dep in addon.manifest.depends_names if addon else ():
            if dep not in allowed:
                allowed.add(dep)
                todo.append(dep)
    changed = True
    while changed:  # glue joins when all it depends on is allowed (as the resolver installs it)
        changed = False
        for name in catalog:
            manifest = catalog[name].manifest
            if name not in allowed and manifest.auto_install and set(manifest.depends_names) <= allowed:
                allowed.add(name)
                changed = True
    return frozenset(allowed)


@dataclasses.dataclass
class PlanInfo:
    """A plan with the tenants on it (for lists)."""

    name: str
    title: str
    addons: list[str]
    tenants: list[str]


# -- managing plans (the CLI and the console) ------------------------------------------------

def _catalog(operator: Operator) -> Catalog:
    return operator.catalog if operator.catalog is not None else _process_catalog()


def list_plans(operator: Operator) -> list[PlanInfo]:
    with operator.session() as session:
        plans = list(session.scalars(sa.select(Plan).order_by(Plan.name)))
        users: dict[str, list[str]] = {}
        for tenant, plan in session.execute(sa.select(Tenant.name, Tenant.plan)
                                            .where(Tenant.plan.is_not(None)).order_by(Tenant.name)):
            users.setdefault(plan, []).append(tenant)
    return [PlanInfo(p.name, p.title, p.addon_names, users.get(p.name, [])) for p in plans]


def get_plan(operator: Operator, name: str) -> Plan:
    with operator.session() as session:
        plan = session.get(Plan, name)
    if plan is None:
        raise TenantError(_("no plan named ${name} (see 'zhanggui tenants plan list')",
                            mapping={"name": repr(name)}))
    return plan


def _outside(operator: Operator, tenant: str, allowed: frozenset[str]) -> list[str]:
    """Addons installed in ``tenant`` that ``allowed`` does not cover."""
    from .services import TenantInfo, _inspect

    row = operator.get(tenant)
    info = TenantInfo(row.name, row.state, [], row.db_url, row.files_dir, row.plan, row.created_at)
    if row.state == Tenant.CREATING:
        return []
    try:
        _inspect(info)
    except Exception as exc:  # noqa: BLE001  unreadable: do not guess, refuse
        raise TenantError(_("${tenant}: its database cannot be read to check its addons: ${error}",
                            mapping={"tenant": tenant, "error": str(exc)})) from exc
    return [a for a in info.addons if a not in allowed]


def set_plan(operator: Operator, name: str, addons: Iterable[str] | str, title: str | None = None) -> Plan:
    """Create or change the plan ``name``.

    Refused, with the list, when an addon is unknown on this host, or when a tenant on
    the plan has an addon installed that the changed plan would not allow.
    """
    name = (name or "").strip()
    names = split_addons(addons)
    if not NAME_RE.match(name):
        operator.log("plan", "", "failed", f"{name!r}: not a plan name")
        raise TenantError(_("${name} is not a valid plan name: lower-case letters, digits, - and _, "
                            "starting with a letter, up to 40 characters", mapping={"name": repr(name)}))
    catalog = _catalog(operator)
    unknown = [a for a in names if a not in catalog]
    if unknown:
        operator.log("plan", "", "failed", f"{name}: unknown addon(s) {', '.join(unknown)}")
        raise TenantError(_("unknown addon(s): ${addons}; see 'zhanggui addons list'",
                            mapping={"addons": ", ".join(unknown)}))
    allowed = closure(names, catalog)
    with operator.session() as session:
        on_plan = list(session.scalars(sa.select(Tenant.name).where(Tenant.plan == name)))
    problems = [f"{t} ({', '.join(out)})" for t in on_plan if (out := _outside(operator, t, allowed))]
    if problems:
        message = _("plan ${name} would no longer allow addons these tenants have installed: ${tenants}",
                    mapping={"name": name, "tenants": "; ".join(problems)})
        operator.log("plan", "", "failed", message.interpolate())
        raise TenantError(message)
    with operator.session() as session:
        plan = session.get(Plan, name)
        created = plan is None
        if created:
            plan = Plan(name=name, title="", addons="")
            session.add(plan)
        before = plan.addons
        plan.addons = " ".join(names)
        if title is not None:
            plan.title = title.strip()[:200]
        bump_serial(session)
        session.commit()
    operator.log("plan", "", "ok", f"{'created' if created else 'changed'} {name}: {' '.join(names) or '-'}"
                 + ("" if created else f" (was: {before or '-'})"))
    return plan


def delete_plan(operator: Operator, name: str) -> None:
    """Remove a plan no tenant is on."""
    with operator.session() as session:
        plan = session.get(Plan, name)
        if plan is None:
            raise TenantError(_("no plan named ${name}", mapping={"name": repr(name)}))
        users = list(session.scalars(sa.select(Tenant.name).where(Tenant.plan == name)))
        if users:
            operator.log("plan", "", "failed", f"delete {name}: used by {', '.join(users)}")
            raise TenantError(_("plan ${name} is used by: ${tenants}",
                                mapping={"name": name, "tenants": ", ".join(users)}))
        session.delete(plan)
        bump_serial(session)
        session.commit()
    operator.log("plan", "", "ok", f"deleted {name}")


def assign(operator: Operator, tenant: str, plan: str | None) -> None:
    """Put ``tenant`` on ``plan`` (None: no plan, any addon). Refused if it has addons outside it."""
    row = operator.get(tenant)
    if plan is not None:
        allowed = closure(get_plan(operator, plan).addon_names, _catalog(operator))
        out = _outside(operator, tenant, allowed)
        if out:
            mapping = {"tenant": tenant, "plan": plan, "addons": ", ".join(out)}
            operator.log("plan", tenant, "failed",
                         f"{tenant} has addons plan {plan} does not allow: {mapping['addons']}")
            raise TenantError(_("${tenant} has addons plan ${plan} does not allow: ${addons} "
                                "(uninstall them first, or choose another plan)", mapping=mapping))
    with operator.session() as session:
        session.execute(sa.update(Tenant).where(Tenant.id == row.id).values(plan=plan))
        bump_serial(session)
        session.commit()
    operator.log("plan", tenant, "ok", f"{row.plan or '-'} -> {plan or '-'}")


def check_addons(operator: Operator, plan: str | None, addons: Iterable[str]) -> None:
    """Refuse ``addons`` that ``plan`` does not allow (for creating a tenant)."""
    if plan is None:
        return
    allowed = closure(get_plan(operator, plan).addon_names, _catalog(operator))
    out = [a for a in addons if a not in allowed]
    if out:
        raise TenantError(_("plan ${plan} does not allow: ${addons} (it allows: ${allowed})",
                            mapping={"plan": plan, "addons": ", ".join(out),
                                     "allowed": ", ".join(sorted(allowed))}))


def allowed_for_plan(operator: Operator, plan: str | None) -> frozenset[str] | None:
    """What a tenant on ``plan`` may enable (None: no plan, anything on the host)."""
    if plan is None:
        return None
    return closure(get_plan(operator, plan).addon_names, _catalog(operator))


# -- the contract for the company's module page ------------------------------------------------

_lock = threading.Lock()
_engines: dict[str, sa.Engine] = {}
#: operator URL -> (serial, {tenant name: plan addon names or None})
_cache: dict[str, tuple[int, dict[str, tuple[str, ...] | None]]] = {}
_catalog_cache: list[Catalog] = []


def _process_catalog() -> Catalog:
    """The host's addons, read once per process (new addon code needs a restart anyway)."""
    if not _catalog_cache:
        _catalog_cache.append(Catalog.from_entry_points())
    return _catalog_cache[0]


def _engine(url: str) -> sa.Engine:
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = create_engine(url, pool_size=1, max_overflow=4)
        return engine


def _tenant_plans(url: str) -> dict[str, tuple[str, ...] | None]:
    engine = _engine(url)
    with engine.connect() as conn:
        serial = read_serial(conn)
        cached = _cache.get(url)
        if cached is not None and cached[0] == serial:
            return cached[1]
        rows = conn.execute(sa.select(Tenant.name, Plan.addons)
                            .join(Plan, Plan.name == Tenant.plan, isouter=True)).all() if serial >= 0 else []
    plans = {name: (tuple(addons.split()) if addons is not None else None) for name, addons in rows}
    _cache[url] = (serial, plans)
    return plans


def allowed_addons(settings: Mapping[str, str], database: Any, catalog: Catalog | None = None
                   ) -> frozenset[str] | None:
    """The addons the company behind ``database`` may enable, or None for any.

    ``database`` is a :class:`core.db.Database` (its key ``tenant:<name>:<uid>`` names
    the tenant); anything that is not a tenant's is unrestricted. ``catalog`` (the
    web process's ``registry.zg_catalog``) resolves dependencies; by default the
    host's entry points, read once.
    """
    url = operator_url(settings)
    key = getattr(database, "key", "") or ""
    if url is None or not key.startswith("tenant:"):
        return None
    name = key.split(":")[1]
    names = _tenant_plans(url).get(name)
    if names is None:
        return None
    return closure(names, catalog if catalog is not None else _process_catalog())


def forget_cache() -> None:
    """Drop the cached plans and engines (tests that remove operator databases)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
        _cache.clear()
