"""Stage 5 — graph: persons, countries and organizations with met / affiliated_with /
co_mentioned edges, written as GraphML, GEXF and node-link JSON, plus the views people
look at (graph.html, graph.png, report.md; see :mod:`pipeline.views`).

Core (pure): :func:`build_graph` from the tables' rows. Shell: :func:`publish` (read the
tables, build, write every output) and :func:`main`. Attributes: docs/graph.md.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from itertools import combinations
from pathlib import Path
from typing import Any, NamedTuple

import networkx as nx

from pipeline import contract
from pipeline.params import GraphParams, load_section, stage_parser
from pipeline.text.dates import parse_iso

logger = logging.getLogger(__name__)

__all__ = ["GRAPH_FILES", "build_graph", "edge_counts", "load_tables", "publish", "write_graph"]

GRAPH_FILES = ("graph.graphml", "graph.gexf", "graph.json")


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def meeting_events(meetings: list[contract.Meeting], participants: list[contract.MeetingParticipant],
                   documents: Iterable[contract.Document] = (), *, max_days: int = 7) -> dict[str, str]:  # fmt: skip
    """Meeting rows → events. Rows are reports; the same meeting told by several outlets, in
    both languages, or in a headline and its story is one event: rows with the same
    participants whose dates agree at the coarser precision (2025-11-18 and 2025-11), whose
    places are not two different entities, and — where a row has no date — whose articles
    appeared within ``max_days`` of each other. The event id is its first row's id."""
    people: dict[str, set[str]] = defaultdict(set)
    for p in participants:
        people[p.meeting_id].add(p.entity_id)
    doc_date = {d.doc_id: parse_iso(d.date) for d in documents}
    groups: dict[frozenset, list[contract.Meeting]] = defaultdict(list)
    for m in meetings:
        if len(people[m.meeting_id]) >= 2:
            groups[frozenset(people[m.meeting_id])].append(m)
    out: dict[str, str] = {}
    for rows in groups.values():
        clusters: list[list[contract.Meeting]] = []
        for m in sorted(rows, key=lambda m: (m.date or "9", m.meeting_id)):
            home = next((c for c in clusters if all(_same_event(m, x, doc_date, max_days) for x in c)), None)
            if home is None:
                clusters.append([m])
            else:
                home.append(m)
        for c in clusters:
            first = min(m.meeting_id for m in c)
            out.update({m.meeting_id: f"event:{first}" for m in c})
    for m in meetings:
        out.setdefault(m.meeting_id, f"event:{m.meeting_id}")
    return out


def _same_event(a: contract.Meeting, b: contract.Meeting, doc_date: dict, max_days: int) -> bool:
    if a.place_entity_id and b.place_entity_id and a.place_entity_id != b.place_entity_id:
        return False
    if a.date and b.date:
        return a.date.startswith(b.date) or b.date.startswith(a.date)
    if a.date or b.date:  # one report dates it: the other's article must fit that date
        undated, dated = (a, b) if b.date else (b, a)
        when = doc_date.get(undated.doc_id)
        if when is None:
            return False
        day = parse_iso(dated.date) if len(dated.date) == 10 else None
        return abs((when - day).days) <= max_days if day else when.isoformat().startswith(dated.date)
    if a.doc_id == b.doc_id:
        return a.kind == b.kind
    da, db = doc_date.get(a.doc_id), doc_date.get(b.doc_id)
    return da is not None and db is not None and abs((da - db).days) <= max_days


def build_graph(entities: list[contract.Entity], mentions: Iterable[contract.Mention | MentionLink],
                meetings: list[contract.Meeting], participants: list[contract.MeetingParticipant],
                affiliations: list[contract.Affiliation], params: GraphParams, *,
                meeting_topics: list[contract.MeetingTopic] = (), events: dict[str, str] | None = None,
                ) -> nx.MultiDiGraph:  # fmt: skip
    """The entity graph.

    Nodes: entities of ``params.node_types`` (``label`` = display name, for Gephi/yEd).
    Edges, keyed by their ``kind``: ``met`` between every pair of participants of a
    meeting (weight = distinct events, :func:`meeting_events`; ``meetings``, ``events``,
    ``dates``, ``places``, ``topics`` and ``evidence`` as JSON strings), ``affiliated_with`` from a person to a
    country/organization (titles joined), ``co_mentioned`` between entities named in the
    same documents (weight = documents, at least ``params.co_mention_min_docs``).
    """
    g = nx.MultiDiGraph()
    keep = {e.entity_id: e for e in entities if e.type in params.node_types}
    for eid, e in sorted(keep.items()):
        g.add_node(eid, type=e.type, name=e.name, label=e.name or eid, name_en=e.name_en, name_zh=e.name_zh,
                   kb_id=e.kb_id, n_mentions=int(e.n_mentions), n_docs=int(e.n_docs))  # fmt: skip
    by_meeting: dict[str, list[str]] = defaultdict(list)
    for p in participants:
        if p.entity_id in keep:
            by_meeting[p.meeting_id].append(p.entity_id)
    info = {m.meeting_id: m for m in meetings}
    topics_of: dict[str, set[str]] = defaultdict(set)
    for t in meeting_topics:
        topics_of[t.meeting_id].add(t.topic_id)
    met: dict[tuple[str, str], list[str]] = defaultdict(list)
    for mid, people in by_meeting.items():
        for a, b in combinations(sorted(set(people)), 2):
            met[(a, b)].append(mid)
    for (a, b), mids in sorted(met.items()):
        mids = sorted(set(mids))
        known = [info[m] for m in mids if m in info]
        event_of = events or {}
        evidence = [
            {"meeting_id": m.meeting_id, "event_id": event_of.get(m.meeting_id, m.meeting_id), "doc_id": m.doc_id,
             "date": m.date, "place": m.place, "kind": m.kind, "evidence": m.evidence,
             "topics": sorted(topics_of.get(m.meeting_id, ()))}
            for m in known
        ]  # fmt: skip
        ev_ids = sorted({event_of.get(m, m) for m in mids})
        g.add_edge(a, b, key="met", kind="met", weight=len(ev_ids), meetings=_json(mids), events=_json(ev_ids),
                   dates=_json(sorted({m.date for m in known if m.date})),
                   places=_json(sorted({m.place for m in known if m.place})),
                   topics=_json(sorted(set().union(*(topics_of.get(m, set()) for m in mids)))),
                   evidence=_json(evidence))  # fmt: skip
    titles: dict[tuple[str, str], set] = defaultdict(set)
    for a in affiliations:
        if a.person_id in keep and a.org_or_country_id in keep:
            titles[(a.person_id, a.org_or_country_id)].add(a.title)
    for (a, b), ts in sorted(titles.items()):
        g.add_edge(a, b, key="affiliated_with", kind="affiliated_with", weight=1,
                   titles=_json(sorted(t for t in ts if t)))  # fmt: skip
    docs_of: dict[str, set] = defaultdict(set)
    for m in mentions:
        if m.entity_id in keep:
            docs_of[m.doc_id].add(m.entity_id)
    for (a, b), n in co_mentions(docs_of.values(), params.co_mention_min_docs, params.co_mention_max_edges):
        g.add_edge(a, b, key="co_mentioned", kind="co_mentioned", weight=n)
    return g


def co_mentions(doc_entities: Iterable[set[str]], min_docs: int, max_edges: int) -> list[tuple[tuple[str, str], int]]:
    """Pairs of entities named in at least ``min_docs`` of the same documents, with that
    number, in id order; at most ``max_edges`` of them (the strongest).

    Only entities in ``min_docs`` documents or more can form such a pair, so the others
    are never paired: on a year of news, where most names occur once, this keeps the
    count (and memory) proportional to the recurring names, not to every pair.
    """
    doc_entities = [ids for ids in doc_entities if len(ids) > 1]
    n_docs = Counter(e for ids in doc_entities for e in ids)
    co: Counter = Counter()
    for ids in doc_entities:
        frequent = sorted(e for e in ids if n_docs[e] >= min_docs)
        co.update(combinations(frequent, 2))
    pairs = [(pair, n) for pair, n in co.items() if n >= min_docs]
    if len(pairs) > max_edges:
        pairs = sorted(pairs, key=lambda x: (-x[1], x[0]))[:max_edges]
    return sorted(pairs)


def edge_counts(g: nx.MultiDiGraph) -> dict[str, int]:
    """Number of edges of each kind, sorted by kind."""
    kinds: dict[str, int] = defaultdict(int)
    for _, _, k in g.edges(data="kind"):
        kinds[k] += 1
    return dict(sorted(kinds.items()))


_GEXF_DATE = re.compile(r' lastmodifieddate="[^"]*"')


def write_graph(g: nx.MultiDiGraph, out_dir: Path) -> None:
    """Write graph.graphml, graph.gexf (Gephi) and graph.json (node-link), atomically.

    The GEXF ``lastmodifieddate`` (today's date, optional in the format) is dropped so the
    bytes depend on the graph alone.
    """
    from networkx.readwrite import json_graph

    graphml = "\n".join(nx.generate_graphml(g, prettyprint=True)) + "\n"
    contract.atomic_write_text(out_dir / "graph.graphml", graphml)
    gexf = "\n".join(nx.generate_gexf(g, prettyprint=True)) + "\n"
    contract.atomic_write_text(out_dir / "graph.gexf", _GEXF_DATE.sub("", gexf, count=1))
    data = json_graph.node_link_data(g, edges="edges")
    contract.atomic_write_text(
        out_dir / "graph.json", json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    )


class MentionLink(NamedTuple):
    """The part of a mentions.csv row the graph and the report use."""

    doc_id: str
    entity_id: str


# the tables the graph and its views read (doc_keyphrases.csv, for one, they do not)
GRAPH_TABLES = ("documents.csv", "entities.csv", "meetings.csv", "meeting_participants.csv", "meeting_topics.csv",
                "affiliations.csv", "doc_topics.csv")  # fmt: skip


def read_mention_links(path: Path) -> list[MentionLink]:
    """mentions.csv as (doc_id, entity_id) pairs: mentions are most of a run's rows, and
    whole rows would make the graph stage's memory grow with the corpus's text."""
    return [MentionLink(*r) for r in contract.read_columns(path, contract.Mention, ("doc_id", "entity_id"))]


def load_tables(tables: Path) -> dict[str, list]:
    """The tables the graph and its views read, by file name (mentions as
    :class:`MentionLink` pairs)."""
    out: dict[str, list] = {name: contract.read_table(tables / name, contract.TABLES[name]) for name in GRAPH_TABLES}
    out["mentions.csv"] = read_mention_links(tables / "mentions.csv")
    return out


def graph_from_tables(t: dict[str, list], params: GraphParams) -> nx.MultiDiGraph:
    """:func:`build_graph` over the tables :func:`load_tables` returns (with the events of
    :func:`meeting_events` added to them as ``meeting_events.csv`` rows)."""
    if "meeting_events.csv" not in t:
        events = meeting_events(t["meetings.csv"], t["meeting_participants.csv"], t.get("documents.csv", ()))
        t["meeting_events.csv"] = [contract.MeetingEvent(k, v) for k, v in sorted(events.items())]
    events = {r.meeting_id: r.event_id for r in t["meeting_events.csv"]}
    return build_graph(t["entities.csv"], t["mentions.csv"], t["meetings.csv"], t["meeting_participants.csv"],
                       t["affiliations.csv"], params, meeting_topics=t["meeting_topics.csv"], events=events)  # fmt: skip


def publish(tables: Path, output: Path, params: GraphParams, *, worker: Any = None) -> dict:
    """Read a run's tables, build the graph and write every view of it.

    Writes graph.graphml, graph.gexf, graph.json, graph.html, graph.png and report.md to
    ``output``. ``worker``: a :class:`pipeline.run.helper.HelperProcess` the caller started
    early (else one is started here, warming up while the tables are read). Returns the
    counts (``nodes``, ``edges`` by kind), the stage's metrics.
    """
    from pipeline import views
    from pipeline.run.helper import HelperProcess

    with contextlib.nullcontext(worker) if worker is not None else HelperProcess(warm=(views.warm_up,)) as vp:
        t = load_tables(tables)
        g = graph_from_tables(t, params)
        contract.write_table(output / "meeting_events.csv", t["meeting_events.csv"], contract.MeetingEvent)
        views.write_views(g, t, output, params, meanwhile=lambda: write_graph(g, output), worker=vp)
    counts = {"nodes": g.number_of_nodes(), "edges": edge_counts(g)}
    logger.info("graph: %d nodes, %s", counts["nodes"], counts["edges"])
    return counts


def main(argv: list[str] | None = None) -> int:
    p = stage_parser("graph", "Build the entity graph from the tables and write its views.")
    p.add_argument("--tables", type=Path, required=True, help="folder with the CSV tables")
    p.add_argument("--output", type=Path, required=True, help="folder for the graph files, graph.html/png, report.md")
    a = p.parse_args(argv)
    params = load_section(a.params, "graph")
    counts = publish(a.tables, a.output, params)
    contract.write_metrics(a.metrics, counts)
    return 0
