"""core.sandbox: templates written by administrators read their data and nothing else."""
from __future__ import annotations

import pytest

from core import sandbox


@pytest.mark.parametrize("source, message", [
    ("<p>{{ ''.__class__.__mro__ }}</p>", "access to '__class__' is not allowed (line 1)"),
    ("<p>ok</p>\n{{ company['__class__'] }}", "access to '__class__' is not allowed (line 2)"),
    ("{% import 'other.html' as other %}", "'{% import %}' is not allowed in this template (line 1)"),
    ("\n{% from 'other.html' import x %}", "'{% import %}' is not allowed in this template (line 2)"),
    ("{% include 'header.html' %}", "'{% include %}' is not allowed in this template (line 1)"),
    ("{% extends 'base.html' %}", "'{% extends %}' is not allowed in this template (line 1)"),
    ("<p>\n{% if x %}</p>", "line"),
])
def test_check_refuses_with_the_line(source, message):
    with pytest.raises(sandbox.TemplateProblem) as refused:
        sandbox.check(source)
    assert message in str(refused.value)


def test_render_gives_data_and_refuses_internals():
    assert sandbox.render("<b>{{ name }}</b>", {"name": "<张三>"}) == "<b>&lt;张三&gt;</b>"  # escaped
    assert sandbox.render("{{ name|up }}", {"name": "a"}, {"up": str.upper}) == "A"
    with pytest.raises(sandbox.TemplateProblem) as refused:
        sandbox.render("{{ ''.__class__.__mro__ }}", {})
    assert "unsafe" in str(refused.value)
    with pytest.raises(sandbox.TemplateProblem):  # the data cannot be changed either
        sandbox.render("{{ items.append(1) }}", {"items": []})
    with pytest.raises(sandbox.TemplateProblem) as refused:  # no files, no other templates to read
        sandbox.render("<p>\n{% include '/etc/passwd' %}", {})
    assert "no other template can be used here: /etc/passwd (line 2)" in str(refused.value)
    with pytest.raises(sandbox.TemplateProblem) as refused:  # a failing operation: a problem, not a crash
        sandbox.render("<p>\n\n{{ 1 / n }}</p>", {"n": 0})
    assert "ZeroDivisionError" in str(refused.value) and "(line 3)" in str(refused.value)
