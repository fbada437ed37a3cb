"""Dependency resolution and the catalog of available addons (no database involved).

The messages are asserted word for word: they are what an administrator reads when
``zhanggui addons install`` refuses, and the path tells them which addon to look at.
"""
from __future__ import annotations

import importlib.metadata
import textwrap
from pathlib import Path

import pytest

from core.addons import Addon, AddonError, Catalog, ResolutionError, dependents, load_addon, resolve
from tests.conftest import fixture_catalog

EVERY_FIXTURE = ("alpha", "beta", "glue", "cyc_a", "cyc_b", "needs_missing", "future_kernel",
                 "needs_newer", "chain_top", "needs_pkg")


@pytest.fixture
def everything() -> Catalog:
    return fixture_catalog(*EVERY_FIXTURE)


def names(addons) -> list[str]:
    return [a.name for a in addons]


def refusal(catalog: Catalog, requested: list[str], installed: dict[str, str] | None = None) -> str:
    with pytest.raises(ResolutionError) as info:
        resolve(catalog, requested, installed)
    return str(info.value)


# -- order and glue ------------------------------------------------------------------------

def test_dependencies_come_first():
    assert names(resolve(fixture_catalog("alpha", "beta"), ["beta"])) == ["base", "alpha", "beta"]


def test_an_addon_requested_twice_or_with_its_dependency_appears_once():
    assert names(resolve(fixture_catalog("alpha", "beta"), ["beta", "alpha", "beta"])) == [
        "base", "alpha", "beta"]


def test_installed_addons_come_first_and_glue_joins_when_the_last_dependency_arrives(catalog):
    order = names(resolve(catalog, ["beta"], installed={"base": "1.0.0", "alpha": "1.2.0"}))
    assert order == ["base", "alpha", "beta", "glue"]


def test_glue_joins_when_all_its_dependencies_are_there(catalog):
    assert names(resolve(catalog, ["beta"])) == ["base", "alpha", "beta", "glue"]


def test_glue_stays_out_when_a_dependency_is_missing(catalog):
    assert names(resolve(catalog, ["alpha"])) == ["base", "alpha"]
    assert "glue" not in names(resolve(catalog, [], installed={"base": "1.0.0", "alpha": "1.2.0"}))


def test_glue_is_not_installed_by_itself_for_nothing(catalog):
    assert names(resolve(catalog, [])) == []


def test_installed_addon_whose_code_is_gone_is_ignored(catalog):
    assert names(resolve(catalog, ["alpha"], installed={"base": "1.0.0", "vanished": "3.0"})) == [
        "base", "alpha"]


# -- refusals, with the path that led to them ---------------------------------------------

def test_missing_dependency(everything):
    assert refusal(everything, ["needs_missing"]) == (
        "needs_missing -> nothere: addon 'nothere' is not available on this host")


def test_unknown_requested_addon(everything):
    assert refusal(everything, ["nothere"]) == "nothere: addon 'nothere' is not available on this host"


def test_cycle(everything):
    assert refusal(everything, ["cyc_a"]) == "dependency cycle: cyc_a -> cyc_b -> cyc_a"
    assert refusal(everything, ["cyc_b"]) == "dependency cycle: cyc_b -> cyc_a -> cyc_b"


def test_cycle_reached_from_outside_says_from_where(tmp_path, monkeypatch):
    top = make_addon(tmp_path, monkeypatch, "top_c", 'name = "top_c"\nversion = "1"\ndepends = ["cyc_b"]\n')
    catalog = Catalog(list(fixture_catalog("cyc_a", "cyc_b").values()) + [top])
    assert refusal(catalog, ["top_c"]) == "dependency cycle: cyc_b -> cyc_a -> cyc_b (reached from top_c)"


def test_version_conflict_through_a_chain(everything):
    assert refusal(everything, ["chain_top"]) == (
        "chain_top -> needs_newer -> alpha>=2: available alpha is 1.2.0")


def test_installed_version_refused_when_the_code_cannot_satisfy_either(everything):
    assert refusal(everything, ["needs_newer"], installed={"base": "1.0.0", "alpha": "0.5"}) == (
        "needs_newer -> alpha>=2: installed alpha is 0.5")


def test_older_installed_version_is_fine_when_the_code_brings_a_good_one(everything):
    # beta needs alpha >=1.0: the database has 0.5, the code 1.2.0, an upgrade settles it.
    order = names(resolve(everything, ["beta"], installed={"base": "1.0.0", "alpha": "0.5"}))
    assert order[:3] == ["base", "alpha", "beta"]


def test_unsupported_kernel(everything):
    assert refusal(everything, ["future_kernel"]) == (
        "future_kernel: future_kernel supports kernel >=9.0, this kernel is 1.0")


def test_kernel_version_is_taken_into_account(everything):
    assert names(resolve(everything, ["alpha"], kernel_version="1.5")) == ["base", "alpha"]
    with pytest.raises(ResolutionError, match=r"^alpha: alpha supports kernel <2,>=1.0, this kernel is 2.0$"):
        resolve(fixture_catalog("alpha"), ["alpha"], kernel_version="2.0")


def test_missing_python_requirement(everything):
    assert refusal(everything, ["needs_pkg"]) == (
        "needs_pkg: needs_pkg requires the Python package zhanggui-no-such-package>=1, "
        "which is not installed")


def test_python_requirement_with_too_old_version(tmp_path, monkeypatch):
    catalog = Catalog([load_addon("addons.base"), make_addon(
        tmp_path, monkeypatch, "wants_packaging", 'name = "wants_packaging"\nversion = "1.0"\n'
        'depends = ["base"]\nrequires = ["packaging>=999"]\n')])
    assert refusal(catalog, ["wants_packaging"]) == (
        "wants_packaging: wants_packaging requires the Python package packaging>=999: "
        f"installed is {importlib.metadata.version('packaging')}")


def test_a_refusal_deep_in_the_graph_names_the_whole_path(tmp_path, monkeypatch):
    top = make_addon(tmp_path, monkeypatch, "top_a", 'name = "top_a"\nversion = "1"\ndepends = ["chain_top"]\n')
    catalog = Catalog(list(fixture_catalog(*EVERY_FIXTURE).values()) + [top])
    assert refusal(catalog, ["top_a"]) == (
        "top_a -> chain_top -> needs_newer -> alpha>=2: available alpha is 1.2.0")


# -- dependents ----------------------------------------------------------------------------

def test_dependents_direct_and_indirect(catalog):
    every = ["base", "alpha", "beta", "glue"]
    assert dependents(catalog, ["beta"], every) == ["glue"]
    assert dependents(catalog, ["alpha"], every) == ["beta", "glue"]
    assert dependents(catalog, ["base"], every) == ["alpha", "beta", "glue"]
    assert dependents(catalog, ["glue"], every) == []


def test_dependents_only_among_the_given_addons(catalog):
    assert dependents(catalog, ["alpha"], ["base", "alpha", "glue"]) == ["glue"]
    assert dependents(catalog, ["alpha"], ["base", "alpha"]) == []


def test_dependents_skip_installed_addons_whose_code_is_gone(catalog):
    assert dependents(catalog, ["alpha"], ["base", "alpha", "beta", "vanished"]) == ["beta"]


# -- the catalog ---------------------------------------------------------------------------

def make_package(root: Path, monkeypatch, package: str, manifest: str, init: str = "") -> str:
    """A package ``package`` under ``root`` (put on sys.path) with the given manifest."""
    folder = root / package
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text(init)
    (folder / "manifest.toml").write_text(textwrap.dedent(manifest))
    monkeypatch.syspath_prepend(str(root))
    return package


def make_addon(root: Path, monkeypatch, package: str, manifest: str) -> Addon:
    return load_addon(make_package(root, monkeypatch, package, manifest))


def fake_distribution(root: Path, monkeypatch, dist: str, entry_points: dict[str, str]) -> None:
    """An installed distribution ``dist`` registering ``entry_points`` as zhanggui addons."""
    info = root / f"{dist.replace('-', '_')}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    lines = "".join(f"{name} = {target}\n" for name, target in entry_points.items())
    (info / "entry_points.txt").write_text(f"[zhanggui.addons]\n{lines}")
    monkeypatch.syspath_prepend(str(root))


def test_entry_points_find_the_builtin_base():
    catalog = Catalog.from_entry_points()
    assert catalog["base"].module == "addons.base"
    assert catalog["base"].distribution == "zhanggui"


def test_duplicate_addon_names_name_both_modules(tmp_path, monkeypatch):
    impostor = make_addon(tmp_path, monkeypatch, "other_alpha",
                          'name = "alpha"\nversion = "9.0"\n')
    with pytest.raises(AddonError) as info:
        Catalog([load_addon("tests.fixtures.addons.alpha"), impostor])
    assert str(info.value) == (
        "two addons are named 'alpha': tests.fixtures.addons.alpha (?) and other_alpha (?)")


def test_duplicate_addon_names_from_two_distributions(tmp_path, monkeypatch):
    make_package(tmp_path, monkeypatch, "hello_one", 'name = "hello"\nversion = "1.0"\n')
    make_package(tmp_path, monkeypatch, "hello_two", 'name = "hello"\nversion = "2.0"\n')
    fake_distribution(tmp_path, monkeypatch, "zg-hello-one", {"hello": "hello_one"})
    fake_distribution(tmp_path, monkeypatch, "zg-hello-two", {"hello": "hello_two"})
    with pytest.raises(AddonError) as info:
        Catalog.from_entry_points()
    message = str(info.value)
    assert message.startswith("two addons are named 'hello': ")
    assert "hello_one (zg-hello-one)" in message and "hello_two (zg-hello-two)" in message


def test_entry_point_name_must_match_the_manifest(tmp_path, monkeypatch):
    make_package(tmp_path, monkeypatch, "zg_greeter", 'name = "greeter"\nversion = "1.0"\n')
    with pytest.raises(AddonError) as info:
        load_addon("zg_greeter", name="hello")
    assert str(info.value) == (
        "entry point 'hello' points to 'zg_greeter' whose manifest is named 'greeter'")


def test_broken_entry_points_are_reported_and_skipped(tmp_path, monkeypatch):
    make_package(tmp_path, monkeypatch, "zg_good", 'name = "good"\nversion = "1.0"\ndepends = ["base"]\n')
    make_package(tmp_path, monkeypatch, "zg_broken", 'name = "broken"\nversion = "one"\n')
    make_package(tmp_path, monkeypatch, "zg_greeter", 'name = "greeter"\nversion = "1.0"\n')
    make_package(tmp_path, monkeypatch, "zg_bomb", 'name = "bomb"\nversion = "1.0"\n',
               init="raise RuntimeError('parent package explodes')\n")
    (tmp_path / "zg_bomb" / "inner").mkdir()
    fake_distribution(tmp_path, monkeypatch, "zg-mixed", {
        "good": "zg_good", "broken": "zg_broken", "hello": "zg_greeter", "gone": "zg_not_there",
        "inner": "zg_bomb.inner",
    })

    catalog = Catalog.from_entry_points()

    assert "good" in catalog and "base" in catalog
    assert catalog["good"].distribution == "zg-mixed"
    assert not {"broken", "greeter", "hello", "gone", "inner", "bomb"} & set(catalog)
    mine = sorted(e for e in catalog.errors if "(zg-mixed)" in e)
    manifest = tmp_path / "zg_broken" / "manifest.toml"
    assert mine == [
        f"broken (zg-mixed): {manifest}: 'version' 'one' is not a valid version",
        "gone (zg-mixed): addon module 'zg_not_there' cannot be found",
        "hello (zg-mixed): entry point 'hello' points to 'zg_greeter' whose manifest is named 'greeter'",
        "inner (zg-mixed): addon module 'zg_bomb.inner' cannot be found: importing its parent "
        "package failed: RuntimeError: parent package explodes",
    ]
    # The healthy addon still resolves next to the broken ones.
    assert names(resolve(catalog, ["good"])) == ["base", "good"]


def test_addon_for_module(catalog):
    assert catalog.addon_for_module("tests.fixtures.addons.alpha.models").name == "alpha"
    assert catalog.addon_for_module("tests.fixtures.addons.alpha").name == "alpha"
    assert catalog.addon_for_module("tests.fixtures.addons.alphabet") is None
