"""Themes: ``themes/<name>/`` holds templates and static assets; ``default`` ships.

Every page template uses the ``layout`` macro of the active theme.
"""
from __future__ import annotations

from pathlib import Path

import themes
from pyramid.events import BeforeRender
from pyramid.security import NO_PERMISSION_REQUIRED
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


def available_themes() -> list[str]:
    """``default`` and every other folder under themes/ with a static/theme.css."""
    root = Path(themes.__file__).resolve().parent
    others = sorted(p.name for p in root.iterdir()
                    if p.name != "default" and (p / "static" / "theme.css").is_file())
    return ["default", *others]


def includeme(config):
    config.add_static_view("static/theme", "themes:default/static/", cache_max_age=3600,
                           permission=NO_PERMISSION_REQUIRED)
    # Each other theme only adds its theme.css on top of the default's assets.
    for name in available_themes()[1:]:
        config.add_static_view(f"static/themes/{name}", f"themes:{name}/static/", cache_max_age=3600,
                               permission=NO_PERMISSION_REQUIRED)
    config.add_subscriber(_add_layout, BeforeRender)
