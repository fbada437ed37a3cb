"""Themes: ``themes/<name>/`` holds templates and static assets; ``default`` ships.

Every page template uses the ``layout`` macro of the active theme.
"""
from __future__ import annotations

from pyramid.events import BeforeRender
from pyramid.renderers import get_renderer


def _layout(registry):
    layout = getattr(registry, "zg_layout", None)
    if layout is None:
        theme = registry.settings.get("zhanggui.theme", "default")
        renderer = get_renderer(f"themes:{theme}/templates/layout.pt", registry=registry)
        layout = registry.zg_layout = renderer.implementation().macros["layout"]
    return layout


def _add_layout(event):
    request = event.get("request")
    if request is not None:
        event.setdefault("layout", _layout(request.registry))


def includeme(config):
    config.add_static_view("static/theme", "themes:default/static/", cache_max_age=3600)
    config.add_subscriber(_add_layout, BeforeRender)
