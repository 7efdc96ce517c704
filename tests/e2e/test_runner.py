"""The streaming runner: per-document cache, incremental re-runs, worker processes, Dask,
and loading only the models a corpus needs. Reference: the session's serial seed run."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from pipeline import contract
from pipeline.params import load_all
from pipeline.run import runner

pytestmark = [pytest.mark.models, pytest.mark.e2e, pytest.mark.slow]

TABLES = [*runner.DOC_TABLES, "entities.csv"]


def _same_tables(a, b, names=TABLES):
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


@pytest.fixture(scope="module")
def params(root):
    return load_all(root / "params.yaml")


@pytest.fixture(scope="module")
def cached_run(tmp_path_factory, root, params):
    """Two runs over the seeds sharing one cache: (first output, second output, counts)."""
    base = tmp_path_factory.mktemp("cached")
    cache = base / "cache"
    first = runner.run_corpus(root / "seeds", base / "a", params, cache_dir=cache, progress=False)
    second = runner.run_corpus(root / "seeds", base / "b", params, cache_dir=cache, progress=False)
    return base, first, second


def test_tables_equal_the_serial_run_and_a_rerun_reads_only_the_cache(cached_run, seed_run):
    base, first, second = cached_run
    _same_tables(seed_run, base / "a")
    _same_tables(seed_run, base / "b")
    assert (first["computed"], first["cache_hits"]) == (5, 0)
    assert (second["computed"], second["cache_hits"]) == (0, 5)
    for name in ("documents", "ner", "linked"):
        assert (base / "a" / "interim" / f"{name}.jsonl").read_bytes() == (
            base / "b" / "interim" / f"{name}.jsonl"
        ).read_bytes()


def test_adding_one_document_computes_only_that_document(cached_run, root, params, tmp_path):
    base, _, _ = cached_run
    inp = tmp_path / "in"
    shutil.copytree(root / "seeds", inp)
    (inp / "zz_new.txt").write_text(
        "Premier Li Qiang met with visiting Kazakh President Kassym-Jomart Tokayev in Beijing on Tuesday.\n",
        encoding="utf-8",
    )
    counts = runner.run_corpus(inp, tmp_path / "out", params, cache_dir=base / "cache", progress=False)
    assert (counts["computed"], counts["cache_hits"]) == (1, 5)
    for name in runner.DOC_TABLES:
        old = (base / "a" / name).read_text(encoding="utf-8").splitlines()
        new = [line for line in (tmp_path / "out" / name).read_text(encoding="utf-8").splitlines()
               if "zz_new" not in line]  # fmt: skip
        assert new == old, name


def test_a_change_of_settings_invalidates_the_cache(params):
    from dataclasses import replace

    other = dict(params, extract=replace(params["extract"], topic_min_score=params["extract"].topic_min_score + 1))
    assert runner.version_key(other) != runner.version_key(params)
    assert runner.version_key(dict(params)) == runner.version_key(params)


def test_a_change_in_a_voters_files_invalidates_the_cache(params, tmp_path):
    from dataclasses import replace

    voter = tmp_path / "voter"
    voter.mkdir()
    (voter / "zh_diplograph_nertagger.pt").write_bytes(b"one")
    with_voter = dict(params, ner=replace(params["ner"], zh_voters=(str(voter),)))
    before = runner.version_key(with_voter)
    (voter / "zh_diplograph_nertagger.pt").write_bytes(b"two")  # retrained in place, same path
    assert runner.version_key(with_voter) != before


def test_worker_processes_give_the_serial_tables(seed_run, root, params, tmp_path):
    counts = runner.run_corpus(root / "seeds", tmp_path, params, workers=2, batch_size=2, progress=False)
    assert counts["computed"] == 5
    _same_tables(seed_run, tmp_path)


def test_dask_local_cluster_gives_the_serial_tables(seed_run, root, params, tmp_path):
    pytest.importorskip("distributed")
    counts = runner.run_corpus(root / "seeds", tmp_path, params, scheduler="local:2", batch_size=2, progress=False)
    assert counts["computed"] == 5
    _same_tables(seed_run, tmp_path)


def _noop():
    return None


@pytest.mark.parametrize("helper_dies", [False, True])
def test_a_helper_process_gives_the_serial_tables(cached_run, root, params, tmp_path, helper_dies):
    """A serial run that hands normalize, link and extract to the helper process (what
    ``diplograph run`` does) writes the plain serial run's tables and interim files, also
    when the helper dies and the work falls back to this process."""
    from pipeline.run.helper import HelperProcess

    base, _, _ = cached_run
    with HelperProcess(warm=(_noop,)) as helper:
        assert helper.alive
        if helper_dies:
            for proc in list(helper.pool._processes.values()):
                proc.kill()
        counts = runner.run_corpus(root / "seeds", tmp_path, params, batch_size=2, progress=False, helper=helper)
    assert counts["computed"] == 5
    assert set(counts["stage_seconds"]) >= {"normalize", "ner", "link", "extract"}
    _same_tables(base / "a", tmp_path)
    for name in ("documents", "ner", "linked"):
        assert (base / "a" / "interim" / f"{name}.jsonl").read_bytes() == (
            tmp_path / "interim" / f"{name}.jsonl"
        ).read_bytes()


_PROBE = """
import json, sys
from pathlib import Path
from pipeline.params import load_all
from pipeline.run import runner
if __name__ == "__main__":
    runner.run_corpus(Path(sys.argv[1]), Path(sys.argv[2]), load_all(Path(sys.argv[3])), progress=False)
    print(json.dumps({m: m in sys.modules for m in ("spacy", "stanza", "torch")}))
"""


@pytest.mark.parametrize(("lang", "text", "loaded", "not_loaded"), [
    ("en", "President Xi Jinping met Mongolian President Ukhnaagiin Khurelsukh in Beijing on Monday.\n",
     {"spacy"}, {"stanza", "torch"}),
    ("zh", "国家主席习近平17日在北京人民大会堂会见来华进行国事访问的蒙古国总统呼日勒苏赫。\n",
     {"stanza", "torch"}, {"spacy"}),
])  # fmt: skip
def test_only_the_models_a_corpus_needs_are_imported(root, tmp_path, lang, text, loaded, not_loaded):
    inp = tmp_path / "in"
    inp.mkdir()
    (inp / f"{lang}.txt").write_text(text, encoding="utf-8")
    probe = tmp_path / "probe.py"
    probe.write_text(_PROBE, encoding="utf-8")
    out = subprocess.run([sys.executable, str(probe), str(inp), str(tmp_path / "out"), str(root / "params.yaml")],
                         capture_output=True, text=True, cwd=root, check=True)  # fmt: skip
    modules = json.loads(out.stdout.strip().splitlines()[-1])
    assert {m for m, on in modules.items() if on} == loaded, out.stderr[-2000:]
    docs = contract.read_table(tmp_path / "out" / "documents.csv", contract.Document)
    assert [(d.lang, d.status) for d in docs] == [(lang, "ok")]
    assert not_loaded.isdisjoint(m for m, on in modules.items() if on)
