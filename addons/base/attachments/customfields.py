"""``file`` and ``image`` custom fields (docs/custom-fields.md): the value is an attachment of the record.

The file is uploaded to the record's Attachments tab (``/base/attachments/upload``), then
chosen in the field; so these fields show on the edit form, not on the "new" form (the
record must exist first). The detail page shows a download link, or a thumbnail.
"""
from __future__ import annotations

import colander
import deform
import sqlalchemy as sa
from markupsafe import Markup, escape

from core.customfields.types import FieldType
from core.hookspecs import hookimpl
from core.i18n import _

from .models import Attachment


def _attachments(kw, images: bool) -> list[Attachment]:
    session, record, descriptor = kw.get("session"), kw.get("record"), kw.get("descriptor")
    if session is None or record is None or descriptor is None or getattr(record, "id", None) is None:
        return []
    query = sa.select(Attachment).where(Attachment.model == descriptor.name, Attachment.record_id == record.id)
    if images:
        query = query.where(Attachment.content_type.startswith("image/"))
    return list(session.scalars(query.order_by(Attachment.id)))


class _AttachmentId(colander.Integer):
    """An attachment of the record: its id (forms, the API) or its file name (an import's cell)."""

    def __init__(self, images: bool):
        super().__init__()
        self.images = images

    def deserialize(self, node, cstruct):
        text = cstruct.strip() if isinstance(cstruct, str) else cstruct
        if isinstance(text, str) and text and not text.isdigit():
            found = [a.id for a in _attachments(getattr(node, "bindings", None) or {}, self.images)
                     if a.filename == text]
            if len(found) == 1:
                return found[0]
            if found:
                raise colander.Invalid(node, _("Several files of this record are named ${name}: use the number.",
                                               mapping={"name": text}))
            raise colander.Invalid(node, _("Not an image attached to this record.") if self.images
                                   else _("Not a file attached to this record."))
        return super().deserialize(node, cstruct)


def _node(images: bool):
    def node(field, request):
        @colander.deferred
        def widget(node, kw):
            if kw.get("record") is None:  # not on the "new" form; imports then read the cell as text
                return deform.widget.SelectWidget(values=[])
            values = [("", "—")] + [(str(a.id), a.filename) for a in _attachments(kw, images)]
            return deform.widget.SelectWidget(values=values)

        @colander.deferred
        def validator(node, kw):
            allowed = {a.id for a in _attachments(kw, images)}

            def check(node, value):
                if value not in allowed:
                    raise colander.Invalid(node, _("Not an image attached to this record.") if images
                                           else _("Not a file attached to this record."))
            return check

        return colander.SchemaNode(_AttachmentId(images), widget=widget, validator=validator,
                                   description=_("Upload the file on the Attachments tab, then choose it here."))
    return node


def _html(images: bool):
    def html(request, value, field, record):
        attachment = request.dbsession.get(Attachment, int(value))
        if attachment is None:
            return ""
        url = request.route_url("base.attachment.download", id=attachment.id)
        if images and attachment.is_image:
            return Markup('<a href="{0}" target="_blank" rel="noopener"><img class="zg-thumb" src="{0}" alt="{1}" '
                          'style="max-width:160px;max-height:120px"></a>').format(url, attachment.filename)
        return Markup('<a href="{0}?download=1">{1}</a>').format(url, escape(attachment.filename))
    return html


#: Offered through the ``custom_field_types`` hook, so every process that builds base's addon
#: registry (pages, jobs, ``zhanggui import``) knows them, not only the web configuration.
FILE = FieldType("file", _("File"), _node(False), load=int, html=_html(False), needs_record=True)
IMAGE = FieldType("image", _("Image"), _node(True), load=int, html=_html(True), needs_record=True)


@hookimpl(specname="custom_field_types")
def attachment_field_types():
    """The file and image kinds (collected into base's plugin by addons/base/hooks.py)."""
    return [FILE, IMAGE]
