// graph.html's script: draws the data of pipeline/views/html.py with Cytoscape.js (inlined
// before this script). Positions come with the data (computed and seeded in Python); this
// script decides what is shown (the met network first), which labels fit, and the details.
// Text from articles reaches the page only through textContent and canvas labels.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("graph-data").textContent);
  var FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "diplograph-cjk", "Noto Sans CJK SC", sans-serif';
  var LABEL_PX = 12;  // labels keep this size on screen whatever the zoom
  var SIDES = ["below", "right", "above", "left"];  // where a label may go, in this order of preference
  var MUST_LABEL = 12;  // the most met are named even where every side covers a neighbour
  var MAX_LABELS = data.max_labels || 40;
  var byId = {};
  data.nodes.forEach(function (n) { byId[n.id] = n; });
  var eventsOf = {};  // node id -> ids of the events it took part in
  Object.keys(data.events).forEach(function (id) {
    data.events[id].participants.forEach(function (p) { (eventsOf[p] = eventsOf[p] || []).push(id); });
  });
  var affOf = {};  // node id -> affiliated_with edges touching it
  data.edges.forEach(function (e) {
    if (e.kind === "affiliated_with") {
      (affOf[e.source] = affOf[e.source] || []).push(e);
      (affOf[e.target] = affOf[e.target] || []).push(e);
    }
  });

  function h(tag, cls, text, parent) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (parent) { parent.appendChild(e); }
    return e;
  }
  function nameOf(id) { var n = byId[id]; return n ? (n.name_en || n.name || n.name_zh || id) : id; }
  function short(s) { return s.length > 42 ? s.slice(0, 40) + "\u2026" : s; }
  function fold(s) { return String(s).toLowerCase().replace(/[\s\u00b7\u30fb.\-]+/g, ""); }

  // ------------------------------------------------------------ the drawing
  var elements = [];
  data.nodes.forEach(function (n) {
    var size = n.type === "person" ? 14 + 6 * Math.sqrt(n.met) : 14 + 3 * Math.sqrt(Math.max(n.n_docs, 1));
    elements.push({group: "nodes", data: {id: n.id, label: short(n.label), type: n.type, size: Math.min(size, 60),
      colour: data.colours[n.type] || "#9c9c9c", fs: LABEL_PX, fm: 2, fmn: -2}, position: {x: n.x, y: n.y}});
  });
  data.edges.forEach(function (e, i) {
    var w = e.kind === "met" ? 1.2 + 1.3 * Math.min(e.events.length, 6) : 1;
    elements.push({group: "edges", data: {id: "e" + i, source: e.source, target: e.target, kind: e.kind, w: w, i: i}});
  });
  var container = document.getElementById("graph");
  var big = data.nodes.length > 800;
  var cy = cytoscape({
    container: container,
    elements: elements,
    layout: {name: "preset"},
    minZoom: 0.02,
    maxZoom: 6,
    wheelSensitivity: 0.4,
    boxSelectionEnabled: false,
    textureOnViewport: big,
    hideEdgesOnViewport: big,
    motionBlur: false,
    style: [
      {selector: "node", style: {"width": "data(size)", "height": "data(size)", "background-color": "data(colour)",
        "border-width": 1.5, "border-color": "#fff", "label": "", "font-family": FONT, "font-size": "data(fs)",
        "text-valign": "bottom", "text-halign": "center", "text-margin-y": "data(fm)", "color": "#222",
        "text-background-color": "#fff", "text-background-opacity": 0.8, "text-background-padding": 1,
        "min-zoomed-font-size": 0, "text-wrap": "none"}},
      {selector: "node.lab", style: {"label": "data(label)"}},
      {selector: "node.lab-above", style: {"text-valign": "top", "text-margin-y": "data(fmn)"}},
      {selector: "node.lab-right", style: {"text-valign": "center", "text-halign": "right", "text-margin-y": 0, "text-margin-x": "data(fm)"}},
      {selector: "node.lab-left", style: {"text-valign": "center", "text-halign": "left", "text-margin-y": 0, "text-margin-x": "data(fmn)"}},
      {selector: "node.hit", style: {"border-width": 4, "border-color": "#f28e2b"}},
      {selector: "node:selected", style: {"border-width": 4, "border-color": "#222"}},
      {selector: "edge", style: {"curve-style": "haystack", "haystack-radius": 0, "width": "data(w)", "line-color": "#555", "opacity": 0.75}},
      {selector: "edge[kind = 'affiliated_with']", style: {"line-color": "#8c6d31", "line-style": "dashed", "width": 1.2}},
      {selector: "edge[kind = 'co_mentioned']", style: {"line-color": "#9aa", "line-style": "dotted", "opacity": 0.5}},
      {selector: "edge:selected", style: {"line-color": "#f28e2b", "opacity": 1}},
      {selector: ".faded", style: {"opacity": 0.12}},
      {selector: ".gone", style: {"display": "none"}}
    ]
  });

  // ------------------------------------------------------------ what is shown
  var state = {from: "", to: "", country: "", langs: {}, kinds: {}, affiliations: false, comentions: false, all: false};
  data.filters.langs.forEach(function (l) { state.langs[l] = true; });
  data.filters.kinds.forEach(function (k) { state.kinds[k] = true; });
  var moved = false;  // the reader has panned, zoomed, clicked or searched
  var pinned = {};  // found by search or selected: shown whatever the filters say
  var focus = null;  // the hovered or selected node: its label comes first

  function eventShown(ev) {
    if (state.from || state.to) {
      if (!ev.date) { return false; }
      if (state.from && ev.date < state.from.slice(0, ev.date.length)) { return false; }
      if (state.to && ev.date > state.to.slice(0, ev.date.length)) { return false; }
    }
    if (ev.langs.length && !ev.langs.some(function (l) { return state.langs[l]; })) { return false; }
    if (ev.kind && state.kinds[ev.kind] === false) { return false; }
    if (state.country) {
      return ev.participants.some(function (p) {
        return p === state.country || (byId[p] && byId[p].countries.indexOf(state.country) >= 0);
      });
    }
    return true;
  }
  function shownEvents(ids) { return ids.filter(function (id) { return eventShown(data.events[id]); }); }

  function refresh(fit) {
    var show = {}, edgeOn = {};
    data.edges.forEach(function (e, i) {
      if (e.kind === "met" && shownEvents(e.events).length) { edgeOn[i] = true; show[e.source] = show[e.target] = true; }
    });
    if (state.all) { data.nodes.forEach(function (n) { show[n.id] = true; }); }
    Object.keys(pinned).forEach(function (id) { show[id] = true; });
    var reveal = {};  // countries and organizations of the shown people, or of the selected one
    data.edges.forEach(function (e) {
      if (e.kind !== "affiliated_with") { return; }
      if ((state.affiliations && show[e.source]) || e.source === focusSel || e.target === focusSel) { reveal[e.source] = reveal[e.target] = true; }
    });
    Object.keys(reveal).forEach(function (id) { show[id] = true; });
    data.edges.forEach(function (e, i) {
      if (!show[e.source] || !show[e.target]) { return; }
      if (e.kind === "affiliated_with" && (state.affiliations || e.source === focusSel || e.target === focusSel)) { edgeOn[i] = true; }
      if (e.kind === "co_mentioned" && state.comentions) { edgeOn[i] = true; }
    });
    cy.batch(function () {
      cy.nodes().forEach(function (n) { n.toggleClass("gone", !show[n.id()]); });
      cy.edges().forEach(function (e) { e.toggleClass("gone", !edgeOn[e.data("i")]); });
    });
    if (fit) {
      var vis = cy.elements().not(".gone");
      if (vis.length) { cy.fit(vis, 40); }
    }
    summary();
    placeLabels();
  }
  var focusSel = null;  // the selected node (its affiliations are one click away)

  // ------------------------------------------------------------ labels that never overlap
  var measure = document.createElement("canvas").getContext("2d");
  var widths = {};
  function textWidth(s) {
    if (!(s in widths)) { measure.font = LABEL_PX + "px " + FONT; widths[s] = measure.measureText(s).width; }
    return widths[s];
  }
  function placeLabels() {
    var z = cy.zoom(), ext = cy.extent();
    var shown = cy.nodes().not(".gone").filter(function (n) {
      var p = n.position();
      return p.x >= ext.x1 && p.x <= ext.x2 && p.y >= ext.y1 && p.y <= ext.y2;
    });
    var order = shown.toArray().sort(function (a, b) {
      var fa = a.id() === focus || a.id() === focusSel || pinned[a.id()] ? 1 : 0;
      var fb = b.id() === focus || b.id() === focusSel || pinned[b.id()] ? 1 : 0;
      var na = byId[a.id()], nb = byId[b.id()];
      return (fb - fa) || (nb.met - na.met) || (nb.n_docs - na.n_docs) || (a.id() < b.id() ? -1 : 1);
    });
    var boxes = [], on = {}, W = cy.width(), H = cy.height();
    var pad = 3, lineH = LABEL_PX * 1.35;
    // the shown nodes' discs, in a grid of 64-pixel cells: a label does not cover another node
    var CELL = 64, grid = {};
    shown.forEach(function (n) {
      var p = n.renderedPosition(), r = n.data("size") * z / 2;
      for (var gx = Math.floor((p.x - r) / CELL); gx <= Math.floor((p.x + r) / CELL); gx++) {
        for (var gy = Math.floor((p.y - r) / CELL); gy <= Math.floor((p.y + r) / CELL); gy++) {
          (grid[gx + "," + gy] = grid[gx + "," + gy] || []).push({id: n.id(), x1: p.x - r, x2: p.x + r, y1: p.y - r, y2: p.y + r});
        }
      }
    });
    function coversNode(box, self) {
      for (var gx = Math.floor(box.x1 / CELL); gx <= Math.floor(box.x2 / CELL); gx++) {
        for (var gy = Math.floor(box.y1 / CELL); gy <= Math.floor(box.y2 / CELL); gy++) {
          var cell = grid[gx + "," + gy] || [];
          for (var k = 0; k < cell.length; k++) {
            var c = cell[k];
            if (c.id !== self && box.x1 < c.x2 && c.x1 < box.x2 && box.y1 < c.y2 && c.y1 < box.y2) { return true; }
          }
        }
      }
      return false;
    }
    function free(box) {
      for (var j = 0; j < boxes.length; j++) {
        var b = boxes[j];
        if (box.x1 < b.x2 && b.x1 < box.x2 && box.y1 < b.y2 && b.y1 < box.y2) { return false; }
      }
      return true;
    }
    for (var i = 0; i < order.length && boxes.length < MAX_LABELS; i++) {
      var n = order[i], p = n.renderedPosition(), r = n.data("size") * z / 2, m = 2;
      // the library measures its labels itself, with the embedded font when it has loaded and a
      // fallback before: a margin keeps the two measures from disagreeing into an overlap
      var w = textWidth(n.data("label")) * 1.12 + 6, hh = lineH + 2 * pad;
      var sides = {
        below: {x1: p.x - w / 2, x2: p.x + w / 2, y1: p.y + r + 1, y2: p.y + r + 1 + m + hh},
        above: {x1: p.x - w / 2, x2: p.x + w / 2, y1: p.y - r - 1 - m - hh, y2: p.y - r - 1},
        right: {x1: p.x + r + 1, x2: p.x + r + 1 + m + w, y1: p.y - hh / 2, y2: p.y + hh / 2},
        left: {x1: p.x - r - 1 - m - w, x2: p.x - r - 1, y1: p.y - hh / 2, y2: p.y + hh / 2}
      };
      var chosen = null, fallback = null;
      for (var k = 0; k < SIDES.length && !chosen; k++) {
        var box = sides[SIDES[k]];
        if (!free(box) || box.x1 < 0 || box.y1 < 0 || box.x2 > W || box.y2 > H) { continue; }
        if (!coversNode(box, n.id())) { chosen = SIDES[k]; } else if (!fallback) { fallback = SIDES[k]; }
      }
      // the most met (and the hovered, selected or found) are named even over a neighbour's disc
      var important = i < MUST_LABEL || n.id() === focus || n.id() === focusSel || pinned[n.id()];
      if (!chosen && important) { chosen = fallback; }
      if (chosen) { boxes.push(sides[chosen]); on[n.id()] = chosen; }
    }
    cy.batch(function () {
      cy.nodes().forEach(function (n) {
        var side = on[n.id()] || null;
        if (side) { n.data({fs: LABEL_PX / z, fm: 2 / z, fmn: -2 / z}); }
        SIDES.forEach(function (s) { if (n.hasClass("lab-" + s) !== (s === side)) { n.toggleClass("lab-" + s, s === side); } });
        if (n.hasClass("lab") !== !!side) { n.toggleClass("lab", !!side); }
      });
    });
  }
  var pending = null;
  cy.on("viewport", function () {
    if (pending) { clearTimeout(pending); }
    pending = setTimeout(function () { pending = null; placeLabels(); }, 120);
  });

  // ------------------------------------------------------------ details that cite
  function entityLink(id, parent) {
    var a = h("a", "entity", nameOf(id), parent);
    a.addEventListener("click", function () { goTo(id); });
    return a;
  }
  function sourceLine(ev, parent) {
    var line = h("div", "source", null, parent);
    ev.sources.forEach(function (s, i) {
      var d = data.documents[s] || {};
      var txt = (i ? "; " : "source: ") + s + (d.lang ? " (" + d.lang + ")" : "") + (d.title ? " \u201c" + d.title + "\u201d" : "");
      line.appendChild(document.createTextNode(txt));
    });
    return line;
  }
  function eventBlock(id, self, parent) {
    var ev = data.events[id];
    var mb = h("div", "meeting", null, parent);
    mb.setAttribute("data-event", id);
    h("span", "when", (ev.date || "date not stated") + " \u00b7 " + (ev.place || "place not stated"), mb);
    mb.appendChild(document.createTextNode(" \u00b7 " + ev.kind));
    var with_ = ev.participants.filter(function (p) { return p !== self; });
    if (with_.length) {
      var w = h("div", "meta", "with ", mb);
      with_.forEach(function (p, i) { if (i) { w.appendChild(document.createTextNode(", ")); } entityLink(p, w); });
    }
    h("div", "evidence", ev.evidence, mb);
    ev.others.forEach(function (o) { h("div", "evidence", o, mb); });
    sourceLine(ev, mb);
    if (ev.topics.length) { h("div", "topics", "topics: " + ev.topics.join(", "), mb); }
  }
  function byDate(a, b) {
    var x = data.events[a], y = data.events[b];
    return ((x.date ? 0 : 1) - (y.date ? 0 : 1)) || (x.date < y.date ? -1 : x.date > y.date ? 1 : (a < b ? -1 : 1));
  }
  function nodeInfo(n) {
    var box = h("div", "info");
    h("h2", null, n.name_en || n.name || n.name_zh || n.id, box);
    if (n.name_zh && n.name_zh !== (n.name_en || n.name)) { h("div", "zh", n.name_zh, box); }
    h("div", "meta", n.type + (n.kb_id ? " \u00b7 Wikidata " + n.kb_id : "") + " \u00b7 " + n.n_mentions + " mentions in " + n.n_docs + " documents", box);
    (affOf[n.id] || []).forEach(function (e) {
      var other = e.source === n.id ? e.target : e.source;
      var line = h("div", "meta", (e.titles.join(", ") || "affiliated") + (e.source === n.id ? ", " : " of "), box);
      entityLink(other, line);
    });
    var evs = (eventsOf[n.id] || []).slice().sort(byDate);
    if (evs.length) {
      var shown = shownEvents(evs).length;
      h("h3", null, "Meetings (" + evs.length + (shown < evs.length ? ", " + shown + " within the filters" : "") + ")", box);
      evs.forEach(function (id) { eventBlock(id, n.id, box); });
    } else {
      h("div", "meta", "No meetings found.", box);
    }
    return box;
  }
  function edgeInfo(e) {
    var box = h("div", "info");
    var t = h("h2", null, null, box);
    entityLink(e.source, t);
    t.appendChild(document.createTextNode(" \u2014 "));
    entityLink(e.target, t);
    if (e.kind === "met") {
      var evs = e.events.slice().sort(byDate);
      h("div", "meta", "met " + evs.length + (evs.length === 1 ? " time" : " times"), box);
      evs.forEach(function (id) { eventBlock(id, null, box); });
    } else if (e.kind === "affiliated_with") {
      h("div", "meta", "affiliated with" + (e.titles.length ? ": " + e.titles.join(", ") : ""), box);
    } else {
      h("div", "meta", "named together in " + e.weight + (e.weight === 1 ? " document" : " documents"), box);
    }
    return box;
  }
  var details = document.getElementById("details");
  function pin(box) { details.textContent = ""; details.appendChild(box); details.scrollTop = 0; }

  // ------------------------------------------------------------ interaction
  function neighbourhood(id) {
    var node = cy.getElementById(id);
    cy.batch(function () {
      cy.elements().removeClass("faded");
      if (id) { cy.elements().not(node.closedNeighborhood()).addClass("faded"); }
    });
  }
  cy.on("mouseover", "node", function (ev) { focus = ev.target.id(); neighbourhood(focus); placeLabels(); });
  cy.on("mouseout", "node", function () { focus = null; neighbourhood(focusSel); placeLabels(); });
  cy.on("tapstart scrollzoom", function () { moved = true; });
  cy.on("tap", "node", function (ev) { select(ev.target.id()); });
  cy.on("tap", "edge", function (ev) { pin(edgeInfo(data.edges[ev.target.data("i")])); });
  cy.on("tap", function (ev) {
    if (ev.target === cy) { focusSel = null; cy.nodes().removeClass("hit"); neighbourhood(null); refresh(false); }
  });
  function select(id) {
    focusSel = id;
    cy.nodes().unselect();
    cy.getElementById(id).select();
    pin(nodeInfo(byId[id]));
    refresh(false);
    neighbourhood(id);
  }
  function goTo(id) {
    if (!byId[id]) { return; }
    moved = true;
    pinned = {};
    pinned[id] = true;
    cy.nodes().removeClass("hit");
    focusSel = id;
    refresh(false);
    var node = cy.getElementById(id);
    node.addClass("hit");
    var z = Math.max(cy.zoom(), 1.2), at = node.position();
    cy.viewport({zoom: z, pan: {x: cy.width() / 2 - at.x * z, y: cy.height() / 2 - at.y * z}});  // the node, not its label, centred
    select(id);
  }

  // search: English or Chinese, any script the knowledge base knows (aliases), spaces ignored
  var index = data.nodes.map(function (n) { return {id: n.id, keys: n.aliases.concat([n.label]).map(fold)}; });
  function find(q) {
    var f = fold(q);
    if (!f) { return null; }
    var best = null, bestRank = null;
    index.forEach(function (x) {
      var n = byId[x.id], rank = null;
      x.keys.forEach(function (k) {
        var r = k === f ? 0 : k.indexOf(f) === 0 ? 1 : k.indexOf(f) >= 0 ? 2 : null;
        if (r !== null && (rank === null || r < rank)) { rank = r; }
      });
      if (rank === null) { return; }
      var key = [rank, -n.met, -n.n_docs, n.id];
      if (!best || key[0] < bestRank[0] || (key[0] === bestRank[0] && (key[1] < bestRank[1] || (key[1] === bestRank[1] && (key[2] < bestRank[2] || (key[2] === bestRank[2] && key[3] < bestRank[3])))))) {
        best = x.id; bestRank = key;
      }
    });
    return best;
  }
  var searchBox = document.getElementById("search"), note = document.getElementById("search-note");
  var list = document.getElementById("names");
  data.nodes.slice().sort(function (a, b) { return (b.met - a.met) || (b.n_docs - a.n_docs) || (a.id < b.id ? -1 : 1); })
    .forEach(function (n) { var o = h("option", null, null, list); o.value = n.label; });
  function search(q) {
    var id = find(q);
    note.textContent = q && !id ? "no match" : "";
    if (id) { goTo(id); }
    return id;
  }
  searchBox.addEventListener("change", function () { search(searchBox.value); });
  searchBox.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { search(searchBox.value); } });

  // filters
  var from = document.getElementById("date-from"), to = document.getElementById("date-to");
  if (data.filters.dates.length) { from.placeholder = data.filters.dates[0]; to.placeholder = data.filters.dates[1]; }
  function dates() { state.from = from.value.trim(); state.to = to.value.trim(); refresh(true); }
  from.addEventListener("change", dates);
  to.addEventListener("change", dates);
  var country = document.getElementById("country");
  data.filters.countries.forEach(function (c) { var o = h("option", null, nameOf(c), country); o.value = c; });
  country.addEventListener("change", function () { state.country = country.value; refresh(true); });
  function boxes(id, values, key) {
    var group = document.getElementById(id);
    values.forEach(function (v) {
      var lab = h("label", null, null, group);
      var box = h("input", null, null, lab);
      box.type = "checkbox";
      box.checked = true;
      box.setAttribute("data-" + key, v);
      box.addEventListener("change", function () { state[key][v] = box.checked; refresh(true); });
      lab.appendChild(document.createTextNode(v));
    });
  }
  boxes("langs", data.filters.langs, "langs");
  boxes("kinds", data.filters.kinds, "kinds");
  [["show-affiliations", "affiliations"], ["show-comentions", "comentions"], ["show-all", "all"]].forEach(function (x) {
    var box = document.getElementById(x[0]);
    box.addEventListener("change", function () { state[x[1]] = box.checked; refresh(x[1] === "all"); });
  });
  function resetAll() {
    document.getElementById("controls").reset();
    pinned = {}; focusSel = null; cy.nodes().removeClass("hit").unselect(); neighbourhood(null);
    note.textContent = "";
    setFilters({from: "", to: "", country: "", langs: data.filters.langs, kinds: data.filters.kinds,
      affiliations: false, comentions: false, all: false});
  }
  document.getElementById("reset-view").addEventListener("click", resetAll);
  function setFilters(f) {
    ["from", "to", "country", "affiliations", "comentions", "all"].forEach(function (k) { if (k in f) { state[k] = f[k]; } });
    ["langs", "kinds"].forEach(function (k) {
      if (!(k in f)) { return; }
      Object.keys(state[k]).forEach(function (v) { state[k][v] = f[k].indexOf(v) >= 0; });
    });
    from.value = state.from; to.value = state.to; country.value = state.country;
    document.querySelectorAll("#langs input, #kinds input").forEach(function (b) {
      var l = b.getAttribute("data-langs"), k = b.getAttribute("data-kinds");
      b.checked = l !== null ? !!state.langs[l] : !!state.kinds[k];
    });
    document.getElementById("show-affiliations").checked = state.affiliations;
    document.getElementById("show-comentions").checked = state.comentions;
    document.getElementById("show-all").checked = state.all;
    refresh(true);
  }

  // summary and legend
  function summary() {
    var people = cy.nodes().not(".gone").filter(function (n) { return byId[n.id()].met > 0; }).length;
    var evs = Object.keys(data.events).filter(function (id) { return eventShown(data.events[id]); }).length;
    var s = people + " people who met, " + evs + " meetings shown";
    s += " \u00b7 " + data.total_nodes + " entities in the run" + (data.total_nodes > data.nodes.length ? " (the " + data.nodes.length + " most connected here)" : "");
    s += ", " + Object.keys(data.events).length + " meetings, " + data.counts.affiliated_with + " affiliations, " + data.counts.co_mentioned + " co-mentions";
    document.getElementById("summary").textContent = s;
  }
  var legend = document.getElementById("legend");
  Object.keys(data.colours).sort().forEach(function (t) {
    var sw = h("span", "swatch", null, legend);
    sw.style.background = data.colours[t];
    legend.appendChild(document.createTextNode(t));
  });
  legend.appendChild(document.createTextNode("  \u00b7  line: met (thicker: more meetings); click for the evidence"));
  if (!data.nodes.length || !Object.keys(data.events).length) {
    h("p", "note", data.nodes.length ? "No meetings in this run: tick \u201ceveryone\u201d to see the entities." : "No persons, countries or organizations in this run.", details);
  }

  refresh(true);
  // the header's height settles as its fonts load: the canvas follows its box
  if (window.ResizeObserver) {
    var sized = {w: container.clientWidth, h: container.clientHeight};
    new ResizeObserver(function () {
      if (container.clientWidth === sized.w && container.clientHeight === sized.h) { return; }
      sized = {w: container.clientWidth, h: container.clientHeight};
      cy.resize();
      if (moved) { placeLabels(); } else { refresh(true); }  // not yet moved by the reader: fit again
    }).observe(container);
  }
  // The embedded Chinese font loads only when some text asks for it, and canvas labels do
  // not: load it, then name the font family anew so that the library measures its labels
  // again (it caches their sizes by font), and place them again.
  if (document.fonts && document.fonts.load) {
    document.fonts.load(LABEL_PX + 'px "diplograph-cjk"', "\u4e2d").then(function () {
      widths = {};
      cy.style().selector("node").style("font-family", FONT + ", sans-serif").update();
      placeLabels();
    }, function () {});
  }
  // what the browser tests (and anyone at the console) use
  window.diplograph = {
    cy: cy, search: search, find: find, setFilters: setFilters, reset: resetAll, select: select, placeLabels: placeLabels,
    labelled: function () { return cy.nodes(".lab").not(".gone").map(function (n) { return n.id(); }); },
    shown: function () { return cy.nodes().not(".gone").map(function (n) { return n.id(); }); },
    readyMs: performance.now()
  };
})();
