"""Streaming table writer: spilled sorted runs merge to exactly what write_table writes."""

from __future__ import annotations

import random

from pipeline import contract


def _rows(n: int, seed: int = 3) -> list[contract.Mention]:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        doc = f"d{rnd.randint(0, 30)}"
        s = rnd.randint(0, 500)
        text = rnd.choice(["Xi", "习近平", "a,b", 'say "hi"', "line\nbreak", "cr\rx"])
        out.append(contract.Mention(doc, f"{doc}:{s}-{s + 2}", i % 7, s, s + 2, text, "PER", f"person:{i % 5}"))
    return out


def test_spilled_runs_merge_to_the_same_bytes(tmp_path):
    rows = _rows(500)
    contract.write_table(tmp_path / "a.csv", rows, contract.Mention)
    w = contract.TableWriter(tmp_path / "b.csv", contract.Mention, spill_rows=37)
    for i in range(0, len(rows), 10):
        w.add(rows[i : i + 10])
    assert w.close() == 500
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "b.csv"]  # no temporary runs left


def test_a_discarded_writer_leaves_nothing(tmp_path):
    w = contract.TableWriter(tmp_path / "t.csv", contract.Mention, spill_rows=5)
    w.add(_rows(20))
    w.discard()
    assert list(tmp_path.iterdir()) == []


def test_jsonl_writer_appears_on_close(tmp_path):
    w = contract.JsonlWriter(tmp_path / "x.jsonl")
    w.add([{"a": "习"}, {"b": 1}])
    assert not (tmp_path / "x.jsonl").exists()
    assert w.close() == 2
    assert (tmp_path / "x.jsonl").read_text(encoding="utf-8") == '{"a": "习"}\n{"b": 1}\n'


def test_a_cache_that_cannot_be_written_is_skipped(tmp_path):
    from pipeline.run.runner import DocCache

    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache folder should be", encoding="utf-8")
    cache = DocCache(blocker)
    cache.put("ab" * 32, {"x": 1})  # no exception
    assert cache.broken and cache.get("ab" * 32) is None
    ok = DocCache(tmp_path / "good")
    ok.put("cd" * 32, {"x": "习"})
    assert ok.get("cd" * 32) == {"x": "习"}


def test_one_long_generator_is_spilled_as_it_goes(tmp_path):
    # rows from a generator (the entity table) never pile up past spill_rows in memory
    w = contract.TableWriter(tmp_path / "g.csv", contract.Mention, spill_rows=50)
    held = []

    def rows():
        for r in _rows(500):
            held.append(len(w._buf))
            yield r

    w.add(rows())
    assert max(held) < 50
    assert w.close() == 500
    contract.write_table(tmp_path / "ref.csv", _rows(500), contract.Mention)
    assert (tmp_path / "g.csv").read_bytes() == (tmp_path / "ref.csv").read_bytes()
