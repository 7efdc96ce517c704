"""The views people look at: an offline interactive page, a picture of who met whom, a report.

Pure renderers (graph and table rows in, text or bytes out): :func:`render_html`,
:func:`render_png`, :func:`render_report`; one thin writer, :func:`write_views`, called by
:func:`pipeline.graph.publish`. Everything is deterministic: fixed layout seed, sorted
rows, no timestamps in the files.

Names and evidence come from untrusted article text. The page embeds them as JSON inside
``<script type="application/json">`` with ``<``, ``>`` and ``&`` escaped, and its script
only ever sets ``textContent``; a Content-Security-Policy forbids any network load. The
report escapes Markdown and HTML in every cell.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import networkx as nx

from pipeline import contract
from pipeline.helper import HelperProcess
from pipeline.params import GraphParams

logger = logging.getLogger(__name__)

__all__ = [
    "EDGE_KINDS",
    "NODE_COLOURS",
    "cjk_font_path",
    "display_label",
    "draw_met_network",
    "layout",
    "md_escape",
    "met_network",
    "render_html",
    "render_png",
    "render_report",
    "script_json",
    "write_views",
]

NODE_COLOURS = {"person": "#4e79a7", "country": "#e15759", "organization": "#59a14f"}
OTHER_COLOUR = "#9c9c9c"
EDGE_KINDS = ("met", "affiliated_with", "co_mentioned")
CJK_FONT = "NotoSansCJKsc-Regular.otf"  # in the mplfonts package (SIL Open Font License)


# ---------------------------------------------------------------- shared helpers


def display_label(attrs: dict) -> str:
    """``English / 中文`` when a node has both names, else whichever it has."""
    en = (attrs.get("name_en") or attrs.get("name") or "").strip()
    zh = (attrs.get("name_zh") or "").strip()
    if en and zh and en != zh:
        return f"{en} / {zh}"
    return en or zh or str(attrs.get("label", ""))


def _loads(value: Any, default: Any) -> Any:
    if not isinstance(value, str) or not value:
        return default
    try:
        return json.loads(value)
    except ValueError:
        return default


def layout(g: nx.Graph, *, seed: int, nodes: list[str] | None = None) -> dict[str, tuple[float, float]]:
    """Spring layout of ``nodes`` (default: all), edges of every kind pulling, seeded.

    Positions are rounded so that the files written from them are byte-stable.
    """
    keep = sorted(g.nodes if nodes is None else nodes)
    if not keep:
        return {}
    h = nx.Graph()
    h.add_nodes_from(keep)
    wanted = set(keep)
    pull = {"met": 3.0, "affiliated_with": 1.5, "co_mentioned": 0.1}
    weights: dict[tuple[str, str], float] = defaultdict(float)
    for a, b, d in g.edges(data=True):
        if a in wanted and b in wanted and a != b:
            pair = (a, b) if a < b else (b, a)
            weights[pair] += pull.get(d.get("kind", ""), 1.0) * float(d.get("weight", 1) or 1)
    for (a, b), w in sorted(weights.items()):
        h.add_edge(a, b, weight=w)
    k = 2.5 / math.sqrt(len(keep))
    pos = nx.spring_layout(h, seed=seed, k=k, iterations=200, weight="weight")
    return {n: (round(float(x), 4), round(float(y), 4)) for n, (x, y) in sorted(pos.items())}


def _fit(pos: dict[str, tuple[float, float]], width: float, height: float, margin: float) -> dict:
    if not pos:
        return {}
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    span_x = (max(xs) - min(xs)) or 1.0
    span_y = (max(ys) - min(ys)) or 1.0
    out = {}
    side = 3.5 * margin  # labels hang off to the sides
    for n, (x, y) in pos.items():
        fx = 0.5 if max(xs) == min(xs) else (x - min(xs)) / span_x
        fy = 0.5 if max(ys) == min(ys) else (y - min(ys)) / span_y
        out[n] = (round(side + fx * (width - 2 * side), 1), round(margin + (1 - fy) * (height - 2 * margin), 1))
    return out


# ---------------------------------------------------------------- HTML


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


def _html_nodes(g: nx.MultiDiGraph, max_nodes: int) -> list[str]:
    nodes = sorted(g.nodes)
    if len(nodes) <= max_nodes:
        return nodes
    met_deg: Counter = Counter()
    for a, b, d in g.edges(data=True):
        if d.get("kind") == "met":
            met_deg[a] += d.get("weight", 1)
            met_deg[b] += d.get("weight", 1)
    ranked = sorted(nodes, key=lambda n: (-met_deg[n], -int(g.nodes[n].get("n_docs", 0) or 0), n))
    return sorted(ranked[:max_nodes])


def html_data(g: nx.MultiDiGraph, params: GraphParams, *, positions: bool = True) -> dict:
    """What the page draws: nodes with positions, edges with their evidence, counts
    (``positions=False``: every node at 0, 0, without the cost of the layout)."""
    keep = _html_nodes(g, params.html_max_nodes)
    pos = _fit(layout(g, seed=params.layout_seed, nodes=keep), 1000.0, 700.0, 40.0) if positions else {}
    nodes = []
    for n in keep:
        d = g.nodes[n]
        x, y = pos.get(n, (0.0, 0.0))
        nodes.append({
            "id": n, "type": d.get("type", ""), "name": d.get("name", ""), "name_en": d.get("name_en", ""),
            "name_zh": d.get("name_zh", ""), "kb_id": d.get("kb_id", ""), "n_mentions": d.get("n_mentions", 0),
            "n_docs": d.get("n_docs", 0), "label": display_label(d), "x": x, "y": y,
        })  # fmt: skip
    wanted = set(keep)
    edges = []
    for a, b, k, d in sorted(g.edges(keys=True, data=True), key=lambda e: (EDGE_KINDS.index(e[2]) if e[2] in EDGE_KINDS else 9, e[0], e[1])):  # fmt: skip
        if a not in wanted or b not in wanted:
            continue
        edge = {"source": a, "target": b, "kind": d.get("kind", k), "weight": d.get("weight", 1)}
        if edge["kind"] == "met":
            edge["meetings"] = _loads(d.get("evidence"), [])
            edge["topics"] = _loads(d.get("topics"), [])
        elif edge["kind"] == "affiliated_with":
            edge["titles"] = _loads(d.get("titles"), [])
        edges.append(edge)
    kinds = Counter(e["kind"] for e in edges)
    return {
        "nodes": nodes,
        "edges": edges,
        "total_nodes": g.number_of_nodes(),
        "counts": {k: kinds.get(k, 0) for k in EDGE_KINDS},
        "hidden": ["co_mentioned"] if kinds.get("co_mentioned", 0) > 300 else [],
        "colours": NODE_COLOURS,
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


def _font_text(g: nx.MultiDiGraph, params: GraphParams) -> str:
    """The text whose CJK characters the page's font must cover: the page's data, which
    differs from the laid-out data only in the (numeric) positions."""
    return json.dumps(html_data(g, params, positions=False), ensure_ascii=False)


def _page(data: dict, face: str) -> str:
    return _HTML.replace("/*__FONT__*/", face).replace("/*__SCRIPT__*/", _JS).replace("__DATA__", script_json(data))


def render_html(g: nx.MultiDiGraph, params: GraphParams) -> str:
    """graph.html: a self-contained interactive view (inline script and style, no network)."""
    return _page(html_data(g, params), _font_face(_font_text(g, params)))


_HTML = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; font-src data:; base-uri 'none'; form-action 'none'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>diplograph: who met whom</title>
<style>
/*__FONT__*/
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","diplograph-cjk","Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;color:#222;background:#fafafa}
header{padding:8px 16px;border-bottom:1px solid #ddd;background:#fff}
h1{font-size:18px;margin:0 0 4px}
#summary{margin:0;color:#555;font-size:13px}
#controls{display:flex;flex-wrap:wrap;gap:16px;align-items:center;padding:6px 16px;font-size:13px;background:#fff;border-bottom:1px solid #ddd}
#controls .group{display:flex;gap:10px;align-items:center}
.swatch{display:inline-block;width:11px;height:11px;border-radius:50%;margin-right:4px;vertical-align:-1px}
.linekey{display:inline-block;width:26px;height:0;margin-right:4px;vertical-align:3px;border-top:2px solid #555}
.linekey.affiliated_with{border-top-style:dashed}.linekey.co_mentioned{border-top:2px dotted #999}
#main{display:flex;height:calc(100vh - 100px);min-height:420px}
#graph{flex:1;background:#fff;cursor:grab;touch-action:none}
#graph.dragging{cursor:grabbing}
#details{width:340px;overflow:auto;padding:10px 14px;border-left:1px solid #ddd;background:#fff;font-size:13px}
#tooltip{position:fixed;pointer-events:none;max-width:380px;background:rgba(255,255,255,.97);border:1px solid #bbb;border-radius:4px;padding:6px 9px;font-size:12px;box-shadow:0 2px 8px rgba(0,0,0,.15)}
.info h2{font-size:15px;margin:0 0 2px}.info .zh{font-size:15px;margin:0 0 4px}
.info .meta{color:#666;margin:2px 0}.info .meeting{border-top:1px solid #eee;padding-top:4px;margin-top:4px}
.info .evidence{font-style:italic;color:#333;margin:2px 0}.info .topics{color:#7a4b00}
.edge{fill:none}.edge.met{stroke:#333}.edge.affiliated_with{stroke:#8c6d31;stroke-dasharray:6 4}
.edge.co_mentioned{stroke:#9aa;stroke-dasharray:1.5 3.5;stroke-opacity:.55}
.hit{stroke:transparent;stroke-width:10;fill:none;cursor:pointer}
.node circle{stroke:#fff;stroke-width:1.5;cursor:pointer}
.node text{font-size:11px;fill:#222;paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round;pointer-events:none}
.dim{opacity:.15}
</style>
</head>
<body>
<header><h1>diplograph: who met whom</h1><p id="summary"></p></header>
<div id="controls"><span class="group" id="types"></span><span class="group" id="kinds"></span>
<label><input type="checkbox" id="labels" checked> names</label><label><input type="checkbox" id="orglabels"> organization names</label><span style="color:#777">wheel: zoom, drag: pan, click: pin details</span></div>
<div id="main"><svg id="graph" viewBox="0 0 1000 700" role="img" aria-label="entity graph"></svg>
<aside id="details"><p>Hover over a person, country or organization, or a line between them; click to keep the details here.</p></aside></div>
<div id="tooltip" hidden></div>
<noscript>This view needs JavaScript. graph.graphml, graph.gexf and graph.json hold the same graph.</noscript>
<script type="application/json" id="graph-data">__DATA__</script>
<script>
/*__SCRIPT__*/
</script>
</body>
</html>
"""

# Hand-written, no library. Every piece of data reaches the page through textContent or
# setAttribute on SVG geometry, never through innerHTML.
_JS = r"""
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("graph-data").textContent);
  var SVG = "http://www.w3.org/2000/svg";
  var svg = document.getElementById("graph");
  var tooltip = document.getElementById("tooltip");
  var details = document.getElementById("details");
  var KIND_NAMES = {met: "met", affiliated_with: "affiliated with", co_mentioned: "co-mentioned"};
  var byId = {};
  data.nodes.forEach(function (n) { byId[n.id] = n; });

  function el(tag, attrs, parent) {
    var e = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, String(attrs[k])); });
    if (parent) { parent.appendChild(e); }
    return e;
  }
  function h(tag, cls, text, parent) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (parent) { parent.appendChild(e); }
    return e;
  }
  function colour(type) { return data.colours[type] || "#9c9c9c"; }
  function nameOf(id) { var n = byId[id]; return n ? (n.name_en || n.name || n.name_zh || id) : id; }

  // summary and legend
  var nTypes = {};
  data.nodes.forEach(function (n) { nTypes[n.type] = (nTypes[n.type] || 0) + 1; });
  var summary = data.nodes.length + " nodes";
  if (data.total_nodes > data.nodes.length) { summary += " (the " + data.nodes.length + " most connected of " + data.total_nodes + ")"; }
  summary += "; " + Object.keys(KIND_NAMES).map(function (k) { return data.counts[k] + " " + KIND_NAMES[k]; }).join(", ") + " edges";
  document.getElementById("summary").textContent = summary;
  var types = document.getElementById("types");
  Object.keys(nTypes).sort().forEach(function (t) {
    var s = h("span", null, null, types);
    var sw = h("span", "swatch", null, s);
    sw.style.background = colour(t);
    s.appendChild(document.createTextNode(t + " (" + nTypes[t] + ")"));
  });
  var kinds = document.getElementById("kinds");
  var layers = {};
  var edgeLayer = el("g", {id: "edges"}, svg);
  ["co_mentioned", "affiliated_with", "met"].forEach(function (k) { layers[k] = el("g", {"class": "layer-" + k}, edgeLayer); });
  Object.keys(KIND_NAMES).forEach(function (k) {
    var lab = h("label", null, null, kinds);
    var box = h("input", null, null, lab);
    box.type = "checkbox";
    box.checked = data.hidden.indexOf(k) < 0;
    layers[k].style.display = box.checked ? "" : "none";
    box.setAttribute("data-kind", k);
    box.addEventListener("change", function () { layers[k].style.display = box.checked ? "" : "none"; });
    h("span", "linekey " + k, null, lab);
    lab.appendChild(document.createTextNode(KIND_NAMES[k] + " (" + data.counts[k] + ")"));
  });

  // details of a node or an edge, built from text nodes only
  function nodeInfo(n) {
    var box = h("div", "info");
    h("h2", null, n.name_en || n.name || n.name_zh || n.id, box);
    if (n.name_zh && n.name_zh !== (n.name_en || n.name)) { h("div", "zh", n.name_zh, box); }
    h("div", "meta", n.type + (n.kb_id ? " \u00b7 Wikidata " + n.kb_id : ""), box);
    h("div", "meta", n.n_mentions + " mentions in " + n.n_docs + " documents", box);
    var met = data.edges.filter(function (e) { return e.kind === "met" && (e.source === n.id || e.target === n.id); });
    if (met.length) {
      h("div", "meta", "met: " + met.map(function (e) {
        var other = e.source === n.id ? e.target : e.source;
        return nameOf(other) + " (" + e.weight + ")";
      }).join(", "), box);
    }
    var aff = data.edges.filter(function (e) { return e.kind === "affiliated_with" && e.source === n.id; });
    aff.forEach(function (e) { h("div", "meta", (e.titles.join(", ") || "affiliated") + ", " + nameOf(e.target), box); });
    return box;
  }
  function edgeInfo(e) {
    var box = h("div", "info");
    h("h2", null, nameOf(e.source) + " \u2014 " + nameOf(e.target), box);
    var zs = [byId[e.source], byId[e.target]].map(function (n) { return n && n.name_zh ? n.name_zh : ""; });
    if (zs[0] || zs[1]) { h("div", "zh", zs.join(" \u2014 "), box); }
    if (e.kind === "met") {
      h("div", "meta", "met: " + e.weight + (e.weight === 1 ? " meeting" : " meetings"), box);
      e.meetings.forEach(function (m) {
        var mb = h("div", "meeting", null, box);
        h("div", "meta", [m.date || "date not stated", m.place || "place not stated", m.kind, m.doc_id].join(" \u00b7 "), mb);
        h("div", "evidence", m.evidence, mb);
        if (m.topics.length) { h("div", "topics", "topics: " + m.topics.join(", "), mb); }
      });
    } else if (e.kind === "affiliated_with") {
      h("div", "meta", "affiliated with" + (e.titles.length ? ": " + e.titles.join(", ") : ""), box);
    } else {
      h("div", "meta", "named together in " + e.weight + (e.weight === 1 ? " document" : " documents"), box);
    }
    return box;
  }
  function show(ev, build) {
    tooltip.textContent = "";
    tooltip.appendChild(build());
    tooltip.hidden = false;
    var x = ev.clientX + 14, y = ev.clientY + 14;
    var w = tooltip.offsetWidth, hh = tooltip.offsetHeight;
    if (x + w > window.innerWidth) { x = Math.max(0, ev.clientX - w - 14); }
    if (y + hh > window.innerHeight) { y = Math.max(0, ev.clientY - hh - 14); }
    tooltip.style.left = x + "px";
    tooltip.style.top = y + "px";
  }
  function hide() { tooltip.hidden = true; }
  function pin(build) { details.textContent = ""; details.appendChild(build()); }

  // edges
  var nodeEls = {};
  var edgeEls = [];
  data.edges.forEach(function (e) {
    var a = byId[e.source], b = byId[e.target];
    var g = el("g", {"class": "edgegroup"}, layers[e.kind] || layers.co_mentioned);
    var width = e.kind === "met" ? 1.2 + 1.3 * Math.min(e.weight, 6) : (e.kind === "affiliated_with" ? 1.4 : 1);
    el("line", {"class": "edge " + e.kind, x1: a.x, y1: a.y, x2: b.x, y2: b.y, "stroke-width": width}, g);
    var hit = el("line", {"class": "hit", x1: a.x, y1: a.y, x2: b.x, y2: b.y}, g);
    var build = function () { return edgeInfo(e); };
    hit.addEventListener("mousemove", function (ev) { show(ev, build); });
    hit.addEventListener("mouseleave", hide);
    hit.addEventListener("click", function () { pin(build); });
    edgeEls.push({e: e, g: g});
  });

  // nodes
  var nodeLayer = el("g", {id: "nodes"}, svg);
  var labelEls = [];
  data.nodes.forEach(function (n) {
    var g = el("g", {"class": "node", "data-id": n.id, "data-type": n.type}, nodeLayer);
    var r = 5 + 2.2 * Math.sqrt(Math.max(n.n_docs, 1));
    el("circle", {cx: n.x, cy: n.y, r: r, fill: colour(n.type)}, g);
    var t = el("text", {x: n.x, y: n.y + r + 11, "text-anchor": "middle"}, g);
    t.textContent = n.label.length > 42 ? n.label.slice(0, 40) + "\u2026" : n.label;
    labelEls.push({t: t, org: n.type !== "person" && n.type !== "country"});
    var build = function () { return nodeInfo(n); };
    g.addEventListener("mousemove", function (ev) { show(ev, build); });
    g.addEventListener("mouseenter", function () { focus(n.id); });
    g.addEventListener("mouseleave", function () { hide(); focus(null); });
    g.addEventListener("click", function () { pin(build); });
    nodeEls[n.id] = g;
  });
  function focus(id) {
    var near = {};
    if (id) {
      near[id] = true;
      data.edges.forEach(function (e) {
        if (e.source === id) { near[e.target] = true; }
        if (e.target === id) { near[e.source] = true; }
      });
    }
    Object.keys(nodeEls).forEach(function (k) { nodeEls[k].classList.toggle("dim", !!id && !near[k]); });
    edgeEls.forEach(function (x) { x.g.classList.toggle("dim", !!id && x.e.source !== id && x.e.target !== id); });
  }
  var showNames = document.getElementById("labels"), showOrgs = document.getElementById("orglabels");
  function names() {
    labelEls.forEach(function (l) { l.t.style.display = showNames.checked && (!l.org || showOrgs.checked) ? "" : "none"; });
  }
  showNames.addEventListener("change", names);
  showOrgs.addEventListener("change", names);
  names();
  if (!data.nodes.length) {
    var empty = el("text", {x: 500, y: 350, "text-anchor": "middle", "font-size": 20, fill: "#777"}, svg);
    empty.textContent = "No persons, countries or organizations in this run";
  }

  // pan and zoom on the viewBox
  var view = {x: 0, y: 0, w: 1000, h: 700};
  function apply() { svg.setAttribute("viewBox", [view.x, view.y, view.w, view.h].join(" ")); }
  function toView(ev) {
    var r = svg.getBoundingClientRect();
    var s = Math.max(view.w / r.width, view.h / r.height);
    var ox = (r.width * s - view.w) / 2, oy = (r.height * s - view.h) / 2;
    return {x: view.x - ox + (ev.clientX - r.left) * s, y: view.y - oy + (ev.clientY - r.top) * s, s: s};
  }
  svg.addEventListener("wheel", function (ev) {
    ev.preventDefault();
    var p = toView(ev);
    var f = ev.deltaY < 0 ? 0.85 : 1 / 0.85;
    var w = Math.min(Math.max(view.w * f, 60), 6000);
    f = w / view.w;
    view.x = p.x - (p.x - view.x) * f;
    view.y = p.y - (p.y - view.y) * f;
    view.w = w;
    view.h = view.h * f;
    apply();
  }, {passive: false});
  var drag = null;
  svg.addEventListener("pointerdown", function (ev) {
    if (ev.target !== svg) { return; }
    drag = {x: ev.clientX, y: ev.clientY, vx: view.x, vy: view.y, s: toView(ev).s};
    svg.classList.add("dragging");
    svg.setPointerCapture(ev.pointerId);
  });
  svg.addEventListener("pointermove", function (ev) {
    if (!drag) { return; }
    view.x = drag.vx - (ev.clientX - drag.x) * drag.s;
    view.y = drag.vy - (ev.clientY - drag.y) * drag.s;
    apply();
  });
  function endDrag() { drag = null; svg.classList.remove("dragging"); }
  svg.addEventListener("pointerup", endDrag);
  svg.addEventListener("pointercancel", endDrag);
})();
"""


# ---------------------------------------------------------------- PNG


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
    """The ``met`` edges as an undirected graph, cut to the ``max_nodes`` most-met nodes."""
    h = nx.Graph()
    for a, b, d in sorted(g.edges(data=True), key=lambda e: (e[0], e[1])):
        if d.get("kind") == "met":
            h.add_edge(a, b, weight=int(d.get("weight", 1)), meetings=d.get("meetings", "[]"))
    if h.number_of_nodes() > max_nodes:
        deg = dict(h.degree(weight="weight"))
        top = sorted(h.nodes, key=lambda n: (-deg[n], n))[:max_nodes]
        h = _induced(h, top)
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


def packed_layout(h: nx.Graph, *, seed: int) -> dict[str, tuple[float, float]]:
    """Each connected component laid out on its own (Kamada-Kawai, even spacing), then the
    components packed in rows, largest first, so that small pairs do not drift to the
    corners as they do in one spring layout."""
    comps = sorted((sorted(c) for c in nx.connected_components(h)), key=lambda c: (-len(c), c[0]))
    boxes = []
    for comp in comps:
        sub = _induced(h, comp)
        if len(comp) == 1:
            local = {comp[0]: (0.0, 0.0)}
        else:
            start = nx.spring_layout(sub, seed=seed)
            local = nx.kamada_kawai_layout(sub, pos=start, weight=None)
        radius = 0.75 * math.sqrt(len(comp))
        local = nx.rescale_layout_dict(local, scale=radius) if len(comp) > 1 else local
        boxes.append((comp, local, 2 * radius + 1.2))
    row_width = max(max(b[2] for b in boxes), math.sqrt(sum(b[2] ** 2 for b in boxes)) * 1.6)
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


# ---------------------------------------------------------------- report

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#])")


def md_escape(text: Any) -> str:
    """Text from articles made safe for a Markdown table cell.

    Line breaks become spaces; ``|`` and Markdown markup are backslash-escaped; ``&``,
    ``<`` and ``>`` become HTML entities, so a tag in an article is shown, never rendered.
    """
    s = " ".join(str(text).split())
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", s)


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return [*out, ""]


def _entity_name(e: contract.Entity | None, fallback: str) -> str:
    if e is None:
        return fallback
    return display_label({"name": e.name, "name_en": e.name_en, "name_zh": e.name_zh, "label": e.entity_id})


def render_report(g: nx.MultiDiGraph, t: dict[str, list], params: GraphParams) -> str:
    """report.md: counts, the meetings by date, top entities, topics by language, failures."""
    docs: list[contract.Document] = t.get("documents.csv", [])
    ents: list[contract.Entity] = t.get("entities.csv", [])
    meetings: list[contract.Meeting] = t.get("meetings.csv", [])
    parts: list[contract.MeetingParticipant] = t.get("meeting_participants.csv", [])
    mtopics: list[contract.MeetingTopic] = t.get("meeting_topics.csv", [])
    dtopics: list[contract.DocTopic] = t.get("doc_topics.csv", [])
    mentions: list = t.get("mentions.csv", [])  # rows, or the (doc_id, entity_id) pairs graph.load_tables reads
    by_id = {e.entity_id: e for e in ents}
    lang_of = {d.doc_id: d.lang or "unknown" for d in docs}
    out = ["# diplograph report", ""]

    out += ["## Counts", ""]
    statuses = sorted({d.status for d in docs})
    langs = sorted({d.lang or "unknown" for d in docs})
    grid = Counter((d.lang or "unknown", d.status) for d in docs)
    out += ["Documents by language and status:", ""]
    rows = [[md_escape(lang), *(grid[(lang, s)] for s in statuses), sum(grid[(lang, s)] for s in statuses)]
            for lang in langs]  # fmt: skip
    rows.append(["**all**", *(sum(grid[(lang, s)] for lang in langs) for s in statuses), len(docs)])
    out += _table(["language", *(md_escape(s) for s in statuses), "total"], rows)
    types = Counter(e.type for e in ents)
    kinds = Counter(m.kind for m in meetings)
    edges = Counter(k for _, _, k in g.edges(data="kind"))
    unlinked = sum(1 for m in mentions if not m.entity_id)
    rows = [[f"entities: {md_escape(k)}", v] for k, v in sorted(types.items())]
    rows += [["mentions", len(mentions)], ["mentions not linked to an entity", unlinked]]
    rows += [[f"meetings: {md_escape(k)}", v] for k, v in sorted(kinds.items())]
    event_of = {r.meeting_id: r.event_id for r in t.get("meeting_events.csv", [])}
    n_events = len({event_of.get(m.meeting_id, m.meeting_id) for m in meetings})
    rows += [["meetings (reports)", len(meetings)], ["meeting events (a meeting however often reported)", n_events]]
    rows += [["graph nodes", g.number_of_nodes()]]
    rows += [[f"graph edges: {k}", edges.get(k, 0)] for k in EDGE_KINDS]
    out += _table(["what", "count"], rows)

    out += ["## Meetings by date", ""]
    if meetings:
        who: dict[str, list[str]] = defaultdict(list)
        for p in sorted(parts, key=lambda p: (p.meeting_id, p.entity_id)):
            name = _entity_name(by_id.get(p.entity_id), p.entity_id)
            who[p.meeting_id].append(name + (f" ({p.role})" if p.role else ""))
        topics: dict[str, list[str]] = defaultdict(list)
        for mt in sorted(mtopics, key=lambda x: (x.meeting_id, x.topic_id)):
            topics[mt.meeting_id].append(mt.topic_id)
        # one row per event: its best-dated report, and every document that reports it
        reports: dict[str, list[contract.Meeting]] = defaultdict(list)
        for m in meetings:
            reports[event_of.get(m.meeting_id, m.meeting_id)].append(m)
        firsts = []
        for ms in reports.values():
            ms.sort(key=lambda m: (-len(m.date), m.doc_id, m.meeting_id))
            firsts.append(
                (ms[0], sorted({m.doc_id for m in ms}), sorted({x for m in ms for x in topics[m.meeting_id]}))
            )
        ordered = sorted(firsts, key=lambda x: (x[0].date == "", x[0].date, x[0].doc_id, x[0].meeting_id))
        rows = [[md_escape(m.date or "not stated"), md_escape(m.place), md_escape("; ".join(who[m.meeting_id])),
                 md_escape(m.kind), md_escape(", ".join(docs_of)), md_escape(", ".join(tops))]
                for m, docs_of, tops in ordered]  # fmt: skip
        out += _table(["date", "place", "participants", "kind", "documents", "topics"], rows)
    else:
        out += ["No meetings were found.", ""]

    out += [f"## Top entities (by documents, then mentions; first {params.report_top_n})", ""]
    met_with: Counter = Counter()
    for a, b, d in g.edges(data=True):
        if d.get("kind") == "met":
            met_with[a] += 1
            met_with[b] += 1
    top = sorted(ents, key=lambda e: (-int(e.n_docs or 0), -int(e.n_mentions or 0), e.entity_id))[: params.report_top_n]
    rows = [[md_escape(e.name_en or e.name), md_escape(e.name_zh), md_escape(e.type), e.n_docs, e.n_mentions,
             met_with.get(e.entity_id, 0), md_escape(e.kb_id)] for e in top]  # fmt: skip
    out += _table(["name", "中文", "type", "documents", "mentions", "met (people)", "Wikidata"], rows) if top else [
        "No entities were found.", ""]  # fmt: skip

    out += ["## Topics by language", ""]
    if dtopics:
        doc_langs = sorted({lang_of.get(x.doc_id, "unknown") for x in dtopics})
        per = Counter((x.topic_id, lang_of.get(x.doc_id, "unknown")) for x in dtopics)
        in_meetings = Counter(x.topic_id for x in mtopics)
        ids = sorted({x.topic_id for x in dtopics} | set(in_meetings))
        totals = {i: sum(per[(i, lang)] for lang in doc_langs) for i in ids}
        rows = [[md_escape(i), *(per[(i, lang)] for lang in doc_langs), totals[i], in_meetings.get(i, 0)]
                for i in sorted(ids, key=lambda i: (-totals[i], i))]  # fmt: skip
        out += ["Documents tagged with each topic, by the document's language, and meetings discussing it:", ""]
        out += _table(["topic", *(f"{md_escape(lang)} documents" for lang in doc_langs), "all documents", "meetings"],
                      rows)  # fmt: skip
    else:
        out += ["No topics were found.", ""]

    out += ["## What failed or was skipped", ""]
    bad = sorted((d for d in docs if d.status != "ok"), key=lambda d: (d.status, d.doc_id))
    noted = sorted((d for d in docs if d.status == "ok" and d.error), key=lambda d: d.doc_id)
    if bad or noted:
        rows = [[md_escape(d.doc_id), md_escape(d.source), md_escape(d.status), md_escape(d.lang),
                 md_escape(d.error)] for d in [*bad, *noted]]  # fmt: skip
        out += _table(["document", "source", "status", "language", "reason"], rows)
    else:
        out += ["Every document was processed.", ""]
    return "\n".join(out).rstrip("\n") + "\n"


# ---------------------------------------------------------------- writer


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
        face = views.call(_font_face, _font_text(g, params))  # the page waits for this first
        png = views.call(draw_met_network, *_png_input(g, params))
        if meanwhile is not None:
            meanwhile()
        contract.atomic_write_text(out_dir / "graph.html", _page(html_data(g, params), face.result()))
        contract.atomic_write_text(out_dir / "report.md", render_report(g, t, params))
        contract.atomic_write_bytes(out_dir / "graph.png", png.result())
    finally:
        if own:
            views.close()
