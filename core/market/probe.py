"""``python -m core.market.probe``: what the host's interpreter has installed, as JSON.

The marketplace installs code with ``zhanggui.market_python``, which need not be the
interpreter of the process asking (the console's, the CLI's). This probe runs in that
interpreter, fresh, so what it prints is what the web workers will load after a reload:
the addons of the ``zhanggui.addons`` entry points with their manifests, and every
installed distribution (pinned as constraints, so installing an addon never changes them).
"""
from __future__ import annotations

import importlib.metadata
import json
import platform
import sys

from packaging.utils import canonicalize_name


def probe() -> dict:
    from .. import KERNEL_API_VERSION
    from ..addons import Catalog

    catalog = Catalog.from_entry_points()
    distributions: dict[str, str] = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"] if dist.metadata else None
        if name:
            distributions.setdefault(canonicalize_name(name), dist.version)
    addons = []
    for name in catalog:
        addon = catalog[name]
        dist = canonicalize_name(addon.distribution) if addon.distribution else ""
        addons.append({
            "name": name, "module": addon.module, "distribution": dist,
            "dist_version": distributions.get(dist, ""), "version": str(addon.version),
            "summary": addon.manifest.summary, "kernel": str(addon.manifest.kernel),
            "depends": [str(d) for d in addon.manifest.depends],
        })
    return {"kernel": KERNEL_API_VERSION, "python": platform.python_version(), "addons": addons,
            "errors": catalog.errors, "distributions": distributions}


if __name__ == "__main__":
    json.dump(probe(), sys.stdout)
