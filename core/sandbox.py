"""Templates written by administrators (print templates, email templates), rendered safely.

Jinja2's :class:`~jinja2.sandbox.ImmutableSandboxedEnvironment` runs them: a template
can read the data it is given (plain dicts, lists, strings, numbers, dates) and call
the filters registered here, but not reach Python internals (``''.__class__``), change
its data or import anything. Give templates plain data, never ORM objects: an object
would let a template walk its relationships to records of other people.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from jinja2 import DictLoader, StrictUndefined, TemplateError, TemplateNotFound, Undefined, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment


class TemplateProblem(ValueError):
    """A template that cannot be compiled or rendered; ``str()`` says why and where (line)."""


def environment(filters: Mapping[str, Callable[..., Any]] | None = None, strict: bool = False,
                html: bool = True) -> ImmutableSandboxedEnvironment:
    """A sandboxed environment (autoescaped for HTML) with the given extra filters."""
    # An empty loader: {% include %} / {% import %} find nothing (no files, no other templates).
    env = ImmutableSandboxedEnvironment(autoescape=html, undefined=StrictUndefined if strict else Undefined,
                                        loader=DictLoader({}))
    env.filters.update(filters or {})
    return env


def _template_line(tb) -> int | None:
    """The template's line in a traceback (Jinja2 rewrites frames to ``<template>``)."""
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def render(source: str, context: Mapping[str, Any], filters: Mapping[str, Callable[..., Any]] | None = None,
           strict: bool = False, html: bool = True) -> str:
    """``source`` rendered with ``context``; :class:`TemplateProblem` for a bad template."""
    env = environment(filters, strict=strict, html=html)
    try:
        return env.from_string(source).render(**context)
    except TemplateNotFound as exc:
        line = getattr(exc, "lineno", None) or _template_line(exc.__traceback__)
        where = f" (line {line})" if line else ""
        raise TemplateProblem(f"no other template can be used here: {exc.name}{where}") from None
    except TemplateError as exc:
        line = getattr(exc, "lineno", None) or _template_line(exc.__traceback__)
        where = f" (line {line})" if line else ""
        raise TemplateProblem(f"{exc.message or type(exc).__name__}{where}") from None
    except Exception as exc:  # noqa: BLE001  (a filter or an operation failing on this data: 1/0, bad format)
        line = _template_line(exc.__traceback__)
        where = f" (line {line})" if line else ""
        raise TemplateProblem(f"{type(exc).__name__}: {exc}{where}") from None


#: Statements that would reach other templates: a template stands alone (no loader either).
_REFUSED = ((nodes.Import, "import"), (nodes.FromImport, "import"), (nodes.Include, "include"),
            (nodes.Extends, "extends"))


def check(source: str, filters: Mapping[str, Callable[..., Any]] | None = None) -> None:
    """:class:`TemplateProblem` when ``source`` does not compile (a syntax error, with its line),
    uses ``import`` / ``include`` / ``extends``, or names an attribute starting with ``_``
    (``''.__class__``): the sandbox would refuse those when rendering; saying so when the
    template is saved tells its author where."""
    env = environment(filters)
    try:
        tree = env.parse(source)
        env.from_string(source)  # compiling also finds unknown filters and tests
    except TemplateError as exc:
        line = getattr(exc, "lineno", None)
        raise TemplateProblem(f"{exc.message}" + (f" (line {line})" if line else "")) from None
    for node_type, word in _REFUSED:
        for node in tree.find_all(node_type):
            raise TemplateProblem(f"'{{% {word} %}}' is not allowed in this template (line {node.lineno})")
    refused = []
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        name = node.attr if isinstance(node, nodes.Getattr) else getattr(node.arg, "value", None)
        if isinstance(name, str) and name.startswith("_"):
            refused.append((node.lineno, name))
    if refused:
        # The first line that has one; there, the innermost (``''.__class__`` of ``''.__class__.__mro__``),
        # which the walk meets last.
        line = min(found[0] for found in refused)
        name = [n for ln, n in refused if ln == line][-1]
        raise TemplateProblem(f"access to '{name}' is not allowed (line {line})")
