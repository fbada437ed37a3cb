"""``base.attachment`` for the generic pages and the JSON API: read (and delete) only.

Files are added with ``POST /base/attachments/upload`` (multipart), never through
``POST /api/v1/base.attachment``: a JSON body cannot carry the file, so the descriptor
is not ``creatable`` (the API answers 405, the list offers no "New"). A stored file
never changes (upload a new one), so no attachment is ``editable``.
"""
from __future__ import annotations

import colander

from core.descriptors import Column, Filter, ModelDescriptor
from core.i18n import _

from . import services
from .models import Attachment


def attachment_schema(request) -> colander.SchemaNode:
    schema = colander.SchemaNode(colander.Mapping())
    for name, kind, title in (("filename", colander.String(), _("File name")),
                              ("content_type", colander.String(), _("Type")),
                              ("size", colander.Integer(), _("Size (bytes)")),
                              ("model", colander.String(), _("Record type")),
                              ("record_id", colander.Integer(), _("Record number")),
                              ("sha256", colander.String(), _("SHA-256")),
                              ("uploaded_by", colander.Integer(), _("Uploaded by")),
                              ("uploaded_at", colander.DateTime(), _("Uploaded at"))):
        schema.add(colander.SchemaNode(kind, name=name, title=title, missing=None))
    return schema


def _delete(session, attachment, user) -> None:
    services.delete(session, attachment)


ATTACHMENT = ModelDescriptor(
    name="base.attachment", model=Attachment, title=_("Attachment"), title_plural=_("Attachments"),
    schema=attachment_schema,
    columns=[Column("filename", _("File name")), Column("content_type", _("Type")),
             Column("size", _("Size (bytes)")), Column("model", _("Record type")),
             Column("record_id", _("Record number")), Column("uploader", _("Uploaded by"), sortable=False),
             Column("uploaded_at", _("Uploaded at"))],
    filters=[Filter("model", _("Record type"), kind="text"), Filter("content_type", _("Type"), kind="text"),
             Filter("uploaded_at", _("Uploaded at"), kind="date_range")],
    search_fields=["filename"], searchable=False, order_by="-uploaded_at",
    label=lambda a: a.filename,
    creatable=False, editable=lambda attachment: False, delete=_delete,
)
