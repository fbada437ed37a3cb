"""documents hook implementations (collected by addons/base/hooks.py): the "Document chain" tab."""
from __future__ import annotations

from pyramid.renderers import render

from core.descriptors import models_for
from core.hookspecs import hookimpl
from core.i18n import _

from . import links, lifecycle
from .types import type_of_model


@hookimpl(specname="detail_tabs")
def document_chain_tab(request, descriptor, record):
    """Every document type's detail page: the documents it was made from and made into."""
    if type_of_model(descriptor.model) is None:
        return None
    entries = links.chain(request.dbsession, record)
    installed = models_for(request)
    html = render("addons.base:documents/templates/chain.pt", {
        "entries": entries, "record": record, "installed": installed, "states": lifecycle.STATE_TITLES,
    }, request=request)
    return [{"id": "chain", "title": _("Document chain"), "html": html, "order": 20,
             "count": len(entries) - 1 if len(entries) > 1 else None}]
