"""crm's business logic, without a request: the pages, the API, the demo and tests call it.

An opportunity moves through the company's stages; every move is recorded
(``StageChange``) and sets the probability to the stage's. Won and lost are states
reached through :func:`mark_won` / :func:`mark_lost` (a lost deal needs a reason from
the company's list); a stage flagged ``is_won`` / ``is_lost`` is where such deals sit on
the board. The evaluation score is the weight of the current stage's ticked checklist
questions over the weight of all its questions, in percent.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from addons.base import sequences
from addons.base.documents.models import AMOUNT_SCALE
from addons.base.partners.models import Partner
from core.i18n import _
from core.records import ValidationFailed, replace_lines
from core.security.models import Department, User

from .models import (Answer, Campaign, Competitor, LostReason, Opportunity, Stage, StageChange,
                     StageCheckItem)

SEQUENCE = "crm.opportunity"
CENT = Decimal(1).scaleb(-AMOUNT_SCALE)


def ensure_sequence(session: Session):
    """The numbering of opportunities (OP202611-0001), created once; administrators may change it."""
    return sequences.ensure_sequence(session, SEQUENCE, "销售机会", prefix="OP{yyyy}{mm}-", padding=4,
                                     reset="monthly")


def today(session: Session) -> dt.date:
    """Today in the company's time zone (the numbering's rule)."""
    return sequences.today(session)


# -- stages ---------------------------------------------------------------------------------------

def stages(session: Session, active_only: bool = True) -> list[Stage]:
    query = sa.select(Stage).order_by(Stage.sequence, Stage.id)
    if active_only:
        query = query.where(Stage.active.is_(True))
    return list(session.scalars(query))


def first_stage(session: Session) -> Stage:
    found = session.scalars(sa.select(Stage).where(Stage.active.is_(True), Stage.is_won.is_(False),
                                                   Stage.is_lost.is_(False))
                            .order_by(Stage.sequence, Stage.id)).first()
    if found is None:
        raise ValidationFailed({"stage_id": _("Define the pipeline's stages first (CRM settings).")})
    return found


def _closing_stage(session: Session, flag) -> Stage | None:
    return session.scalars(sa.select(Stage).where(flag.is_(True), Stage.active.is_(True))
                           .order_by(Stage.sequence, Stage.id)).first()


def _stage(session: Session, stage_id, field: str = "stage_id") -> Stage:
    stage = session.get(Stage, stage_id) if isinstance(stage_id, int) and 0 < stage_id < 2 ** 31 else None
    if stage is None:
        raise ValidationFailed({field: _("No such stage.")})
    return stage


# -- the evaluation -------------------------------------------------------------------------------

def score_of(session: Session, opportunity: Opportunity) -> int | None:
    """Percent of the current stage's checklist weight that is ticked; None without a checklist."""
    items = session.execute(sa.select(StageCheckItem.id, StageCheckItem.weight)
                            .where(StageCheckItem.stage_id == opportunity.stage_id)).all()
    total = sum(w for _i, w in items)
    if not total:
        return None
    ticked = set(session.scalars(sa.select(Answer.item_id).where(Answer.opportunity_id == opportunity.id)))
    done = sum(w for i, w in items if i in ticked)
    return int((Decimal(done * 100) / total).quantize(Decimal(1), ROUND_HALF_UP))


def evaluate(session: Session, opportunity: Opportunity, item_ids: Iterable[int], user: User | None) -> int | None:
    """Tick exactly ``item_ids`` among the current stage's questions; returns the new score.

    Answers to other stages' questions are kept: moving back shows them again.
    """
    wanted = set(item_ids)
    items = {i.id: i for i in session.scalars(sa.select(StageCheckItem)
                                              .where(StageCheckItem.stage_id == opportunity.stage_id))}
    unknown = wanted - set(items)
    if unknown:
        raise ValidationFailed({"item_ids": _("Not a question of the opportunity's stage.")})
    session.flush()
    answered = {a.item_id: a for a in opportunity.answers}
    for item_id in items:
        if item_id in wanted and item_id not in answered:
            opportunity.answers.append(Answer(item_id=item_id, checked_by_id=getattr(user, "id", None)))
        elif item_id not in wanted and item_id in answered:
            opportunity.answers.remove(answered[item_id])
    session.flush()
    opportunity.score = score_of(session, opportunity)
    return opportunity.score


def checklist(session: Session, opportunity: Opportunity) -> list[tuple[StageCheckItem, bool]]:
    """The current stage's questions with whether each is ticked."""
    ticked = {a.item_id for a in opportunity.answers}
    return [(item, item.id in ticked) for item in opportunity.stage.checklist] if opportunity.stage else []


# -- the life of an opportunity -------------------------------------------------------------------

def _record_change(session: Session, opportunity: Opportunity, old: Stage | None, new: Stage,
                   user: User | None) -> None:
    session.add(StageChange(opportunity_id=opportunity.id, from_stage_id=old.id if old else None,
                            to_stage_id=new.id, user_id=getattr(user, "id", None)))


def _enter(session: Session, opportunity: Opportunity, stage: Stage, user: User | None) -> None:
    old = opportunity.stage
    if old is not None and old.id == stage.id:
        return
    opportunity.stage = stage
    opportunity.stage_id = stage.id
    opportunity.probability = stage.probability
    session.flush()
    _record_change(session, opportunity, old, stage, user)
    opportunity.score = score_of(session, opportunity)


def move(session: Session, opportunity: Opportunity, stage_id: int, user: User | None) -> Opportunity:
    """Move to another stage: the history records it and the probability becomes the stage's.

    A won stage marks the deal won. A lost stage is refused: losing needs a reason
    (:func:`mark_lost`). An open stage reopens a closed deal.
    """
    stage = _stage(session, stage_id)
    if not stage.active:
        raise ValidationFailed({"stage_id": _("This stage is not in use any more.")})
    if stage.is_lost:
        raise ValidationFailed({"stage_id": _("A deal is lost with a reason: use \"Mark lost\".")})
    if stage.is_won:
        return mark_won(session, opportunity, user, stage=stage)
    _enter(session, opportunity, stage, user)
    if opportunity.state != "open":
        opportunity.state = "open"
        opportunity.lost_reason_id = None
        opportunity.closed_date = None
        opportunity.close_note = ""
    return opportunity


def mark_won(session: Session, opportunity: Opportunity, user: User | None, note: str = "",
             stage: Stage | None = None) -> Opportunity:
    """Won: the state, today's date, probability 100 and the won stage (when the company has one)."""
    if opportunity.state == "won":
        raise ValidationFailed({"_": _("This opportunity is already won.")})
    stage = stage or _closing_stage(session, Stage.is_won)
    if stage is not None:
        _enter(session, opportunity, stage, user)
    opportunity.state = "won"
    opportunity.probability = 100
    opportunity.lost_reason_id = None
    opportunity.closed_date = today(session)
    opportunity.close_note = (note or "")[:500]
    return opportunity


def mark_lost(session: Session, opportunity: Opportunity, user: User | None, lost_reason_id: Any = None,
              note: str = "") -> Opportunity:
    """Lost, for a reason from the company's list (required): probability 0, the lost stage."""
    if opportunity.state == "lost":
        raise ValidationFailed({"_": _("This opportunity is already lost.")})
    reason = session.get(LostReason, lost_reason_id) \
        if isinstance(lost_reason_id, int) and 0 < lost_reason_id < 2 ** 31 else None
    if lost_reason_id in (None, ""):
        raise ValidationFailed({"lost_reason_id": _("Required")})
    if reason is None:
        raise ValidationFailed({"lost_reason_id": _("No such record.")})
    stage = _closing_stage(session, Stage.is_lost)
    if stage is not None:
        _enter(session, opportunity, stage, user)
    opportunity.state = "lost"
    opportunity.probability = 0
    opportunity.lost_reason_id = reason.id
    opportunity.closed_date = today(session)
    opportunity.close_note = (note or "")[:500]
    return opportunity


_FIELDS = ("title", "partner_id", "contact_id", "expected_amount", "expected_date", "campaign_id", "note")


def _set(session: Session, opportunity: Opportunity, appstruct: Mapping[str, Any]) -> None:
    for key in _FIELDS:
        if key in appstruct:
            setattr(opportunity, key, appstruct[key])
    if "competitor_ids" in appstruct:
        ids = set(appstruct["competitor_ids"] or ())
        opportunity.competitors = list(session.scalars(sa.select(Competitor).where(Competitor.id.in_(ids)))) \
            if ids else []
    for name in ("influencers", "team"):
        if name in appstruct:
            replace_lines(opportunity, name, appstruct[name])


def create_opportunity(session: Session, appstruct: Mapping[str, Any], user: User | None = None) -> Opportunity:
    """A new open opportunity, numbered, in the chosen stage (or the first), the stage's probability."""
    ensure_sequence(session)
    stage = _stage(session, appstruct["stage_id"]) if appstruct.get("stage_id") else first_stage(session)
    if stage.is_won or stage.is_lost:
        raise ValidationFailed({"stage_id": _("A new opportunity starts in an open stage.")})
    opportunity = Opportunity(number="", state="open")
    _set(session, opportunity, appstruct)
    opportunity.number = sequences.assign_number(session, SEQUENCE, Opportunity.number, appstruct.get("number"))
    if user is not None:
        opportunity.owner_id = user.id
        opportunity.department_id = user.department_id
    session.add(opportunity)
    opportunity.stage = stage
    opportunity.probability = stage.probability
    session.flush()
    _record_change(session, opportunity, None, stage, user)
    if appstruct.get("probability") is not None:
        opportunity.probability = appstruct["probability"]
    opportunity.score = score_of(session, opportunity)
    return opportunity


def update_opportunity(session: Session, opportunity: Opportunity, appstruct: Mapping[str, Any],
                       user: User | None = None) -> Opportunity:
    """Save the form: a changed stage is a move (history, probability) unless a probability is typed."""
    if appstruct.get("number") and appstruct["number"] != opportunity.number:
        opportunity.number = sequences.check_number(session, SEQUENCE, appstruct["number"], Opportunity.number,
                                                    opportunity.id)
    _set(session, opportunity, appstruct)
    stage_id = appstruct.get("stage_id")
    if stage_id and stage_id != opportunity.stage_id:
        move(session, opportunity, stage_id, user)
    elif appstruct.get("probability") is not None and opportunity.state == "open":
        opportunity.probability = appstruct["probability"]
    return opportunity


def set_campaign_people(session: Session, campaign: Campaign, appstruct: Mapping[str, Any]) -> None:
    if "participant_ids" in appstruct:
        ids = set(appstruct["participant_ids"] or ())
        campaign.participants = list(session.scalars(sa.select(User).where(User.id.in_(ids)))) if ids else []
    if "customer_ids" in appstruct:
        ids = set(appstruct["customer_ids"] or ())
        campaign.customers = list(session.scalars(sa.select(Partner).where(Partner.id.in_(ids)))) if ids else []


_CAMPAIGN_FIELDS = ("name", "type_id", "start_date", "end_date", "budget", "cost", "description", "results")


def create_campaign(session: Session, appstruct: Mapping[str, Any], user: User | None = None) -> Campaign:
    campaign = Campaign(**{k: appstruct[k] for k in _CAMPAIGN_FIELDS if k in appstruct})
    set_campaign_people(session, campaign, appstruct)
    session.add(campaign)
    return campaign


def update_campaign(session: Session, campaign: Campaign, appstruct: Mapping[str, Any],
                    user: User | None = None) -> Campaign:
    for key in _CAMPAIGN_FIELDS:
        if key in appstruct:
            setattr(campaign, key, appstruct[key])
    set_campaign_people(session, campaign, appstruct)
    return campaign


@dataclasses.dataclass
class CampaignFigures:
    customers: int
    opportunities: int
    won: int
    amount_won: Decimal
    brought: int = 0  # customers whose profile names this campaign as the one that brought them


def campaign_figures(session: Session, campaign: Campaign) -> CampaignFigures:
    """Customers reached and brought, opportunities attributed, how many were won and for how much."""
    amount = sa.type_coerce(Opportunity.expected_amount, sa.BigInteger)
    row = session.execute(sa.select(
        sa.func.count(Opportunity.id),
        sa.func.coalesce(sa.func.sum(sa.case((Opportunity.state == "won", 1), else_=0)), 0),
        sa.func.coalesce(sa.func.sum(sa.case((Opportunity.state == "won", amount), else_=0)), 0))
        .where(Opportunity.campaign_id == campaign.id)).one()
    from .customers.models import CustomerProfile

    brought = session.scalar(sa.select(sa.func.count()).where(CustomerProfile.campaign_id == campaign.id)) or 0
    return CampaignFigures(customers=len(campaign.customers), opportunities=int(row[0]), won=int(row[1]),
                           amount_won=Decimal(int(row[2])).scaleb(-AMOUNT_SCALE), brought=int(brought))


def stage_history(session: Session, opportunity: Opportunity) -> list[StageChange]:
    return list(session.scalars(sa.select(StageChange).where(StageChange.opportunity_id == opportunity.id)
                                .order_by(StageChange.at.desc(), StageChange.id.desc())))


# -- the pipeline ---------------------------------------------------------------------------------

#: Which part of the records the user may read the board shows.
VIEWS = ("mine", "team", "all")


def views_allowed(access, descriptor) -> list[str]:
    """mine always; my team when the scope reaches departments; all when it reaches further than own."""
    scope = access.scope(descriptor.name)
    if scope is None:
        return []
    if scope == "own":
        return ["mine"]
    if scope == "shared":
        return ["mine", "all"]
    return ["mine", "team", "all"] if access.department_paths or access.is_admin else ["mine", "all"]


def view_clause(access, descriptor, view: str):
    """The board's WHERE: the read scope, narrowed to mine / my team's (my departments and below)."""
    clause = access.filter(descriptor, "read")
    if view == "mine":
        return sa.and_(clause, Opportunity.owner_id == access.user_id)
    if view == "team":
        if not access.department_paths:
            return sa.and_(clause, Opportunity.owner_id == access.user_id)
        below = sa.select(Department.id).where(
            sa.or_(*[Department.path.startswith(p, autoescape=True) for p in access.department_paths]))
        return sa.and_(clause, Opportunity.department_id.in_(below))
    return clause


@dataclasses.dataclass
class Column:
    stage: Stage
    count: int = 0
    amount: Decimal = Decimal(0)
    weighted: Decimal = Decimal(0)
    cards: list[Opportunity] = dataclasses.field(default_factory=list)


def _from_cents(value) -> Decimal:
    return Decimal(int(value or 0)).scaleb(-AMOUNT_SCALE)


def pipeline_totals(session: Session, where) -> dict[int, tuple[int, Decimal, Decimal]]:
    """Per stage id: (count, sum of expected amounts, weighted sum), over the opportunities ``where``.

    Summed in SQL over the stored fen (exact on SQLite too); the weighted sum is
    Σ amount × probability / 100, rounded half-up to the fen once per stage.
    """
    amount = sa.type_coerce(Opportunity.expected_amount, sa.BigInteger)
    rows = session.execute(sa.select(Opportunity.stage_id, sa.func.count(Opportunity.id), sa.func.sum(amount),
                                     sa.func.sum(amount * Opportunity.probability))
                           .where(where).group_by(Opportunity.stage_id)).all()
    out = {}
    for stage_id, count, total, weighted in rows:
        weighted_cents = (Decimal(int(weighted or 0)) / 100).quantize(Decimal(1), ROUND_HALF_UP)
        out[stage_id] = (int(count), _from_cents(total), _from_cents(weighted_cents))
    return out


def pipeline(session: Session, access, descriptor, view: str = "all", cards_per_stage: int = 50) -> list[Column]:
    """The board: one column per active stage with its totals and its first cards (closest date first)."""
    where = view_clause(access, descriptor, view)
    totals = pipeline_totals(session, where)
    columns = []
    for stage in stages(session):
        count, amount, weighted = totals.get(stage.id, (0, Decimal(0), Decimal(0)))
        cards = list(session.scalars(
            sa.select(Opportunity).where(where, Opportunity.stage_id == stage.id)
            .order_by(Opportunity.expected_date.is_(None), Opportunity.expected_date, Opportunity.id)
            .limit(cards_per_stage))) if count else []
        columns.append(Column(stage, count, amount, weighted, cards))
    return columns


# -- the model actions (pages and ``POST /api/v1/crm.opportunity/{id}/<action>``) -----------------

def _int(value, field: str):
    if value in (None, ""):
        raise ValidationFailed({field: _("Required")})
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit() \
            or len(str(value)) > 9:
        raise ValidationFailed({field: _("No such record.")})
    return int(value)


def _note(value) -> str:
    if not isinstance(value, str):
        raise ValidationFailed({"note": _("Expected text.")})
    if len(value) > 500:
        raise ValidationFailed({"note": _("At most 500 characters.")})
    return value.strip()


def move_action(request, session, records, user, stage_id=None):
    """Move to another stage (the board's drag and drop)."""
    target = _int(stage_id, "stage_id")
    for opportunity in records:
        move(session, opportunity, target, user)
    return _("Moved.")


def won_action(request, session, records, user, note=""):
    """Mark won."""
    note = _note(note)
    for opportunity in records:
        mark_won(session, opportunity, user, note)
    return _("Marked won.")


def lost_action(request, session, records, user, lost_reason_id=None, note=""):
    """Mark lost, with a reason from the company's list."""
    reason = _int(lost_reason_id, "lost_reason_id")
    note = _note(note)
    for opportunity in records:
        mark_lost(session, opportunity, user, reason, note)
    return _("Marked lost.")


def evaluate_action(request, session, records, user, item_ids=None):
    """Tick the questions of the stage's evaluation checklist that are true."""
    if item_ids is None:
        item_ids = []
    if not isinstance(item_ids, list):
        raise ValidationFailed({"item_ids": _("Send a list of question ids.")})
    ids = [_int(i, "item_ids") for i in item_ids]
    for opportunity in records:
        evaluate(session, opportunity, ids, user)
    return _("Evaluation saved.")


def is_open(opportunity: Opportunity) -> bool:
    return opportunity.state == "open"
