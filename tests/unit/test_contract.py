"""Unit tests for pipeline.contract: CSV/JSONL round trips, column order, docs/data.md."""

import dataclasses
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import contract

ROOT = Path(__file__).resolve().parents[2]
_PROPERTY = settings(max_examples=150, deadline=None, derandomize=True, database=None)

TRICKY = [
    "plain",
    "comma, inside",
    'quote " inside',
    '"starts and ends with quotes"',
    "line\nbreak",
    "windows\r\nline break",
    "tab\tand NUL\x00 and unit separator\x1f and DEL\x7f",
    "line separator\u2028paragraph separator\u2029end",
    "  leading and trailing spaces  ",
    "中文，全角标点「」",
    "",
    "NA",  # pandas would read this as missing without keep_default_na=False
    "null",
]


def _meetings():
    return [
        contract.Meeting(f"d:m{i}", f"doc{i}", "2025-11-18", "day", place, "", "main", "met", evidence, i, i + 10, 0.9)
        for i, (place, evidence) in enumerate(zip(TRICKY, reversed(TRICKY)))
    ]


def _key(row):
    return [str(v) for v in dataclasses.astuple(row)]


def test_contract_table_round_trip(tmp_path):
    rows = _meetings()
    n = contract.write_table(tmp_path / "meetings.csv", rows, contract.Meeting)
    back = contract.read_table(tmp_path / "meetings.csv", contract.Meeting)
    assert n == len(rows)
    assert sorted(back, key=_key) == sorted(rows, key=_key)
    assert all(isinstance(r.start, int) and isinstance(r.confidence, float) for r in back)


def test_contract_table_round_trip_with_pandas(tmp_path):
    rows = _meetings()
    contract.write_table(tmp_path / "meetings.csv", rows, contract.Meeting)
    df = pd.read_csv(tmp_path / "meetings.csv", dtype=str, keep_default_na=False)
    assert list(df.columns) == contract.columns(contract.Meeting)
    got = sorted(zip(df["place"], df["evidence"], df["start"]))
    assert got == sorted((r.place, r.evidence, str(r.start)) for r in rows)


def test_contract_table_rows_are_sorted_and_deterministic(tmp_path):
    rows = _meetings()
    contract.write_table(tmp_path / "a.csv", rows, contract.Meeting)
    contract.write_table(tmp_path / "b.csv", list(reversed(rows)), contract.Meeting)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_contract_table_empty_has_header(tmp_path):
    contract.write_table(tmp_path / "e.csv", [], contract.Entity)
    assert (tmp_path / "e.csv").read_text(encoding="utf-8") == ",".join(contract.columns(contract.Entity)) + "\n"
    assert contract.read_table(tmp_path / "e.csv", contract.Entity) == []


def test_contract_table_no_temporary_files_left(tmp_path):
    contract.write_table(tmp_path / "m.csv", _meetings(), contract.Meeting)
    assert [p.name for p in tmp_path.iterdir()] == ["m.csv"]


def test_contract_read_table_rejects_wrong_header(tmp_path):
    (tmp_path / "x.csv").write_text("entity_id,name,type\n", encoding="utf-8")
    with pytest.raises(ValueError, match="do not match the contract"):
        contract.read_table(tmp_path / "x.csv", contract.Entity)


def test_contract_float_cells_have_four_decimals(tmp_path):
    rows = [contract.DocTopic("d", "trade", 2.0, "e"), contract.DocTopic("d", "energy", 0.123456, "e")]
    contract.write_table(tmp_path / "t.csv", rows, contract.DocTopic)
    assert (tmp_path / "t.csv").read_text(encoding="utf-8").splitlines()[1:] == [
        "d,energy,0.1235,e,,0,0",
        "d,trade,2.0000,e,,0,0",
    ]


@_PROPERTY
@given(
    st.lists(
        st.tuples(*[st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\r"), max_size=12)] * 5),
        max_size=4,
    )
)
def test_contract_table_round_trip_any_text(tmp_path_factory, values):
    path = tmp_path_factory.mktemp("prop") / "a.csv"
    rows = [contract.Affiliation(*v) for v in values]
    contract.write_table(path, rows, contract.Affiliation)
    assert sorted(contract.read_table(path, contract.Affiliation), key=_key) == sorted(rows, key=_key)


@pytest.mark.parametrize("value", ["old mac\rline break", "\r", "trailing\r"])
def test_contract_table_round_trip_bare_carriage_return(tmp_path, value):
    rows = [contract.Affiliation("person:a", "country:b", value, "d", "evidence")]
    contract.write_table(tmp_path / "a.csv", rows, contract.Affiliation)
    assert contract.read_table(tmp_path / "a.csv", contract.Affiliation) == rows


@pytest.mark.parametrize("cls", list(contract.TABLES.values()))
def test_contract_columns_follow_dataclass_fields(cls, tmp_path):
    assert contract.columns(cls) == [f.name for f in dataclasses.fields(cls)]
    contract.write_table(tmp_path / "t.csv", [], cls)
    header = (tmp_path / "t.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.split(",") == contract.columns(cls)


@pytest.mark.parametrize("cls", list(contract.TABLES.values()))
def test_contract_every_column_is_documented(cls):
    for f in dataclasses.fields(cls):
        assert f.metadata.get("doc"), f"{cls.__name__}.{f.name} has no description"


def test_contract_known_column_orders():
    assert contract.columns(contract.Mention) == [
        "doc_id", "mention_id", "sentence_id", "start", "end", "text", "ner_label", "entity_id",
    ]  # fmt: skip
    assert contract.columns(contract.Document) == [
        "doc_id", "source", "lang", "script", "date", "title", "n_chars", "status", "error",
    ]  # fmt: skip


def test_contract_jsonl_round_trip(tmp_path):
    records = [{"doc_id": "d", "text": value, "n": i, "nested": {"x": [1, 2]}} for i, value in enumerate(TRICKY)]
    assert contract.write_jsonl(tmp_path / "r.jsonl", records) == len(records)
    assert list(contract.read_jsonl(tmp_path / "r.jsonl")) == records
    raw = (tmp_path / "r.jsonl").read_text(encoding="utf-8")
    assert "中文" in raw  # not ASCII-escaped
    assert raw.count("\n") == len(records)  # one record per line


def test_contract_atomic_write_creates_folders(tmp_path):
    contract.atomic_write_text(tmp_path / "a" / "b" / "c.txt", "x\r\ny")
    assert (tmp_path / "a" / "b" / "c.txt").read_bytes() == b"x\r\ny"  # no newline translation


def test_contract_docs_data_md_matches_contract():
    path = ROOT / "docs" / "data.md"
    if not path.exists():
        pytest.skip("docs/data.md is not written yet")
    assert path.read_text(encoding="utf-8") == contract.render_markdown()


def test_contract_render_markdown_lists_every_table():
    md = contract.render_markdown()
    for name, cls in contract.TABLES.items():
        assert f"## {name}" in md
        for col in contract.columns(cls):
            assert f"| `{col}` |" in md


def test_contract_written_files_have_the_mode_a_plain_open_gives(tmp_path):
    # mkstemp makes owner-only files and the rename kept that: an analysts' group could
    # not read a run's tables
    (tmp_path / "plain.txt").write_text("x")
    contract.write_table(tmp_path / "m.csv", _meetings(), contract.Meeting)
    w = contract.TableWriter(tmp_path / "big.csv", contract.Meeting, spill_rows=2)  # spills runs to disk
    w.add(_meetings() * 3)
    w.close()
    contract.write_jsonl(tmp_path / "r.jsonl", [{"a": 1}])
    contract.atomic_write_text(tmp_path / "t.json", "{}")
    modes = {p.name: p.stat().st_mode & 0o777 for p in tmp_path.iterdir()}
    assert set(modes) == {"plain.txt", "m.csv", "big.csv", "r.jsonl", "t.json"}
    assert set(modes.values()) == {modes["plain.txt"]}
