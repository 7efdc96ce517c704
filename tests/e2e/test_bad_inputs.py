"""Hostile and messy inputs: every file and JSONL line is accounted for, the run goes on,
and interrupted runs never leave a torn table."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import yaml

from pipeline import contract
from pipeline.cli import run_all

pytestmark = [pytest.mark.models, pytest.mark.e2e]

ZH = "国家主席习近平在北京会见蒙古国总统呼日勒苏赫，双方就中蒙关系交换意见。"
EN = "Chinese President Xi Jinping met with Mongolian President Ukhnaa Khurelsukh in Beijing on Tuesday."


def _corpus(folder):
    """Write the bad-input corpus; return {doc_id: expected status} and the number of inputs."""
    files = {
        "empty.txt": b"",
        "blank.txt": b"  \n\t\n  ",
        "binary.txt": bytes(range(256)) * 8,
        "renamed_pdf.txt": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
        "bad_utf8.txt": EN.encode() + b" \xff\xfe\xc3\x28 " + EN.encode(),
        "gbk.txt": ZH.encode("gbk"),
        "gb18030.txt": (ZH + "𠀀").encode("gb18030"),
        "utf16_bom.txt": ("\ufeff" + EN).encode("utf-16-le"),
        "utf16_be_bom.txt": ("\ufeff" + ZH).encode("utf-16-be"),
        "utf16_nobom.txt": EN.encode("utf-16-le"),
        "utf16_zh_nobom.txt": ZH.encode("utf-16-le"),
        "page.html": (
            "<html><head><title>Talks in Beijing</title><script>alert('x')</script></head>"
            f"<body><p>{EN}</p><div>{ZH}</div></body></html>"
        ).encode(),
        "mixed.txt": f"{EN}\n\n{ZH}\n".encode(),
        "russian.txt": "Президент России Владимир Путин встретился с председателем КНР Си Цзиньпином в Москве.".encode(),
        "mongolian.txt": "Монгол Улсын Ерөнхийлөгч Ухнаагийн Хүрэлсүх Бээжинд айлчлал хийлээ. Хоёр тал хамтын ажиллагааг хэлэлцэв.".encode(),
        "french.txt": "Le président chinois a rencontré le président mongol à Pékin pour parler du commerce.".encode(),
        "long line.txt": (" ".join(["the minister said trade between Beijing and Moscow would grow"] * 3500)).encode(),
        "中文 文件名.txt": ZH.encode(),
        "big.txt": (EN + "\n") * 60000,
        "notes.docx": b"PK\x03\x04 not a text format",
    }
    files["big.txt"] = files["big.txt"].encode()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    lines = [
        json.dumps({"id": "j1", "text": EN, "date": "2025-11-19"}),
        "{broken json",
        json.dumps({"id": "j1", "text": ZH}),  # duplicate id
        json.dumps({"id": "../../etc/passwd", "text": EN}),  # a path as id
        json.dumps({"title": "no text field"}),
        json.dumps(["not", "an", "object"]),
    ]
    (folder / "batch.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(files) + len(lines)


@pytest.fixture(scope="module")
def bad_run(tmp_path_factory, root):
    inp = tmp_path_factory.mktemp("bad_in")
    n_inputs = _corpus(inp)
    params = yaml.safe_load((root / "params.yaml").read_text(encoding="utf-8"))
    params["normalize"]["max_chars"] = 60_000  # the big file is cut (and says so) to keep the test fast
    ppath = tmp_path_factory.mktemp("params") / "params.yaml"
    for section in ("ner", "link", "extract", "evaluate"):
        for key, value in params[section].items():
            if isinstance(value, str) and (value.startswith("models/") or value.startswith("tests/")):
                params[section][key] = str(root / value)
            elif isinstance(value, list) and all(str(v).startswith("models/") for v in value):
                params[section][key] = [str(root / v) for v in value]
    ppath.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    out = tmp_path_factory.mktemp("bad_out")
    run_all(inp, out, ppath, progress=False)
    docs = {d.doc_id: d for d in contract.read_table(out / "documents.csv", contract.Document)}
    return out, docs, n_inputs


def test_bad_inputs_every_input_is_accounted_for(bad_run):
    _, docs, n_inputs = bad_run
    assert len(docs) == n_inputs
    for d in docs.values():
        assert d.status in ("ok", "skipped", "error")
        assert (d.status == "ok") or d.error, d.doc_id


@pytest.mark.parametrize(
    ("doc_id", "status", "lang"),
    [
        ("empty", "skipped", ""),
        ("blank", "skipped", ""),
        ("binary", "error", ""),
        ("renamed_pdf", "error", ""),
        ("bad_utf8", "ok", "en"),
        ("gbk", "ok", "zh"),
        ("gb18030", "ok", "zh"),
        ("utf16_bom", "ok", "en"),
        ("utf16_be_bom", "ok", "zh"),
        ("utf16_nobom", "ok", "en"),
        ("utf16_zh_nobom", "ok", "zh"),
        ("page", "ok", None),
        ("mixed", "ok", None),
        ("russian", "skipped", "other"),
        ("mongolian", "skipped", "other"),
        ("french", "skipped", "other"),
        ("long_line", "ok", "en"),
        ("中文_文件名", "ok", "zh"),
        ("big", "ok", "en"),
        ("notes", "error", ""),
        ("j1", "ok", "en"),
        ("batch_line2", "error", ""),
        ("j1~2", "error", None),
        ("etc_passwd", "ok", "en"),
        ("batch_line5", "error", ""),
        ("batch_line6", "error", ""),
    ],
)
def test_bad_inputs_outcome(bad_run, doc_id, status, lang):
    _, docs, _ = bad_run
    d = docs[doc_id]
    assert d.status == status, (d.status, d.error)
    if lang is not None:
        assert d.lang == lang


def test_bad_inputs_notes_say_why(bad_run):
    _, docs, _ = bad_run
    assert "PDF" in docs["renamed_pdf"].error
    assert "duplicate id" in docs["j1~2"].error
    assert "cut" in docs["big"].error
    assert "unsupported file type" in docs["notes"].error


def test_bad_inputs_html_gives_text_not_tags(bad_run):
    out, docs, _ = bad_run
    assert docs["page"].title == "Talks in Beijing"
    mentions = [m for m in contract.read_table(out / "mentions.csv", contract.Mention) if m.doc_id == "page"]
    assert any(m.text == "Xi Jinping" for m in mentions)
    assert not any("<" in m.text or "alert" in m.text for m in mentions)


def test_bad_inputs_mixed_document_reaches_both_models(bad_run):
    out, _, _ = bad_run
    mentions = [m for m in contract.read_table(out / "mentions.csv", contract.Mention) if m.doc_id == "mixed"]
    labels = {m.ner_label for m in mentions}
    assert labels & {"PERSON", "GPE", "NORP"}, labels  # spaCy on the English paragraph
    assert labels & {"PER", "LOC", "ORG"}, labels  # Stanza on the Chinese paragraph


def test_bad_inputs_no_output_path_from_untrusted_ids(bad_run):
    out, _, _ = bad_run
    produced = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert all(".." not in p and "passwd" not in p for p in produced)


def test_bad_inputs_tables_round_trip_through_pandas(bad_run):
    import pandas as pd

    out, _, _ = bad_run
    for name, cls in contract.TABLES.items():
        df = pd.read_csv(out / name, dtype=str, keep_default_na=False)
        rows = contract.read_table(out / name, cls)
        assert len(df) == len(rows), name


def test_bad_inputs_killed_run_never_leaves_a_torn_table(tmp_path, root):
    """Kill `diplograph run` at several moments: each table is the old or the new one, whole."""
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "pipeline.cli", "run", "--input", str(root / "seeds"), "--output", str(out),
           "--no-progress"]  # fmt: skip
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    for delay in (1.5, 3.5, 6.0):
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        for name, cls in contract.TABLES.items():
            path = out / name
            text = path.read_text(encoding="utf-8")
            assert text.startswith(",".join(contract.columns(cls))), name
            assert text.endswith("\n"), name
            contract.read_table(path, cls)
