"""crm: customer projects (项目管理) and their links to other addons' documents.

A project belongs to one customer and is owned by its manager (``Owned``: record scopes);
several colleagues work on it (``ProjectMember``). Quotations, orders and, later, purchase
and stock documents made for a project carry it in a tiny side table of crm's own,
``crm_project_<document table>`` (the document's id as primary key), which the model
extension in hooks.py turns into a "Project" field of the document. Those tables have no
foreign key to the documents: crm does not depend on sale, so the migration must work
without sale's tables; the kernel deletes a side row with its document
(core/extensions.py).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from addons.base.documents.models import AMOUNT_SCALE
from addons.base.partners.models import Partner
from core.db import Base, Scaled, utcnow
from core.search import SearchIndex
from core.security.models import Owned, User

#: The states of a project, in their usual order.
STATUSES = ("planning", "active", "on_hold", "done", "cancelled")
#: States in which documents may still be made for the project.
OPEN_STATUSES = ("planning", "active", "on_hold")


class Project(Owned, Base):
    """A customer project (项目): what we do for one customer, its money, people and documents."""

    __tablename__ = "crm_project"
    __search__ = SearchIndex(names=["name"], texts=["number"])

    id: Mapped[int] = mapped_column(primary_key=True)
    #: From the numbering sequence ``crm.project`` (PJ2026-0001).
    number: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("base_partner.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(10), default="planning", index=True)
    start_date: Mapped[dt.date | None] = mapped_column(sa.Date, index=True)
    end_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    #: What we quoted the customer, and the budget we may spend (exact: scaled integers).
    quotation_amount: Mapped[Decimal] = mapped_column(Scaled(AMOUNT_SCALE), default=Decimal(0))
    budget: Mapped[Decimal] = mapped_column(Scaled(AMOUNT_SCALE), default=Decimal(0))
    opportunity_id: Mapped[int | None] = mapped_column(sa.ForeignKey("crm_opportunity.id", ondelete="SET NULL"),
                                                       index=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    partner: Mapped[Partner] = relationship()
    opportunity = relationship("Opportunity")
    members: Mapped[list[ProjectMember]] = relationship(order_by="ProjectMember.sequence",
                                                        cascade="all, delete-orphan")

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def __str__(self) -> str:
        return f"{self.number} {self.name}".strip()


class ProjectMember(Base):
    """A colleague working on a project, with their role (项目经理, 技术负责人, 商务…)."""

    __tablename__ = "crm_project_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("crm_project.id", ondelete="CASCADE"), index=True)
    sequence: Mapped[int] = mapped_column(default=10)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("zg_user.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(sa.String(60), default="")

    user: Mapped[User] = relationship()


# ---- links from other addons' documents -----------------------------------------------------

#: (document model, its table) that can be made for a project. Add purchase and stock documents
#: here (and a migration creating ``crm_project_<table>``) when those addons exist.
DOCUMENT_TARGETS = (("sale.quotation", "sale_quotation"), ("sale.order", "sale_order"))


class DocumentLink:
    """Columns of a document's project link (one row per document at most)."""

    #: The document's id (no foreign key: its addon may not be installed).
    document_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)

    @property
    def project_label(self) -> str:
        return str(self.project) if self.project is not None else ""


def _link_model(target: str, table: str) -> type:
    name = "ProjectLink_" + table
    attrs = {
        "__tablename__": f"crm_project_{table}",
        "__doc__": f"The project a {target} document was made for.",
        "project_id": mapped_column(sa.ForeignKey("crm_project.id", ondelete="CASCADE"), index=True,
                                    nullable=True),
        "project": relationship(Project),
        "__annotations__": {"project_id": Mapped[int | None]},
        "target": target,
    }
    return type(name, (DocumentLink, Base), attrs)


#: document model name -> its link model.
LINKS: dict[str, type] = {target: _link_model(target, table) for target, table in DOCUMENT_TARGETS}
