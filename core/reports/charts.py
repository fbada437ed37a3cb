"""Charts as inline SVG, drawn on the server with pygal: no JavaScript, no CDN.

pygal writes its SVG with ElementTree, so labels from the data (a partner named
``<script>…``) are escaped text. Its own ``<script>`` elements (tooltips, and the
config they read) are removed: the chart needs none, and a page should not run
anything made from data. Each bar, slice or point links to its drill-down.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from xml.etree import ElementTree

import pygal
from pygal.style import Style

KINDS = ("bar", "pie", "line")
#: A pie with more slices is unreadable: the rest are summed into "others".
MAX_SLICES = 12
MAX_BARS = 40
FONT = '"Noto Sans CJK SC","Noto Sans SC","Microsoft YaHei","PingFang SC",sans-serif'
SVG_NS = "http://www.w3.org/2000/svg"

STYLE = Style(
    background="transparent", plot_background="transparent", font_family=FONT,
    label_font_family=FONT, major_label_font_family=FONT, value_font_family=FONT,
    value_label_font_family=FONT, tooltip_font_family=FONT, title_font_family=FONT,
    legend_font_family=FONT, label_font_size=12, major_label_font_size=12, legend_font_size=13,
    value_font_size=12,
    colors=("#2563eb", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#06b6d4", "#ec4899", "#84cc16",
            "#f97316", "#64748b", "#14b8a6", "#a855f7", "#9ca3af"),
)


def _number(value) -> float:
    try:
        return float(value or 0)
    except (TypeError, ValueError):
        return 0.0


def render(kind: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[Any]]],
           links: Callable[[int, int], str | None] | None = None, others: str = "Others",
           formatter: Callable[[Any], str] = str) -> str:
    """An SVG chart of ``series`` [(name, values per label)] over ``labels``.

    ``links(series_index, label_index)`` gives each figure's drill-down address.
    """
    kind = kind if kind in KINDS else "bar"
    common = dict(style=STYLE, js=[], disable_xml_declaration=True, width=900, height=420,
                  explicit_size=False, print_values=kind != "line", print_values_position="top",
                  legend_at_bottom=True, truncate_label=-1, truncate_legend=30, show_legend=True,
                  value_formatter=lambda v: formatter(v), margin=16)
    labels = list(labels)
    if kind == "pie":
        chart = pygal.Pie(inner_radius=0.35, **common)
        name, values = series[0] if series else ("", [])
        pairs = list(enumerate(values))
        ordered = sorted(pairs, key=lambda p: -_number(p[1]))
        shown, rest = ordered[:MAX_SLICES], ordered[MAX_SLICES:]
        for index, value in shown:
            point: dict[str, Any] = {"value": _number(value), "label": labels[index]}
            href = links(0, index) if links else None
            if href:
                point["xlink"] = {"href": href, "target": "_self"}
            chart.add(labels[index], [point])
        if rest:
            chart.add(others, [{"value": sum(_number(v) for _i, v in rest)}])
        return _svg(chart)
    if len(labels) > MAX_BARS and kind == "bar":
        common["x_label_rotation"] = 40
    chart = (pygal.Line if kind == "line" else pygal.Bar)(
        x_label_rotation=30 if len(labels) > 8 else 0, include_x_axis=True, **common)  # the axis from 0
    chart.x_labels = labels
    for s, (name, values) in enumerate(series):
        points = []
        for index, value in enumerate(values):
            point = {"value": _number(value) if value is not None else None}
            href = links(s, index) if links else None
            if href:
                point["xlink"] = {"href": href, "target": "_self"}
            points.append(point)
        chart.add(name, points)
    return _svg(chart)


def _svg(chart) -> str:
    tree = chart.render_tree()
    for parent in list(tree.iter()):
        for child in list(parent):
            if child.tag in ("script", f"{{{SVG_NS}}}script"):
                parent.remove(child)
    ElementTree.register_namespace("", SVG_NS)
    ElementTree.register_namespace("xlink", "http://www.w3.org/1999/xlink")
    return ElementTree.tostring(tree, encoding="unicode")
