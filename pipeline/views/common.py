"""What the page, the picture and the report share: colours, edge kinds, display names, the
CJK font, and the met network with its packed layout (seeded, hash-seed independent)."""

from __future__ import annotations

import json
import math
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import networkx as nx

NODE_COLOURS = {"person": "#4e79a7", "country": "#e15759", "organization": "#59a14f"}
OTHER_COLOUR = "#9c9c9c"
EDGE_KINDS = ("met", "affiliated_with", "co_mentioned")
KK_MAX = 150  # components up to this size get Kamada-Kawai in packed_layout
CJK_FONT = "NotoSansCJKsc-Regular.otf"  # in the mplfonts package (SIL Open Font License)


def display_label(attrs: dict) -> str:
    """``English / 中文`` when a node has both names, else whichever it has."""
    en = (attrs.get("name_en") or attrs.get("name") or "").strip()
    zh = (attrs.get("name_zh") or "").strip()
    if en and zh and en != zh:
        return f"{en} / {zh}"
    return en or zh or str(attrs.get("label", ""))


def loads_json(value: Any, default: Any) -> Any:
    if not isinstance(value, str) or not value:
        return default
    try:
        return json.loads(value)
    except ValueError:
        return default


def cjk_font_path() -> Path:
    """Noto Sans CJK SC as shipped by the mplfonts package (no download, no CLI)."""
    return Path(str(resources.files("mplfonts") / "fonts" / CJK_FONT))


@lru_cache(maxsize=1)
def _cjk_font() -> Any:
    from matplotlib import font_manager

    path = cjk_font_path()
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path))


def met_network(g: nx.MultiDiGraph, max_nodes: int) -> nx.Graph:
    """The ``met`` edges as an undirected graph, cut to about ``max_nodes`` of the most-met
    nodes, each drawn with someone they met.

    Pairs are taken by the meetings of their busier participant (then their own meetings),
    both participants or none, until ``max_nodes`` are in: a cut by node alone left the
    most-met people's partners out, and the picture held people who met no one in it.
    """
    h = nx.Graph()
    for a, b, d in sorted(g.edges(data=True), key=lambda e: (e[0], e[1])):
        if d.get("kind") == "met":
            h.add_edge(a, b, weight=int(d.get("weight", 1)), meetings=d.get("meetings", "[]"))
    if h.number_of_nodes() > max_nodes:
        deg = dict(h.degree(weight="weight"))
        pairs = sorted(((a, b) if a < b else (b, a) for a, b in h.edges),
                       key=lambda e: (-max(deg[e[0]], deg[e[1]]), -h.edges[e]["weight"], -min(deg[e[0]], deg[e[1]]), e))  # fmt: skip
        top: set[str] = set()
        for a, b in pairs:
            new = {a, b} - top
            if len(top) + len(new) <= max_nodes:
                top |= new
        h = _induced(h, sorted(top))
    for n in h.nodes:
        h.nodes[n].update(g.nodes[n])
    return h


def _induced(h: nx.Graph, nodes: list[str]) -> nx.Graph:
    """The subgraph of ``h`` on ``nodes``, nodes and edges in sorted order.

    networkx's ``subgraph`` views iterate their nodes in the order of a Python set, which
    changes with the string hash seed from one process to the next; layouts seeded on
    such a graph then differed between runs.
    """
    sub = nx.Graph()
    for n in sorted(nodes):
        sub.add_node(n, **h.nodes[n])
    keep = set(nodes)
    edges = sorted((a, b) if a < b else (b, a) for a, b in h.edges(sorted(nodes)) if a in keep and b in keep)
    for a, b in edges:
        sub.add_edge(a, b, **h.edges[a, b])
    return sub


def packed_layout(h: nx.Graph, *, seed: int, grow: float = 0.0, aspect: float = 1.6) -> dict[str, tuple[float, float]]:
    """Each connected component laid out on its own (Kamada-Kawai, even spacing), then the
    components packed in rows, largest first, so that small pairs do not drift to the
    corners as they do in one spring layout. ``grow`` > 0 gives large components more room
    per node (their hubs crowd), by a factor of ``1 + grow * ln(size)``; ``aspect``: about
    how much wider than high the packing is."""
    comps = sorted((sorted(c) for c in nx.connected_components(h)), key=lambda c: (-len(c), c[0]))
    boxes = []
    for comp in comps:
        sub = _induced(h, comp)
        if len(comp) == 1:
            local = {comp[0]: (0.0, 0.0)}
        else:
            start = nx.spring_layout(sub, seed=seed)
            # Kamada-Kawai spaces nodes evenly but costs n² memory and more time: the
            # spring layout alone for the large components of a big corpus
            local = nx.kamada_kawai_layout(sub, pos=start, weight=None) if len(comp) <= KK_MAX else start
        radius = 0.75 * math.sqrt(len(comp)) * (1.0 + grow * math.log(len(comp)))
        local = nx.rescale_layout_dict(local, scale=radius) if len(comp) > 1 else local
        boxes.append((comp, local, 2 * radius + 1.2))
    row_width = max(max(b[2] for b in boxes), math.sqrt(sum(b[2] ** 2 for b in boxes)) * aspect)
    pos: dict[str, tuple[float, float]] = {}
    x = y = row_height = 0.0
    for comp, local, size in boxes:
        if x > 0 and x + size > row_width:
            x, y, row_height = 0.0, y - row_height, 0.0
        for n in comp:
            lx, ly = local[n]
            pos[n] = (round(float(x + size / 2 + lx), 4), round(float(y - size / 2 + ly), 4))
        x += size
        row_height = max(row_height, size)
    return dict(sorted(pos.items()))
