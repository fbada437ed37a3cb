"""Schemas of SMS blasts and holiday greetings (forms, API, checks).

An SMS blast's schedule fields are base's email blast's (``addons/base/mail/schemas.py``):
the schema is base's without the template and the mailbox, with the message instead.
"""
from __future__ import annotations

import colander
import deform

from addons.base.mail import schemas as base_schemas
from addons.base.mail.models import EmailTemplate, Segment
from core.fields import reference
from core.i18n import _

from . import greetings, services
from .models import GREETING_CHANNELS

CHANNEL_TITLES = [("email", _("Email")), ("sms", _("SMS"))]
assert [k for k, _t in CHANNEL_TITLES] == list(GREETING_CHANNELS)

NO_SMS = services.NO_SMS


def _sms_here(request) -> bool:
    return services.sms_available(getattr(request, "hook", None))


def _text_node(required: bool = True) -> colander.SchemaNode:
    return colander.SchemaNode(
        colander.String(), name="text", title=_("SMS text"), missing=colander.required if required else "",
        validator=colander.Length(0 if not required else 1, 400),
        description=_("${name} is the contact's (or customer's) name, ${company} your company's. "
                      "\"${optout}\" is added when the message has no way to opt out.",
                      mapping={"name": "${name}", "company": "${company}", "optout": services.OPT_OUT_LINE}),
        widget=deform.widget.TextAreaWidget(rows=3))


def sms_blast_schema(request) -> colander.SchemaNode:
    schema = base_schemas.blast_schema(request)
    for name in ("template_id", "mailbox_id"):
        del schema[name]
    schema.insert(2, _text_node())
    base_check = schema.validator

    def check(form, value):
        if request is not None and not _sms_here(request):
            raise colander.Invalid(form, NO_SMS)
        base_check(form, value)

    schema.validator = check
    return schema


def _greeting_check(request):
    def check(form, value):
        error = colander.Invalid(form)
        if value.get("channel") == "sms":
            if request is not None and not _sms_here(request):
                error["channel"] = NO_SMS
            elif not (value.get("text") or "").strip():
                error["text"] = _("Write the message first.")
        elif value.get("template_id") in (None, colander.null):
            error["template_id"] = _("Choose an email template first.")
        if error.children:
            raise error
    return check


def greeting_schema(request) -> colander.SchemaNode:
    channels = [(k, t) for k, t in CHANNEL_TITLES if k != "sms" or request is None or _sms_here(request)]
    schema = colander.SchemaNode(colander.Mapping(), validator=_greeting_check(request))
    schema.add(colander.SchemaNode(colander.String(), name="name", title=_("Name"),
                                   validator=colander.Length(1, 100)))
    schema.add(colander.SchemaNode(colander.String(), name="holiday", title=_("Holiday"),
                                   validator=colander.OneOf(list(greetings.HOLIDAYS)),
                                   widget=deform.widget.SelectWidget(values=greetings.holiday_titles())))
    schema.add(reference(Segment, name="segment_id", title=_("Segment"), missing=colander.required))
    schema.add(colander.SchemaNode(colander.String(), name="channel", title=_("Send by"), missing="email",
                                   validator=colander.OneOf(list(GREETING_CHANNELS)),
                                   widget=deform.widget.SelectWidget(values=channels)))
    schema.add(reference(EmailTemplate, name="template_id", title=_("Email template"),
                         description=_("For greetings by email.")))
    schema.add(_text_node(required=False))
    schema.add(colander.SchemaNode(base_schemas._Time(), name="time_of_day", title=_("At (time of day)"),
                                   missing="09:00", description=_("In the company's time zone.")))
    schema.add(colander.SchemaNode(colander.Boolean(), name="active", title=_("Active"), missing=True,
                                   default=True))
    return schema
