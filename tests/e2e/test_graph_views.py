"""The graph stage's files from the seed run: every format loads back, the views agree with
the graph, and publishing the same tables again gives the same bytes."""

from __future__ import annotations

import json
import re

import networkx as nx
import pytest
from networkx.readwrite import json_graph

from pipeline import contract
from pipeline.graph import publish
from pipeline.params import load_section

pytestmark = [pytest.mark.models, pytest.mark.e2e]

FILES = ["graph.graphml", "graph.gexf", "graph.json", "graph.html", "graph.png", "report.md"]


def test_graph_views_seed_run_formats_agree(seed_run):
    xml = nx.read_graphml(seed_run / "graph.graphml", force_multigraph=True)
    gexf = nx.read_gexf(seed_run / "graph.gexf")
    js = json_graph.node_link_graph(json.loads((seed_run / "graph.json").read_text("utf-8")), edges="edges")
    assert dict(xml.nodes(data=True)) == dict(gexf.nodes(data=True)) == dict(js.nodes(data=True))
    edges = {(a, b, d["kind"]): {k: v for k, v in d.items() if k != "id"} for a, b, d in gexf.edges(data=True)}
    assert edges == {(a, b, k): d for a, b, k, d in xml.edges(keys=True, data=True)}
    met = [d for _, _, d in xml.edges(data=True) if d["kind"] == "met"]
    # weight counts events: a meeting told twice is one
    assert met and all(len({e["event_id"] for e in json.loads(d["evidence"])}) == d["weight"] for d in met)
    assert any(json.loads(d["topics"]) for d in met)


def test_graph_views_seed_run_html_png_report(seed_run):
    g = nx.read_graphml(seed_run / "graph.graphml", force_multigraph=True)
    html = (seed_run / "graph.html").read_text("utf-8")
    data = json.loads(re.search(r'id="graph-data">(.*?)</script>', html, re.S).group(1))
    assert len(data["nodes"]) == g.number_of_nodes()
    assert "习近平" in {n["name_zh"] for n in data["nodes"]}
    # each meeting event once, with its sources' languages (the page's language filter)
    events = {r.event_id for r in contract.read_table(seed_run / "meeting_events.csv", contract.MeetingEvent)}
    assert data["events"] and set(data["events"]) <= events
    assert all(ev["langs"] and ev["evidence"] and ev["doc"] in ev["sources"] for ev in data["events"].values())
    assert (seed_run / "graph.png").read_bytes().startswith(b"\x89PNG")
    report = (seed_run / "report.md").read_text("utf-8")
    meetings = contract.read_table(seed_run / "meetings.csv", contract.Meeting)
    table = report.split("## Meetings by date")[1].split("##")[0]
    assert (
        len([line for line in table.splitlines() if line.startswith("| ") and "---" not in line]) == len(meetings) + 1
    )
    assert "Xi Jinping / 习近平" in table


def test_graph_views_publish_is_deterministic(seed_run, root, tmp_path):
    counts = publish(seed_run, tmp_path, load_section(root / "params.yaml", "graph"))
    assert counts["nodes"] > 0 and counts["edges"]["met"] > 0
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (seed_run / name).read_bytes(), name
