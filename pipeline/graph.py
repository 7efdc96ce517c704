"""Stage 5 — graph: persons, countries and organizations with met / affiliated_with /
co_mentioned edges, written as GraphML and node-link JSON.

Core (pure): :func:`build_graph` from the tables' rows. Shell: :func:`main`.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from itertools import combinations
from pathlib import Path

import networkx as nx

from pipeline import contract
from pipeline.params import GraphParams, load_section, stage_parser

logger = logging.getLogger(__name__)

__all__ = ["build_graph", "write_graph"]


def build_graph(entities: list[contract.Entity], mentions: list[contract.Mention],
                meetings: list[contract.Meeting], participants: list[contract.MeetingParticipant],
                affiliations: list[contract.Affiliation], params: GraphParams) -> nx.MultiDiGraph:  # fmt: skip
    """The entity graph.

    Nodes: entities of ``params.node_types``. Edges (``kind`` attribute): ``met`` between
    every pair of participants of a meeting (weight = distinct meetings), ``affiliated_with``
    from a person to a country/organization (titles joined), ``co_mentioned`` between
    entities named in the same documents (weight = documents, at least
    ``params.co_mention_min_docs``).
    """
    g = nx.MultiDiGraph()
    keep = {e.entity_id: e for e in entities if e.type in params.node_types}
    for eid, e in sorted(keep.items()):
        g.add_node(eid, type=e.type, name=e.name, name_en=e.name_en, name_zh=e.name_zh, kb_id=e.kb_id,
                   n_mentions=int(e.n_mentions), n_docs=int(e.n_docs))  # fmt: skip
    by_meeting: dict[str, list[str]] = defaultdict(list)
    for p in participants:
        if p.entity_id in keep:
            by_meeting[p.meeting_id].append(p.entity_id)
    info = {m.meeting_id: m for m in meetings}
    met: dict[tuple[str, str], list[str]] = defaultdict(list)
    for mid, people in by_meeting.items():
        for a, b in combinations(sorted(set(people)), 2):
            met[(a, b)].append(mid)
    for (a, b), mids in sorted(met.items()):
        mids = sorted(set(mids))
        g.add_edge(a, b, key="met", kind="met", weight=len(mids), meetings=json.dumps(mids),
                   dates=json.dumps(sorted({info[m].date for m in mids if m in info and info[m].date})),
                   places=json.dumps(sorted({info[m].place for m in mids if m in info and info[m].place}),
                                     ensure_ascii=False))  # fmt: skip
    titles: dict[tuple[str, str], set] = defaultdict(set)
    for a in affiliations:
        if a.person_id in keep and a.org_or_country_id in keep:
            titles[(a.person_id, a.org_or_country_id)].add(a.title)
    for (a, b), ts in sorted(titles.items()):
        g.add_edge(a, b, key="affiliated_with", kind="affiliated_with", weight=1,
                   titles=json.dumps(sorted(t for t in ts if t), ensure_ascii=False))  # fmt: skip
    docs_of: dict[str, set] = defaultdict(set)
    for m in mentions:
        if m.entity_id in keep:
            docs_of[m.doc_id].add(m.entity_id)
    co: dict[tuple[str, str], int] = defaultdict(int)
    for ids in docs_of.values():
        for a, b in combinations(sorted(ids), 2):
            co[(a, b)] += 1
    for (a, b), n in sorted(co.items()):
        if n >= params.co_mention_min_docs:
            g.add_edge(a, b, key="co_mentioned", kind="co_mentioned", weight=n)
    return g


def write_graph(g: nx.MultiDiGraph, out_dir: Path) -> None:
    """Write graph.graphml and graph.json (node-link) atomically."""
    from networkx.readwrite import json_graph

    lines = "\n".join(nx.generate_graphml(g, prettyprint=True)) + "\n"
    contract.atomic_write_text(out_dir / "graph.graphml", lines)
    data = json_graph.node_link_data(g, edges="edges")
    contract.atomic_write_text(
        out_dir / "graph.json", json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    )


def main(argv: list[str] | None = None) -> int:
    p = stage_parser("graph", "Build the entity graph from the tables.")
    p.add_argument("--tables", type=Path, required=True, help="folder with the CSV tables")
    p.add_argument("--output", type=Path, required=True, help="folder for graph.graphml and graph.json")
    a = p.parse_args(argv)
    params = load_section(a.params, "graph")
    g = run(a.tables, params)
    write_graph(g, a.output)
    kinds: dict[str, int] = {}
    for _, _, k in g.edges(data="kind"):
        kinds[k] = kinds.get(k, 0) + 1
    contract.write_metrics(a.metrics, {"nodes": g.number_of_nodes(), "edges": kinds})
    return 0


def run(tables: Path, params: GraphParams) -> nx.MultiDiGraph:
    """Read the tables of a run and build its graph."""
    t = {
        name: contract.read_table(tables / name, cls)
        for name, cls in contract.TABLES.items()
        if name != "documents.csv"
    }
    g = build_graph(t["entities.csv"], t["mentions.csv"], t["meetings.csv"], t["meeting_participants.csv"],
                    t["affiliations.csv"], params)  # fmt: skip
    logger.info("graph: %d nodes, %d edges", g.number_of_nodes(), g.number_of_edges())
    return g
