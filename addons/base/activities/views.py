"""Pages of activities: the form of the Activities tab, comments (批示), marking done.

Thin: parse, check with :mod:`.targets`, call :mod:`.services`, redirect back. The
tab and the dashboard widget themselves are rendered by :mod:`.hooks`.
"""
from __future__ import annotations

from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from core import records
from core.descriptors import models_for
from core.i18n import _
from core.web.pages.common import flash, local_url
from core.web.pages.form import make_form, page_values, save

from . import services, targets
from .models import Activity
from .registration import ACTIVITY


def wants_json(request) -> bool:
    """An API client (a token, or a JSON request) gets JSON rather than a page."""
    return (request.environ.get("zhanggui.auth") == "token" or request.content_type == "application/json"
            or request.headers.get("Accept", "").startswith("application/json"))


def back_to(request, model: str, record_id, tab: str) -> str:
    """``came_from`` when it is a path on this site, else the record's tab."""
    fallback = request.route_url("zg.model.detail", model=model, id=record_id, _anchor=f"tab-{tab}") \
        if model in models_for(request) and str(record_id).isdigit() else request.route_url("zg.dashboard")
    return local_url(request, request.params.get("came_from"), fallback)


@view_config(route_name="base.activity.add", request_method="POST",
             renderer="core:web/templates/model/form.pt")
def add(request):
    """The tab's small form (or the same fields from anywhere); errors re-shown per field."""
    if not request.access.allowed(ACTIVITY.name, "create"):
        raise HTTPForbidden()
    model, record_id = request.POST.get("model", ""), request.POST.get("record_id", "")
    # The record must be readable before anything else: 404 as for its detail page.
    if not targets.may(request.dbsession, request.access, models_for(request), model, record_id):
        raise HTTPNotFound()
    form = make_form(request, ACTIVITY)
    html, activity = save(request, ACTIVITY, form)
    if activity is None:
        return page_values(request, ACTIVITY, form, html)
    flash(request, _("Activity saved."))
    return HTTPSeeOther(back_to(request, activity.model, activity.record_id, "activities"))


def _commentable(request) -> Activity:
    """The activity if the user may comment on it (approve right, in scope, record readable)."""
    try:
        activity = records.get(request.dbsession, ACTIVITY, request.access, request.matchdict["id"], "approve")
    except records.NotFound:
        raise HTTPNotFound() from None
    except records.Forbidden:
        raise HTTPForbidden() from None
    if not targets.may(request.dbsession, request.access, models_for(request), activity.model,
                       activity.record_id):
        raise HTTPNotFound()
    return activity


@view_config(route_name="base.activity.comment", request_method="POST")
def comment(request):
    """Save a manager's comment; the activity's owner is notified in the same transaction.

    A form post redirects back; an API call (token or JSON) gets 201 ``{"id": …}`` or
    400 ``{"errors": {"text": …}}``.
    """
    activity = _commentable(request)
    as_json = wants_json(request)
    text = request.POST.get("text", "")
    if request.content_type == "application/json":
        try:
            body = request.json_body
        except ValueError:
            body = None
        text = body.get("text", "") if isinstance(body, dict) else ""
        text = text if isinstance(text, str) else ""
    try:
        saved = services.add_comment(request.dbsession, activity, request.user, text)
    except services.CommentError as exc:
        request.tm.doom()
        if as_json:
            response = request.response
            response.status = 400
            return _json(response, {"errors": {"text": request.translate(exc.message)}})
        flash(request, exc.message, "error")
        return HTTPSeeOther(back_to(request, activity.model, activity.record_id, "activities"))
    if as_json:
        request.response.status = 201
        return _json(request.response, {"id": saved.id, "activity_id": activity.id,
                                        "at": records.json_value(saved.at), "text": saved.text})
    flash(request, _("Comment saved; the author was notified."))
    return HTTPSeeOther(back_to(request, activity.model, activity.record_id, "activities"))


def _json(response, data):
    response.content_type = "application/json"
    response.json_body = data
    return response
