"""report.md: counts, the meetings by date (one row per event), top entities, topics,
failures; every cell escaped."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import Any

import networkx as nx

from pipeline import contract
from pipeline.params import GraphParams
from pipeline.views.common import EDGE_KINDS, display_label

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
