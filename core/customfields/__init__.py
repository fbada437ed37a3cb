"""Custom fields and renamed labels on any registered model (docs/custom-fields.md).

* :mod:`.models` — ``zg_custom_field`` (definitions), ``zg_custom_value`` (one JSON row
  per record), ``zg_field_label`` (renamed built-in labels);
* :mod:`.types` — the kinds of fields, filled from the ``custom_field_types`` hook;
* :mod:`.services` — definitions, values and labels without a request;
* :mod:`.schema` — custom nodes in :func:`core.records.bound_schema`, the effective
  descriptor (custom columns, filters, search, renamed titles) of the pages and the API;
* :mod:`.registration` / :mod:`.views` — the administration pages and their API.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from . import models  # noqa: F401  (the tables, for the metadata)


def _forget_deleted(session, flush_context) -> None:
    """Custom values go with their record, whoever deletes it through the ORM (same transaction).

    ``session.deleted`` still lists what this flush deleted (SQLAlchemy's after_flush).
    Rows deleted by bulk SQL are cleaned by :func:`.services.purge_orphans`.
    """
    if not session.deleted:
        return
    from ..descriptors import MODEL_NAMES

    gone: dict[str, list[int]] = {}
    for obj in session.deleted:
        name = MODEL_NAMES.get(getattr(type(obj), "__tablename__", ""))
        identity = sa.inspect(obj).identity
        if name is not None and identity and len(identity) == 1 and isinstance(identity[0], int):
            gone.setdefault(name, []).append(identity[0])
    if not gone:
        return
    connection = session.connection()
    values = models.CustomValue.__table__
    cache = session.info.get("zg.customfields", {}).get("values", {})
    for name, ids in gone.items():
        connection.execute(sa.delete(values).where(values.c.model == name, values.c.record_id.in_(ids)))
        for i in ids:
            cache.pop((name, i), None)


sa.event.listen(Session, "after_flush", _forget_deleted)


def includeme(config):
    from . import registration, types

    types.register_catalog(config)  # addons' kinds (the custom_field_types hook) for this process
    from .. import extensions

    extensions.register_catalog(config)  # addons' fields on other addons' models (the model_extensions hook)
    config.add_model(registration.CUSTOM_FIELD)
    config.add_model(registration.FIELD_LABEL)
    config.add_route("zg.field_labels", "/admin/field-labels")
    config.scan(".views")
