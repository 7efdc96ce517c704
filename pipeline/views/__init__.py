"""The views people look at: an offline interactive page, a picture of who met whom, a report.

Pure renderers (graph and table rows in, text or bytes out): :func:`render_html`
(:mod:`pipeline.views.html`, the page's script and style in ``assets/``),
:func:`render_png` (:mod:`pipeline.views.png`), :func:`render_report`
(:mod:`pipeline.views.report`); one thin writer, :func:`write_views`, called by
:func:`pipeline.graph.publish`. Everything is deterministic: fixed layout seed, sorted
rows, no timestamps in the files.

Names and evidence come from untrusted article text: the page embeds them as escaped
JSON and only ever sets ``textContent``, and the report escapes Markdown and HTML in
every cell.
"""

from pipeline.views.common import (
    EDGE_KINDS,
    NODE_COLOURS,
    cjk_font_path,
    display_label,
    met_network,
    packed_layout,
)
from pipeline.views.html import _font_text, html_data, html_positions, render_html, script_json
from pipeline.views.png import draw_met_network, label_sides, render_png
from pipeline.views.report import md_escape, render_report
from pipeline.views.writer import warm_up, write_views

__all__ = [
    "EDGE_KINDS",
    "NODE_COLOURS",
    "_font_text",
    "cjk_font_path",
    "display_label",
    "draw_met_network",
    "html_data",
    "html_positions",
    "label_sides",
    "md_escape",
    "met_network",
    "packed_layout",
    "render_html",
    "render_png",
    "render_report",
    "script_json",
    "warm_up",
    "write_views",
]
