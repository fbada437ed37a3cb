"""crm's tables: stages and their checklists, opportunities, lost reasons, competitors, campaigns.

An opportunity (销售机会) is owned by its sales rep (``Owned``), so record scopes give a
rep their own and a manager their department's. Money is stored exactly (``Scaled``,
the document base's amount scale); the pipeline totals and reports sum the stored
integers, exact on SQLite too.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from addons.base.documents.models import AMOUNT_SCALE
from addons.base.partners.models import ChoiceList, Contact, Partner
from core.db import Base, Scaled, utcnow
from core.search import SearchIndex
from core.security.models import Owned, User

#: The states of an opportunity.
STATES = ("open", "won", "lost")


class LostReason(ChoiceList, Base):
    """Why a deal was lost (价格太高, 选择了竞争对手…), chosen when marking it lost."""

    __tablename__ = "crm_lost_reason"


class CampaignType(ChoiceList, Base):
    """A kind of campaign (展会, 线上推广, 客户答谢会…)."""

    __tablename__ = "crm_campaign_type"


class Stage(Base):
    """A step of the pipeline, set by the company, with a win probability and a checklist."""

    __tablename__ = "crm_stage"
    __zg_cached__ = True  # choice lists kept per process (core.datacache)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    sequence: Mapped[int] = mapped_column(default=10)
    #: Percent (0–100): an opportunity entering the stage takes it as its probability.
    probability: Mapped[int] = mapped_column(default=10)
    #: Shown collapsed on the board (won and lost usually are).
    folded: Mapped[bool] = mapped_column(default=False)
    #: Moving an opportunity here marks it won / lost.
    is_won: Mapped[bool] = mapped_column(default=False)
    is_lost: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)

    checklist: Mapped[list[StageCheckItem]] = relationship(order_by="StageCheckItem.sequence",
                                                           cascade="all, delete-orphan")

    def __str__(self) -> str:
        return self.name


class StageCheckItem(Base):
    """A question of a stage's evaluation (机会评估), weighted: "预算已确认" (20)."""

    __tablename__ = "crm_stage_check_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    stage_id: Mapped[int] = mapped_column(sa.ForeignKey("crm_stage.id", ondelete="CASCADE"), index=True)
    sequence: Mapped[int] = mapped_column(default=10)
    question: Mapped[str] = mapped_column(sa.String(200))
    weight: Mapped[int] = mapped_column(default=10)

    def __str__(self) -> str:
        return self.question


class Competitor(Base):
    """Another company competing for our deals: their strengths, products, prices and people."""

    __tablename__ = "crm_competitor"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    website: Mapped[str] = mapped_column(sa.String(200), default="")
    strengths: Mapped[str] = mapped_column(sa.Text, default="")
    weaknesses: Mapped[str] = mapped_column(sa.Text, default="")
    note: Mapped[str] = mapped_column(sa.Text, default="")
    active: Mapped[bool] = mapped_column(default=True)

    products: Mapped[list[CompetitorProduct]] = relationship(order_by="CompetitorProduct.sequence",
                                                             cascade="all, delete-orphan")
    contacts: Mapped[list[CompetitorContact]] = relationship(order_by="CompetitorContact.sequence",
                                                             cascade="all, delete-orphan")

    def __str__(self) -> str:
        return self.name


class CompetitorProduct(Base):
    """A product a competitor sells, with its price as we know it."""

    __tablename__ = "crm_competitor_product"

    id: Mapped[int] = mapped_column(primary_key=True)
    competitor_id: Mapped[int] = mapped_column(sa.ForeignKey("crm_competitor.id", ondelete="CASCADE"), index=True)
    sequence: Mapped[int] = mapped_column(default=10)
    name: Mapped[str] = mapped_column(sa.String(200))
    price: Mapped[Decimal | None] = mapped_column(Scaled(AMOUNT_SCALE))
    note: Mapped[str] = mapped_column(sa.String(500), default="")


class CompetitorContact(Base):
    """One of a competitor's sales people."""

    __tablename__ = "crm_competitor_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    competitor_id: Mapped[int] = mapped_column(sa.ForeignKey("crm_competitor.id", ondelete="CASCADE"), index=True)
    sequence: Mapped[int] = mapped_column(default=10)
    name: Mapped[str] = mapped_column(sa.String(100))
    title: Mapped[str] = mapped_column(sa.String(100), default="")
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    email: Mapped[str] = mapped_column(sa.String(200), default="")


campaign_member = sa.Table(
    "crm_campaign_member", Base.metadata,
    sa.Column("campaign_id", sa.ForeignKey("crm_campaign.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("zg_user.id", ondelete="CASCADE"), primary_key=True, index=True),
)

campaign_customer = sa.Table(
    "crm_campaign_customer", Base.metadata,
    sa.Column("campaign_id", sa.ForeignKey("crm_campaign.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("partner_id", sa.ForeignKey("base_partner.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Campaign(Owned, Base):
    """A marketing campaign (市场活动): a fair, an online promotion, a customer event."""

    __tablename__ = "crm_campaign"
    __search__ = SearchIndex(names=["name"])

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    type_id: Mapped[int | None] = mapped_column(sa.ForeignKey("crm_campaign_type.id"), index=True)
    start_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    end_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    budget: Mapped[Decimal] = mapped_column(Scaled(AMOUNT_SCALE), default=Decimal(0))
    cost: Mapped[Decimal] = mapped_column(Scaled(AMOUNT_SCALE), default=Decimal(0))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    results: Mapped[str] = mapped_column(sa.Text, default="")

    type: Mapped[CampaignType | None] = relationship()
    participants: Mapped[list[User]] = relationship(secondary=campaign_member, order_by=User.name)
    customers: Mapped[list[Partner]] = relationship(secondary=campaign_customer, order_by=Partner.name)

    @property
    def participant_ids(self) -> set[int]:
        return {u.id for u in self.participants}

    @property
    def customer_ids(self) -> set[int]:
        return {p.id for p in self.customers}

    def __str__(self) -> str:
        return self.name


opportunity_competitor = sa.Table(
    "crm_opportunity_competitor", Base.metadata,
    sa.Column("opportunity_id", sa.ForeignKey("crm_opportunity.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("competitor_id", sa.ForeignKey("crm_competitor.id", ondelete="CASCADE"), primary_key=True,
              index=True),
)


class Opportunity(Owned, Base):
    """A sales opportunity (销售机会), from first contact to won or lost; owned by its rep."""

    __tablename__ = "crm_opportunity"
    __search__ = SearchIndex(names=["title"], texts=["number"])

    id: Mapped[int] = mapped_column(primary_key=True)
    #: From the numbering sequence ``crm.opportunity`` (OP202611-0001).
    number: Mapped[str] = mapped_column(sa.String(40), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("base_partner.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("base_contact.id", ondelete="SET NULL"))
    stage_id: Mapped[int] = mapped_column(sa.ForeignKey("crm_stage.id"), index=True)
    expected_amount: Mapped[Decimal] = mapped_column(Scaled(AMOUNT_SCALE), default=Decimal(0))
    expected_date: Mapped[dt.date | None] = mapped_column(sa.Date, index=True)
    #: Percent 0–100: the stage's when it enters a stage, the rep may change it.
    probability: Mapped[int] = mapped_column(default=0)
    state: Mapped[str] = mapped_column(sa.String(8), default="open", index=True)
    lost_reason_id: Mapped[int | None] = mapped_column(sa.ForeignKey("crm_lost_reason.id"), index=True)
    #: What the rep wrote when closing it (won or lost).
    close_note: Mapped[str] = mapped_column(sa.String(500), default="")
    #: The day it was won or lost.
    closed_date: Mapped[dt.date | None] = mapped_column(sa.Date, index=True)
    campaign_id: Mapped[int | None] = mapped_column(sa.ForeignKey("crm_campaign.id", ondelete="SET NULL"),
                                                    index=True)
    #: The evaluation score (0–100) of the current stage's checklist; None without a checklist.
    score: Mapped[int | None] = mapped_column()
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    partner: Mapped[Partner] = relationship()
    contact: Mapped[Contact | None] = relationship()
    stage: Mapped[Stage] = relationship()
    lost_reason: Mapped[LostReason | None] = relationship()
    campaign: Mapped[Campaign | None] = relationship()
    competitors: Mapped[list[Competitor]] = relationship(secondary=opportunity_competitor,
                                                         order_by=Competitor.name)
    influencers: Mapped[list[Influencer]] = relationship(order_by="Influencer.sequence",
                                                         cascade="all, delete-orphan")
    team: Mapped[list[TeamMember]] = relationship(order_by="TeamMember.sequence", cascade="all, delete-orphan")
    answers: Mapped[list[Answer]] = relationship(cascade="all, delete-orphan")

    @property
    def competitor_ids(self) -> set[int]:
        return {c.id for c in self.competitors}

    @property
    def weighted_amount(self) -> Decimal:
        return (self.expected_amount * self.probability / 100).quantize(Decimal("0.01"))

    def __str__(self) -> str:
        return f"{self.number} {self.title}".strip()


class Influencer(Base):
    """One of the customer's people on this deal, with their role (决策者, 影响者, 使用者…)."""

    __tablename__ = "crm_opportunity_influencer"

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(sa.ForeignKey("crm_opportunity.id", ondelete="CASCADE"),
                                                index=True)
    sequence: Mapped[int] = mapped_column(default=10)
    contact_id: Mapped[int] = mapped_column(sa.ForeignKey("base_contact.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(sa.String(20), default="influencer")
    #: supporter / neutral / opponent
    attitude: Mapped[str] = mapped_column(sa.String(10), default="neutral")
    note: Mapped[str] = mapped_column(sa.String(500), default="")

    contact: Mapped[Contact] = relationship()


class TeamMember(Base):
    """One of our people on this deal, with their role (售前, 技术支持…)."""

    __tablename__ = "crm_opportunity_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(sa.ForeignKey("crm_opportunity.id", ondelete="CASCADE"),
                                                index=True)
    sequence: Mapped[int] = mapped_column(default=10)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("zg_user.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(sa.String(60), default="")

    user: Mapped[User] = relationship()


class Answer(Base):
    """A checklist item ticked on an opportunity (the evaluation's facts)."""

    __tablename__ = "crm_opportunity_answer"

    opportunity_id: Mapped[int] = mapped_column(sa.ForeignKey("crm_opportunity.id", ondelete="CASCADE"),
                                                primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("crm_stage_check_item.id", ondelete="CASCADE"),
                                         primary_key=True, index=True)
    checked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("zg_user.id", ondelete="SET NULL"))
    checked_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class StageChange(Base):
    """The history of an opportunity's stages: who moved it from where to where, when."""

    __tablename__ = "crm_stage_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(sa.ForeignKey("crm_opportunity.id", ondelete="CASCADE"),
                                                index=True)
    from_stage_id: Mapped[int | None] = mapped_column(sa.ForeignKey("crm_stage.id", ondelete="SET NULL"))
    to_stage_id: Mapped[int | None] = mapped_column(sa.ForeignKey("crm_stage.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("zg_user.id", ondelete="SET NULL"))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    from_stage: Mapped[Stage | None] = relationship(foreign_keys=[from_stage_id])
    to_stage: Mapped[Stage | None] = relationship(foreign_keys=[to_stage_id])
    user: Mapped[User | None] = relationship()


# The parts of crm, each in its own package (their tables join the metadata here).
from .customers import models as _customers  # noqa: E402,F401
from .pool import models as _pool  # noqa: E402,F401
from .followup import models as _followup  # noqa: E402,F401
from .projects import models as _projects  # noqa: E402,F401
from .channels import models as _channels  # noqa: E402,F401
from .targets import models as _targets  # noqa: E402,F401
from .contacts import models as _contacts  # noqa: E402,F401
from .blasts import models as _blasts  # noqa: E402,F401
