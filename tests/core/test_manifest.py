"""The manifest: every field read from ``manifest.toml``, every mistake named with its file."""
from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest
from packaging.version import Version

from core.addons import load_addon
from core.manifest import MANIFEST_FILE, Manifest, ManifestError

FULL = """\
name = "crm"
version = "1.4.0"
summary = "Leads, opportunities and the customer 360 page"
category = "Sales"
author = "Zhanggui"
license = "AGPL-3.0-or-later"
website = "https://example.com/crm"
depends = ["base >=1.0,<2", "alpha"]
kernel = ">=1.0,<2"
auto_install = true
requires = ["openpyxl>=3.1"]
"""

MINIMAL = 'name = "crm"\nversion = "1.0"\n'


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / MANIFEST_FILE
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def error_for(tmp_path: Path, text: str) -> str:
    """The message of the ManifestError raised for ``text``; it must name the file."""
    path = write(tmp_path, text)
    with pytest.raises(ManifestError) as info:
        Manifest.from_file(path)
    message = str(info.value)
    assert message.startswith(f"{path}: "), message
    return message


def test_every_field_is_read(tmp_path):
    m = Manifest.from_file(write(tmp_path, FULL))
    assert m.name == "crm"
    assert m.version == Version("1.4.0")
    assert (m.summary, m.category, m.author, m.license, m.website) == (
        "Leads, opportunities and the customer 360 page", "Sales", "Zhanggui",
        "AGPL-3.0-or-later", "https://example.com/crm")
    assert m.depends_names == ("base", "alpha")
    base, alpha = m.depends
    assert str(base) == "base<2,>=1.0"
    assert base.specifier.contains("1.9") and not base.specifier.contains("2.0")
    assert not base.specifier.contains("0.9")
    assert alpha.specifier.contains("0.1") and alpha.specifier.contains("99")
    assert m.kernel.contains("1.0") and not m.kernel.contains("2.0")
    assert m.auto_install is True
    assert [str(r) for r in m.requires] == ["openpyxl>=3.1"]


def test_defaults_of_a_minimal_manifest(tmp_path):
    m = Manifest.from_file(write(tmp_path, MINIMAL))
    assert (m.name, m.version) == ("crm", Version("1.0"))
    assert (m.summary, m.author, m.license, m.website) == ("", "", "", "")
    assert m.category == "Uncategorized"
    assert m.depends == () and m.requires == ()
    assert m.auto_install is False
    assert m.kernel.contains("1.0") and m.kernel.contains("7.3")  # no range: any kernel


def test_the_shipped_base_manifest_is_valid():
    m = Manifest.from_file(Path(__file__).parents[2] / "addons" / "base" / MANIFEST_FILE)
    assert m.name == "base" and m.depends == ()


@pytest.mark.parametrize("toml_value", [
    '"CRM"', '"1crm"', '"c"', '"crm-lead"', '"crm lead"', f'"{"x" * 41}"', '"crm\\n"', "12",
])
def test_bad_name(tmp_path, toml_value):
    message = error_for(tmp_path, f'name = {toml_value}\nversion = "1.0"\n')
    assert "'name'" in message and "must be a lowercase identifier of 2 to 40 characters" in message


def test_missing_name(tmp_path):
    assert "'name' None must be a lowercase identifier" in error_for(tmp_path, 'version = "1.0"\n')


def test_bad_version(tmp_path):
    message = error_for(tmp_path, 'name = "crm"\nversion = "one point oh"\n')
    assert message.endswith("'version' 'one point oh' is not a valid version")


def test_missing_version(tmp_path):
    assert error_for(tmp_path, 'name = "crm"\n').endswith("'version' is missing")


def test_unquoted_version_is_refused_rather_than_misread(tmp_path):
    # TOML reads 1.10 as the float 1.1: accepting it would install the wrong version.
    message = error_for(tmp_path, 'name = "crm"\nversion = 1.10\n')
    assert "'version' must be a quoted string" in message


@pytest.mark.parametrize("dep, problem", [
    ("base >=x", "invalid dependency 'base >=x'"),
    ("base[extra]", "only 'name <version range>' is allowed"),
    ("base; python_version > '3'", "only 'name <version range>' is allowed"),
    ("base @ https://example.com/base.zip", "only 'name <version range>' is allowed"),
    ("crm-lead", "invalid dependency 'crm-lead': bad addon name"),
])
def test_bad_dependency_string(tmp_path, dep, problem):
    assert problem in error_for(tmp_path, MINIMAL + f'depends = ["{dep}"]\n')


def test_depends_must_be_a_list_of_strings(tmp_path):
    assert "'depends' must be a list of strings" in error_for(tmp_path, MINIMAL + 'depends = "base"\n')
    assert "'depends' must be a list of strings" in error_for(tmp_path, MINIMAL + "depends = [1]\n")


def test_self_dependency(tmp_path):
    message = error_for(tmp_path, MINIMAL + 'depends = ["base", "crm >=1"]\n')
    assert message.endswith("an addon cannot depend on itself")


def test_same_dependency_twice(tmp_path):
    message = error_for(tmp_path, MINIMAL + 'depends = ["base", "base >=1"]\n')
    assert "'depends' lists 'base' twice" in message


def test_bad_kernel_range(tmp_path):
    assert "'kernel' '>=one' is not a version range" in error_for(tmp_path, MINIMAL + 'kernel = ">=one"\n')
    assert "'kernel' 2 is not a version range" in error_for(tmp_path, MINIMAL + "kernel = 2\n")


def test_bad_requires(tmp_path):
    assert "'requires': invalid requirement" in error_for(tmp_path, MINIMAL + 'requires = ["open pyxl!!"]\n')
    assert "'requires' must be a list" in error_for(tmp_path, MINIMAL + 'requires = "openpyxl"\n')
    assert "'requires' must be a list" in error_for(tmp_path, MINIMAL + "requires = [3]\n")


def test_bad_auto_install(tmp_path):
    message = error_for(tmp_path, MINIMAL + 'depends = ["base"]\nauto_install = "yes"\n')
    assert message.endswith("'auto_install' must be true or false")


def test_auto_install_without_dependencies(tmp_path):
    # Glue that depends on nothing would never be pulled in: say so instead of ignoring it.
    assert "'auto_install' needs 'depends'" in error_for(tmp_path, MINIMAL + "auto_install = true\n")


@pytest.mark.parametrize("key", ["summary", "category", "author", "license", "website"])
def test_text_fields_must_be_strings(tmp_path, key):
    assert error_for(tmp_path, MINIMAL + f"{key} = 3\n").endswith(f"'{key}' must be a string")


def test_unknown_key(tmp_path):
    message = error_for(tmp_path, MINIMAL + 'dependencies = ["base"]\nicon = "x.png"\n')
    assert message.endswith("unknown key(s): dependencies, icon")


def test_not_toml(tmp_path):
    assert "not valid TOML" in error_for(tmp_path, "name: crm\nversion: 1.0\n")


def test_not_utf8(tmp_path):
    path = tmp_path / MANIFEST_FILE
    path.write_bytes('name = "crm"\nsummary = "客户"\n'.encode("gb18030"))
    with pytest.raises(ManifestError, match=r"manifest.toml: not UTF-8 text"):
        Manifest.from_file(path)


def test_missing_file(tmp_path):
    path = tmp_path / MANIFEST_FILE
    with pytest.raises(ManifestError) as info:
        Manifest.from_file(path)
    assert str(info.value) == f"{path}: no manifest file"


def test_manifest_path_is_a_directory(tmp_path):
    (tmp_path / MANIFEST_FILE).mkdir()
    with pytest.raises(ManifestError, match=r"manifest.toml: cannot be read"):
        Manifest.from_file(tmp_path / MANIFEST_FILE)


def test_manifest_is_read_without_importing_the_addon(tmp_path, monkeypatch):
    package = tmp_path / "explodes"
    package.mkdir()
    (package / "__init__.py").write_text('raise RuntimeError("imported explodes")\n')
    (package / MANIFEST_FILE).write_text(
        'name = "explodes"\nversion = "0.3"\nsummary = "Breaks when imported"\ndepends = ["base"]\n')
    monkeypatch.syspath_prepend(str(tmp_path))

    addon = load_addon("explodes")

    assert (addon.name, str(addon.version), addon.manifest.summary) == (
        "explodes", "0.3", "Breaks when imported")
    assert addon.path == package and addon.module == "explodes"
    assert "explodes" not in sys.modules
    with pytest.raises(RuntimeError, match="imported explodes"):  # the fixture really explodes
        __import__("explodes")


LOCALIZED = MINIMAL + '''title = "CRM"
summary = "Leads and opportunities"
category = "Sales"

[locale.zh_Hans]
title = "客户关系"
summary = "线索和销售机会"
'''


def test_title_and_translations_are_read(tmp_path):
    manifest = Manifest.from_file(write(tmp_path, LOCALIZED))
    assert manifest.text("title") == "CRM"
    assert manifest.text("title", "zh_Hans") == "客户关系"
    assert manifest.text("summary", "zh_Hans") == "线索和销售机会"
    # what a language does not translate stays English; an unknown language is English
    assert manifest.text("category", "zh_Hans") == "Sales"
    assert manifest.text("summary", "fr") == "Leads and opportunities"


def test_title_defaults_to_the_name(tmp_path):
    assert Manifest.from_file(write(tmp_path, MINIMAL)).text("title", "zh_Hans") == "crm"


@pytest.mark.parametrize("text, problem", [
    ('locale = "zh"\n', "'locale' must be a table of languages"),
    ('[locale]\nzh_Hans = "客户关系"\n', "'locale.zh_Hans' must be a table"),
    ('[locale.zh_Hans]\nname = "客户关系"\n', "'locale.zh_Hans': unknown key(s): name"),
    ('[locale.zh_Hans]\ntitle = 3\n', "'locale.zh_Hans': values must be strings"),
])
def test_bad_translations(tmp_path, text, problem):
    assert problem in error_for(tmp_path, MINIMAL + text)
