"""End to end: the whole pipeline on the seed articles, checked against the contract and the gold."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import networkx as nx
import pandas as pd
import pytest

from pipeline import contract
from pipeline.evaluate import evaluate

pytestmark = [pytest.mark.models, pytest.mark.e2e]


def test_seed_run_tables_follow_the_contract(seed_run):
    for name, cls in contract.TABLES.items():
        with (seed_run / name).open(encoding="utf-8", newline="") as f:
            header = next(csv.reader(f))
        assert header == contract.columns(cls), name
        contract.read_table(seed_run / name, cls)  # parses every row
        df = pd.read_csv(seed_run / name, dtype=str, keep_default_na=False)
        assert list(df.columns) == contract.columns(cls)


def test_seed_run_every_seed_is_processed(seed_run, root):
    docs = contract.read_table(seed_run / "documents.csv", contract.Document)
    assert sorted(d.doc_id for d in docs) == sorted(p.stem for p in (root / "seeds").glob("*.txt"))
    assert all(d.status == "ok" for d in docs), [(d.doc_id, d.error) for d in docs]
    langs = {d.doc_id[:3]: d.lang for d in docs}
    assert langs["003"] == "zh" and langs["000"] == "en"


def test_seed_run_mention_offsets_index_the_original_text(seed_run, root):
    texts = {p.stem: p.read_bytes().decode("utf-8-sig") for p in (root / "seeds").glob("*.txt")}
    mentions = contract.read_table(seed_run / "mentions.csv", contract.Mention)
    assert mentions
    for m in mentions:
        assert texts[m.doc_id][m.start : m.end] == m.text, m.mention_id
    for m in contract.read_table(seed_run / "meetings.csv", contract.Meeting):
        assert " ".join(texts[m.doc_id][m.start : m.end].split()) == m.evidence


def test_seed_run_ids_are_unique_and_linked(seed_run):
    ents = contract.read_table(seed_run / "entities.csv", contract.Entity)
    ids = [e.entity_id for e in ents]
    assert len(ids) == len(set(ids))
    assert {e.type for e in ents} <= {"person", "country", "organization", "location"}
    known = set(ids)
    for p in contract.read_table(seed_run / "meeting_participants.csv", contract.MeetingParticipant):
        assert p.entity_id in known
    meeting_ids = [m.meeting_id for m in contract.read_table(seed_run / "meetings.csv", contract.Meeting)]
    assert len(meeting_ids) == len(set(meeting_ids))


def test_seed_run_scores_against_gold(seed_run, root):
    gold = json.loads((root / "tests/gold/seeds.json").read_text(encoding="utf-8"))
    r = evaluate(seed_run, gold)
    o = r["overall"]
    assert o["entities"]["persons"]["f1"] >= 0.9
    assert o["entities"]["countries"]["f1"] >= 0.95
    assert o["entities"]["organizations"]["f1"] >= 0.8
    assert r["place_typed_as_country"] == 0
    assert r["persons_split_across_ids"] == 0
    assert o["persons_one_id"]["rate"] == 1.0
    # the seeds stay where they are: every meeting, date and place right
    assert o["meetings"]["f1"] == 1.0
    assert o["meetings"]["date_accuracy"] == o["meetings"]["place_accuracy"] == 1.0
    assert o["meetings"]["negatives_fired"] == 0
    assert o["topics"]["f1"] >= 0.85
    assert r["by_lang"]["en"]["documents"] + r["by_lang"]["zh"]["documents"] == o["documents"] == 5


def test_seed_run_one_id_per_person_across_languages(seed_run, root):
    ents = {e.entity_id: e for e in contract.read_table(seed_run / "entities.csv", contract.Entity)}
    xi = ents["person:xi-jinping"]
    naming = [p for p in (root / "seeds").glob("*.txt") if {"Xi Jinping", "习近平"} & set(_words(p.read_text("utf-8")))]
    assert xi.name_zh == "习近平" and xi.n_docs == len(naming) >= 2
    assert {"习近平", "Xi Jinping"} <= set(json.loads(xi.aliases))


def _words(text):
    return [w for w in ("Xi Jinping", "习近平") if w in text]


def test_seed_run_graph_loads_back(seed_run):
    g = nx.read_graphml(seed_run / "graph.graphml")
    assert g.number_of_nodes() > 0
    kinds = {d["kind"] for _, _, d in g.edges(data=True)}
    assert {"met", "co_mentioned"} <= kinds
    types = {d["type"] for _, d in g.nodes(data=True)}
    assert types <= {"person", "country", "organization"}
    data = json.loads((seed_run / "graph.json").read_text(encoding="utf-8"))
    assert len(data["nodes"]) == g.number_of_nodes()


def test_seed_run_is_deterministic(seed_run, root, tmp_path):
    from pipeline.cli import run_all

    run_all(root / "seeds", tmp_path, root / "params.yaml", progress=False)
    for name in [*contract.TABLES, "graph.graphml", "graph.json"]:
        assert (tmp_path / name).read_bytes() == (seed_run / name).read_bytes(), name


def test_seed_run_cli_reports_bad_input_in_one_line(tmp_path):
    missing = tmp_path / "nope"
    r = subprocess.run([sys.executable, "-m", "pipeline.cli", "run", "--input", str(missing), "--output", str(tmp_path / "o")],
                       capture_output=True, text=True)  # fmt: skip
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines() == [f"diplograph: error: input folder not found: {missing}"]
    bad = tmp_path / "params.yaml"
    bad.write_text("ner:\n  no_such_key: 1\n", encoding="utf-8")
    (tmp_path / "in").mkdir()
    r = subprocess.run([sys.executable, "-m", "pipeline.cli", "run", "--input", str(tmp_path / "in"), "--output",
                        str(tmp_path / "o"), "--params", str(bad)], capture_output=True, text=True)  # fmt: skip
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "no_such_key" in r.stderr


def test_seed_run_bad_documents_become_rows_not_crashes(tmp_path, root):
    from pipeline.cli import run_all

    inp = tmp_path / "in"
    inp.mkdir()
    (inp / "good.txt").write_text((root / "seeds" / "000_a624e571a2d22acb.txt").read_text("utf-8"), "utf-8")
    (inp / "empty.txt").write_text("   \n", "utf-8")
    (inp / "binary.txt").write_bytes(b"%PDF-1.4\n\x00\x01\x02")
    (inp / "french.txt").write_text(
        "Le président a rencontré le premier ministre à Paris pour discuter du commerce.", "utf-8"
    )
    (inp / "gbk.txt").write_bytes(
        "国家主席习近平在北京会见蒙古国总统呼日勒苏赫，双方就双边关系交换意见。".encode("gbk")
    )
    (inp / "batch.jsonl").write_text(
        '{"id": "a", "text": "Xi Jinping met Vladimir Putin in Moscow on Tuesday."}\n{broken\n', "utf-8"
    )
    counts = run_all(inp, tmp_path / "out", root / "params.yaml", progress=False)
    docs = {d.doc_id: d for d in contract.read_table(tmp_path / "out" / "documents.csv", contract.Document)}
    assert counts["documents"] == len(docs) == 7
    assert docs["good"].status == "ok"
    assert docs["gbk"].status == "ok" and docs["gbk"].lang == "zh"
    assert docs["empty"].status == "skipped"
    assert docs["binary"].status == "error" and "PDF" in docs["binary"].error
    assert docs["french"].status == "skipped" and "other" in docs["french"].error
    assert docs["a"].status == "ok"
    assert docs["batch_line2"].status == "error" and "JSONL" in docs["batch_line2"].error
