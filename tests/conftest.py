"""Shared fixtures: catalogs of the tiny fake addons under tests/fixtures/addons."""
from __future__ import annotations

import pytest

from core.addons import Catalog, load_addon

FIXTURES = "tests.fixtures.addons"


def fixture_catalog(*names: str) -> Catalog:
    """The real ``base`` plus the named fixture addons."""
    return Catalog([load_addon("addons.base")] + [load_addon(f"{FIXTURES}.{n}") for n in names])


@pytest.fixture
def catalog() -> Catalog:
    """base, alpha, beta and glue: a small healthy set."""
    return fixture_catalog("alpha", "beta", "glue")
