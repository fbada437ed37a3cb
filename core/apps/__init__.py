"""The company's apps (应用管理): Administration → Apps, and ``/api/v1/apps``.

A company administrator sees every addon on the host, with what it needs and adds,
and installs or removes it for this company only (:mod:`.services`). docs/apps.md.
"""
from __future__ import annotations

from pyramid.security import NO_PERMISSION_REQUIRED


def includeme(config):
    config.add_static_view("static/apps", "core.apps:static/", cache_max_age=3600,
                           permission=NO_PERMISSION_REQUIRED)
    config.add_route("zg.apps", "/admin/apps")
    config.add_route("zg.apps.detail", "/admin/apps/{name}")
    config.add_route("zg.apps.confirm", "/admin/apps/{name}/{action:install|remove}")
    # Literal paths under /api/v1: the model API's "{model}" routes only match registered models.
    config.add_route("zg.api.apps", "/api/v1/apps")
    config.add_route("zg.api.apps.plan", "/api/v1/apps/{name}/plan")
    config.add_route("zg.api.apps.change", "/api/v1/apps/{name}/{action:install|remove}")
    config.scan(".views")
    config.scan(".api")
