"""graph.png: the met network, the most-met participants, labels placed where they collide
with nothing already drawn."""

from __future__ import annotations

import io
import math
from typing import Any

import networkx as nx

from pipeline.params import GraphParams
from pipeline.views.common import NODE_COLOURS, OTHER_COLOUR, _cjk_font, display_label, met_network, packed_layout
from pipeline.views.common import loads_json as _loads

_SIDES = {"below": (-90.0, (0, -11), "center", "top"), "above": (90.0, (0, 11), "center", "bottom"),
          "right": (0.0, (10, 0), "left", "center"), "left": (180.0, (-10, 0), "right", "center")}  # fmt: skip


def label_sides(h: nx.Graph, pos: dict, node: str) -> list[str]:
    """The sides (below, above, right, left) for a node's label, best first: farthest in
    angle from the node's edges, so the label does not sit on them."""
    x, y = pos[node]
    angles = [math.degrees(math.atan2(pos[m][1] - y, pos[m][0] - x)) for m in sorted(h.neighbors(node))]

    def clearance(side: str) -> float:
        if not angles:
            return 180.0
        a = _SIDES[side][0]
        return min(abs((a - b + 180.0) % 360.0 - 180.0) for b in angles)

    return sorted(_SIDES, key=lambda side: -(clearance(side) + (10.0 if side in ("below", "above") else 0.0)))


def render_png(g: nx.MultiDiGraph, params: GraphParams) -> bytes:
    """graph.png: the ``met`` network with ``English / 中文`` labels (Noto Sans CJK SC).

    The picture grows with the network (about 1.5 inches per layout unit), so labels keep
    their size; an empty network gives a picture that says so.
    """
    return draw_met_network(*_png_input(g, params))


def _png_input(g: nx.MultiDiGraph, params: GraphParams) -> tuple[nx.Graph, GraphParams, bool]:
    h = met_network(g, params.png_max_nodes)
    cut = sum(1 for _, _, d in g.edges(data=True) if d.get("kind") == "met") > h.number_of_edges()
    return h, params, cut


def draw_met_network(h: nx.Graph, params: GraphParams, cut: bool = False) -> bytes:
    """The picture of :func:`render_png`, from the network :func:`met_network` made
    (``cut``: it left participants out)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    font = _cjk_font()
    n = h.number_of_nodes()
    pos = packed_layout(h, seed=params.layout_seed) if n else {}
    if pos:
        xs = [p[0] for p in pos.values()]
        ys = [p[1] for p in pos.values()]
        x0, x1, y0, y1 = min(xs) - 1.6, max(xs) + 1.6, min(ys) - 1.4, max(ys) + 0.9
    else:
        x0, x1, y0, y1 = 0.0, 8.0, 0.0, 5.0
    inch = 1.5
    width = min(max((x1 - x0) * inch, 9.0), 32.0)
    height = min(max((y1 - y0) * inch, 6.0), 32.0) + 1.0  # + the title
    fig = Figure(figsize=(width, height), dpi=params.png_dpi)
    FigureCanvasAgg(fig)
    top = 1.0 - 1.0 / height
    ax = fig.add_axes((0.0, 0.0, 1.0, top))
    ax.set_axis_off()
    # equal scale on both axes, the spare room shared out evenly
    scale = max((x1 - x0) / width, (y1 - y0) / (height - 1.0))
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    ax.set_xlim(cx - scale * width / 2, cx + scale * width / 2)
    ax.set_ylim(cy - scale * (height - 1.0) / 2, cy + scale * (height - 1.0) / 2)
    n_meetings = len({m for _, _, d in h.edges(data=True) for m in _loads(d.get("meetings"), [])})
    fig.text(0.5, 1.0 - 0.42 / height, "Who met whom" if n else "Who met whom: no meetings in this run",
             ha="center", va="center", fontproperties=font, fontsize=18)  # fmt: skip
    if not n:
        ax.text(0.5, 0.5, "No meetings were found, so there is no one to draw.", ha="center", va="center",
                fontproperties=font, fontsize=14, color="#777", transform=ax.transAxes)  # fmt: skip
        return _png_bytes(fig)
    subtitle = f"{n} participants, {h.number_of_edges()} pairs, {n_meetings} meetings"
    if cut:
        subtitle += f" (the {n} most-met participants)"
    fig.text(0.5, 1.0 - 0.8 / height, subtitle, ha="center", va="center", fontproperties=font, fontsize=11,
             color="#555")  # fmt: skip
    for a, b, d in sorted(h.edges(data=True), key=lambda e: (e[0], e[1])):
        (xa, ya), (xb, yb) = pos[a], pos[b]
        w = int(d["weight"])
        ax.plot([xa, xb], [ya, yb], color="#555", linewidth=1.0 + 1.2 * min(w, 6), alpha=0.7, zorder=1,
                solid_capstyle="round")  # fmt: skip
        if w > 1:
            ax.text((xa + xb) / 2, (ya + yb) / 2, str(w), fontproperties=font, fontsize=9, ha="center", va="center",
                    zorder=3, bbox={"boxstyle": "circle,pad=0.2", "fc": "white", "ec": "#555", "lw": 0.6})  # fmt: skip
    renderer = fig.canvas.get_renderer()
    taken = []  # display boxes of markers, weight circles and labels already placed
    for node in sorted(h.nodes):
        d = h.nodes[node]
        x, y = pos[node]
        size = 90 + 40 * math.sqrt(max(int(d.get("n_docs", 1) or 1), 1))
        dot = ax.scatter([x], [y], s=size, color=NODE_COLOURS.get(d.get("type", ""), OTHER_COLOUR),
                         edgecolors="white", linewidths=1.2, zorder=4)  # fmt: skip
        taken.append(dot.get_window_extent(renderer))
    taken += [t.get_window_extent(renderer) for t in ax.texts]
    # most-met first; each label takes the best side that collides with nothing placed so far
    for node in sorted(h.nodes, key=lambda m: (-h.degree(m, weight="weight"), m)):
        x, y = pos[node]
        own = taken[sorted(h.nodes).index(node)]
        options = []
        for side in label_sides(h, pos, node):
            _, offset, ha, va = _SIDES[side]
            label = ax.annotate(display_label(h.nodes[node]), (x, y), xytext=offset, textcoords="offset points",
                                ha=ha, va=va, fontproperties=font, fontsize=params.png_label_size, zorder=5,
                                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.8})  # fmt: skip
            box = label.get_window_extent(renderer)
            clashes = sum(1 for t in taken if t is not own and box.overlaps(t))
            options.append((clashes, len(options), label, box))
            if not clashes:
                break
        best = min(options, key=lambda o: (o[0], o[1]))
        for o in options:
            if o is not best:
                o[2].remove()
        taken.append(best[3])
    present = sorted({h.nodes[x].get("type", "") for x in h.nodes})
    handles = [Line2D([], [], marker="o", linestyle="", markersize=9, color=NODE_COLOURS.get(t, OTHER_COLOUR), label=t)
               for t in present]  # fmt: skip
    handles.append(Line2D([], [], color="#555", linewidth=2.5, label="met (width, number: meetings)"))
    ax.legend(handles=handles, loc="lower left", prop=font, frameon=False)
    return _png_bytes(fig)


def _png_bytes(fig: Any) -> bytes:
    buf = io.BytesIO()
    # no "Software" text chunk (carries the matplotlib version): bytes depend on the picture alone
    fig.savefig(buf, format="png", facecolor="white", metadata={"Software": None}, bbox_inches="tight",
                pad_inches=0.3)  # fmt: skip
    return buf.getvalue()
