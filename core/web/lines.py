"""The line editor: a schema's lines (a Sequence of Mappings) as an editable table.

The generic form gives every lines node (:func:`core.records.is_lines`) that keeps
deform's default sequence widget this widget instead: one table row per line, one
cell per field, "Add a line" / remove buttons and, when the rows have a quantity and
a unit price, running totals computed in the browser as the user types. The totals
shown there are a preview; the server computes the stored amounts (exact decimals).
"""
from __future__ import annotations

import json

import deform

from ..records import is_lines
from ..i18n import _

TEMPLATE = "core:web/templates/widgets/lines.pt"
ITEM_TEMPLATE = "core:web/templates/widgets/lines_item.pt"


class LinesWidget(deform.widget.SequenceWidget):
    """deform's sequence widget drawn as a table (same peppercorn markers, so deform parses it).

    ``totals`` names the fields the browser's running totals read (set ``totals=None``
    for lines without amounts); fields missing from the rows switch the totals off.
    """

    template = TEMPLATE
    item_template = ITEM_TEMPLATE
    readonly_template = TEMPLATE
    totals: dict | None = {"quantity": "quantity", "price": "unit_price", "discount": "discount",
                           "tax_rate": "tax_rate", "include_tax": "prices_include_tax"}

    def config(self, field, translate) -> str:
        """The JSON the table's script reads: field names and the words it shows."""
        names = {c.name for c in field.children[0].children}
        totals = self.totals
        if totals and not {totals["quantity"], totals["price"]} <= names:
            totals = None
        words = {"untaxed": _("Untaxed"), "tax": _("Tax"), "total": _("Total"), "amount": _("Amount")}
        return json.dumps({"totals": totals, "words": {k: translate(v) for k, v in words.items()}})


def use_line_editor(schema) -> None:
    """Give the lines nodes of ``schema`` (a bound clone) the table editor, unless they chose a widget."""
    for node in schema.children:
        widget = getattr(node, "widget", None)
        if is_lines(node) and (widget is None or type(widget) is deform.widget.SequenceWidget):
            node.widget = LinesWidget()
