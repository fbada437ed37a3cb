"""Demo people: a small trading company's departments, staff, managers and roles.

Loaded by ``zhanggui init --demo`` through the ``base`` addon's ``demo_data`` hook.
The roles carry grants for the kernel's own models only (users, departments and
roles: administrators only); each addon's ``demo_data`` adds grants for its own
models to these roles with :func:`grant`, for example::

    from core.security import demo

    demo.grant(session, "销售代表", "crm.customer", "read,create,edit", scope="own")
    demo.grant(session, "销售经理", "crm.customer", "read,create,edit,delete,export",
               scope="subtree")

Every demo user's password is ``demo1234``, the administrator's ``admin123``.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .models import ACTIONS, SCOPES, Department, Role, RoleGrant, User
from .passwords import hash_password
from .services import department_path

ADMIN_LOGIN = "admin"
ADMIN_PASSWORD = "admin123"
DEMO_PASSWORD = "demo1234"

#: (name, parent name or None), parents first.
DEPARTMENTS: list[tuple[str, str | None]] = [
    ("总经理办公室", None),
    ("销售部", None),
    ("销售一部", "销售部"),
    ("销售二部", "销售部"),
    ("采购部", None),
    ("仓储部", None),
    ("财务部", None),
    ("人事行政部", None),
]

#: role name → description
ROLES: dict[str, str] = {
    "系统管理员": "用户、部门、角色与权限的管理",
    "总经理": "查看全公司的业务",
    "销售经理": "管理本部门及下级部门的客户与订单",
    "销售代表": "跟进自己的客户与订单",
    "采购员": "供应商与采购订单",
    "仓库管理员": "入库、出库与盘点",
    "会计": "收付款、发票与凭证",
}

KERNEL_MODELS = ("core.user", "core.department", "core.role")

#: (login, name, main department, roles, other departments, phone); logins in pinyin.
PEOPLE: list[tuple[str, str, str, tuple[str, ...], tuple[str, ...], str]] = [
    ("wangjianguo", "王建国", "总经理办公室", ("总经理",), (), "13805710001"),
    ("liuyang", "刘洋", "销售部", ("销售经理",), (), "13805710002"),
    ("zhangwei", "张伟", "销售一部", ("销售经理",), (), "13805710003"),
    ("lina", "李娜", "销售一部", ("销售代表",), ("销售二部",), "13805710004"),
    ("chenjing", "陈静", "销售二部", ("销售经理",), (), "13805710005"),
    ("zhaolei", "赵磊", "销售二部", ("销售代表",), (), "13805710006"),
    ("sunli", "孙丽", "销售二部", ("销售代表",), (), "13805710007"),
    ("zhoujie", "周杰", "采购部", ("采购员",), (), "13805710008"),
    ("xuming", "徐明", "采购部", ("采购员",), (), "13805710009"),
    ("wuqiang", "吴强", "仓储部", ("仓库管理员",), (), "13805710010"),
    ("zhengxiuying", "郑秀英", "财务部", ("会计",), (), "13805710011"),
    ("huangmin", "黄敏", "人事行政部", ("系统管理员",), (), "13805710012"),
]

#: department → its managers' logins
MANAGERS: dict[str, tuple[str, ...]] = {
    "总经理办公室": ("wangjianguo",),
    "销售部": ("liuyang",),
    "销售一部": ("zhangwei",),
    "销售二部": ("chenjing",),
    "采购部": ("zhoujie",),
    "仓储部": ("wuqiang",),
    "财务部": ("zhengxiuying",),
    "人事行政部": ("huangmin",),
}

EMAIL_DOMAIN = "zhanggui-demo.cn"


def role(session: Session, name: str) -> Role:
    """The role named ``name`` (created when missing)."""
    found = session.scalars(sa.select(Role).where(Role.name == name)).first()
    if found is None:
        found = Role(name=name, description=ROLES.get(name, ""))
        session.add(found)
        session.flush()
    return found


def grant(session: Session, role_name: str, model: str, actions: str, scope: str = "own") -> RoleGrant:
    """Give ``role_name`` the ``actions`` ("read,create,…") on ``model`` with ``scope``.

    Repeated calls for the same role and model merge the actions and keep the
    wider scope, so several addons may add to one grant.
    """
    wanted = {a.strip() for a in actions.split(",") if a.strip()}
    unknown = wanted - set(ACTIONS)
    if unknown or scope not in SCOPES:
        raise ValueError(f"bad grant for {model}: actions {sorted(unknown)} scope {scope!r}")
    target = role(session, role_name)
    row = session.scalars(sa.select(RoleGrant).where(RoleGrant.role_id == target.id,
                                                     RoleGrant.model == model)).first()
    if row is None:
        row = RoleGrant(role_id=target.id, model=model, actions="", scope=scope)
        session.add(row)
    merged = set(row.action_set) | wanted
    row.actions = ",".join(a for a in ACTIONS if a in merged)
    if SCOPES.index(scope) > SCOPES.index(row.scope):
        row.scope = scope
    session.flush()
    return row


def user(session: Session, login: str) -> User | None:
    """A demo user by login (for addons placing demo records with their owners)."""
    return session.scalars(sa.select(User).where(User.login == login)).first()


def _department(session: Session, name: str, parent: Department | None) -> Department:
    found = session.scalars(sa.select(Department).where(Department.name == name)).first()
    if found is None:
        found = Department(name=name, parent=parent)
        session.add(found)
        session.flush()
        department_path(session, found)
    return found


def create_people(session: Session) -> list[str]:
    """Departments, roles, an administrator and a dozen staff; returns lines to print.

    Existing rows with the same names or logins are kept as they are (their
    passwords are not touched), so running it on a database that already has an
    ``admin`` is safe.
    """
    departments: dict[str, Department] = {}
    for index, (name, parent) in enumerate(DEPARTMENTS):
        dept = _department(session, name, departments.get(parent) if parent else None)
        dept.sequence = 10 * (index + 1)
        departments[name] = dept
    roles = {name: role(session, name) for name in ROLES}
    for model in KERNEL_MODELS:
        grant(session, "系统管理员", model, ",".join(ACTIONS), scope="all")

    lines: list[str] = []
    demo_hash = hash_password(DEMO_PASSWORD)  # one argon2 hash for all: demo users only
    if user(session, ADMIN_LOGIN) is None:
        admin = User(login=ADMIN_LOGIN, name="系统管理员", is_admin=True, email=f"admin@{EMAIL_DOMAIN}",
                     password_hash=hash_password(ADMIN_PASSWORD), department=departments["人事行政部"],
                     roles=[roles["系统管理员"]])
        session.add(admin)
        lines.append(f"demo login: {ADMIN_LOGIN} / {ADMIN_PASSWORD}")
    created = []
    for login, name, main, role_names, others, phone in PEOPLE:
        if user(session, login) is not None:
            continue
        session.add(User(login=login, name=name, email=f"{login}@{EMAIL_DOMAIN}", phone=phone,
                         password_hash=demo_hash, department=departments[main],
                         other_departments=[departments[d] for d in others],
                         roles=[roles[r] for r in role_names]))
        created.append(login)
    session.flush()
    for name, logins in MANAGERS.items():
        dept = departments[name]
        for login in logins:
            person = user(session, login)
            if person is not None and person not in dept.managers:
                dept.managers.append(person)
    session.flush()
    if created:
        lines.append(f"demo users: {', '.join(created)} / {DEMO_PASSWORD}")
    return lines
