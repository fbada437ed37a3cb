"""partners demo data (zhanggui init --demo): a Hangzhou trading company's customers, suppliers, channels.

Deterministic (a seeded random), real division codes, valid tax numbers, owners spread
over the kernel's demo sales people (core/security/demo.py).
"""
from __future__ import annotations

import random

import sqlalchemy as sa
from sqlalchemy.orm import Session
from stdnum.cn import uscc

from core.security import demo as people

from .. import sequences
from . import divisions, services
from .models import BankAccount, Contact, Industry, Partner, PartnerCategory, PartnerSource, Tag

CATEGORIES = {"customer": ["终端客户", "经销客户", "集团客户", "政府及事业单位"],
              "supplier": ["原材料", "设备", "服务"],
              "channel": ["一级经销商", "二级经销商"]}
INDUSTRIES = ["机械制造", "电子元器件", "纺织服装", "化工", "建材", "汽车配件", "食品饮料", "医疗器械", "物流运输",
              "信息技术"]
SOURCES = ["展会", "网络推广", "老客户介绍", "电话营销", "官网咨询", "渠道推荐"]
TAGS = [("重点客户", "red"), ("VIP", "gold"), ("长期合作", "green"), ("账期客户", "blue"), ("出口业务", "purple")]

#: Where partners are: mostly around Hangzhou, some elsewhere in the Yangtze delta and the south.
REGIONS = [("330100", 40), ("330200", 10), ("330300", 6), ("330400", 6), ("330600", 6), ("330700", 8),
           ("320500", 6), ("320100", 4), ("310000", 8), ("440300", 4), ("440100", 3), ("350200", 2)]
CITY_WORDS = {"330100": "杭州", "330200": "宁波", "330300": "温州", "330400": "嘉兴", "330600": "绍兴",
              "330700": "金华", "320500": "苏州", "320100": "南京", "310000": "上海", "440300": "深圳",
              "440100": "广州", "350200": "厦门"}
BRAND = ["恒达", "华星", "新锐", "鼎盛", "永盛", "金桥", "宏图", "瑞丰", "天成", "中联", "东方", "海纳", "博远",
         "嘉禾", "远航", "信诚", "众合", "明德", "佳和", "正泰", "德利", "锦程", "汇通", "联创", "万达", "安达",
         "泰和", "盛世", "华美", "康源"]
TRADE = {"机械制造": ["机电设备", "精密机械", "液压机械", "数控设备"], "电子元器件": ["电子", "电器", "微电子"],
         "纺织服装": ["纺织", "服饰", "丝绸"], "化工": ["化工", "新材料", "涂料"], "建材": ["建材", "五金", "管业"],
         "汽车配件": ["汽车零部件", "汽配", "轴承"], "食品饮料": ["食品", "茶业", "饮品"],
         "医疗器械": ["医疗器械", "生物科技"], "物流运输": ["物流", "供应链管理", "货运代理"],
         "信息技术": ["信息技术", "软件", "网络科技"]}
FORMS = ["有限公司", "有限公司", "有限公司", "股份有限公司", "贸易有限公司"]
STREETS = ["文三路", "天目山路", "莫干山路", "延安路", "江南大道", "滨盛路", "文一西路", "学院路", "解放东路",
           "人民路", "中山路", "建设路", "工业园路", "科技大道"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英",
         "霞", "平", "刚", "桂英", "建华", "志强", "海燕", "晓东", "文博", "思远", "佳怡", "雨欣", "浩然", "子豪"]
TITLES = [("总经理", "总经办"), ("采购经理", "采购部"), ("采购专员", "采购部"), ("财务主管", "财务部"),
          ("技术总监", "技术部"), ("销售经理", "销售部"), ("仓库主管", "仓储部"), ("行政助理", "行政部")]
BANKS = ["中国工商银行", "中国建设银行", "中国农业银行", "中国银行", "交通银行", "招商银行", "浙商银行", "杭州银行"]
SALES = ("zhangwei", "lina", "zhaolei", "sunli", "chenjing", "liuyang")
BUYERS = ("zhoujie", "xuming")


def _named(session: Session, model, names, **kw) -> list:
    rows = []
    for i, name in enumerate(names):
        row = session.scalar(sa.select(model).where(model.name == name))
        if row is None:
            row = model(name=name, **kw, **({"sequence": (i + 1) * 10} if hasattr(model, "sequence") else {}))
            session.add(row)
        rows.append(row)
    return rows


def _place(rng: random.Random) -> tuple[str, str, str]:
    """(province, city, district) codes of a real district, weighted by REGIONS."""
    code = rng.choices([c for c, _w in REGIONS], [w for _c, w in REGIONS])[0]
    place = divisions.get(code)
    if place.level == 1:  # a municipality: districts under the province
        return code, "", rng.choice(divisions.children(code)).code
    return place.parent, code, rng.choice(divisions.children(code)).code


def _tax_number(rng: random.Random, district: str) -> str:
    body = "91" + district + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    return body + uscc.calc_check_digit(body)


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _mobile(rng: random.Random) -> str:
    return f"13{rng.randint(0, 9)}{rng.randint(0, 99999999):08d}"


def _partner(session, rng, code, owners, role, categories, industries, sources, tags, used) -> Partner:
    industry = rng.choice(industries)
    province, city, district = _place(rng)
    word = CITY_WORDS[city or province]
    while True:
        brand = rng.choice(BRAND) + rng.choice(["", "", rng.choice(BRAND)[0]])
        name = f"{word}{brand}{rng.choice(TRADE[industry.name])}{rng.choice(FORMS)}"
        if name not in used:
            used.add(name)
            break
    owner = owners[rng.randrange(len(owners))]
    area = rng.choice(["0571", "0574", "0577", "021", "0755", "025"])
    partner = Partner(
        code=code, name=name, short_name=f"{word}{brand}",
        is_customer=role == "customer", is_supplier=role == "supplier" or rng.random() < 0.05,
        is_channel=role == "channel", industry=industry, source=rng.choice(sources),
        phone=f"{area}-{rng.randint(8000_0000, 8999_9999)}", mobile=_mobile(rng),
        email=f"info@{rng.choice(['hd', 'hx', 'xr', 'ds', 'ys', 'jq'])}{rng.randint(100, 999)}.com.cn",
        tax_number=_tax_number(rng, district), country="CN", province=province, city=city, district=district,
        street=f"{rng.choice(STREETS)} {rng.randint(1, 999)} 号", active=rng.random() > 0.03,
        owner_id=owner.id, department_id=owner.department_id)
    setattr(partner, f"{role}_category", rng.choice(categories[role]))
    if partner.is_supplier and role != "supplier":
        partner.supplier_category = rng.choice(categories["supplier"])
    partner.tags = rng.sample(tags, rng.choice([0, 0, 1, 1, 2]))
    session.add(partner)
    return partner


def _contacts(session, rng, partner: Partner, count: int) -> None:
    boss = None
    for i in range(count):
        title, department = TITLES[0] if i == 0 else rng.choice(TITLES[1:])
        contact = Contact(partner=partner, name=_person(rng), title=title, department=department,
                          mobile=_mobile(rng), phone=partner.phone if i == 0 else "",
                          email=f"c{partner.code.lower()}{i}@example.cn", wechat=f"wx_{rng.randint(10**6, 10**7)}",
                          qq=str(rng.randint(10**7, 10**9)) if rng.random() < 0.4 else "",
                          country="CN", province=partner.province, city=partner.city,
                          district=partner.district, street=partner.street, parent=boss,
                          owner_id=partner.owner_id, department_id=partner.department_id)
        session.add(contact)
        boss = boss or contact


#: (role, scope) of the kernel's demo roles on partners, contacts and bank accounts.
GRANTS = (("销售代表", "read,create,edit,export", "own"), ("销售经理", "read,create,edit,delete,export", "subtree"),
          ("总经理", "read,export", "all"), ("采购员", "read,create,edit", "department"))


def _grant(session: Session) -> None:
    for role, actions, scope in GRANTS:
        for model in ("base.partner", "base.contact", "base.partner_bank"):
            people.grant(session, role, model, actions, scope)
        for model in ("base.partner_category", "base.industry", "base.partner_source", "base.tag"):
            people.grant(session, role, model, "read")


def create(session: Session) -> list[str]:
    """Create the demo records; return lines to print."""
    rng = random.Random(20261125)
    _grant(session)
    services.ensure_partner_sequence(session)
    categories = {role: _named(session, PartnerCategory, names, role=role) for role, names in CATEGORIES.items()}
    industries = _named(session, Industry, INDUSTRIES)
    sources = _named(session, PartnerSource, SOURCES)
    tags = [t for t in _named(session, Tag, [n for n, _c in TAGS])]
    for tag, (_name, color) in zip(tags, TAGS):
        tag.color = tag.color or color
    session.flush()
    sales = [u for u in (people.user(session, login) for login in SALES) if u is not None]
    buyers = [u for u in (people.user(session, login) for login in BUYERS) if u is not None] or sales
    if not sales:
        return ["demo partners: skipped (no demo sales people)"]
    used: set[str] = set(session.scalars(sa.select(Partner.name)))
    codes = _codes(session, 240)
    made = {"customer": 0, "supplier": 0, "channel": 0}
    contacts = 0
    for role, count, owners in (("customer", 200, sales), ("supplier", 30, buyers), ("channel", 10, sales[-1:])):
        # One flush per role, not one per partner: taking a code would flush the pending ones.
        with session.no_autoflush:
            made[role], n_contacts = _partners(session, rng, codes, role, count, owners, categories,
                                               industries, sources, tags, used)
        contacts += n_contacts
        session.flush()
    return [f"demo partners: {made['customer']} customers, {made['supplier']} suppliers, "
            f"{made['channel']} channel partners, {contacts} contacts"]


def _codes(session: Session, count: int):
    """``count`` partner codes taken at once (one counter update instead of one per partner)."""
    sequence = services.ensure_partner_sequence(session)
    when = sequences.today(session)
    start = sequences.current_counter(session, sequence, when)
    sequences.set_next_counter(session, sequence, start + count + 1, when)
    return iter([sequences.format_number(sequence, start + i, when) for i in range(1, count + 1)])


def _partners(session, rng, codes, role, count, owners, categories, industries, sources, tags,
              used) -> tuple[int, int]:
    """``count`` partners of ``role`` with 1–3 contacts each (a boss and their reports), most with a bank account."""
    contacts = 0
    for _ in range(count):
        partner = _partner(session, rng, next(codes), owners, role, categories, industries, sources, tags, used)
        n = rng.randint(1, 3)
        _contacts(session, rng, partner, n)
        contacts += n
        if rng.random() < 0.6:
            branch = CITY_WORDS[partner.city or partner.province]
            session.add(BankAccount(partner=partner, bank=f"{rng.choice(BANKS)}{branch}分行",
                                    account_name=partner.name,
                                    account_number=" ".join(f"{rng.randint(0, 9999):04d}" for _ in range(4)),
                                    is_default=True, owner_id=partner.owner_id,
                                    department_id=partner.department_id))
    return count, contacts
