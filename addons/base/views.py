"""base's pages: the home page with the company and the installed addons."""
from __future__ import annotations

from pyramid.view import view_config

from . import services


@view_config(route_name="base.home", renderer="addons.base:templates/home.pt")
def home(request):
    company = services.get_company(request.dbsession)
    return {"company": company, "installed": request.addons.addons}


def includeme(config):
    config.add_route("base.home", "/")
    config.scan(".views")
