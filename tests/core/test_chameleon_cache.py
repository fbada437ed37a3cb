"""Templates compile once per process, and an edited template shows its new text."""
from __future__ import annotations

import os

from chameleon import PageTemplateFile

from core.web import chameleon_cache


def test_a_second_app_reuses_the_compiled_template_and_an_edit_is_compiled_again(tmp_path):
    loader = chameleon_cache.install()
    assert loader is chameleon_cache.install()
    page = tmp_path / "hello.pt"
    page.write_text('<p>Hello ${name}</p>', encoding="utf-8")

    first = PageTemplateFile(str(page), auto_reload=True)
    assert first(name="甲") == "<p>Hello 甲</p>"
    compiled = len(loader)
    # Another app's template object for the same file: nothing new compiled.
    second = PageTemplateFile(str(page), auto_reload=True)
    assert second(name="乙") == "<p>Hello 乙</p>"
    assert len(loader) == compiled

    # Edited on disk (the developer's reload): the new text, compiled once more.
    page.write_text('<p>Goodbye ${name}</p>', encoding="utf-8")
    stamp = os.stat(page).st_mtime + 5
    os.utime(page, (stamp, stamp))
    assert second(name="乙") == "<p>Goodbye 乙</p>"
    assert len(loader) == compiled + 1
    assert PageTemplateFile(str(page))(name="丙") == "<p>Goodbye 丙</p>"
