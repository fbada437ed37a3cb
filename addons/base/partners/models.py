"""Partners (customers, suppliers, channel partners), their contacts and bank accounts.

One ``Partner`` model carries the three roles as flags, because the same company is
often a customer and a supplier: one record, one code, one address. Contacts and
bank accounts are owned like their partner (their owner follows the partner's, see
``services.follow_partner_owner``), so record scopes give a sales rep the contacts of
their own customers and no others.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import Comparator, hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, utcnow
from core.search import SearchIndex
from core.security.models import Owned

#: The roles a partner can have: (flag column, category column, role code).
ROLES = (("is_customer", "customer_category_id", "customer"),
         ("is_supplier", "supplier_category_id", "supplier"),
         ("is_channel", "channel_category_id", "channel"))


class PartnerCategory(Base):
    """A category of partners within one role (客户: 终端客户, 经销客户…), edited by administrators.

    What kind of company a partner is; where a customer stands in the sales relationship
    (初次客户, 意向客户…) is the crm addon's customer type.
    """

    __tablename__ = "base_partner_category"
    __zg_cached__ = True  # choice lists kept per process (core.datacache)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: customer, supplier or channel
    role: Mapped[str] = mapped_column(sa.String(10), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    sequence: Mapped[int] = mapped_column(default=10)
    active: Mapped[bool] = mapped_column(default=True)

    __table_args__ = (sa.UniqueConstraint("role", "name"),)

    def __str__(self) -> str:
        return self.name


class ChoiceList:
    """Columns of a company-editable list of names (industries, sources): unique, ordered.

    Choice lists of these are kept per process until a row changes (core.datacache).
    """

    __zg_cached__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    sequence: Mapped[int] = mapped_column(default=10)
    active: Mapped[bool] = mapped_column(default=True)

    def __str__(self) -> str:
        return self.name


class Industry(ChoiceList, Base):
    """An industry partners belong to (机械制造, 电子元器件…), a company-editable list."""

    __tablename__ = "base_industry"


class PartnerSource(ChoiceList, Base):
    """Where a partner came from (展会, 网络推广, 老客户介绍…), a company-editable list."""

    __tablename__ = "base_partner_source"


class Tag(Base):
    """A free label on partners (重点客户, VIP…), a company-editable list."""

    __tablename__ = "base_tag"
    __zg_cached__ = True  # choice lists kept per process (core.datacache)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(60), unique=True)
    color: Mapped[str] = mapped_column(sa.String(20), default="")
    active: Mapped[bool] = mapped_column(default=True)

    def __str__(self) -> str:
        return self.name


class PartnerTag(Base):
    """The tags of a partner (many-to-many)."""

    __tablename__ = "base_partner_tag"

    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("base_partner.id", ondelete="CASCADE"),
                                            primary_key=True)
    tag_id: Mapped[int] = mapped_column(sa.ForeignKey("base_tag.id", ondelete="CASCADE"), primary_key=True,
                                        index=True)


class _HasTag(Comparator):
    """``Partner.tag.in_([1, 2])``: partners with one of these tags (the list's "Tag" filter).

    The generic list filters compare a column with the chosen values; a partner has
    several tags, so the comparison becomes ``id IN (SELECT partner_id … tag_id IN …)``.
    """

    @property
    def property(self):  # what core.records reads to type the filter's values (integers)
        return _TagColumn

    def in_(self, other):
        return self.expression.in_(sa.select(PartnerTag.partner_id).where(PartnerTag.tag_id.in_(other)))


class _TagColumn:
    columns = [PartnerTag.__table__.c.tag_id]


class Partner(Owned, Base):
    """A company or person the business deals with: customer, supplier and/or channel partner."""

    __tablename__ = "base_partner"
    __search__ = SearchIndex(names=["name", "short_name"], texts=["code", "email", "tax_number"],
                             phones=["phone", "mobile", "fax"])

    id: Mapped[int] = mapped_column(primary_key=True)
    #: From the numbering sequence ``base.partner`` (BP000001), or typed when it allows it.
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    short_name: Mapped[str] = mapped_column(sa.String(60), default="")
    is_customer: Mapped[bool] = mapped_column(default=False, index=True)
    is_supplier: Mapped[bool] = mapped_column(default=False, index=True)
    is_channel: Mapped[bool] = mapped_column(default=False, index=True)
    customer_category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("base_partner_category.id"),
                                                             index=True)
    supplier_category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("base_partner_category.id"),
                                                             index=True)
    channel_category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("base_partner_category.id"),
                                                            index=True)
    industry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("base_industry.id"), index=True)
    source_id: Mapped[int | None] = mapped_column(sa.ForeignKey("base_partner_source.id"), index=True)
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    mobile: Mapped[str] = mapped_column(sa.String(40), default="")
    fax: Mapped[str] = mapped_column(sa.String(40), default="")
    email: Mapped[str] = mapped_column(sa.String(200), default="")
    website: Mapped[str] = mapped_column(sa.String(200), default="")
    #: 统一社会信用代码 (18 characters, checked) or, abroad, any tax id.
    tax_number: Mapped[str] = mapped_column(sa.String(40), default="")
    #: ISO 3166-1 alpha-2 (CN); names come from Babel in the reader's language.
    country: Mapped[str] = mapped_column(sa.String(2), default="CN")
    #: Administrative division codes (GB/T 2260, 6 digits): 330000, 330100, 330106.
    province: Mapped[str] = mapped_column(sa.String(6), default="", index=True)
    city: Mapped[str] = mapped_column(sa.String(6), default="")
    district: Mapped[str] = mapped_column(sa.String(6), default="")
    street: Mapped[str] = mapped_column(sa.String(200), default="")
    note: Mapped[str] = mapped_column(sa.Text, default="")
    active: Mapped[bool] = mapped_column(default=True, index=True)
    #: When the partner was created (naive UTC): the "new customers" statistics count by it.
    created_at: Mapped[dt.datetime | None] = mapped_column(default=utcnow, index=True)

    customer_category: Mapped[PartnerCategory | None] = relationship(foreign_keys=[customer_category_id])
    supplier_category: Mapped[PartnerCategory | None] = relationship(foreign_keys=[supplier_category_id])
    channel_category: Mapped[PartnerCategory | None] = relationship(foreign_keys=[channel_category_id])
    industry: Mapped[Industry | None] = relationship()
    source: Mapped[PartnerSource | None] = relationship()
    tags: Mapped[list[Tag]] = relationship(secondary="base_partner_tag", order_by="Tag.name")
    # Deleted by the ORM with the partner (not only by ON DELETE CASCADE), so that the search
    # index forgets the contacts too (core/search/sync.py only sees ORM deletes).
    contacts: Mapped[list[Contact]] = relationship(back_populates="partner", order_by="Contact.id",
                                                   cascade="all, delete-orphan")
    bank_accounts: Mapped[list[BankAccount]] = relationship(back_populates="partner", order_by="BankAccount.id",
                                                            cascade="all, delete-orphan")

    def __str__(self) -> str:
        return self.name

    @hybrid_property
    def tag(self) -> set[int]:
        return self.tag_ids

    @tag.comparator
    def tag(cls):
        return _HasTag(cls.id)

    @property
    def tag_ids(self) -> set[int]:
        """The ids of the tags (the schema's field; the services set ``tags``)."""
        return {t.id for t in self.tags}

    @property
    def roles(self) -> list[str]:
        return [role for flag, _category, role in ROLES if getattr(self, flag)]

    @property
    def address_text(self) -> str:
        """"浙江省 杭州市 西湖区 文三路 90 号": division names from the package, then the street."""
        from .divisions import address_text

        return address_text(self.country, self.province, self.city, self.district, self.street)


class BankAccount(Owned, Base):
    """One bank account of a partner; owned like its partner (the owner follows it)."""

    __tablename__ = "base_partner_bank"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("base_partner.id", ondelete="CASCADE"), index=True)
    bank: Mapped[str] = mapped_column(sa.String(200))
    account_name: Mapped[str] = mapped_column(sa.String(200), default="")
    account_number: Mapped[str] = mapped_column(sa.String(60))
    #: The account documents use unless told otherwise; one per partner (the service keeps it so).
    is_default: Mapped[bool] = mapped_column(default=False)

    partner: Mapped[Partner] = relationship(back_populates="bank_accounts")

    def __str__(self) -> str:
        return f"{self.bank} {self.account_number}"


class Contact(Owned, Base):
    """A person at a partner; ``parent_id``: whom they report to (the same partner's contact)."""

    __tablename__ = "base_contact"
    __search__ = SearchIndex(names=["name"], texts=["email", "wechat", "qq"], phones=["phone", "mobile"])

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("base_partner.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("base_contact.id", ondelete="SET NULL"),
                                                  index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    title: Mapped[str] = mapped_column(sa.String(100), default="")
    department: Mapped[str] = mapped_column(sa.String(100), default="")
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    mobile: Mapped[str] = mapped_column(sa.String(40), default="")
    email: Mapped[str] = mapped_column(sa.String(200), default="")
    wechat: Mapped[str] = mapped_column(sa.String(60), default="")
    qq: Mapped[str] = mapped_column(sa.String(20), default="")
    birthday: Mapped[dt.date | None] = mapped_column(sa.Date)
    #: Copied from the partner when left empty at creation (see docs/partners.md).
    country: Mapped[str] = mapped_column(sa.String(2), default="CN")
    province: Mapped[str] = mapped_column(sa.String(6), default="")
    city: Mapped[str] = mapped_column(sa.String(6), default="")
    district: Mapped[str] = mapped_column(sa.String(6), default="")
    street: Mapped[str] = mapped_column(sa.String(200), default="")
    note: Mapped[str] = mapped_column(sa.Text, default="")
    active: Mapped[bool] = mapped_column(default=True, index=True)

    partner: Mapped[Partner] = relationship(back_populates="contacts")
    parent: Mapped[Contact | None] = relationship(remote_side=[id])

    def __str__(self) -> str:
        return self.name

    @property
    def address_text(self) -> str:
        from .divisions import address_text

        return address_text(self.country, self.province, self.city, self.district, self.street)

