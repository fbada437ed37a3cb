"""Titles of the contacts part's choices (the pages show them translated)."""
from __future__ import annotations

from core.i18n import _

from .models import RELATION_KINDS

RELATION_TITLES = {"spouse": _("Spouse"), "relative": _("Relative"), "friend": _("Friend"),
                   "former_colleague": _("Former colleague"), "classmate": _("Classmate"),
                   "townsman": _("From the same hometown"), "mentor": _("Mentor / former superior"),
                   "other": _("Other relationship")}
assert list(RELATION_TITLES) == list(RELATION_KINDS)
