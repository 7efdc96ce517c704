"""Metamorphic test: the script a Chinese article is written in changes nothing but its
surface text. Every Chinese document of the seeds and of the development set (when
../shared/dev is beside the project) is run as written and converted: a simplified one to
traditional with OpenCC's s2t, s2tw and s2hk, a traditional one to simplified with t2s.
Each conversion must give the same entity ids, meetings and participants (with dates,
places as entities, roles, kinds), topics, affiliations and keyphrase positions as the
document as written; only the columns that quote the text (mention and alias surfaces,
evidence, cues, the place as written, the script) may differ.
"""

from __future__ import annotations

import csv
import shutil
from collections import defaultdict
from pathlib import Path

import pytest

from pipeline.normalize import decode_bytes, detect_language, detect_script
from pipeline.text.textnorm import opencc_converter

pytestmark = [pytest.mark.models, pytest.mark.e2e, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
DEV_DOCS = ROOT.parent / "shared" / "dev" / "docs"
SEP = "__"

# per table: the columns that must not change with the script (keyed by document)
COMPARED = {
    "mentions.csv": ("start", "end", "entity_id"),
    "meetings.csv": ("meeting_id", "date", "date_precision", "place_entity_id", "kind", "trigger", "start", "end",
                     "confidence"),
    "meeting_participants.csv": ("meeting_id", "entity_id", "role"),
    "affiliations.csv": ("person_id", "org_or_country_id", "title"),
    "doc_topics.csv": ("topic_id", "score", "start", "end"),
    "meeting_topics.csv": ("meeting_id", "topic_id", "score", "start", "end"),
    "doc_keyphrases.csv": ("score", "count", "start", "end"),
    "documents.csv": ("lang", "date", "status", "n_chars"),
}  # fmt: skip


def convert(text: str, config: str) -> str:
    """OpenCC conversion that keeps the length (character by character where a phrase
    conversion would change it), so that offsets can be compared."""
    cc = opencc_converter(config)
    out = cc.convert(text)
    if len(out) == len(text):
        return out
    return "".join(c if len(c := cc.convert(ch)) == 1 else ch for ch in text)


def _chinese_docs() -> dict[str, str]:
    paths = sorted(ROOT.joinpath("seeds").glob("*.txt"))
    if DEV_DOCS.is_dir():
        paths += sorted(DEV_DOCS.glob("*.txt"))
    docs = {}
    for p in paths:
        text, _ = decode_bytes(p.read_bytes())
        if detect_language(text) == "zh":
            docs[p.stem] = text
    return docs


DOCS = _chinese_docs()


def _variants(text: str) -> tuple[str, ...]:
    return ("t2s",) if detect_script(text) == "traditional" else ("s2t", "s2tw", "s2hk")


CASES = [(doc_id, cfg) for doc_id, text in DOCS.items() for cfg in _variants(text)]


@pytest.fixture(scope="module")
def parity_run(tmp_path_factory) -> dict[str, dict[str, list]]:
    """One run over every document as written and in each conversion; returns, per table,
    the compared columns of each document's rows (doc ids carry the conversion)."""
    from pipeline.cli import run_all

    folder = tmp_path_factory.mktemp("parity_in")
    for doc_id, text in DOCS.items():
        (folder / f"{doc_id}.txt").write_text(text, encoding="utf-8")
        for cfg in _variants(text):
            (folder / f"{doc_id}{SEP}{cfg}.txt").write_text(convert(text, cfg), encoding="utf-8")
    out = tmp_path_factory.mktemp("parity_out")
    run_all(folder, out, ROOT / "params.yaml", progress=False)
    meeting_doc = {}
    with (out / "meetings.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            meeting_doc[row["meeting_id"]] = row["doc_id"]
    tables: dict[str, dict[str, list]] = {}
    for name, cols in COMPARED.items():
        rows: dict[str, list] = defaultdict(list)
        with (out / name).open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                doc = row.get("doc_id") or meeting_doc[row["meeting_id"]]
                key = [row[c] for c in cols]
                # ids that hold the document id: compare them without it
                key = [v.replace(doc, "DOC", 1) if isinstance(v, str) and v.startswith(doc + ":") else v for v in key]
                rows[doc].append(tuple(key))
        tables[name] = {doc: sorted(v) for doc, v in rows.items()}
    shutil.rmtree(folder)
    return tables


@pytest.mark.parametrize(("doc_id", "config"), CASES, ids=[f"{d}-{c}" for d, c in CASES])
def test_script_parity_conversion_changes_only_the_surface(parity_run, doc_id, config):
    converted = f"{doc_id}{SEP}{config}"
    for name, by_doc in parity_run.items():
        assert by_doc.get(converted, []) == by_doc.get(doc_id, []), f"{name} differs for {doc_id} after {config}"


def test_script_parity_covers_both_scripts():
    scripts = {detect_script(t) for t in DOCS.values()}
    assert "simplified" in scripts
    if DEV_DOCS.is_dir():
        assert "traditional" in scripts
