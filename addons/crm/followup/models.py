"""crm's follow-up (跟进): tasks, field visits (外出登记), activity details and managers' daily comments.

* A task (``crm_task``) is owned by its assignee (``Owned``): record scopes, sharing and
  transfer are the kernel's (docs/permissions.md). Completing it logs a base activity.
* A field visit (``crm_visit``) is owned by the rep who goes; checking out logs a base
  activity of kind "visit".
* ``crm_activity_detail`` is a model extension of ``base.activity`` (docs/model-extensions.md):
  the materials used and the progress reached, on the shared activity model.
* ``crm_supervision_comment`` is a manager's comment (批示) on a rep's day.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from addons.base.partners.models import Contact, Partner
from core.db import Base, Scaled, utcnow
from core.security.models import Owned, User

from ..models import Opportunity

#: Kinds of task: a sales follow-up, a service call, a revisit (回访).
TASK_KINDS = ("followup", "service", "revisit")
TASK_STATES = ("open", "done", "cancelled")
PRIORITIES = ("low", "normal", "high")
#: A visit is planned, the rep checks in at the customer, then checks out with the result.
VISIT_STATES = ("planned", "checked_in", "done", "cancelled")
#: Where a contact got to (初步接触/需求确认/方案报价/商务谈判/成交/无进展).
PROGRESS = ("contact", "needs", "proposal", "negotiation", "deal", "none")
#: Latitude / longitude from the browser's geolocation, exact to about 10 cm.
GEO_SCALE = 6


class Task(Owned, Base):
    """A follow-up task for a customer; its owner is the assignee."""

    __tablename__ = "crm_task"
    __table_args__ = (sa.Index("ix_crm_task_owner_state_due", "owner_id", "state", "due_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(10), default="followup")
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("base_partner.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("base_contact.id", ondelete="SET NULL"))
    opportunity_id: Mapped[int | None] = mapped_column(sa.ForeignKey("crm_opportunity.id", ondelete="SET NULL"),
                                                       index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    due_date: Mapped[dt.date | None] = mapped_column(sa.Date, index=True)
    priority: Mapped[str] = mapped_column(sa.String(8), default="normal")
    state: Mapped[str] = mapped_column(sa.String(10), default="open", index=True)
    #: What came of it (written when completing), and the activity that logged it.
    result: Mapped[str] = mapped_column(sa.Text, default="")
    done_at: Mapped[dt.datetime | None]
    activity_id: Mapped[int | None] = mapped_column(sa.ForeignKey("base_activity.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("zg_user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    partner: Mapped[Partner] = relationship(foreign_keys=[partner_id])
    contact: Mapped[Contact | None] = relationship(foreign_keys=[contact_id])
    opportunity: Mapped[Opportunity | None] = relationship(foreign_keys=[opportunity_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    @property
    def assignee_id(self) -> int | None:
        """The assignee is the owner (the form's and the API's name for it)."""
        return self.owner_id

    def __str__(self) -> str:
        return self.title


class Visit(Owned, Base):
    """A field visit (外出登记) to a customer: planned, checked in on site, checked out with a result."""

    __tablename__ = "crm_visit"
    __table_args__ = (sa.Index("ix_crm_visit_owner_date", "owner_id", "planned_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("base_partner.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("base_contact.id", ondelete="SET NULL"))
    planned_date: Mapped[dt.date] = mapped_column(sa.Date, index=True)
    purpose: Mapped[str] = mapped_column(sa.String(500), default="")
    state: Mapped[str] = mapped_column(sa.String(12), default="planned", index=True)
    checkin_at: Mapped[dt.datetime | None]
    checkin_place: Mapped[str] = mapped_column(sa.String(300), default="")
    checkin_lat: Mapped[Decimal | None] = mapped_column(Scaled(GEO_SCALE))
    checkin_lng: Mapped[Decimal | None] = mapped_column(Scaled(GEO_SCALE))
    checkout_at: Mapped[dt.datetime | None]
    result: Mapped[str] = mapped_column(sa.Text, default="")
    #: The base activity (kind "visit") the check-out logged.
    activity_id: Mapped[int | None] = mapped_column(sa.ForeignKey("base_activity.id", ondelete="SET NULL"))

    partner: Mapped[Partner] = relationship(foreign_keys=[partner_id])
    contact: Mapped[Contact | None] = relationship(foreign_keys=[contact_id])

    def __str__(self) -> str:
        return f"{self.planned_date} {self.partner.name if self.partner is not None else ''}".strip()


class ActivityDetail(Base):
    """crm's fields of a base activity (the extension's side row): materials used and progress."""

    __tablename__ = "crm_activity_detail"

    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("base_activity.id", ondelete="CASCADE"),
                                             primary_key=True)
    materials: Mapped[str] = mapped_column(sa.Text, default="")
    progress: Mapped[str] = mapped_column(sa.String(12), default="", index=True)


class SupervisionComment(Base):
    """A manager's comment (批示) on a rep's day; the rep is notified."""

    __tablename__ = "crm_supervision_comment"
    __table_args__ = (sa.Index("ix_crm_supervision_comment_rep_day", "rep_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rep_id: Mapped[int] = mapped_column(sa.ForeignKey("zg_user.id", ondelete="CASCADE"))
    day: Mapped[dt.date] = mapped_column(sa.Date)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("zg_user.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(sa.Text)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    rep: Mapped[User] = relationship(foreign_keys=[rep_id])
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
