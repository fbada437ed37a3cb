"""Hook implementations of base's statistics part (collected by addons/base/hooks.py)."""
from __future__ import annotations
