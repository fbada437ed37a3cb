"""core.testing.check_addon: the contract every addon (ours or a marketplace one) must meet."""
from __future__ import annotations

import re

import pytest

from core.testing import check_addon
from tests.conftest import fixture_catalog


@pytest.mark.parametrize("name", ["base", "alpha", "beta", "glue"])
def test_healthy_addons_meet_the_contract(name, db_url):
    catalog = fixture_catalog("alpha", "beta", "glue")
    check_addon(catalog[name], catalog, db_url)


def contract_failure(name: str, db_url: str) -> str:
    catalog = fixture_catalog(name)
    with pytest.raises(AssertionError) as failed:
        check_addon(catalog[name], catalog, db_url)
    return str(failed.value)


def test_model_table_without_migration_is_reported(db_url):
    message = contract_failure("contract_nomig", db_url)
    assert message.startswith("addon contract_nomig breaks the contract:")
    assert "table contract_nomig_thing (model Thing) has no migration" in message
    assert "not prefixed" not in message  # only the real problem


def test_table_not_prefixed_by_the_addon_is_reported(db_url):
    message = contract_failure("contract_prefix", db_url)
    assert message.startswith("addon contract_prefix breaks the contract:")
    assert "table thing_without_prefix (model Thing) is not prefixed with 'contract_prefix_'" in message
    assert "a migration creates table thing_without_prefix, which is not prefixed" in message
    assert "has no migration" not in message  # its migration does create it


def test_misspelt_hook_implementation_is_reported(db_url):
    message = contract_failure("bad_hook", db_url)
    assert re.search(r"install fails: .*menu_itemz", message)


def test_missing_dependency_is_reported(db_url):
    message = contract_failure("needs_missing", db_url)
    assert "its dependencies do not resolve" in message


def test_failing_migration_is_reported(db_url):
    catalog = fixture_catalog("alpha", "bad_migration")
    with pytest.raises(AssertionError) as failed:
        check_addon(catalog["bad_migration"], catalog, db_url)
    assert "install fails: RuntimeError: migration failed on purpose" in str(failed.value)
