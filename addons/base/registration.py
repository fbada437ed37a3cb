"""base's models registered for the generic pages and the JSON API: the numbering sequences."""
from __future__ import annotations

import sqlalchemy as sa

from core.db import utcnow
from core.descriptors import Column, Filter, ModelDescriptor
from core.i18n import _
from core.security.models import AuditEntry

from . import schemas, sequences
from .models import Sequence, SequenceCounter

_FIELDS = ("code", "name", "prefix", "padding", "reset", "user_editable", "active")


def _audit_counter(session, sequence: Sequence, old: int, new: int) -> None:
    """The counter is not an ORM change the audit trail sees: record a moved counter ourselves."""
    if old == new or not session.info.get("zg.audit"):
        return
    user = session.info.get("zg.user")
    session.add(AuditEntry(at=utcnow(), user_id=getattr(user, "id", None), login=getattr(user, "login", "") or "",
                           address=(session.info.get("zg.address") or "")[:64], action="update",
                           model="base.sequence", record_id=sequence.id,
                           changes={"next_counter": [old, new]}))


def create_sequence(session, appstruct, actor) -> Sequence:
    sequence = Sequence(**{k: appstruct[k] for k in _FIELDS})
    session.add(sequence)
    session.flush()
    if appstruct.get("next_counter", 1) > 1:
        new = sequences.set_next_counter(session, sequence, appstruct["next_counter"])
        _audit_counter(session, sequence, 1, new)
    return sequence


def update_sequence(session, sequence: Sequence, appstruct, actor) -> Sequence:
    if appstruct["code"] != sequence.code:  # the schema says so too; this is the guard
        raise sequences.NumberingError(_("The code cannot be changed: addons find the sequence by it."),
                                       field="code")
    old_reset, before = sequence.reset, sequence.next_counter
    for key in _FIELDS:
        setattr(sequence, key, appstruct[key])
    session.flush()
    if sequence.reset != old_reset:
        sequences.carry_over(session, sequence, old_reset)
    after = sequence.next_counter
    if appstruct.get("next_counter", 1) > 1:
        # Forward only; a lower value is what the form showed before others took numbers.
        after = sequences.set_next_counter(session, sequence, appstruct["next_counter"], strict=False)
    _audit_counter(session, sequence, before, after)
    return sequence


def delete_sequence(session, sequence: Sequence, actor) -> None:
    """Only a sequence that never gave a number: the database refuses the others (409 / "in use").

    Deactivate those instead; deleting them would let their numbers start again.
    """
    session.execute(sa.delete(SequenceCounter).where(SequenceCounter.sequence_id == sequence.id,
                                                     SequenceCounter.value == 0)
                    .execution_options(synchronize_session=False))
    # In a savepoint: the IntegrityError leaves the session usable for the error page.
    with session.begin_nested():
        session.delete(sequence)


def _yes_no(value) -> str:
    return "✓" if value else ""


SEQUENCE = ModelDescriptor(
    name="base.sequence", model=Sequence, title=_("Numbering sequence"),
    title_plural=_("Numbering sequences"),
    schema=schemas.sequence_schema,
    columns=[Column("name", _("Name")), Column("code", _("Code")), Column("prefix", _("Prefix")),
             Column("padding", _("Counter digits"), visible=False), Column("reset", _("Counter restarts")),
             Column("next_number", _("Next number"), sortable=False),
             Column("user_editable", _("Users may type the number"), format=_yes_no),
             Column("active", _("Active"), format=_yes_no)],
    filters=[Filter("reset", _("Counter restarts"), choices=lambda request: schemas.RESET_TITLES),
             Filter("user_editable", _("Users may type the number"), kind="bool"),
             Filter("active", _("Active"), kind="bool")],
    search_fields=["name", "code", "prefix"], searchable=False, order_by="code",
    label=lambda s: f"{s.name} ({s.code})",
    create=create_sequence, update=update_sequence, delete=delete_sequence,
)


def includeme(config):
    config.add_model(SEQUENCE)
