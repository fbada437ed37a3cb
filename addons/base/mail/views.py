"""Pages of mail: template preview, filing received mail, and the public links in messages.

Thin: parse, check, call :mod:`.services` / :mod:`.blasts` / :mod:`.receive`. The
unsubscribe page and the opening pixel answer without sign-in: their token, signed
with the site's secret, is the permission.
"""
from __future__ import annotations

import base64

from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.response import Response
from pyramid.security import NO_PERMISSION_REQUIRED
from pyramid.view import view_config

from core import records
from core.i18n import _
from core.web.pages.common import crumbs, error_text, flash

from . import blasts, services
from .models import BlastRecipient
from .registration import EMAIL_TEMPLATE, RECEIVED_MAIL

TEMPLATES = "addons.base.mail:templates/"
#: A transparent 1×1 GIF.
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def _contacts(request, limit: int = 200):
    """Contacts with an address the user may read, for the preview's chooser."""
    from ..partners.models import Contact
    from ..partners.registration import CONTACT

    if not request.access.allowed(CONTACT.name, "read"):
        return []
    query = records.select(CONTACT, request.access).where(Contact.email != "").order_by(None) \
        .order_by(Contact.name, Contact.id).limit(limit)
    return list(request.dbsession.scalars(query))


@view_config(route_name="base.mail.preview", renderer=TEMPLATES + "preview.pt")
def preview(request):
    """The template as a chosen contact would get it: subject, HTML (sandboxed frame), text."""
    from ..partners.models import Contact

    try:
        template = records.get(request.dbsession, EMAIL_TEMPLATE, request.access, request.matchdict["id"])
    except records.NotFound:
        raise HTTPNotFound() from None
    except records.Forbidden:
        raise HTTPForbidden() from None
    contacts = _contacts(request)
    chosen = None
    wanted = request.GET.get("contact_id", "")
    if wanted.isdigit():
        chosen = next((c for c in contacts if c.id == int(wanted)), None)
        if chosen is None:
            from ..partners.registration import CONTACT

            try:
                chosen = records.get(request.dbsession, CONTACT, request.access, wanted)
            except (records.NotFound, records.Forbidden):
                chosen = None
    elif contacts:
        chosen = contacts[0]
    problem = None
    rendered = None
    try:
        rendered = services.preview(request.dbsession, template, contact=chosen, user=request.user,
                                    settings=request.registry.settings)
    except services.sandbox.TemplateProblem as exc:
        problem = str(exc)
    crumbs(request, EMAIL_TEMPLATE, (template.name, request.route_url("zg.model.detail", model=EMAIL_TEMPLATE.name,
                                                                      id=template.id)), (_("Preview"), None))
    assert chosen is None or isinstance(chosen, Contact)
    return {"template": template, "rendered": rendered, "problem": problem, "contacts": contacts,
            "chosen": chosen, "page_title": _("Preview")}


@view_config(route_name="base.mail.attach", request_method="POST")
def attach(request):
    """File a waiting message on the chosen partner (an e-mail activity with its attachments)."""
    back = request.route_url("zg.model.detail", model=RECEIVED_MAIL.name, id=request.matchdict["id"])
    partner_id = request.POST.get("partner_id", "")
    try:
        message = records.run_action(request.dbsession, RECEIVED_MAIL, request.access, "attach",
                                     [request.matchdict["id"]], request,
                                     partner_id=int(partner_id) if partner_id.isdigit() else None)
    except records.NotFound:
        raise HTTPNotFound() from None
    except records.Forbidden:
        raise HTTPForbidden() from None
    except (records.ValidationFailed, services.MailError) as exc:
        request.tm.doom()
        flash(request, error_text(request, exc), "error")
        return HTTPSeeOther(back)
    flash(request, message)
    return HTTPSeeOther(back)


# ---- public: the links in messages -------------------------------------------------------

@view_config(route_name="base.mail.unsubscribe", renderer=TEMPLATES + "unsubscribe.pt",
             permission=NO_PERMISSION_REQUIRED, require_csrf=False)
def unsubscribe(request):
    """GET: ask to confirm; POST (the button, or a mail client's one-click): opt out.

    No CSRF token: the signed token in the address is the proof, and RFC 8058
    one-click requests come from mail providers that have none.
    """
    number = services.unsign(request.registry.settings, "unsubscribe", request.matchdict["token"])
    recipient = request.dbsession.get(BlastRecipient, number) if number is not None else None
    if recipient is None:
        request.response.status = 404
        return {"state": "invalid", "email": "", "page_title": _("Unsubscribe")}
    if request.method == "POST":
        blasts.unsubscribe(request.dbsession, recipient)
        return {"state": "done", "email": recipient.email, "page_title": _("Unsubscribe")}
    opted = services.outbox().is_opted_out(request.dbsession, "email", recipient.email)
    return {"state": "done" if opted else "ask", "email": recipient.email, "page_title": _("Unsubscribe")}


@view_config(route_name="base.mail.open", permission=NO_PERMISSION_REQUIRED)
def opened(request):
    """The 1×1 image in blast messages: notes the first opening, always answers the image."""
    number = services.unsign(request.registry.settings, "open", request.matchdict["token"])
    if number is not None:
        blasts.record_open(request.dbsession, number)
    response = Response(body=PIXEL, content_type="image/gif")
    response.cache_control = "no-store, private"
    return response

