"""Trees kept with a materialised path ("/1/4/9/"): "this node and below" is one LIKE.

Used by departments (core/security) and product categories (base); any model with
``id``, ``parent_id`` and a ``path`` string column can use it.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session


def would_cycle(node, parent) -> bool:
    """Placing ``node`` under ``parent`` would put it under itself or one of its descendants."""
    return parent is not None and node.id is not None and (
        parent.id == node.id or f"/{node.id}/" in (parent.path or ""))


def repath(session: Session, node, parent) -> list:
    """Set ``node.path`` under ``parent`` and rewrite the paths of everything below it.

    Returns the descendants, parents before children (callers that keep more per node,
    such as a full name, update them in that order). ``node`` must have its id (flush a
    new one first); check :func:`would_cycle` before.
    """
    model = type(node)
    old = node.path
    node.path = f"{parent.path if parent is not None else '/'}{node.id}/"
    if not old or old == "/":  # a new node has nothing below it
        return []
    below = list(session.scalars(sa.select(model)
                                 .where(model.path.startswith(old, autoescape=True), model.id != node.id)
                                 .order_by(sa.func.length(model.path))))
    for child in below:
        child.path = node.path + child.path[len(old):]
    return below
