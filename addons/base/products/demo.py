"""products demo data (zhanggui init --demo): units, categories, 100 products, 60 days of rates.

A 杭州 trading company selling electrical equipment, tools, office supplies and raw
materials. Deterministic: a seeded random picks prices and rate movements, the
rates are dated back from today.
"""
from __future__ import annotations

import datetime as dt
import random
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.orm import Session

from core.security import demo

from .. import sequences
from . import currencies, services
from .models import ProductCategory, ProductUnit, Unit, UnitConversion

#: name, symbol, decimals allowed in quantities
UNITS = [("个", "pcs", 0), ("件", "pc", 0), ("箱", "ctn", 0), ("台", "set", 0), ("套", "kit", 0),
         ("千克", "kg", 3), ("克", "g", 1), ("米", "m", 2), ("卷", "roll", 0)]

#: (category path, unit, [(name, specification, purchase price)], package: (unit, factor) or None)
CATALOGUE = [
    ("电气设备/电机", "台", [("三相异步电机", f"Y2-{frame} {kw}kW", price) for frame, kw, price in [
        ("80M1-2", "0.75", 680), ("90S-4", "1.1", 820), ("90L-4", "1.5", 960), ("100L1-4", "2.2", 1250),
        ("112M-4", "4", 1680), ("132S-4", "5.5", 2280), ("132M-4", "7.5", 2760), ("160M-4", "11", 4150),
        ("160L-4", "15", 5080), ("180M-4", "18.5", 6350), ("200L-4", "30", 9800)]]
     + [("变频器", f"VFD-M {kw}kW 380V", price) for kw, price in [
         ("0.75", 560), ("1.5", 680), ("2.2", 790), ("4", 1080), ("7.5", 1650), ("11", 2380)]], None),
    ("电气设备/低压电器", "个", [("小型断路器", f"DZ47-63 C{amp} {poles}", price) for amp, poles, price in [
        (16, "1P", 9.8), (20, "1P", 9.8), (32, "1P", 10.5), (16, "2P", 21), (32, "2P", 23), (63, "2P", 31),
        (32, "3P", 35), (63, "3P", 46)]]
     + [("交流接触器", f"CJX2-{model} 220V", price) for model, price in [
         ("0910", 38), ("1210", 42), ("1810", 56), ("2510", 78), ("3210", 96), ("4011", 168)]]
     + [("热过载继电器", f"JR36-20 {rng}A", 45) for rng in ("1-1.6", "2.2-3.5", "4.5-7.2", "6.8-11", "10-16")]
     + [("漏电断路器", f"DZ47LE-63 C{amp} 2P 30mA", price) for amp, price in [(16, 38), (32, 42), (63, 55)]]
     + [("按钮开关", f"LA38-11 {colour}", 6.5) for colour in ("红色", "绿色", "黄色")], ("箱", 20)),
    ("电气设备/电线电缆", "米", [("交联电力电缆", f"YJV 3×{size}+1×{small} mm²", price) for size, small, price in [
        ("2.5", "1.5", 8.6), ("4", "2.5", 12.8), ("6", "4", 18.5), ("10", "6", 29), ("16", "10", 45)]]
     + [("铜芯聚氯乙烯绝缘电线", f"BV {size}mm² {colour}", price) for size, colour, price in [
         ("1.5", "红", 1.35), ("2.5", "蓝", 2.1), ("4", "黄绿", 3.3)]], ("卷", 100)),
    ("五金工具", "件", [("活动扳手", f"{size}寸 铬钒钢", price) for size, price in [(8, 18), (10, 24), (12, 32)]]
     + [("十字螺丝刀", f"PH{n}×{length}mm", price) for n, length, price in [(1, 100, 5.5), (2, 150, 6.8)]]
     + [("数显游标卡尺", "0-150mm 0.01mm", 85), ("钢卷尺", "5m×19mm", 9.5), ("钢卷尺", "7.5m×25mm", 15),
        ("内六角扳手套装", "9件套 1.5-10mm", 28), ("冲击电钻", "13mm 710W", 238), ("角磨机", "100mm 850W", 185),
        ("电工胶布", "PVC 18mm×10m 黑色", 2.2), ("尖嘴钳", "6寸 绝缘柄", 16)], ("箱", 10)),
    ("五金工具/紧固件", "个", [("不锈钢六角螺栓", f"304 M{d}×{length}", price) for d, length, price in [
        (6, 20, 0.32), (8, 30, 0.55), (10, 40, 0.95), (12, 50, 1.6)]]
     + [("膨胀螺栓", f"M{d}×{length} 镀锌", price) for d, length, price in [(8, 80, 0.6), (10, 100, 0.9)]],
     ("箱", 500)),
    ("办公用品", "件", [("A4复印纸", "70g 500张/包", 19.5), ("A4复印纸", "80g 500张/包", 23), ("中性笔", "0.5mm 黑色", 1.2),
                     ("中性笔", "0.5mm 红色", 1.2), ("档案盒", "A4 55mm 蓝色", 4.8), ("订书机", "12号 省力型", 18),
                     ("订书钉", "24/6 1000枚", 1.5), ("便利贴", "76×76mm 黄色", 2.6), ("文件夹", "A4 双夹", 5.2),
                     ("白板笔", "可擦 黑色", 2.8), ("计算器", "12位 太阳能", 32), ("碳素墨水", "60ml", 4.5)], ("箱", 5)),
    ("原材料/钢材", "千克", [("热轧圆钢", f"Q235 Φ{d}", price) for d, price in [(12, 4.3), (16, 4.25), (20, 4.2), (25, 4.2)]]
     + [("冷轧钢板", f"SPCC {t}mm", price) for t, price in [("0.8", 5.1), ("1.0", 5.0), ("1.5", 4.9)]]
     + [("不锈钢板", f"304 {t}mm 2B", price) for t, price in [("1.0", 16.5), ("2.0", 16.0)]]
     + [("镀锌角钢", f"Q235 {s}×{s}×{t}", 4.9) for s, t in [(40, 4), (50, 5)]], None),
    ("原材料/塑料粒子", "千克", [("聚丙烯粒子 PP", "T30S 拉丝级", 7.9), ("聚丙烯粒子 PP", "K8303 共聚注塑级", 8.6),
                        ("ABS粒子", "757 通用级", 12.8), ("ABS粒子", "PA-747S 高光", 14.2),
                        ("高密度聚乙烯 HDPE", "7042 线性", 8.3), ("聚碳酸酯 PC", "2805 通用级", 17.5),
                        ("尼龙 PA66", "EPR27 本色", 22), ("聚苯乙烯 GPPS", "525 通用级", 9.4)], ("箱", 25)),
]

#: Approximate CNY per 1 unit at the start of the demo period.
RATES = {"USD": Decimal("7.1200"), "EUR": Decimal("7.7500"), "HKD": Decimal("0.9140"),
         "JPY": Decimal("0.047300"), "GBP": Decimal("9.0200")}
RATE_DAYS = 60


def _ean13(serial: int) -> str:
    first12 = f"690{4512:04d}{serial:05d}"  # 690: China (GS1); a made-up company prefix
    return first12 + services.ean13_check_digit(first12)


def _money(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _category(session: Session, path: str, made: dict) -> ProductCategory:
    parent = None
    for depth, name in enumerate(path.split("/"), start=1):
        key = "/".join(path.split("/")[:depth])
        if key not in made:
            category = services.create_category(session, {"name": name, "parent_id": parent.id if parent else None,
                                                          "sequence": 10 * (len(made) + 1), "active": True})
            made[key] = category
        parent = made[key]
    return parent


def _grants(session: Session) -> None:
    read = "read,export"
    for role in ("总经理", "销售经理", "销售代表", "仓库管理员", "会计"):
        for model in ("base.product", "base.product_category", "base.unit", "base.unit_conversion",
                      "base.product_unit", "base.currency", "base.currency_rate"):
            demo.grant(session, role, model, read, scope="all")
    for model in ("base.product", "base.product_category", "base.unit", "base.unit_conversion", "base.product_unit"):
        demo.grant(session, "采购员", model, "read,create,edit,export,import", scope="all")
    for model in ("base.currency", "base.currency_rate"):
        demo.grant(session, "会计", model, "read,create,edit,delete,export,import", scope="all")
        demo.grant(session, "采购员", model, read, scope="all")


def create(session: Session) -> list[str]:
    """Units, conversions, the category tree, 100 products and the last 60 days of rates."""
    rnd = random.Random(20261125)
    units = {}
    for name, symbol, decimals in UNITS:
        units[name] = Unit(name=name, symbol=symbol, decimals=decimals, active=True)
        session.add(units[name])
    session.flush()
    session.add(UnitConversion(from_unit_id=units["千克"].id, to_unit_id=units["克"].id, factor=Decimal(1000)))
    services.ensure_product_sequence(session)

    made: dict = {}
    for path in ("电气设备", "电气设备/低压电器", "电气设备/电机", "电气设备/电线电缆", "五金工具", "五金工具/紧固件",
                 "办公用品", "原材料", "原材料/钢材", "原材料/塑料粒子"):
        _category(session, path, made)
    count = 0
    for path, unit, items, package in CATALOGUE:
        category = _category(session, path, made)
        for name, spec, price in items:
            count += 1
            purchase = _money(price)
            cost = _money(float(purchase) * rnd.uniform(1.01, 1.05))  # freight and handling on top
            sale = _money(float(cost) * rnd.uniform(1.18, 1.45))
            product = services.create_product(session, {
                "code": "", "name": name, "specification": spec, "unit_id": units[unit].id,
                "category_id": category.id, "barcode": _ean13(count) if unit not in ("千克", "米") else "",
                "purchase_price": purchase, "sale_price": sale, "cost": cost, "active": True,
                "note": ""})
            session.flush()
            if package is not None:
                session.add(ProductUnit(product_id=product.id, unit_id=units[package[0]].id,
                                        factor=Decimal(package[1]),
                                        barcode=_ean13(5000 + count) if package[0] == "箱" else ""))
    session.flush()

    currencies.seed(session)
    today = sequences.today(session)
    first = today - dt.timedelta(days=RATE_DAYS)
    while first.weekday() >= 5:  # from the weekday before: every day of the last 60 has a rate
        first -= dt.timedelta(days=1)
    rates = 0
    for code, start in RATES.items():
        rate = start
        for offset in range((today - first).days + 1):
            day = first + dt.timedelta(days=offset)
            if day.weekday() >= 5:  # no fixing at the weekend: the Friday rate holds
                continue
            rate = (rate * Decimal(str(1 + rnd.uniform(-0.003, 0.003)))).quantize(
                Decimal("0.000001") if code == "JPY" else Decimal("0.0001"), rounding=ROUND_HALF_UP)
            currencies.set_rate(session, code, day, rate)
            rates += 1
    _grants(session)
    return [f"demo products: {count} products in {len(made)} categories, {len(UNITS)} units, "
            f"{rates} exchange rates"]
