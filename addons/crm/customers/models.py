"""crm's customer profile on base partners: type, level, credit, status, the public pool.

``crm_customer`` is a model extension of ``base.partner`` (docs/model-extensions.md): one
row per partner at most, made when a crm field is first written; a partner without one
reads as the column defaults (no type, not in the pool…).
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from addons.base.partners.models import ChoiceList, Partner
from core.db import Base

#: Credit ratings, best first.
CREDIT_RATINGS = ("AAA", "AA", "A", "B", "C")
#: A customer's status in the sales relationship.
STATUSES = ("following", "dealt", "dormant", "lost")
#: How a customer's owner changes besides the kernel's "transfer" (``zg_owner_change.kind``).
OWNER_KINDS = ("create", "assign", "claim", "release", "pool")


class CustomerType(ChoiceList, Base):
    """A customer type set by the company (初次客户, 意向客户, 潜在客户, 正式客户…) and its pool rule."""

    __tablename__ = "crm_customer_type"

    #: A customer of this type not contacted for this many days goes back to the public pool (0: never).
    pool_days: Mapped[int] = mapped_column(default=0)
    #: The owner is warned this many days before.
    warn_days: Mapped[int] = mapped_column(default=3)


class CustomerLevel(ChoiceList, Base):
    """A customer level set by the company (重点客户, 普通客户…)."""

    __tablename__ = "crm_customer_level"


class CustomerProfile(Base):
    """crm's fields of a partner (the extension's side row)."""

    __tablename__ = "crm_customer"

    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("base_partner.id", ondelete="CASCADE"),
                                            primary_key=True)
    customer_type_id: Mapped[int | None] = mapped_column(sa.ForeignKey("crm_customer_type.id"), index=True)
    customer_level_id: Mapped[int | None] = mapped_column(sa.ForeignKey("crm_customer_level.id"), index=True)
    credit_rating: Mapped[str] = mapped_column(sa.String(4), default="")
    customer_status: Mapped[str] = mapped_column(sa.String(12), default="following", index=True)
    #: The campaign that brought the customer (crm_campaign), and the channel partner that developed it.
    campaign_id: Mapped[int | None] = mapped_column(sa.ForeignKey("crm_campaign.id", ondelete="SET NULL"),
                                                    index=True)
    channel_id: Mapped[int | None] = mapped_column(sa.ForeignKey("base_partner.id", ondelete="SET NULL"),
                                                   index=True)
    #: The last activity with the customer (kept by crm when activities are logged).
    last_contact_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    #: In the public pool (公海): no owner, claimable.
    in_pool: Mapped[bool] = mapped_column(default=False, index=True)
    pooled_at: Mapped[dt.datetime | None]
    #: When the owner was last warned that the customer is about to go back to the pool.
    pool_warned_at: Mapped[dt.datetime | None]
    #: Customer points (积分): the sum of the points history, kept for ranking.
    points: Mapped[int] = mapped_column(default=0, index=True)

    partner: Mapped[Partner] = relationship(foreign_keys=[partner_id])
    customer_type: Mapped[CustomerType | None] = relationship()
    customer_level: Mapped[CustomerLevel | None] = relationship()
    channel: Mapped[Partner | None] = relationship(foreign_keys=[channel_id])


class CommonWord(ChoiceList, Base):
    """A word the duplicate check ignores in customer names (有限公司, 科技, 北京…), a company-editable list."""

    __tablename__ = "crm_common_word"


class SalesPreference(Base):
    """A rep's personal crm settings: usual industries and provinces, the default sender mailbox."""

    __tablename__ = "crm_user_pref"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("zg_user.id", ondelete="CASCADE"), primary_key=True)
    #: base_industry ids, most used first.
    industry_ids: Mapped[list] = mapped_column(sa.JSON, default=list)
    #: Province codes (GB/T 2260, 330000), most used first.
    provinces: Mapped[list] = mapped_column(sa.JSON, default=list)
    #: The mailbox the rep's email goes out from (one of theirs or a company one).
    mailbox_id: Mapped[int | None] = mapped_column(sa.ForeignKey("base_mailbox.id", ondelete="SET NULL"))
