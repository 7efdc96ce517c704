"""write_views: the page, the picture and the report of one graph, written atomically (the
font cutting and the drawing in a helper process)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import networkx as nx

from pipeline import contract
from pipeline.params import GraphParams
from pipeline.run.helper import HelperProcess
from pipeline.views.common import _cjk_font
from pipeline.views.html import _font_face, _font_text, _page, html_data
from pipeline.views.png import _png_input, draw_met_network
from pipeline.views.report import render_report


def warm_up() -> None:
    """Import and load what the drawing and the font cutting need (run in the view process
    while the per-document stages still run)."""
    from fontTools import subset  # noqa: F401
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: F401

    _cjk_font()


def write_views(g: nx.MultiDiGraph, t: dict[str, list], out_dir: Path, params: GraphParams, *,
                meanwhile: Callable[[], None] | None = None, worker: HelperProcess | None = None) -> None:  # fmt: skip
    """Write graph.html, graph.png and report.md to ``out_dir``, each atomically.

    matplotlib and fontTools hold the GIL, so the page's font is cut and the picture drawn
    in a second process (``worker``, else one started here) while this one lays the page
    out and writes it, the report and whatever ``meanwhile`` writes (the graph files);
    the bytes are the same either way.
    """
    own = worker is None
    views = HelperProcess() if worker is None else worker
    try:
        tables = {"documents": t.get("documents.csv", ()), "entities": t.get("entities.csv", ())}
        face = views.call(_font_face, _font_text(g, params, **tables))  # the page waits for this first
        png = views.call(draw_met_network, *_png_input(g, params))
        if meanwhile is not None:
            meanwhile()
        contract.atomic_write_text(out_dir / "graph.html", _page(html_data(g, params, **tables), face.result()))
        contract.atomic_write_text(out_dir / "report.md", render_report(g, t, params))
        contract.atomic_write_bytes(out_dir / "graph.png", png.result())
    finally:
        if own:
            views.close()
