"""crm's demo data (``zhanggui init --demo``): grants, checklists, competitors, campaigns, opportunities.

Made through the same services as the pages (numbering, moves with their history,
won / lost with reasons, the evaluation), so every state is reached the way a rep
would reach it. Deterministic (a seeded random); each rep's deals are on customers
that rep owns, so the rep can open them.
"""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from addons.base.partners.models import Contact, Partner
from core.security import demo as people

from . import services
from .models import (Campaign, CampaignType, Competitor, CompetitorContact, CompetitorProduct, LostReason, Stage,
                     StageCheckItem)

SELLERS = ("lina", "zhaolei", "sunli", "zhangwei", "chenjing")

CHECKLISTS = {
    "初步接洽": (("已找到关键联系人", 30), ("客户有明确的采购意向", 40), ("已了解客户现有供应商", 30)),
    "需求确认": (("需求已书面确认", 30), ("预算已确认", 30), ("已接触决策者", 25), ("采购时间已明确", 15)),
    "方案报价": (("方案已通过技术评审", 40), ("报价已发送", 30), ("客户已反馈报价", 30)),
    "商务谈判": (("价格已基本谈妥", 35), ("付款方式已确认", 25), ("合同条款已确认", 25), ("决策者已表态支持", 15)),
}

COMPETITORS = (
    ("上海恒力机电设备有限公司", "https://www.henglime.example.cn", "价格低，交货快，华东地区服务网点多",
     "产品线单一，高端型号依赖进口配件",
     (("YE3 三相异步电机 7.5kW", "1150"), ("变频器 11kW", "2380")),
     (("周建华", "华东区销售经理", "13916520011"),)),
    ("江苏远航自动化科技股份有限公司", "https://www.yuanhang-auto.example.cn", "品牌知名度高，有大型项目案例",
     "报价偏高，售后响应慢", (("PLC 控制柜（标准型）", "28600"), ("伺服电机 2kW", "3950")),
     (("钱伟", "大客户经理", "13815220345"), ("林晓燕", "销售代表", "13815220346"))),
    ("浙江东海泵业有限公司", "", "水泵产品齐全，价格有竞争力", "技术支持薄弱",
     (("IS80 离心水泵", "520"), ("管道泵 ISG65", "890")), (("黄海涛", "销售总监", "13757100892"),)),
    ("德国进口品牌代理（广州）", "", "技术领先，品牌溢价高", "价格高，交期 8–12 周", (("高效节能电机 IE4", "6800"),), ()),
)

TITLES = ("生产线电机升级改造", "年度水泵采购框架", "新厂区配电设备", "自动化仓储输送线", "空压站节能改造",
          "车间通风系统更换", "备品备件年度采购", "污水处理站水泵更新", "冷却塔循环泵项目", "数控机床配套电机",
          "包装线伺服系统", "锅炉房给水泵改造", "中央空调水泵替换", "物流中心输送设备", "厂房照明及配电改造",
          "二期扩建项目设备", "恒压供水系统", "消防泵房设备更新")

#: (stage name or "won"/"lost", how many)
PLAN = (("初步接洽", 7), ("需求确认", 6), ("方案报价", 6), ("商务谈判", 5), ("won", 6), ("lost", 6))


def _grants(session: Session) -> None:
    settings = ("crm.stage", "crm.lost_reason", "crm.campaign_type")
    people.grant(session, "销售代表", "crm.opportunity", "read,create,edit,export", scope="own")
    people.grant(session, "销售代表", "crm.competitor", "read,create,edit", scope="all")
    people.grant(session, "销售代表", "crm.campaign", "read", scope="all")
    people.grant(session, "销售经理", "crm.opportunity", "read,create,edit,delete,export", scope="subtree")
    people.grant(session, "销售经理", "crm.competitor", "read,create,edit,delete,export", scope="all")
    people.grant(session, "销售经理", "crm.campaign", "read,create,edit,delete,export", scope="all")
    people.grant(session, "总经理", "crm.opportunity", "read,export", scope="all")
    people.grant(session, "总经理", "crm.campaign", "read,export", scope="all")
    people.grant(session, "总经理", "crm.competitor", "read,export", scope="all")
    for model in settings:
        people.grant(session, "销售代表", model, "read", scope="all")
        people.grant(session, "销售经理", model, "read,create,edit,delete", scope="all")
        people.grant(session, "总经理", model, "read", scope="all")


def _checklists(session: Session) -> None:
    for stage in session.scalars(sa.select(Stage)):
        if stage.name in CHECKLISTS and not stage.checklist:
            stage.checklist = [StageCheckItem(question=q, weight=w, sequence=i * 10)
                               for i, (q, w) in enumerate(CHECKLISTS[stage.name], start=1)]
    session.flush()


def _competitors(session: Session) -> list[Competitor]:
    made = []
    for name, website, strengths, weaknesses, products, contacts in COMPETITORS:
        found = session.scalars(sa.select(Competitor).where(Competitor.name == name)).first()
        if found is None:
            found = Competitor(name=name, website=website, strengths=strengths, weaknesses=weaknesses,
                               products=[CompetitorProduct(name=p, price=Decimal(price), sequence=i * 10)
                                         for i, (p, price) in enumerate(products, start=1)],
                               contacts=[CompetitorContact(name=n, title=t, phone=ph, sequence=i * 10)
                                         for i, (n, t, ph) in enumerate(contacts, start=1)])
            session.add(found)
        made.append(found)
    session.flush()
    return made


def _campaigns(session: Session, today: dt.date, sellers, customers) -> list[Campaign]:
    types = {t.name: t for t in session.scalars(sa.select(CampaignType))}
    manager = people.user(session, "liuyang") or sellers[0]
    specs = (("2026 中国国际工业博览会（上海）", "展会", -75, -71, "80000", "76500",
              "在 4.1 馆设 36 平米展位，展出高效节能电机与智能水泵系列。",
              "收集名片 230 张，有效线索 41 条，现场签约意向 3 家。"),
             ("华东区老客户答谢会", "客户答谢会", -30, -30, "30000", "27800",
              "邀请华东地区 40 家重点客户参加技术交流与答谢晚宴。", "到场 32 家客户，5 家提出扩产需求。"))
    made = []
    for index, (name, kind, start, end, budget, cost, description, results) in enumerate(specs):
        found = session.scalars(sa.select(Campaign).where(Campaign.name == name)).first()
        if found is None:
            found = Campaign(name=name, type=types.get(kind), start_date=today + dt.timedelta(days=start),
                             end_date=today + dt.timedelta(days=end), budget=Decimal(budget), cost=Decimal(cost),
                             description=description, results=results, owner_id=manager.id,
                             department_id=manager.department_id,
                             participants=sellers[index:index + 3],
                             customers=customers[index * 10:index * 10 + 12])
            session.add(found)
        made.append(found)
    session.flush()
    return made


def create(session: Session) -> list[str]:
    """Grants, checklists, 4 competitors, 2 campaigns and 36 opportunities in every stage and state."""
    rnd = random.Random(20261126)
    _grants(session)
    services.ensure_sequence(session)
    _checklists(session)
    competitors = _competitors(session)
    sellers = [u for u in (people.user(session, login) for login in SELLERS) if u is not None]
    customers = list(session.scalars(sa.select(Partner).where(Partner.is_customer.is_(True))
                                     .order_by(Partner.id).limit(60)))
    if not sellers or not customers:
        return ["crm: no demo customers or sales people: no opportunities made"]
    today = services.today(session)
    campaigns = _campaigns(session, today, sellers, customers)
    stages = {s.name: s for s in services.stages(session)}
    reasons = list(session.scalars(sa.select(LostReason).order_by(LostReason.sequence)))
    open_stages = [s for s in services.stages(session) if not s.is_won and not s.is_lost]
    count = 0
    for target, how_many in PLAN:
        for _n in range(how_many):
            seller = sellers[count % len(sellers)]
            own = [c for c in customers if c.owner_id == seller.id] or customers
            customer = rnd.choice(own)
            contacts = list(session.scalars(sa.select(Contact).where(Contact.partner_id == customer.id)
                                            .order_by(Contact.id).limit(3)))
            campaign = campaigns[count % 2] if count % 3 == 0 else None
            amount = Decimal(rnd.choice((3, 5, 8, 12, 18, 25, 36, 50, 68, 120))) * 10000 + \
                Decimal(rnd.randint(0, 99)) * 100
            opportunity = services.create_opportunity(session, {
                "title": f"{customer.short_name or customer.name[:6]}{TITLES[count % len(TITLES)]}",
                "partner_id": customer.id, "contact_id": contacts[0].id if contacts else None,
                "expected_amount": amount,
                "expected_date": today + dt.timedelta(days=rnd.randint(-20, 120)),
                "campaign_id": campaign.id if campaign is not None else None,
                "competitor_ids": {c.id for c in rnd.sample(competitors, rnd.randint(0, 2))},
                "influencers": [{"contact_id": c.id, "role": role, "attitude": rnd.choice(
                    ("supporter", "neutral", "neutral", "opponent")), "note": ""}
                    for c, role in zip(contacts, ("decision_maker", "influencer", "user"))],
                "team": [{"user_id": seller.id, "role": "客户经理"}],
                "note": "",
            }, seller)
            opportunity.created_at = dt.datetime.combine(today - dt.timedelta(days=rnd.randint(5, 120)),
                                                         dt.time(2, 0))
            # Walk through the stages as a rep would, ticking what is known at each.
            last = stages.get(target) if target in stages else rnd.choice(open_stages[1:])
            for stage in open_stages:
                ticked = [i.id for i in stage.checklist if rnd.random() < 0.7]
                services.evaluate(session, opportunity, ticked, seller)
                if stage.sequence >= last.sequence:
                    break
                nxt = open_stages[open_stages.index(stage) + 1]
                services.move(session, opportunity, nxt.id, seller)
            if target == "won":
                services.mark_won(session, opportunity, seller, "合同已签订")
                opportunity.closed_date = today - dt.timedelta(days=rnd.randint(0, 60))
            elif target == "lost":
                services.mark_lost(session, opportunity, seller, rnd.choice(reasons).id, "")
                opportunity.closed_date = today - dt.timedelta(days=rnd.randint(0, 60))
            count += 1
    session.flush()
    return [f"crm: {count} opportunities, {len(competitors)} competitors, {len(campaigns)} campaigns"]
