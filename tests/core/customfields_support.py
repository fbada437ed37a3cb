"""Test support for custom fields and renamed labels (used by the generic matrix and fuzz tests too)."""
from __future__ import annotations

import sqlalchemy as sa

from core.customfields.models import FieldLabel

#: Built-in fields a sample rename may take (one renamed label per model and field).
LABEL_CANDIDATES = [("notes.note", f) for f in ("title", "body", "kind", "amount", "due", "@title", "@plural")] + \
    [("core.user", f) for f in ("login", "name", "email", "phone", "locale", "@title", "@plural")] + \
    [("core.role", f) for f in ("name", "description", "@title", "@plural")] + \
    [("core.department", f) for f in ("name", "sequence", "active", "@title", "@plural")]


def free_label(session) -> dict:
    """A valid ``core.field_label`` payload for a field not renamed yet (the titles of every
    kernel, base and notes model when the fields above are taken)."""
    from core.descriptors import MODEL_NAMES

    taken = set(session.execute(sa.select(FieldLabel.model, FieldLabel.field)).all())
    titles = [(name, f) for name in sorted(set(MODEL_NAMES.values()))
              if name.split(".")[0] in ("core", "base", "notes") and name not in ("core.custom_field",
                                                                                 "core.field_label")
              for f in ("@title", "@plural")]
    model, field = next(c for c in LABEL_CANDIDATES + titles if c not in taken)
    return {"model": model, "field": field, "title_zh": f"改名 {field}"}
