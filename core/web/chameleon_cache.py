"""Chameleon compiles each page template once per process, not once per app.

pyramid_chameleon keeps its template objects in the Pyramid registry, so every app
built in a process (one per company database, one per test) creates its own and,
without ``CHAMELEON_CACHE`` set, Chameleon parses and compiles each of them again:
0.1 to 0.5 seconds a template. Chameleon names each compiled program by a digest of
the template's file name, its text, the names it is compiled for and Chameleon's own
version, so one program per digest is safe to share: an edited template (with
``pyramid.reload_templates``) gets a new digest and is compiled again.

Where ``CHAMELEON_CACHE`` names a directory, Chameleon's own cache on disk is left in
charge (it also survives restarts), as it is in Chameleon's debug mode.
"""
from __future__ import annotations

from typing import Any

from chameleon.config import CACHE_DIRECTORY, DEBUG_MODE
from chameleon.loader import MemoryLoader
from chameleon.template import BaseTemplate


class CompiledTemplates(MemoryLoader):
    """Chameleon's in-memory loader, remembering what it built by the program's name."""

    def __init__(self) -> None:
        self._built: dict[str, dict[str, Any]] = {}

    def get(self, name: str) -> dict[str, Any] | None:
        return self._built.get(name)

    def build(self, source: str, filename: str) -> dict[str, Any]:
        # Two threads compiling the same template at once both finish; the first kept wins.
        return self._built.setdefault(filename, super().build(source, filename))

    def __len__(self) -> int:
        return len(self._built)


def install() -> CompiledTemplates | None:
    """Share compiled templates across the process's apps (idempotent).

    Returns the loader in use, or None where Chameleon's disk cache or debug mode
    is in charge.
    """
    if CACHE_DIRECTORY or DEBUG_MODE:
        return None
    if not isinstance(BaseTemplate.loader, CompiledTemplates):
        BaseTemplate.loader = CompiledTemplates()
    return BaseTemplate.loader
