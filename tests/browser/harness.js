// Injected by tests/browser/test_graph_html.py into a copy of graph.html, after the page's
// own script: drives the page through window.diplograph as a person would (search, filters,
// selection) and writes what it measured into a pre element (id harness) for --dump-dom.
(function () {
  "use strict";
  var plan = JSON.parse(document.getElementById("harness-plan").textContent);
  var out = {};
  function overlaps() {
    var cy = window.diplograph.cy, boxes = [];
    cy.nodes(".lab").not(".gone").forEach(function (n) {
      var b = n.renderedBoundingBox({includeNodes: false, includeEdges: false, includeLabels: true,
        includeMainLabels: true, includeSourceLabels: false, includeTargetLabels: false, includeOverlays: false,
        includeUnderlays: false});
      if (b.w > 0 && b.h > 0) { boxes.push({id: n.id(), b: b}); }
    });
    var pairs = [];
    for (var i = 0; i < boxes.length; i++) {
      for (var j = i + 1; j < boxes.length; j++) {
        var a = boxes[i].b, c = boxes[j].b;
        if (a.x1 < c.x2 && c.x1 < a.x2 && a.y1 < c.y2 && c.y1 < a.y2) { pairs.push([boxes[i].id, boxes[j].id, [a.x1, a.y1, a.x2, a.y2], [c.x1, c.y1, c.x2, c.y2]]); }
      }
    }
    return {boxes: boxes.length, pairs: pairs};
  }
  function snapshot() {
    var d = window.diplograph;
    return {shown: d.shown().sort(), labelled: d.labelled().sort(), overlaps: overlaps()};
  }
  try {
    var d = window.diplograph;
    out.readyMs = d.readyMs;
    out.nodes = d.cy.nodes().length;
    out.edgesShown = d.cy.edges().not(".gone").length;
    out.default = snapshot();
    var t0 = performance.now();
    out.searches = (plan.searches || []).map(function (q) {
      var id = d.search(q);
      var node = id ? d.cy.getElementById(id) : null;
      var p = node ? node.renderedPosition() : null;
      var r = {query: q, id: id, details: document.getElementById("details").textContent,
        hit: !!node && node.hasClass("hit"), shown: !!node && !node.hasClass("gone"),
        labelled: !!node && node.hasClass("lab"),
        centred: !!p && Math.abs(p.x - d.cy.width() / 2) < 5 && Math.abs(p.y - d.cy.height() / 2) < 5};
      return r;
    });
    out.searchMs = (performance.now() - t0) / Math.max((plan.searches || []).length, 1);
    d.reset();
    out.afterReset = snapshot();
    out.filters = (plan.filters || []).map(function (f) {
      d.setFilters(f);
      var s = snapshot();
      s.filter = f;
      d.reset();
      return s;
    });
    if (plan.select) {
      d.select(plan.select);
      out.selected = {details: document.getElementById("details").textContent, snapshot: snapshot()};
    }
  } catch (e) {
    out.error = String((e && e.stack) || e);
  }
  var pre = document.createElement("pre");
  pre.id = "harness";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
