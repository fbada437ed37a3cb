"""colander schemas of the follow-up records (forms and the JSON API share them) and crm's activity fields."""
from __future__ import annotations

import colander
import deform

from addons.base.activities.schemas import LocalDateTime
from addons.base.activities.services import KIND_TITLES
from addons.base.partners.models import Contact, Partner
from core.fields import reference
from core.i18n import _

from ..models import Opportunity
from ..schemas import _area, _text, _user_exists, _user_widget
from .models import PRIORITIES, PROGRESS, TASK_KINDS
from .services import PRIORITY_TITLES, PROGRESS_TITLES, TASK_KIND_TITLES


def _select(name: str, title, titles: dict, default: str, **kw) -> colander.SchemaNode:
    return colander.SchemaNode(colander.String(), name=name, title=title, missing=default, default=default,
                               validator=colander.OneOf(list(titles)),
                               widget=deform.widget.SelectWidget(values=list(titles.items())), **kw)


def _belongs(form, value) -> None:
    """The contact and the opportunity are the customer's."""
    session = getattr(form, "bindings", None) and form.bindings.get("session")
    if session is None or not value.get("partner_id"):
        return
    error = colander.Invalid(form)
    contact = session.get(Contact, value.get("contact_id") or 0)
    if contact is not None and contact.partner_id != value["partner_id"]:
        error["contact_id"] = _("Not a contact of this customer.")
    opportunity = session.get(Opportunity, value.get("opportunity_id") or 0) if "opportunity_id" in value \
        else None
    if opportunity is not None and opportunity.partner_id != value["partner_id"]:
        error["opportunity_id"] = _("Not an opportunity of this customer.")
    if error.children:
        raise error


def task_schema(request) -> colander.SchemaNode:
    schema = colander.SchemaNode(colander.Mapping(), validator=_belongs)
    schema.add(_select("kind", _("Task type"), TASK_KIND_TITLES, "followup"))
    schema.add(_text("title", _("Title"), 200, required=True))
    schema.add(reference(Partner, title=_("Customer"), missing=colander.required, name="partner_id"))
    schema.add(reference(Contact, title=_("Contact"), name="contact_id"))
    schema.add(reference(Opportunity, title=_("Opportunity"), name="opportunity_id"))
    schema.add(colander.SchemaNode(colander.Date(), name="due_date", title=_("Due date"), missing=None))
    schema.add(_select("priority", _("Priority"), PRIORITY_TITLES, "normal"))
    schema.add(colander.SchemaNode(colander.Integer(), name="assignee_id", title=_("Assignee"), missing=None,
                                   widget=_user_widget, validator=_user_exists,
                                   description=_("Empty: yourself. Changing it transfers the task.")))
    schema.add(_area("description", _("Description")))
    return schema


def visit_schema(request) -> colander.SchemaNode:
    schema = colander.SchemaNode(colander.Mapping(), validator=_belongs)
    schema.add(reference(Partner, title=_("Customer"), missing=colander.required, name="partner_id"))
    schema.add(reference(Contact, title=_("Contact"), name="contact_id"))
    schema.add(colander.SchemaNode(colander.Date(), name="planned_date", title=_("Planned date"),
                                   widget=deform.widget.TextInputWidget(type="date")))  # the browser's date picker
    schema.add(_text("purpose", _("Purpose"), 500))
    return schema


def activity_detail_schema(request) -> colander.SchemaNode:
    """crm's fields on base.activity: materials used and progress (model extension)."""
    schema = colander.SchemaNode(colander.Mapping())
    schema.add(colander.SchemaNode(colander.String(), name="materials", title=_("Materials used"), missing="",
                                   validator=colander.Length(max=2000),
                                   widget=deform.widget.TextAreaWidget(rows=2)))
    schema.add(colander.SchemaNode(
        colander.String(), name="progress", title=_("Progress"), missing="", default="",
        validator=colander.OneOf(["", *PROGRESS]),
        widget=deform.widget.SelectWidget(values=[("", "—"), *PROGRESS_TITLES.items()])))
    return schema


# ---- the actions' parameters (Action.schema: the API's body and the detail page's forms) --------

def _outcome(schema: colander.SchemaNode) -> colander.SchemaNode:
    schema.add(colander.SchemaNode(
        colander.String(), name="progress", title=_("Progress"), missing="", default="",
        validator=colander.OneOf(["", *PROGRESS]),
        widget=deform.widget.SelectWidget(values=[("", "—"), *PROGRESS_TITLES.items()])))
    schema.add(colander.SchemaNode(colander.String(), name="materials", title=_("Materials used"), missing="",
                                   validator=colander.Length(max=2000), widget=deform.widget.TextAreaWidget(rows=2)))
    schema.add(_text("next_step", _("Next step"), 500))
    schema.add(colander.SchemaNode(LocalDateTime(), name="next_due", title=_("Next step due"), missing=None,
                                   widget=deform.widget.TextInputWidget(type="datetime-local")))
    return schema


def _result(title) -> colander.SchemaNode:
    return colander.SchemaNode(colander.String(), name="result", title=title,
                               preparer=lambda v: v.strip() if isinstance(v, str) else v,
                               validator=colander.Length(1, 2000), widget=deform.widget.TextAreaWidget(rows=3))


def complete_schema(request) -> colander.SchemaNode:
    """Complete a task: its result, how the contact was made, crm's details, the next step."""
    schema = colander.SchemaNode(colander.Mapping())
    schema.add(_result(_("Result")))
    schema.add(colander.SchemaNode(colander.String(), name="kind", title=_("Contact method"), missing="call",
                                   default="call", validator=colander.OneOf([k for k, _t in KIND_TITLES]),
                                   widget=deform.widget.SelectWidget(values=KIND_TITLES)))
    return _outcome(schema)


def transfer_schema(request) -> colander.SchemaNode:
    """Transfer a task: the new assignee and a note for them."""
    schema = colander.SchemaNode(colander.Mapping())
    schema.add(colander.SchemaNode(colander.Integer(), name="to_user_id", title=_("New assignee"),
                                   widget=_user_widget, validator=_user_exists))
    schema.add(_area("note", _("Note")))
    return schema


def check_out_schema(request) -> colander.SchemaNode:
    """Close a visit: its result becomes an activity of kind "visit"."""
    schema = colander.SchemaNode(colander.Mapping())
    schema.add(_result(_("Result")))
    return _outcome(schema)


assert set(PRIORITY_TITLES) == set(PRIORITIES) and set(TASK_KIND_TITLES) == set(TASK_KINDS)
