"""products hook implementations (collected by addons/base/hooks.py; use @hookimpl(specname=...))."""
from __future__ import annotations
