"""base's hook implementations."""
from __future__ import annotations

import datetime as dt

from pyramid.renderers import render

from core import datacache
from core.hookspecs import hookimpl
from core.i18n import _
from core.security import demo

from . import sequences, services
from .activities import demo as activities_demo, hooks as activities_hooks
from .approval import demo as approval_demo, hooks as approval_hooks
from .attachments import demo as attachments_demo, hooks as attachments_hooks
from .backups import demo as backups_demo, hooks as backups_hooks
from .documents import demo as documents_demo, hooks as documents_hooks
from .mail import demo as mail_demo, hooks as mail_hooks
from .outbox import demo as outbox_demo, hooks as outbox_hooks
from .models import Company, Settings
from .partners import demo as partners_demo, hooks as partners_hooks
from .printing import demo as printing_demo, hooks as printing_hooks
from .products import demo as products_demo, hooks as products_hooks
from .statistics import demo as statistics_demo, hooks as statistics_hooks

#: The parts of base, in dependency order (their demo data is made in this order).
PARTS = ((products_hooks, products_demo), (partners_hooks, partners_demo),
         (activities_hooks, activities_demo), (attachments_hooks, attachments_demo),
         (documents_hooks, documents_demo), (approval_hooks, approval_demo),
         (outbox_hooks, outbox_demo), (mail_hooks, mail_demo), (printing_hooks, printing_demo),
         (statistics_hooks, statistics_demo), (backups_hooks, backups_demo))


def _collect() -> None:
    """Lift each part's hook implementations into this module, the one plugin of base.

    A part implements a hook under its own function name with
    ``@hookimpl(specname="menu_items")``; pluggy then calls every one of them.
    """
    for module, _demo in PARTS:
        part = module.__name__.rsplit(".", 2)[-2]
        for name, value in vars(module).items():
            if callable(value) and hasattr(value, "zhanggui_impl"):
                globals()[f"_{part}_{name}"] = value


_collect()


@hookimpl
def addon_data(session, registry):
    session.add(Company(name="My Company", short_name=""))
    session.add(Settings(quantity_decimals=2, price_decimals=2, amount_decimals=2, base_currency="CNY"))


@hookimpl
def demo_data(session, registry):
    company = services.get_company(session)
    company.name = "杭州掌柜示范贸易有限公司"
    company.short_name = "掌柜示范"
    company.address = "浙江省杭州市西湖区文三路 90 号"
    company.phone = "0571-8888 6666"
    company.email = "office@zhanggui-demo.cn"
    company.tax_number = "91330106MA2B3C4D5E"
    company.bank_name = "中国工商银行杭州文三路支行"
    company.bank_account = "1202 0212 0990 0123 456"
    # The demo people (departments, staff, roles, the demo login) live in the kernel.
    lines = [f"demo company: {company.name}", *demo.create_people(session)]
    for _hooks, part_demo in PARTS:
        lines.extend(part_demo.create(session) or [])
    return lines


@hookimpl
def menu_items(request):
    return [{"id": "admin.company", "parent": "admin", "title": _("Company settings"), "order": 5,
             "route": "base.company", "permission": "admin"},
            {"id": "admin.numbering", "parent": "admin", "title": _("Numbering"), "order": 6,
             "route": "zg.model.list", "route_kw": {"model": "base.sequence"},
             "permission": "base:sequence:read"}]


@hookimpl
def company_profile(request):
    def read() -> dict:
        company = services.get_company(request.dbsession)
        return {"name": company.name, "theme": company.theme or "default",
                "idle_lock_minutes": company.idle_lock_minutes}
    return dict(datacache.cached(request.dbsession, ("company_profile",), read))


@hookimpl
def dashboard_widgets(request):
    """The company card and the installed addons (what base's home page used to show)."""
    html = render("addons.base:templates/company_widget.pt", {
        "company": services.get_company(request.dbsession),
        "installed": request.addons.addons,
        "is_admin": request.has_permission("admin"),
    }, request=request)
    return [{"id": "company", "title": _("Company"), "html": html, "order": 0, "width": 2}]


@hookimpl
def detail_tabs(request, descriptor, record):
    """The "Next numbers" tab of a numbering sequence: previews for a chosen date, periods used."""
    if descriptor.name != "base.sequence":
        return None
    session = request.dbsession
    on, bad_date = dt.datetime.now(request.fmt.tzinfo).date(), False
    if request.params.get("numbering_on"):
        try:
            chosen = dt.date.fromisoformat(request.params["numbering_on"])
        except ValueError:
            bad_date = True
        else:  # years strftime writes with 4 digits, and a next period that exists
            bad_date = not 1000 <= chosen.year <= 9998
            on = on if bad_date else chosen
    following_on = sequences.next_period_start(record.reset, on)
    html = render("addons.base:templates/sequence_tab.pt", {
        "sequence": record, "on": on, "bad_date": bad_date,
        "next_number": sequences.format_number(record, sequences.current_counter(session, record, on) + 1, on),
        "following_on": following_on,
        "following": (sequences.format_number(record, sequences.current_counter(session, record, following_on) + 1,
                                              following_on) if following_on else None),
        "counters": sequences.counters(session, record),
    }, request=request)
    return [{"id": "numbers", "title": _("Next numbers"), "html": html, "order": 5}]
