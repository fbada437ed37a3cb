"""Zhanggui's kernel: addon discovery, per-database registries, web shell, jobs, CLI.

The kernel knows no business. Everything a company uses comes from addons found
through the ``zhanggui.addons`` entry-point group.
"""
from __future__ import annotations

__version__ = "0.1.0"

#: The kernel API version addons declare compatibility with (``kernel = ">=1.0,<2"``).
#: Raise the minor part for additions, the major part for breaking changes.
KERNEL_API_VERSION = "1.0"
