"""The data contract: every table's columns, in order, with their meaning.

This module is the single source of truth. Writers emit exactly these columns in this
order; readers check the header; ``docs/data.md`` is generated from it
(``python -m pipeline.contract > docs/data.md``, checked by a test). Columns may be added,
never renamed.

Between stages records travel as JSONL (UTF-8, ``ensure_ascii=False``), one document per
line; the final tables are CSV. Writes are atomic: a temporary file in the same folder,
then a rename, so an interrupted run never leaves a torn table.
"""

from __future__ import annotations

import csv
import heapq
import itertools
import json
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from itertools import islice
from pathlib import Path
from typing import IO, Any, NotRequired, TypedDict, get_type_hints

__all__ = [
    "RECORDS",
    "TABLES",
    "Affiliation",
    "Dateline",
    "DocRecord",
    "DocTopic",
    "Document",
    "Entity",
    "EntityRecord",
    "JsonlWriter",
    "LinkedMention",
    "LinkedRecord",
    "Meeting",
    "MeetingParticipant",
    "Mention",
    "NerMention",
    "NerRecord",
    "Sentence",
    "TableWriter",
    "atomic_write_bytes",
    "atomic_write_text",
    "columns",
    "lang_at",
    "read_jsonl",
    "read_table",
    "render_markdown",
    "write_jsonl",
    "write_metrics",
    "write_table",
]


def _col(doc: str, **kw: Any) -> Any:
    return field(metadata={"doc": doc}, **kw)


@dataclass
class Document:
    """documents.csv — one row per input file or JSONL line, whatever happened to it."""

    doc_id: str = _col("file name without extension, or the JSONL `id`; unique in a run")
    source: str = _col("input file (relative to the input folder), `:N` appended for JSONL line N")
    lang: str = _col("`en`, `zh`, or `other`; empty when the text could not be read")
    script: str = _col("for `zh`: `simplified`, `traditional` or `mixed`; `latin` for `en`; else empty")
    date: str = _col(
        "publication date, ISO `YYYY-MM-DD`, or `YYYY-MM` when only the month is known (date line, JSONL `date`, dateline)"
    )
    title: str = _col("title (JSONL `title`, or the first line when it reads as a headline)")
    n_chars: int = _col("characters of the decoded original text")
    status: str = _col("`ok`, `skipped` (unsupported language, empty) or `error` (could not be read/processed)")
    error: str = _col("one-line reason when status is not `ok`")


@dataclass
class Sentence:
    """Sentence spans per document (JSONL only, between stages)."""

    sentence_id: int
    start: int
    end: int


@dataclass
class Mention:
    """mentions.csv — one row per named-entity mention the NER model (or gazetteer) found."""

    doc_id: str = _col("document")
    mention_id: str = _col("`<doc_id>:<start>-<end>`, stable across runs")
    sentence_id: int = _col("0-based sentence index within the document")
    start: int = _col("start offset into the original document text (characters)")
    end: int = _col("end offset (exclusive); `text == original[start:end]`")
    text: str = _col("surface form, exactly as in the original text (traditional script stays traditional)")
    ner_label: str = _col("label from the model (spaCy: PERSON, GPE, ORG…; Stanza: PER, LOC, ORG)")
    entity_id: str = _col("entity this mention refers to (entities.csv); empty when not linked")


@dataclass
class Entity:
    """entities.csv — one row per real-world entity."""

    entity_id: str = _col("stable id derived from the canonical name and type, e.g. `person:li-qiang`")
    type: str = _col("`person`, `country`, `organization` or `location`")
    name: str = _col("display name (English when known, else the name as written)")
    name_en: str = _col("English name (for Chinese-only names of persons: Hanyu Pinyin)")
    name_zh: str = _col("Chinese name when known")
    aliases: str = _col("JSON list of every surface form seen, sorted")
    kb_id: str = _col("Wikidata id when known for certain, else empty")
    n_mentions: int = _col("number of mentions in the run")
    n_docs: int = _col("number of documents mentioning it")


@dataclass
class Meeting:
    """meetings.csv — one row per meeting event stated in a document."""

    meeting_id: str = _col("`<doc_id>:m<start>`, stable across runs")
    doc_id: str = _col("document that states it")
    date: str = _col("ISO date, as precise as the text allows (`2025-11-18`, `2025-09`, `2022`); empty if not stated")
    date_precision: str = _col("`day`, `month`, `year`, or empty")
    place: str = _col("stated place, as written")
    place_entity_id: str = _col("entity of the place, when linked")
    kind: str = _col("`main` (the article's own event) or `reported` (an earlier meeting mentioned)")
    trigger: str = _col("the word that signals the meeting (`met`, `talks`, `会见`…; Chinese in simplified script)")
    evidence: str = _col("the sentence that states the meeting")
    start: int = _col("evidence start offset into the original text")
    end: int = _col("evidence end offset (exclusive)")
    confidence: float = _col("0–1, how sure the extractor is")


@dataclass
class MeetingParticipant:
    """meeting_participants.csv — who took part in each meeting."""

    meeting_id: str = _col("meeting")
    entity_id: str = _col("participant (a person, or an organization/country for delegations)")
    role: str = _col("title in which they took part when stated (`Premier`, `总统`…; Chinese in simplified script)")


@dataclass
class Affiliation:
    """affiliations.csv — a person's title at a country or organization."""

    person_id: str = _col("person entity")
    org_or_country_id: str = _col("country or organization entity")
    title: str = _col("title as stated (`Premier`, `general secretary`, `主席`; Chinese in simplified script)")
    doc_id: str = _col("document that states it")
    evidence: str = _col("the phrase or sentence that states it")


@dataclass
class DocTopic:
    """doc_topics.csv — topics that came up in a document."""

    doc_id: str = _col("document")
    topic_id: str = _col("topic id (the reference ids of docs/topics.md)")
    score: float = _col("strength of the topic in the document (see docs/topics.md)")
    evidence: str = _col("the sentence with the strongest cue")
    cue: str = _col("the strongest cue phrase, as written", default="")
    start: int = _col("cue start offset into the original text", default=0)
    end: int = _col("cue end offset (exclusive)", default=0)


@dataclass
class MeetingTopic:
    """meeting_topics.csv — topics discussed in the text that reports a meeting."""

    meeting_id: str = _col("meeting")
    topic_id: str = _col("topic id (docs/topics.md)")
    score: float = _col("strength of the topic in the meeting's passage (same scale as doc_topics)")
    evidence: str = _col("the sentence with the strongest cue")
    cue: str = _col("the strongest cue phrase, as written", default="")
    start: int = _col("cue start offset into the original text", default=0)
    end: int = _col("cue end offset (exclusive)", default=0)


@dataclass
class DocKeyphrase:
    """doc_keyphrases.csv — free keyphrases per document (English noun phrases, Chinese words)."""

    doc_id: str = _col("document")
    phrase: str = _col("the phrase as written (its most frequent form)")
    score: float = _col("English: frequency weighted by length; Chinese: jieba TF-IDF")
    count: int = _col("occurrences in the document")
    start: int = _col("first occurrence, start offset into the original text")
    end: int = _col("first occurrence, end offset (exclusive)")


@dataclass
class MeetingEvent:
    """meeting_events.csv — which event each meeting row reports (written by the graph stage)."""

    meeting_id: str = _col("meeting (one report of an event, in one document)")
    event_id: str = _col(
        "the event: rows with the same participants, compatible dates and places, across documents and languages"
    )


TABLES: dict[str, type] = {
    "documents.csv": Document,
    "mentions.csv": Mention,
    "entities.csv": Entity,
    "meetings.csv": Meeting,
    "meeting_participants.csv": MeetingParticipant,
    "affiliations.csv": Affiliation,
    "doc_topics.csv": DocTopic,
    "meeting_topics.csv": MeetingTopic,
    "doc_keyphrases.csv": DocKeyphrase,
}
# tables written across documents, after the per-document ones (by the graph stage)
STAGE_TABLES: dict[str, type] = {"meeting_events.csv": MeetingEvent}


def columns(cls: type) -> list[str]:
    """Column names of a table, in order."""
    return [f.name for f in fields(cls)]


def _umask() -> int:
    mask = os.umask(0o022)  # reading it means setting it; read once, at import
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_umask()


def _temp_beside(path: Path, prefix: str) -> tuple[int, str]:
    """A temporary file in ``path``'s folder, with the mode a plain ``open`` would give.

    ``mkstemp`` creates files readable by their owner only, and a rename keeps that
    mode: the tables of a run would be unreadable to the rest of an analysts' group.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=prefix, suffix=".tmp")
    os.fchmod(fd, _FILE_MODE)
    return fd, tmp


@contextmanager
def _atomic_open(path: Path, mode: str, **kwargs: Any) -> Iterator[IO]:
    """A temporary file beside ``path`` that replaces it when the block ends without an
    exception, and is removed otherwise: readers never see a torn file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _temp_beside(path, f".{path.name}.")
    try:
        with os.fdopen(fd, mode, **kwargs) as f:
            yield f
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename."""
    with _atomic_open(path, "wb") as f:
        f.write(data)


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8, line endings as given) through a temporary file and a rename."""
    atomic_write_bytes(path, text.encode("utf-8"))


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}"
    return value


def _row_key(record: list) -> list[str]:
    return [str(x) for x in record]


class TableWriter:
    """Write contract rows as sorted CSV, streaming: rows arrive in any order and any
    number; at most ``spill_rows`` are held in memory, the rest wait in sorted runs in
    temporary files that are merged on :meth:`close` (an external merge sort). The
    table appears atomically on close; nothing is written if the writer is discarded.
    """

    def __init__(self, path: Path, cls: type, *, spill_rows: int = 5_000) -> None:
        self.path, self.cls, self.spill_rows = Path(path), cls, spill_rows
        self.cols = columns(cls)
        self._buf: list[list] = []
        self._runs: list[str] = []
        self.rows = 0

    def add(self, rows: Iterable[Any]) -> None:
        for r in rows:
            self._buf.append([_cell(getattr(r, c)) for c in self.cols])
            self.rows += 1
            if len(self._buf) >= self.spill_rows:  # within the loop: ``rows`` may be a long generator
                self._spill()

    def _spill(self) -> None:
        self._buf.sort(key=_row_key)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = _temp_beside(self.path, f".{self.path.name}.run")
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            csv.writer(f, lineterminator="\r\n").writerows(self._buf)
        self._runs.append(tmp)
        self._buf = []

    def _read_run(self, tmp: str) -> Iterator[list]:
        with open(tmp, encoding="utf-8", newline="") as f:
            yield from csv.reader(f)

    def close(self, *, distinct: bool = False) -> int:
        """Merge and write the table; return its number of rows (``distinct``: each row once)."""
        self._buf.sort(key=_row_key)
        merged = heapq.merge(self._buf, *(self._read_run(t) for t in self._runs), key=_row_key)
        if distinct:
            merged = (row for row, _ in itertools.groupby(merged))
        try:
            with _atomic_open(self.path, "w", encoding="utf-8", newline="") as f:
                # "\r\n" (RFC 4180): the writer then quotes any field holding "\r" or "\n",
                # so control characters and line breaks from article text never split a row
                w = csv.writer(f, lineterminator="\r\n")
                w.writerow(self.cols)
                w.writerows(merged)
        finally:
            self.discard()
        return self.rows

    def discard(self) -> None:
        """Drop the buffered rows and the temporary runs."""
        for t in self._runs:
            if os.path.exists(t):
                os.unlink(t)
        self._runs, self._buf = [], []


def remap_table(path: Path, cls: type, columns_: tuple[str, ...], remap: dict[str, str]) -> int:
    """Rewrite a contract CSV with the ids of ``columns_`` replaced through ``remap``
    (streaming, through :class:`TableWriter`, so the table stays sorted); rows that became
    the same are written once. Returns the number of rows written."""
    with path.open(encoding="utf-8", newline="") as f:
        reader, want = _checked_reader(f, path, cls)
        idx = [want.index(c) for c in columns_]
        w = TableWriter(path, cls)
        try:
            for row in reader:
                for i in idx:
                    row[i] = remap.get(row[i], row[i])
                w._buf.append(row)
                w.rows += 1
                if len(w._buf) >= w.spill_rows:
                    w._spill()
        except BaseException:
            w.discard()
            raise
    return w.close(distinct=True)


def write_table(path: Path, rows: Iterable[Any], cls: type) -> int:
    """Write dataclass rows as CSV with the contract's columns, sorted, atomically."""
    w = TableWriter(path, cls, spill_rows=10**9)
    w.add(rows)
    return w.close()


class JsonlWriter:
    """Append dicts to a JSONL file that appears atomically on :meth:`close`."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, self._tmp = _temp_beside(self.path, f".{self.path.name}.")
        self._f = os.fdopen(fd, "w", encoding="utf-8", newline="")
        self.records = 0

    def add(self, records: Iterable[dict]) -> None:
        for r in records:
            self._f.write(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n")
            self.records += 1

    def close(self) -> int:
        self._f.close()
        os.replace(self._tmp, self.path)
        return self.records

    def discard(self) -> None:
        self._f.close()
        if os.path.exists(self._tmp):
            os.unlink(self._tmp)


def _checked_reader(f: Any, path: Path, cls: type) -> tuple[Any, list[str]]:
    """A CSV reader past the header, which must start with the contract's columns."""
    reader = csv.reader(f)
    header = next(reader)
    want = columns(cls)
    if header[: len(want)] != want:
        raise ValueError(f"{path}: columns {header} do not match the contract {want}")
    return reader, want


def read_columns(path: Path, cls: type, names: tuple[str, ...]) -> list[tuple[str, ...]]:
    """Only some columns of a contract CSV, as tuples of strings (equal strings shared):
    for readers that need a sliver of a large table."""
    with path.open(encoding="utf-8", newline="") as f:
        reader, want = _checked_reader(f, path, cls)
        idx = [want.index(n) for n in names]
        seen: dict[str, str] = {}
        return [tuple(seen.setdefault(row[i], row[i]) for i in idx) for row in reader]


def read_table(path: Path, cls: type) -> list[Any]:
    """Read a contract CSV back into dataclass rows, checking its header."""
    with path.open(encoding="utf-8", newline="") as f:
        reader, want = _checked_reader(f, path, cls)
        types = {f.name: f.type for f in fields(cls)}
        out = []
        for row in reader:
            kw = {}
            for name, value in zip(want, row, strict=False):
                t = types[name]
                kw[name] = int(value) if t in ("int", int) and value != "" else (
                    float(value) if t in ("float", float) and value != "" else value
                )  # fmt: skip
            out.append(cls(**kw))
        return out


def write_jsonl(path: Path, records: Iterable[dict]) -> int:
    """Write dicts as JSONL (UTF-8, not ASCII-escaped), atomically."""
    w = JsonlWriter(path)
    try:
        w.add(records)
    except BaseException:
        w.discard()
        raise
    return w.close()


def batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """Lists of ``size`` consecutive items (the last may be shorter): a stage streams its
    records a batch at a time, so a big corpus never sits in memory."""
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def read_jsonl(path: Path) -> Iterator[dict]:
    """Yield the records of a JSONL file."""
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def as_dict(row: Any) -> dict:
    """A dataclass row as a plain dict: a shallow copy of its fields (rows hold strings
    and numbers; ``dataclasses.asdict`` deep-copies, at several times the cost)."""
    return dict(vars(row)) if hasattr(row, "__dict__") else asdict(row)


def write_metrics(path: Path | None, metrics: dict) -> None:
    """Write a stage's counts as JSON (``outputs/metrics/<stage>.json``, a DVC metric)."""
    if path is not None:
        atomic_write_text(path, json.dumps(metrics, ensure_ascii=False, indent=1, sort_keys=True) + "\n")


# --------------------------------------------------------------------------- records between stages
# The JSONL records one stage hands the next (documents.jsonl, ner.jsonl, linked.jsonl), as
# TypedDicts: plain dicts at run time (JSON in, JSON out, nothing converted), typed for the
# reader and the type checker. The tables above are the product; these are the plumbing.


class Dateline(TypedDict):
    """A wire dateline at the head of the body ("BEIJING, April 18 (Xinhua) --", 新华社北京4月18日电)."""

    place: str  # as written in the original
    place_start: int
    place_end: int
    date_text: str
    agency: str
    end: int  # where the dateline ends (the story starts)


class DocRecord(TypedDict):
    """documents.jsonl: normalize's record — the :class:`Document` fields plus the text."""

    doc_id: str
    source: str
    lang: str
    script: str
    date: str
    title: str
    n_chars: int
    status: str
    error: str
    text: str  # the decoded original; every offset downstream indexes it
    simplified: str  # Chinese: the simplified view, same length as text ("" otherwise)
    body_start: int  # after a leading " date YYYY-MM-DD" line
    skip_spans: list[list[int]]  # boilerplate the NER stage blanks
    dateline: Dateline | None
    segments: list[list]  # [start, end, lang] paragraphs of a mixed-language document


class NerMention(TypedDict):
    """A mention as NER found it (the :class:`Mention` columns)."""

    doc_id: str
    mention_id: str
    sentence_id: int
    start: int
    end: int
    text: str
    ner_label: str
    entity_id: str  # "" until link


class LinkedMention(NerMention):
    """A mention after link: its entity's type (person, country, organization, location)."""

    type: str


class NerRecord(TypedDict):
    """ner.jsonl: one document's sentences and mentions (``error`` set when NER failed)."""

    doc_id: str
    sentences: list[list[int]]  # [start, end]
    mentions: list[NerMention]
    phrases: list[list[int]]  # English noun phrases [start, end], for keyphrases
    error: str


class EntityRecord(TypedDict):
    """An entity as one linked document knows it (entities.csv aggregates them)."""

    type: str
    name: str
    name_en: str
    name_zh: str
    country: str
    kb_id: str
    aliases: list[str]


class LinkedRecord(TypedDict):
    """linked.jsonl: what extract reads — the document's text and metadata, its sentences,
    its mentions with entity ids, and the entities they point to (by id)."""

    doc_id: str
    lang: str
    date: str
    title: str
    text: str
    simplified: str
    body_start: int
    dateline: Dateline | None
    segments: list[list]
    sentences: list[list[int]]
    mentions: list[LinkedMention]
    entities: dict[str, EntityRecord]
    error: NotRequired[str]  # a document link failed on: the reason, and nothing else filled


# the JSONL files between stages and the record each line holds
RECORDS: dict[str, type] = {"documents.jsonl": DocRecord, "ner.jsonl": NerRecord, "linked.jsonl": LinkedRecord}
PARTS: tuple[type, ...] = (Dateline, NerMention, LinkedMention, EntityRecord)


def _type_name(t: Any) -> str:
    """``list[pipeline.contract.NerMention]`` → ``list[NerMention]``."""
    text = t.__name__ if isinstance(t, type) and not getattr(t, "__args__", None) else str(t)
    return re.sub(r"\b(?:\w+\.)+(\w+)", r"\1", text)


def _record_markdown() -> list[str]:
    """The records between stages, keys and types, from their TypedDicts."""
    out = ["## Records between stages (JSONL, outputs/interim/)", "",
           "Plain JSON objects, one per line, typed in `pipeline/contract.py` as TypedDicts.", ""]  # fmt: skip
    for name, cls in [*RECORDS.items(), *((c.__name__, c) for c in PARTS)]:
        title = f"{name} ({cls.__name__})" if name != cls.__name__ else name
        out += [f"### {title}", "", " ".join((cls.__doc__ or "").split()), "", "| key | type |", "|---|---|"]
        hints = get_type_hints(cls)
        optional = getattr(cls, "__optional_keys__", frozenset())
        out += [f"| `{k}` | `{_type_name(v)}`{' (optional)' if k in optional else ''} |" for k, v in hints.items()]
        out.append("")
    return out


def render_markdown() -> str:
    """The data contract as Markdown (the body of docs/data.md)."""
    out = [
        "# Data contract",
        "",
        "Generated from `pipeline/contract.py` (`python -m pipeline.contract > docs/data.md`);",
        "a test fails when the two differ. Columns may be added, never renamed. Every table",
        "is UTF-8 CSV with a header row, rows sorted, ids derived from content so they are",
        "stable across runs. Offsets (`start`, `end`) count Unicode characters in the",
        "original decoded document text (after removing a byte-order mark).",
        "",
    ]
    for name, cls in {**TABLES, **STAGE_TABLES}.items():
        out += [
            f"## {name}",
            "",
            (cls.__doc__ or "").split("—", 1)[-1].strip(),
            "",
            "| column | meaning |",
            "|---|---|",
        ]
        out += [f"| `{f.name}` | {f.metadata.get('doc', '')} |" for f in fields(cls)]
        out.append("")
    out += _record_markdown()
    out += [
        "## graph.graphml, graph.gexf, graph.json",
        "",
        "The entity graph (networkx): nodes are persons, countries and organizations with",
        "attributes `type`, `name`, `label`, `name_en`, `name_zh`, `kb_id`, `n_mentions`, `n_docs`;",
        "edges have `kind` = `met` (weight = distinct meeting events, see meeting_events.csv; their",
        "ids, dates, places, topics and evidence), `affiliated_with` (person → country/organization, `titles`) or",
        "`co_mentioned` (weight = documents mentioning both). GraphML for yEd/Cytoscape, GEXF for",
        "Gephi, node-link JSON for code. Every attribute, how to load each file back, and the views",
        "(graph.html, graph.png, report.md): [graph.md](graph.md).",
        "",
        "## metrics.json",
        "",
        "Written by `diplograph evaluate` (the seed run against `tests/gold/seeds.json`; the",
        "development set's scores, by `make eval-dev`, are `outputs/dev/scores.json`): under",
        "`overall`, `by_lang` (`en`, `zh`) and `by_script` (`latin`, `simplified`, `traditional`),",
        "entity precision/recall/F1 per type, one id per person across documents and languages,",
        "meeting pairs (one to one) with date and place accuracy and gold non-meetings fired,",
        "topics and affiliations. How each is counted: the docstring of `pipeline/evaluate.py`.",
        "",
    ]
    return "\n".join(out)


def lang_at(rec: dict, pos: int) -> str:
    """Language at an offset: the paragraph's in a mixed document, else the document's."""
    for s, e, lang in rec.get("segments") or ():
        if s <= pos < e:
            return lang
    return rec["lang"]


if __name__ == "__main__":
    import sys

    sys.stdout.write(render_markdown())
