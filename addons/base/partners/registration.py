"""The descriptors of partners, contacts, bank accounts and the lists that classify partners."""
from __future__ import annotations


from core.choices import named, users
from core.descriptors import Action, Column, Filter, MatchRule, ModelDescriptor
from core.i18n import _

from . import divisions, schemas, services
from .models import BankAccount, Contact, Industry, Partner, PartnerCategory, PartnerSource, Tag

ACTIVATE = Action("activate", _("Activate"), services.activate)
DEACTIVATE = Action("deactivate", _("Deactivate"), services.deactivate,
                    confirm=_("Deactivate the selected records? They stay on existing documents."))


def _yes(value) -> str:
    return "✓" if value else ""


def _categories(role: str):
    """The categories of one role (customer, supplier, channel), kept per process."""
    return named(PartnerCategory, where=PartnerCategory.role == role)


def _chosen_partner(request):
    """Only the partner in the query string (the "All contacts" link of a partner): not thousands."""
    try:
        chosen = int(request.params.get("partner_id", ""))
    except ValueError:
        return []
    partner = request.dbsession.get(Partner, chosen) if 0 < chosen < 2 ** 31 else None
    return [(partner.id, partner.name)] if partner is not None else []


def _provinces(request):
    return [(d.code, d.name) for d in divisions.provinces()]


PARTNER = ModelDescriptor(
    name="base.partner", model=Partner, title=_("Partner"), title_plural=_("Partners"),
    schema=schemas.partner_schema,
    columns=[Column("code", _("Code")), Column("name", _("Name")), Column("short_name", _("Short name"),
                                                                          visible=False),
             Column("is_customer", _("Customer"), format=_yes), Column("is_supplier", _("Supplier"), format=_yes),
             Column("is_channel", _("Channel partner"), format=_yes),
             Column("customer_category", _("Customer category"), sortable=False),
             Column("industry", _("Industry"), sortable=False), Column("phone", _("Phone")),
             Column("mobile", _("Mobile"), visible=False), Column("email", _("Email"), visible=False),
             Column("address_text", _("Address"), sortable=False),
             Column("owner", _("Owner"), sortable=False), Column("active", _("Active"), format=_yes, visible=False)],
    filters=[Filter("is_customer", _("Customer"), kind="bool"), Filter("is_supplier", _("Supplier"), kind="bool"),
             Filter("is_channel", _("Channel partner"), kind="bool"),
             Filter("customer_category_id", _("Customer category"), choices=_categories("customer")),
             Filter("supplier_category_id", _("Supplier category"), choices=_categories("supplier")),
             Filter("channel_category_id", _("Channel category"), choices=_categories("channel")),
             Filter("industry_id", _("Industry"), choices=named(Industry)),
             Filter("source_id", _("Source"), choices=named(PartnerSource)),
             Filter("tag", _("Tag"), choices=named(Tag)),
             Filter("province", _("Province"), choices=_provinces),
             Filter("owner_id", _("Owner"), choices=users),
             Filter("active", _("Active"), kind="bool")],
    actions=[ACTIVATE, DEACTIVATE], order_by="-id",
    label=lambda p: p.name,
    create=services.create_partner, create_many=services.create_partners, update=services.update_partner,
    importable=True,
    import_rules=[MatchRule("code", _("Code"), ["code"]), MatchRule("name", _("Name"), ["name"]),
                  MatchRule("phone", _("Phone"), ["phone"]), MatchRule("mobile", _("Mobile"), ["mobile"])],
)

CONTACT = ModelDescriptor(
    name="base.contact", model=Contact, title=_("Contact"), title_plural=_("Contacts"),
    schema=schemas.contact_schema,
    columns=[Column("name", _("Name")), Column("partner", _("Partner"), sortable=False),
             Column("title", _("Job title")), Column("department", _("Department"), visible=False),
             Column("mobile", _("Mobile")), Column("phone", _("Phone")), Column("email", _("Email")),
             Column("wechat", _("WeChat"), visible=False), Column("qq", _("QQ"), visible=False),
             Column("parent", _("Reports to"), sortable=False, visible=False),
             Column("birthday", _("Birthday"), visible=False),
             Column("owner", _("Owner"), sortable=False, visible=False),
             Column("active", _("Active"), format=_yes, visible=False)],
    filters=[Filter("partner_id", _("Partner"), choices=_chosen_partner), Filter("active", _("Active"), kind="bool"),
             Filter("province", _("Province"), choices=_provinces),
             Filter("owner_id", _("Owner"), choices=users)],
    actions=[ACTIVATE, DEACTIVATE], order_by="name",
    label=lambda c: f"{c.name} ({c.partner.short_name or c.partner.name})" if c.partner else c.name,
    create=services.create_contact, update=services.update_contact,
    # The partner column takes the partner's code or name (core/imports resolves references).
    importable=True,
    import_rules=[MatchRule("name", _("Partner and name"), ["partner_id", "name"]),
                  MatchRule("mobile", _("Mobile"), ["mobile"])],
)

BANK_ACCOUNT = ModelDescriptor(
    name="base.partner_bank", model=BankAccount, title=_("Bank account"), title_plural=_("Bank accounts"),
    schema=schemas.bank_account_schema,
    columns=[Column("partner", _("Partner"), sortable=False), Column("bank", _("Bank")),
             Column("account_name", _("Account name")), Column("account_number", _("Account number")),
             Column("is_default", _("Default account"), format=_yes)],
    search_fields=["bank", "account_name", "account_number"], searchable=False, order_by="-id",
    label=str, create=services.create_bank_account, update=services.update_bank_account,
)

CATEGORY = ModelDescriptor(
    name="base.partner_category", model=PartnerCategory, title=_("Partner category"),
    title_plural=_("Partner categories"), schema=schemas.category_schema,
    columns=[Column("role"), Column("name", _("Name")), Column("sequence", _("Order")),
             Column("active", _("Active"), format=_yes)],
    filters=[Filter("role", _("Role"), choices=lambda request: schemas.ROLE_TITLES),
             Filter("active", _("Active"), kind="bool")],
    search_fields=["name"], searchable=False, actions=[ACTIVATE, DEACTIVATE], order_by="role",
    label=lambda c: c.name,
)


def _simple(name, model, title, plural, **kw) -> ModelDescriptor:
    columns = [Column("name", _("Name"))]
    if hasattr(model, "sequence"):
        columns.append(Column("sequence", _("Order")))
    if hasattr(model, "color"):
        columns.append(Column("color", _("Color")))
    columns.append(Column("active", _("Active"), format=_yes))
    return ModelDescriptor(name=name, model=model, title=title, title_plural=plural,
                           schema=schemas.simple_list_schema(model, **kw), columns=columns,
                           filters=[Filter("active", _("Active"), kind="bool")], search_fields=["name"],
                           searchable=False, actions=[ACTIVATE, DEACTIVATE], order_by="name",
                           label=lambda r: r.name)


INDUSTRY = _simple("base.industry", Industry, _("Industry"), _("Industries"))
SOURCE = _simple("base.partner_source", PartnerSource, _("Partner source"), _("Partner sources"))
TAG = _simple("base.tag", Tag, _("Tag"), _("Tags"), length=60, with_sequence=False, with_color=True)

DESCRIPTORS = (PARTNER, CONTACT, BANK_ACCOUNT, CATEGORY, INDUSTRY, SOURCE, TAG)
