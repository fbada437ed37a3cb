"""crm: the projects part's demo data (called by crm/demo.py after the pipeline's).

Projects on the reps' own customers, in every status, with members, follow-up activities
and, where the sale addon is installed and its demo quotations and orders exist, the
customer's documents linked to its open project.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from addons.base.activities.services import log_activity
from addons.base.partners.models import Partner
from core import extensions
from core.security import demo as people

from ..demo import SELLERS
from ..models import Opportunity
from . import services
from .models import LINKS

#: name, status, start (days from today), length (days), quotation, budget, description
PROJECTS = (
    ("生产线自动化改造一期", "active", -60, 180, "860000", "520000",
     "三条装配线更换伺服系统与输送设备，分两期实施；一期完成总装线。"),
    ("新厂区配电及照明工程", "planning", 20, 120, "420000", "300000", "新厂区 2 号车间的配电柜、桥架与 LED 照明。"),
    ("空压站节能改造", "on_hold", -30, 90, "268000", "190000", "客户预算待董事会批准，暂停实施。"),
    ("2025 年度水泵更换项目", "done", -400, 200, "356000", "240000", "已完成 46 台水泵更换，客户验收合格。"),
    ("污水处理站设备更新", "active", -20, 150, "512000", "360000", "更换提升泵与曝气风机，配套变频控制柜。"),
    ("仓储物流输送线", "cancelled", -200, 120, "980000", "700000", "客户改为整体外包给物流公司，项目取消。"),
    ("中央空调水系统改造", "active", -45, 100, "198000", "150000", "冷却水泵与冷冻水泵替换为高效节能型。"),
    ("消防泵房设备更新", "planning", 35, 60, "145000", "100000", "按新消防规范更换消防泵及稳压设备。"),
)
ROLES = ("项目经理", "技术负责人", "商务", "实施工程师")
FOLLOW_UPS = (("meeting", "项目启动会", "确认实施计划与里程碑"), ("visit", "现场勘查", "提交勘查报告"),
              ("call", "与客户确认设备清单", "发送最终清单"), ("email", "发送阶段验收报告", "客户签字确认"))


def _grants(session: Session) -> None:
    people.grant(session, "销售代表", "crm.project", "read,create,edit,export", scope="own")
    people.grant(session, "销售经理", "crm.project", "read,create,edit,delete,export", scope="subtree")
    people.grant(session, "总经理", "crm.project", "read,export", scope="all")


def _quotation(session: Session, project, user, when: dt.date):
    """A draft quotation for the project through the document base (sale's type), two product lines."""
    from addons.base.documents.services import create_document
    from addons.base.documents.types import document_type
    from addons.base.products.models import Product

    doc_type = document_type("sale.quotation")
    products = list(session.scalars(sa.select(Product).where(Product.sale_price.is_not(None))
                                    .order_by(Product.id).offset(project.id % 5).limit(2)))
    if doc_type is None or not products:
        return None
    lines = [{"product_id": p.id, "unit_id": p.unit_id, "description": "", "quantity": Decimal(10 * (i + 1)),
              "unit_price": p.sale_price, "discount": Decimal(0), "tax_rate": Decimal(13)}
             for i, p in enumerate(products)]
    document = create_document(session, doc_type, {
        "date": when, "partner_id": project.partner_id, "currency": "CNY", "rate": Decimal(1),
        "prices_include_tax": True, "note": f"{project.name} 报价", "lines": lines}, user)
    session.flush()
    return document


def _link_documents(session: Session, projects, today: dt.date) -> int:
    """Where sale is installed: a quotation for each open project, linked to it (documents tab)."""
    if "sale" not in extensions.installed_names(session) or "sale.quotation" not in LINKS:
        return 0
    linked = 0
    for project in projects:
        if not project.is_open:
            continue
        owner = project.owner
        document = _quotation(session, project, owner, today - dt.timedelta(days=3))
        if document is not None:
            services.link_document(session, "sale.quotation", document, project)
            linked += 1
    return linked


def create(session: Session) -> list[str]:
    _grants(session)
    services.ensure_sequence(session)
    sellers = [u for u in (people.user(session, login) for login in SELLERS) if u is not None]
    if not sellers:
        return ["crm projects: no demo sales people: no projects made"]
    today = services.sequences.today(session)
    made = []
    for index, (name, status, start, length, quotation, budget, description) in enumerate(PROJECTS):
        seller = sellers[index % len(sellers)]
        customer = session.scalars(sa.select(Partner).where(Partner.is_customer.is_(True),
                                                            Partner.owner_id == seller.id)
                                   .order_by(Partner.id).offset(index // len(sellers))).first()
        if customer is None:
            continue
        opportunity = session.scalars(sa.select(Opportunity).where(Opportunity.partner_id == customer.id)
                                      .order_by(Opportunity.id)).first()
        colleagues = [seller, *[u for u in sellers if u is not seller][index % 3:index % 3 + 2]]
        project = services.create_project(session, {
            "name": f"{customer.short_name or customer.name[:6]}{name}", "partner_id": customer.id,
            "status": status, "start_date": today + dt.timedelta(days=start),
            "end_date": today + dt.timedelta(days=start + length),
            "quotation_amount": Decimal(quotation), "budget": Decimal(budget), "description": description,
            "opportunity_id": opportunity.id if opportunity is not None else None,
            "members": [{"user_id": u.id, "role": ROLES[i]} for i, u in enumerate(colleagues)],
        }, seller)
        for step, (kind, subject, next_step) in enumerate(FOLLOW_UPS[:2 + index % 3]):
            at = dt.datetime.combine(today + dt.timedelta(days=min(start, 0) + step * 7), dt.time(2, 30))
            log_activity(session, "crm.project", project.id, seller, subject, kind=kind, at=at,
                         next_step=next_step if step == 1 + index % 3 else "")
        made.append(project)
    linked = _link_documents(session, made, today)
    session.flush()
    return [f"crm: {len(made)} projects ({linked} sale documents linked)"]
