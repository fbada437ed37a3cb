"""The docs keep up with the code: every hook documented and tested, every link alive.

Modelled on datasette's tests/test_docs.py: adding a hookspec without a section in
docs/hooks.md, or without a ``test_hook_<name>`` test, fails here.
"""
from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

from core import hookspecs

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
TESTS = ROOT / "tests"

# "## addon_data(session, registry)": the hook's name and its parameters, in order.
HOOK_HEADING = re.compile(r"^## (\w+)\((.*)\)\s*$", re.MULTILINE)
# Inline links and images: [text](target) / ![alt](target "title").
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"`[^`\n]*`")


def kernel_hooks() -> dict[str, inspect.Signature]:
    """name → signature of every hookspec in core.hookspecs."""
    marker = f"{hookspecs.PROJECT}_spec"
    return {
        name: inspect.signature(func)
        for name, func in inspect.getmembers(hookspecs, inspect.isfunction)
        if hasattr(func, marker)
    }


def documented_hooks() -> dict[str, list[str]]:
    """name → parameters of every ``## name(...)`` section of docs/hooks.md."""
    text = (DOCS / "hooks.md").read_text(encoding="utf-8")
    return {
        name: [p.strip() for p in params.split(",") if p.strip()]
        for name, params in HOOK_HEADING.findall(text)
    }


def defined_test_names() -> set[str]:
    """Every test function defined anywhere under tests/ (read with ast, not imported)."""
    names: set[str] = set()
    for path in TESTS.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        names.update(
            node.name for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test_")
        )
    return names


def test_kernel_has_hooks():
    # Guards the checks below against a marker rename that would make them vacuous.
    assert {"addon_data", "demo_data", "addon_installed", "menu_items"} <= set(kernel_hooks())


@pytest.mark.parametrize("hook", sorted(kernel_hooks()))
def test_hook_is_documented(hook):
    documented = documented_hooks()
    assert hook in documented, f"docs/hooks.md has no '## {hook}(...)' section"
    expected = list(kernel_hooks()[hook].parameters)
    assert documented[hook] == expected, (
        f"docs/hooks.md documents {hook}({', '.join(documented[hook])}) "
        f"but the hookspec is {hook}({', '.join(expected)})"
    )


def test_documented_hooks_exist():
    unknown = sorted(set(documented_hooks()) - set(kernel_hooks()))
    assert not unknown, f"docs/hooks.md documents hooks that core.hookspecs does not declare: {unknown}"


@pytest.mark.parametrize("hook", sorted(kernel_hooks()))
def test_hook_is_tested(hook):
    assert f"test_hook_{hook}" in defined_test_names(), (
        f"no test function named test_hook_{hook} under tests/"
    )


def relative_links(path: Path) -> list[str]:
    """Links to files in the repo (not URLs, not in-page anchors), outside code."""
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    text = CODE_SPAN.sub("", text)
    links = []
    for target in LINK.findall(text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE) or target.startswith("#"):
            continue
        links.append(target)
    return links


@pytest.mark.parametrize("doc", sorted(p.name for p in DOCS.glob("*.md")))
def test_doc_links_point_to_existing_files(doc):
    path = DOCS / doc
    broken = [t for t in relative_links(path) if not (path.parent / t.split("#")[0]).exists()]
    assert not broken, f"docs/{doc} links to files that do not exist: {broken}"


def test_docs_have_pages():
    # The link test above is parametrized over docs/*.md: it must not pass on no pages.
    assert (DOCS / "index.md").exists() and (DOCS / "hooks.md").exists()
