"""graph.html: an offline page to explore who met whom, at the size of a real corpus.

The page is ``assets/page.html`` with its style (``assets/page.css``), its script
(``assets/page.js``), the network library (Cytoscape.js, ``assets/vendor/``, MIT, licence
beside it) and the data inlined, so it works from a file with no network. Positions are
computed here, seeded (:func:`html_positions`), so the same tables give the same bytes;
the library only draws.

What the page shows first is the met network: persons who met, their meetings as edges.
Countries and organizations, co-mentions and entities that met no one are one click
away. Events, not reports: a meeting told by three outlets is one item with its three
sources (:func:`html_data` groups an edge's reports by their ``event_id``).

Names and evidence come from untrusted article text. They reach the page as JSON inside
``<script type="application/json">`` with ``<``, ``>`` and ``&`` escaped
(:func:`script_json`); the script sets only ``textContent`` and the library draws labels
on a canvas; a Content-Security-Policy forbids any network load.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Any

import networkx as nx

from pipeline import contract
from pipeline.params import GraphParams
from pipeline.views.common import EDGE_KINDS, NODE_COLOURS, cjk_font_path, display_label, loads_json, packed_layout

logger = logging.getLogger(__name__)

__all__ = ["asset", "html_data", "html_positions", "render_html", "script_json"]

# model units per layout unit of :func:`packed_layout` (the page's nodes are 8 to 30 units wide)
SCALE = 90.0
# more room per node in large met components, whose hubs are crowded (packed_layout's grow)
GROW = 0.15


@cache
def asset(name: str) -> str:
    """The text of one of the page's files (``page.html``, ``page.js``, ``vendor/…``)."""
    return resources.files("pipeline.views").joinpath("assets", *name.split("/")).read_text(encoding="utf-8")


def script_json(value: Any) -> str:
    """JSON safe to place inside a ``<script>`` element: no ``<``, ``>`` or ``&`` left raw.

    ``</script>`` or ``<!--`` in a name therefore cannot end the element; the escapes
    (``\\u003c``…) are ordinary JSON string escapes, so ``JSON.parse`` gives the text back.
    """
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    for raw, esc in (
        ("&", "\\u0026"),
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(raw, esc)
    return text


def _met_degree(g: nx.MultiDiGraph) -> Counter:
    deg: Counter = Counter()
    for a, b, d in g.edges(data=True):
        if d.get("kind") == "met":
            deg[a] += int(d.get("weight", 1) or 1)
            deg[b] += int(d.get("weight", 1) or 1)
    return deg


def _html_nodes(g: nx.MultiDiGraph, max_nodes: int) -> list[str]:
    """Every node, or the ``max_nodes`` most met (then most documented) of them."""
    nodes = sorted(g.nodes)
    if len(nodes) <= max_nodes:
        return nodes
    met_deg = _met_degree(g)
    ranked = sorted(nodes, key=lambda n: (-met_deg[n], -int(g.nodes[n].get("n_docs", 0) or 0), n))
    return sorted(ranked[:max_nodes])


def html_positions(g: nx.MultiDiGraph, nodes: list[str], *, seed: int) -> dict[str, tuple[float, float]]:
    """Positions for the page, in model units, deterministic.

    The met network is laid out first, each connected component on its own and packed in
    rows (:func:`packed_layout`), so the view that opens is readable. Every other node is
    then put on a small ring around its strongest placed neighbour (affiliation before
    co-mention), or, with none, on a grid below; those are hidden until asked for, and
    appear next to whom they belong.
    """
    wanted = set(nodes)
    h = nx.Graph()
    pull: dict[str, dict[str, float]] = defaultdict(dict)
    for a, b, d in sorted(g.edges(data=True), key=lambda e: (e[0], e[1], e[2].get("kind", ""))):
        if a not in wanted or b not in wanted or a == b:
            continue
        kind = d.get("kind")
        if kind == "met":
            h.add_edge(min(a, b), max(a, b), weight=int(d.get("weight", 1) or 1))
        strength = {"met": 100.0, "affiliated_with": 10.0}.get(kind, 0.0) + float(d.get("weight", 1) or 1)
        for x, y in ((a, b), (b, a)):
            pull[x][y] = max(pull[x].get(y, 0.0), strength)
    pos = (
        {n: (x * SCALE, y * SCALE) for n, (x, y) in packed_layout(h, seed=seed, grow=GROW, aspect=1.25).items()}
        if h.number_of_nodes()
        else {}
    )
    bottom = min((y for _, y in pos.values()), default=0.0) - 2 * SCALE
    left = min((x for x, _ in pos.values()), default=0.0)
    width = max((max(x for x, _ in pos.values()) - left) if pos else 0.0, 20 * SCALE)
    around: Counter = Counter()
    loose = 0
    rest = sorted((n for n in nodes if n not in pos), key=lambda n: (-max(pull[n].values(), default=0.0), n))
    for n in rest:
        anchors = sorted(((s, m) for m, s in pull[n].items() if m in pos), key=lambda x: (-x[0], x[1]))
        if anchors:
            anchor = anchors[0][1]
            k = around[anchor]
            around[anchor] += 1
            ring = 1 + k // 8
            angle = 2 * math.pi * ((k % 8) / 8 + 0.0625 * (ring - 1)) + math.pi / 8
            ax, ay = pos[anchor]
            pos[n] = (ax + 0.45 * SCALE * ring * math.cos(angle), ay + 0.45 * SCALE * ring * math.sin(angle))
        else:
            per_row = max(int(width / (0.6 * SCALE)), 1)
            pos[n] = (left + (loose % per_row) * 0.6 * SCALE, bottom - (loose // per_row) * 0.6 * SCALE)
            loose += 1
    # the page's y axis points down
    return {n: (round(x, 1), round(-y, 1)) for n, (x, y) in sorted(pos.items())}


def _events(edges: list[dict], docs: dict[str, contract.Document]) -> dict[str, dict]:
    """The events of the page's met edges, each once: its best-dated report (longest date,
    then document id) gives date, place, kind and evidence; every report's document is a
    source; participants are the kept nodes it joins."""
    reports: dict[str, list[dict]] = defaultdict(list)
    people: dict[str, set[str]] = defaultdict(set)
    for e in edges:
        for r in e.pop("reports", ()):
            ev = r.get("event_id") or r.get("meeting_id", "")
            reports[ev].append(r)
            people[ev].update((e["source"], e["target"]))
    out = {}
    for ev, rs in sorted(reports.items()):
        uniq = {r.get("meeting_id", ""): r for r in rs}
        rs = sorted(
            uniq.values(), key=lambda r: (-len(r.get("date", "")), r.get("doc_id", ""), r.get("meeting_id", ""))
        )
        best = rs[0]
        sources = sorted({r.get("doc_id", "") for r in rs})
        out[ev] = {
            "date": best.get("date", ""), "place": best.get("place", ""), "kind": best.get("kind", ""),
            "evidence": best.get("evidence", ""), "doc": best.get("doc_id", ""), "sources": sources,
            "langs": sorted({docs[s].lang for s in sources if s in docs and docs[s].lang}),
            "topics": sorted({t for r in rs for t in r.get("topics", [])}), "participants": sorted(people[ev]),
            "others": sorted({r.get("evidence", "") for r in rs} - {best.get("evidence", "")}),
        }  # fmt: skip
    return out


def _doc(d: contract.Document) -> dict:
    return {"title": d.title, "lang": d.lang, "date": d.date, "source": d.source}


def html_data(g: nx.MultiDiGraph, params: GraphParams, *, positions: bool = True,
              documents: Iterable[contract.Document] = (), entities: Iterable[contract.Entity] = ()) -> dict:  # fmt: skip
    """What the page draws: nodes (with positions, aliases for search, countries),
    edges, the meeting events they carry (each once, with its evidence and sources), the
    documents those cite, and the values the filters offer (``positions=False``: every
    node at 0, 0, without the cost of the layout)."""
    keep = _html_nodes(g, params.html_max_nodes)
    wanted = set(keep)
    pos = html_positions(g, keep, seed=params.layout_seed) if positions else {}
    docs = {d.doc_id: d for d in documents}
    aliases = {e.entity_id: loads_json(e.aliases, []) for e in entities}
    met_deg = _met_degree(g)
    edges = []
    countries: dict[str, set[str]] = defaultdict(set)
    for a, b, k, d in sorted(g.edges(keys=True, data=True), key=lambda e: (EDGE_KINDS.index(e[2]) if e[2] in EDGE_KINDS else 9, e[0], e[1])):  # fmt: skip
        if a not in wanted or b not in wanted:
            continue
        edge = {"source": a, "target": b, "kind": d.get("kind", k), "weight": d.get("weight", 1)}
        if edge["kind"] == "met":
            edge["reports"] = loads_json(d.get("evidence"), [])
            edge["events"] = sorted({r.get("event_id") or r.get("meeting_id", "") for r in edge["reports"]})
        elif edge["kind"] == "affiliated_with":
            edge["titles"] = loads_json(d.get("titles"), [])
            if g.nodes[b].get("type") == "country":
                countries[a].add(b)
        edges.append(edge)
    events = _events(edges, docs)
    nodes = []
    for n in keep:
        d = g.nodes[n]
        x, y = pos.get(n, (0.0, 0.0))
        names = {d.get("name", ""), d.get("name_en", ""), d.get("name_zh", ""), *aliases.get(n, [])}
        nodes.append({
            "id": n, "type": d.get("type", ""), "name": d.get("name", ""), "name_en": d.get("name_en", ""),
            "name_zh": d.get("name_zh", ""), "kb_id": d.get("kb_id", ""), "n_mentions": d.get("n_mentions", 0),
            "n_docs": d.get("n_docs", 0), "label": display_label(d), "x": x, "y": y, "met": met_deg.get(n, 0),
            "aliases": sorted(a for a in names if a), "countries": sorted(countries.get(n, ())),
        })  # fmt: skip
    dated = [ev["date"] for ev in events.values() if ev["date"]]
    cited = sorted({s for ev in events.values() for s in ev["sources"]})
    kinds = Counter(e["kind"] for e in edges)
    return {
        "nodes": nodes,
        "edges": edges,
        "events": events,
        "documents": {s: _doc(docs[s]) for s in cited if s in docs},
        "total_nodes": g.number_of_nodes(),
        "counts": {k: kinds.get(k, 0) for k in EDGE_KINDS},
        "colours": NODE_COLOURS,
        "max_labels": params.html_max_labels,
        "filters": {
            "langs": sorted({x for ev in events.values() for x in ev["langs"]}),
            "kinds": sorted({ev["kind"] for ev in events.values() if ev["kind"]}),
            "countries": sorted({c for n in nodes if n["met"] for c in n["countries"]}),
            "dates": [min(dated), max(dated)] if dated else [],
        },
    }


def _font_face(text: str) -> str:
    """``@font-face`` with Noto Sans CJK SC cut down to the characters of ``text``, inline.

    Chinese names then render on a machine without CJK fonts and without a network. Empty
    when there is no CJK character or the font cannot be subset.
    """
    # CJK blocks only (radicals to halfwidth forms): Latin, Cyrillic… render with any font
    chars = sorted({c for c in text if ord(c) >= 0x2E80 and not c.isspace()})
    if not chars:
        return ""
    try:
        from fontTools import subset
        from fontTools.ttLib import TTFont

        font = TTFont(str(cjk_font_path()), lazy=True, recalcTimestamp=False)
        options = subset.Options()
        options.name_IDs = ["*"]  # keep the copyright and licence records
        options.notdef_outline = True
        options.layout_features = []
        sub = subset.Subsetter(options)
        sub.populate(unicodes=[ord(c) for c in chars])
        quiet = logging.getLogger("fontTools.subset")
        level = quiet.level
        quiet.setLevel(logging.WARNING)  # it logs every glyph id at INFO
        try:
            sub.subset(font)
        finally:
            quiet.setLevel(level)
        buf = io.BytesIO()
        font.save(buf)
    except Exception as e:  # a missing or unreadable font only costs the embedded glyphs
        logger.warning("graph.html: no embedded CJK font (%s)", e)
        return ""
    b64 = base64.b64encode(buf.getvalue()).decode("ascii")
    return (
        "/* Noto Sans CJK SC, subset to this page's characters; SIL Open Font License 1.1 */\n"
        f'@font-face{{font-family:"diplograph-cjk";src:url(data:font/otf;base64,{b64}) format("opentype");}}\n'
    )


def _font_text(g: nx.MultiDiGraph, params: GraphParams, **tables: Any) -> str:
    """The text whose CJK characters the page's font must cover: the page's data, which
    differs from the laid-out data only in the (numeric) positions."""
    return json.dumps(html_data(g, params, positions=False, **tables), ensure_ascii=False)


def _page(data: dict, face: str) -> str:
    """The page: the template with style, font, library, script and data put in place.

    ``</script`` cannot occur in the library or the script (checked), so neither can end
    its element early.
    """
    lib = asset("vendor/cytoscape.min.js")
    js = asset("page.js")
    for name, text in (("cytoscape.min.js", lib), ("page.js", js)):
        if "</script" in text.lower():
            raise ValueError(f"{name} holds '</script': it cannot be inlined")
    parts = {
        "/*__STYLE__*/": face + asset("page.css"),
        "/*__LIBRARY__*/": lib,
        "/*__SCRIPT__*/": js,
        "__DATA__": script_json(data),
    }
    page = asset("page.html")
    out = []
    # one pass, so a marker inside the inserted text (the library, the data) is never replaced
    i = 0
    while i < len(page):
        hits = [(page.find(k, i), k) for k in parts if page.find(k, i) >= 0]
        if not hits:
            out.append(page[i:])
            break
        at, key = min(hits)
        out += [page[i:at], parts[key]]
        i = at + len(key)
    return "".join(out)


def render_html(g: nx.MultiDiGraph, params: GraphParams, *, documents: Iterable[contract.Document] = (),
                entities: Iterable[contract.Entity] = ()) -> str:  # fmt: skip
    """graph.html: a self-contained interactive view (inline library, script and style, no
    network). ``documents`` give each meeting's sources their language and title (the
    language filter); ``entities`` give the names search also knows (aliases)."""
    tables = {"documents": list(documents), "entities": list(entities)}
    return _page(html_data(g, params, **tables), _font_face(_font_text(g, params, **tables)))
