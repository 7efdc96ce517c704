"""Stage 4 — extract: meetings (who met whom, when, where), affiliations, topics.

Core (pure): :func:`extract_meetings`, :func:`extract_affiliations`, :func:`tag_topics`
work on one linked document record. Shell: :func:`main` writes meetings.csv,
meeting_participants.csv, affiliations.csv, doc_topics.csv and the final documents.csv
(with the status of every input, whatever stage it stopped at).

One module per part: ``meetings.py`` (with ``meetings_en.py`` and ``meetings_zh.py``, the
language readers), ``affiliations.py``, ``topics.py``, ``keyphrases.py``; this module is the
shell that runs them on each document and writes the tables.
"""

from __future__ import annotations

import logging
from pathlib import Path

from pipeline import contract
from pipeline.extract.affiliations import extract_affiliations
from pipeline.extract.keyphrases import keyphrases
from pipeline.extract.meetings import extract_meetings, meeting_passages
from pipeline.extract.topics import Topics, score_topics, tag_topics
from pipeline.params import ExtractParams, load_section, stage_parser
from pipeline.text.rules import load_rules

logger = logging.getLogger(__name__)

__all__ = ["RESULT_TABLES", "documents_table", "extract_document", "extract_one", "main"]


# --------------------------------------------------------------------------- shell


def documents_table(
    docs: list[contract.DocRecord], anns: list[contract.NerRecord], linked: list[contract.LinkedRecord]
) -> list[contract.Document]:
    """Final documents.csv: the normalize status, overridden by any later failure."""
    errors = {a["doc_id"]: a["error"] for a in anns if a["error"]}
    errors.update({r["doc_id"]: r["error"] for r in linked if r.get("error")})
    cols = contract.columns(contract.Document)
    rows = []
    for d in docs:
        row = contract.Document(**{k: d[k] for k in cols})
        if row.status == "ok" and d["doc_id"] in errors:
            row.status, row.error = "error", errors[d["doc_id"]]
        rows.append(row)
    return rows


# what extract_document returns, and the table each part fills
RESULT_TABLES: dict[str, str] = {
    "meetings": "meetings.csv",
    "participants": "meeting_participants.csv",
    "affiliations": "affiliations.csv",
    "doc_topics": "doc_topics.csv",
    "meeting_topics": "meeting_topics.csv",
    "keyphrases": "doc_keyphrases.csv",
}
RESULT_KEYS = tuple(RESULT_TABLES)


def extract_document(
    rec: contract.LinkedRecord, topics: Topics, params: ExtractParams, phrases: list
) -> dict[str, list]:
    """Meetings, participants, affiliations, topics and keyphrases of one linked document
    (raises on failure; :func:`run` turns that into the document's error)."""
    ms = extract_meetings(rec, params)
    out: dict[str, list] = {k: [] for k in RESULT_KEYS}
    out["affiliations"] = extract_affiliations(rec, load_rules(params.rules))
    out["doc_topics"] = tag_topics(rec, topics, params)
    for mid, spans in meeting_passages(rec, ms).items():
        out["meeting_topics"] += [
            contract.MeetingTopic(mid, h.topic_id, h.score, h.evidence, h.cue, h.start, h.end)
            for h in score_topics(rec, spans, topics, params)
        ]
    out["keyphrases"] = keyphrases(rec, phrases, top_k=params.keyphrases_top_k)
    for m in ms:
        out["meetings"].append(contract.Meeting(
            meeting_id=m.meeting_id, doc_id=m.doc_id, date=m.date, date_precision=m.date_precision,
            place=m.place, place_entity_id=m.place_entity_id, kind=m.kind, trigger=m.trigger,
            evidence=m.evidence, start=m.start, end=m.end, confidence=m.confidence,
        ))  # fmt: skip
        out["participants"] += [
            contract.MeetingParticipant(m.meeting_id, p, m.roles.get(p, "")) for p in m.participants
        ]
    return out


def extract_one(rec: contract.LinkedRecord, topics: Topics, params: ExtractParams, phrases: list) -> dict[str, list]:
    """:func:`extract_document`, with a failure recorded as ``rec["error"]`` (no rows)."""
    if rec.get("error"):
        return {k: [] for k in RESULT_KEYS}
    try:
        return extract_document(rec, topics, params, phrases)
    except Exception as e:
        logger.exception("extract failed on %s", rec["doc_id"])
        rec["error"] = f"extract failed: {type(e).__name__}: {e}"
        return {k: [] for k in RESULT_KEYS}


def main(argv: list[str] | None = None) -> int:
    p = stage_parser("extract", "Meetings, affiliations and topics.")
    p.add_argument("--documents", type=Path, required=True, help="documents.jsonl from normalize")
    p.add_argument("--ner", type=Path, required=True, help="ner.jsonl from ner")
    p.add_argument("--linked", type=Path, required=True, help="linked.jsonl from link")
    p.add_argument("--tables", type=Path, required=True, help="folder for the CSV tables")
    a = p.parse_args(argv)
    params = load_section(a.params, "extract")
    # streams: documents, their annotations and their linked records are read side by
    # side (linked.jsonl holds the processed documents only, in the same order)
    topics = Topics.load(Path(params.topics))
    tables = {**RESULT_TABLES, "documents": "documents.csv"}
    writers = {k: contract.TableWriter(a.tables / name, contract.TABLES[name]) for k, name in tables.items()}
    counts = {"main": 0, "reported": 0, "participants": 0, "affiliations": 0, "doc_topics": 0}
    linked = contract.read_jsonl(a.linked)
    rec = next(linked, None)
    try:
        for d, ann in zip(contract.read_jsonl(a.documents), contract.read_jsonl(a.ner), strict=True):
            mine = None
            if rec is not None and rec["doc_id"] == d["doc_id"]:
                mine, rec = rec, next(linked, None)
                for k, rows in extract_one(mine, topics, params, ann["phrases"]).items():
                    writers[k].add(rows)
                    if k == "meetings":
                        for m in rows:
                            counts[m.kind] = counts.get(m.kind, 0) + 1
                    elif k in counts:
                        counts[k] += len(rows)
            writers["documents"].add(documents_table([d], [ann], [mine] if mine else []))
        if rec is not None:
            raise ValueError(f"{a.linked}: {rec['doc_id']} is not in {a.documents} (or not in its order)")
    except BaseException:
        for w in writers.values():
            w.discard()
        raise
    for w in writers.values():
        w.close()
    logger.info("extract: %d meetings, %d affiliations, %d document topics",
                counts["main"] + counts["reported"], counts["affiliations"], counts["doc_topics"])  # fmt: skip
    contract.write_metrics(a.metrics, {
        "meetings": {k: counts.get(k, 0) for k in ("main", "reported")},
        "participants": counts["participants"],
        "affiliations": counts["affiliations"],
        "doc_topics": counts["doc_topics"],
    })  # fmt: skip
    return 0
