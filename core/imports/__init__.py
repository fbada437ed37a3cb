"""Importing records from Excel and CSV files (docs/import.md).

Pages ``/m/<model>/import`` and ``/imports/<run>``, the JSON API
``POST /api/v1/imports/<model>`` and the ``zhanggui import`` command all call
:func:`core.imports.services.run`.
"""
from __future__ import annotations

from . import models  # noqa: F401  (the zg_import_* tables)


def includeme(config):
    # Literal segments before the generic /m/{model}/{id} pages and /api/v1/{model}/… routes.
    config.add_route("zg.import.upload", "/m/{model}/import")
    config.add_route("zg.import.run", "/imports/{id:\\d+}")
    config.add_route("zg.import.progress", "/imports/{id:\\d+}/progress")
    config.add_route("zg.api.import", "/api/v1/imports/{model}")
    config.scan(".views")
    config.scan(".api")
