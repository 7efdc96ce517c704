"""Benchmark: throughput, memory, incremental re-runs and the Dask path, in one run.

``make bench`` (``diplograph bench --en ../shared/data/bench/en-bbc --zh
../shared/data/zh-ner --output outputs/bench``) — a measurement, not a test.

Corpora: the English BBC articles, and Chinese documents of 40 sentences built from the
sentences of the zh-ner corpora. "1×" is every fourth document of each, "4×" all of
them; English throughput is measured on 1×, Chinese on 4× (1× is only ~65 documents).
Every measurement runs in a fresh Python process, so each starts cold (imports
and model loading included) and its peak RSS is its own:

* ``pipeline``: ``diplograph run`` (all stages, graph included) without cache;
* ``bare``: the NER model alone on the same texts — spaCy ``nlp.pipe`` with the very
  pipeline the project loads (same model, same components), Stanza's NER on the same
  character sentences the project feeds it;
* ``naive``: what a notebook user writes: ``spacy.load(model)`` and ``nlp(text)`` in a loop;
* ``workers``: the pipeline with ``--workers 2``, and the bare model in 2 processes
  (spaCy's ``n_process=2``; for Stanza, which has no such option, 2 spawned processes
  with one thread each, each tagging half of the sentences);
* memory: the pipeline on the mixed 1× and 4× corpora;
* incremental: after the 4× run (with cache), one document is added and the run repeated;
* Dask: a 2-worker ``LocalCluster`` on a slice, compared table by table with the serial run.

This machine is shared and noisy, so the summary is ratios from the same run. After an
untimed warm-up, the throughput measurements (pipeline, bare, naive, workers) run
``--repeats`` rounds, one of each per round, every other round in reverse order
(:func:`median_runs`). Each throughput ratio is the median of its per-round ratios
(:func:`paired_ratio`): the two runs of a round are minutes apart, while the machine's
speed drifts by 15 % over a bench. The table's times are each job's median run, and
``*_of_medians`` keys give the ratios of those medians.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pipeline import contract

logger = logging.getLogger(__name__)

ZH_PER_DOC = 40


# --------------------------------------------------------------------------- corpora


def build_corpora(en_dir: Path, zh_dir: Path, work: Path) -> dict[str, Path]:
    """Folders ``en_1x``, ``en_4x``, ``zh_1x``, ``zh_4x``, ``mixed_1x``, ``mixed_4x``,
    ``slice`` under ``work`` (files are hard to share, so they are copied)."""
    from pipeline.training import zh_ner_data as zd

    en_files = sorted(en_dir.glob("*.txt"))
    zh_sents = []
    for name in ("msra_test_bio.txt", "pd_dev.txt", "pd_test.txt"):
        lines = (zh_dir / name).read_text(encoding="utf-8").splitlines()
        zh_sents += ["".join(s.tokens) for s in zd.read_conll_chars(lines, source=name)]
    zh_docs = ["".join(zh_sents[i : i + ZH_PER_DOC]) for i in range(0, len(zh_sents), ZH_PER_DOC)]
    # the last (possibly short) group is held back as the document added in the incremental run
    extra_zh, zh_docs = zh_docs[-1], zh_docs[:-1]
    dirs = {k: work / k for k in ("en_1x", "en_4x", "zh_1x", "zh_4x", "mixed_1x", "mixed_4x", "slice")}
    if all(d.exists() for d in dirs.values()):
        return dirs
    for d in dirs.values():
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
    for i, f in enumerate(en_files):
        for k in ("en_4x", "mixed_4x") + (("en_1x", "mixed_1x") if i % 4 == 0 else ()):
            shutil.copyfile(f, dirs[k] / f"en_{f.name}")
        if i % 100 == 0:
            shutil.copyfile(f, dirs["slice"] / f"en_{f.name}")
    for i, text in enumerate(zh_docs):
        name = f"zh_{i:04d}.txt"
        for k in ("zh_4x", "mixed_4x") + (("zh_1x", "mixed_1x") if i % 4 == 0 else ()):
            (dirs[k] / name).write_text(text + "\n", encoding="utf-8")
        if i % 50 == 0:
            (dirs["slice"] / name).write_text(text + "\n", encoding="utf-8")
    (work / "extra_zh.txt").write_text(extra_zh + "\n", encoding="utf-8")
    return dirs


def corpus_size(folder: Path) -> dict:
    """Documents, English words and Chinese characters of a bench folder."""
    from pipeline.text.textnorm import is_cjk

    docs = words = chars = 0
    for f in sorted(folder.glob("*.txt")):
        text = f.read_text(encoding="utf-8")
        docs += 1
        if f.name.startswith("zh_"):
            chars += sum(is_cjk(c) for c in text)
        else:
            words += len(text.split())
    return {"docs": docs, "en_words": words, "zh_chars": chars}


# --------------------------------------------------------------------------- measurements (one per process)


def _peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, children) / 1024, 1)


def measure_pipeline(folder: Path, out: Path, *, workers: int = 1, scheduler: str | None = None,
                     cache: Path | None = None) -> dict:  # fmt: skip
    from pipeline.cli import run_all
    from pipeline.params import default_params_path

    t = time.perf_counter()
    counts = run_all(folder, out, default_params_path(), progress=False, workers=workers, scheduler=scheduler,
                     cache_dir=cache)  # fmt: skip
    return {"seconds": time.perf_counter() - t, "stage_seconds": counts["stage_seconds"], "counts": counts}


def _model_texts(folder: Path, *, chinese: bool = False) -> list[str]:
    """The texts exactly as the pipeline hands them to its model (normalized, NFKC,
    boilerplate blanked, simplified script for Chinese): the bare runs get the same input."""
    from pipeline import ner, normalize
    from pipeline.params import default_params_path, load_section

    params = load_section(default_params_path(), "normalize")
    docs = [normalize.normalize_document(r, params) for r in normalize.iter_inputs(folder)]
    return [ner.prepare_text(d, chinese=chinese).model_text for d in docs if d["status"] == "ok"]


def measure_bare_spacy(folder: Path, *, n_process: int = 1) -> dict:
    """spaCy's ``nlp.pipe`` with the pipeline the project loads, on the same texts."""
    from pipeline import ner
    from pipeline.params import default_params_path, load_section

    params = load_section(default_params_path(), "ner")
    texts = _model_texts(folder)
    t = time.perf_counter()
    nlp = ner.SpacyBackend(params).nlp
    n = sum(1 for _ in nlp.pipe(texts, batch_size=params.spacy_batch_size, n_process=n_process))
    return {"seconds": time.perf_counter() - t, "docs": n, "components": nlp.pipe_names}


def measure_naive_spacy(folder: Path) -> dict:
    """A notebook loop: the full default pipeline, one ``nlp(text)`` per document."""
    from pipeline.params import default_params_path, load_section

    texts = _model_texts(folder)
    t = time.perf_counter()
    import spacy

    nlp = spacy.load(load_section(default_params_path(), "ner").spacy_model)
    docs = [nlp(text) for text in texts]
    return {"seconds": time.perf_counter() - t, "docs": len(docs), "components": nlp.pipe_names}


def _stanza_ner(chars: list[list[str]]) -> int:
    """Load the project's Stanza models (the main one and its voters) and tag ``chars``
    (sentences of characters) with each."""
    from pipeline import ner
    from pipeline.params import default_params_path, load_section

    backend = ner.StanzaBackend(load_section(default_params_path(), "ner"))
    return len(backend.tag_sentences(chars)[0])  # every voting model tags them


def measure_bare_stanza(folder: Path, *, n_process: int = 1) -> dict:
    """Stanza's NER alone on the character sentences the project would feed it; with
    ``n_process`` > 1, that many spawned processes (one thread each, like the pipeline's
    workers) each load the model and tag a contiguous share of the sentences."""
    from pipeline.ner.chinese import split_zh_sentences
    from pipeline.params import default_params_path, load_section

    params = load_section(default_params_path(), "ner")
    chars = []
    for model_text in _model_texts(folder, chinese=True):
        for s, e in split_zh_sentences(model_text, max_len=params.zh_max_sentence_chars):
            sent = [c for c in model_text[s:e] if not c.isspace()]
            if sent:
                chars.append(sent)
    t = time.perf_counter()
    if n_process == 1:
        n = _stanza_ner(chars)
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        from pipeline.run.helper import limit_threads

        share = -(-len(chars) // n_process)
        parts = [chars[i : i + share] for i in range(0, len(chars), share)]
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(n_process, mp_context=ctx, initializer=limit_threads) as pool:
            n = sum(pool.map(_stanza_ner, parts))
    return {"seconds": time.perf_counter() - t, "sentences": n}


MEASURES = {
    "pipeline": measure_pipeline,
    "bare_spacy": measure_bare_spacy,
    "naive_spacy": measure_naive_spacy,
    "bare_stanza": measure_bare_stanza,
}


def _measure_main(argv: list[str]) -> int:
    kind, spec = argv[0], json.loads(argv[1])
    kwargs = {k: Path(v) if k in ("folder", "out", "cache") and v else v for k, v in spec.items()}
    result = MEASURES[kind](**kwargs)
    result["peak_rss_mb"] = _peak_rss_mb()
    sys.stdout.write("\n" + json.dumps(result) + "\n")
    return 0


def run_measure(kind: str, **spec) -> dict:
    """Run one measurement in a fresh process and return its JSON."""
    args = {k: str(v) if isinstance(v, Path) else v for k, v in spec.items()}
    cmd = [sys.executable, "-m", "pipeline.training.bench", "_measure", kind, json.dumps(args)]
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "TQDM_DISABLE": "1"})
    if proc.returncode != 0:
        raise RuntimeError(f"measurement {kind} failed:\n{proc.stderr[-3000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["process_seconds"] = time.perf_counter() - t
    logger.info("%s %s: %.1f s, %.0f MB", kind, Path(spec.get("folder", "")).name, result["seconds"],
                result["peak_rss_mb"])  # fmt: skip
    return result


# --------------------------------------------------------------------------- the run


def per_document_rows(out: Path, skip: str = "") -> dict[str, list[str]]:
    """Every per-document table as lines, without the lines of document ``skip``."""
    from pipeline.run.runner import DOC_TABLES

    rows = {}
    for name in DOC_TABLES:
        with (out / name).open(encoding="utf-8", newline="") as f:
            lines = f.read().split("\r\n")
        # the first column is the document id, or an id that starts with it (meeting ids)
        rows[name] = [line for line in lines if not (skip and line.startswith((skip + ",", skip + ":")))]
    return rows


def tables_equal(a: Path, b: Path) -> bool:
    from pipeline.run.runner import DOC_TABLES

    names = [*DOC_TABLES, "entities.csv"]
    return all((a / n).read_bytes() == (b / n).read_bytes() for n in names)


def median_runs(jobs: dict[str, tuple[str, dict]], repeats: int) -> dict[str, dict]:
    """Run every job ``repeats`` times, round after round, and keep each job's median run,
    with all its times under ``samples`` (in round order).

    Every other round runs the jobs in reverse order, so a machine that drifts slower or
    faster during a round does not always favour the job that runs first of a pair.
    """
    samples: dict[str, list[dict]] = {key: [] for key in jobs}
    for r in range(repeats):
        logger.info("throughput round %d of %d", r + 1, repeats)
        order = list(jobs) if r % 2 == 0 else list(reversed(jobs))
        for key in order:
            kind, spec = jobs[key]
            samples[key].append(run_measure(kind, **spec))
    out = {}
    for key, runs in samples.items():
        median = sorted(runs, key=lambda x: x["seconds"])[len(runs) // 2]
        out[key] = {**median, "samples": [round(x["seconds"], 2) for x in runs]}
    return out


def paired_ratio(m: dict[str, dict], fast: str, slow: str) -> float:
    """Throughput of ``fast`` relative to ``slow`` (``slow``'s time ÷ ``fast``'s), as the
    median of the per-round ratios: each round's two runs were minutes apart, while the
    medians of the two jobs' times may come from rounds on a faster and a slower machine."""
    ratios = sorted(b / a for a, b in zip(m[fast]["samples"], m[slow]["samples"], strict=True))
    return ratios[len(ratios) // 2]


def warm_up(dirs: dict[str, Path]) -> None:
    """One untimed run of each model on the slice, so the first timed run does not pay
    for reading the model files into the page cache alone."""
    logger.info("warm-up (untimed)")
    run_measure("bare_spacy", folder=dirs["slice"])
    run_measure("bare_stanza", folder=dirs["slice"])


def bench(en_dir: Path, zh_dir: Path, output: Path, work: Path, *, repeats: int = 3) -> dict:
    dirs = build_corpora(en_dir, zh_dir, work / "corpora")
    runs = work / "runs"
    shutil.rmtree(runs, ignore_errors=True)
    sizes = {k: corpus_size(v) for k, v in dirs.items()}
    # Chinese on the 4x set: 1x is only ~65 documents, too little for the fixed costs
    # (loading, the graph) to amortize as they do on any real corpus
    paired = {
        "en_pipeline": ("pipeline", {"folder": dirs["en_1x"], "out": runs / "en"}),
        "en_bare": ("bare_spacy", {"folder": dirs["en_1x"]}),
        "en_naive": ("naive_spacy", {"folder": dirs["en_1x"]}),
        "en_pipeline_w2": ("pipeline", {"folder": dirs["en_1x"], "out": runs / "en_w2", "workers": 2}),
        "en_bare_w2": ("bare_spacy", {"folder": dirs["en_1x"], "n_process": 2}),
        "zh_pipeline": ("pipeline", {"folder": dirs["zh_4x"], "out": runs / "zh"}),
        "zh_bare": ("bare_stanza", {"folder": dirs["zh_4x"]}),
        "zh_pipeline_w2": ("pipeline", {"folder": dirs["zh_4x"], "out": runs / "zh_w2", "workers": 2}),
        "zh_bare_w2": ("bare_stanza", {"folder": dirs["zh_4x"], "n_process": 2}),
    }
    warm_up(dirs)
    m: dict[str, dict] = median_runs(paired, repeats)
    m["mixed_1x"] = run_measure("pipeline", folder=dirs["mixed_1x"], out=runs / "m1", cache=runs / "cache1")
    m["mixed_4x"] = run_measure("pipeline", folder=dirs["mixed_4x"], out=runs / "m4", cache=runs / "cache4")
    grown = work / "corpora" / "mixed_4x_plus1"
    shutil.rmtree(grown, ignore_errors=True)
    shutil.copytree(dirs["mixed_4x"], grown)
    shutil.copyfile(work / "corpora" / "extra_zh.txt", grown / "zz_added.txt")
    m["incremental"] = run_measure("pipeline", folder=grown, out=runs / "m4_plus1", cache=runs / "cache4")
    shutil.rmtree(grown)
    m["slice_serial"] = run_measure("pipeline", folder=dirs["slice"], out=runs / "slice")
    m["slice_dask"] = run_measure("pipeline", folder=dirs["slice"], out=runs / "slice_dask", scheduler="local:2")

    untouched_identical = per_document_rows(runs / "m4") == per_document_rows(runs / "m4_plus1", skip="zz_added")
    dask_identical = tables_equal(runs / "slice", runs / "slice_dask")
    inc = m["incremental"]["counts"]
    en, zh = sizes["en_1x"], sizes["zh_4x"]

    def tput(key: str, size: dict) -> dict:
        s = m[key]["seconds"]
        return {"docs_per_s": size["docs"] / s, "en_words_per_s": size["en_words"] / s,
                "zh_chars_per_s": size["zh_chars"] / s}  # fmt: skip

    ratios = {  # (faster job, slower job): throughput of the first relative to the second
        "en_vs_bare": ("en_pipeline", "en_bare"),
        "zh_vs_bare": ("zh_pipeline", "zh_bare"),
        "en_vs_naive": ("en_pipeline_w2", "en_naive"),
        "en_vs_naive_serial": ("en_pipeline", "en_naive"),
        "en_w2_vs_bare_w2": ("en_pipeline_w2", "en_bare_w2"),
        "zh_w2_vs_bare_w2": ("zh_pipeline_w2", "zh_bare_w2"),
        "zh_w2_vs_bare": ("zh_pipeline_w2", "zh_bare"),
    }
    summary = {
        **{key: paired_ratio(m, a, b) for key, (a, b) in ratios.items()},
        # the same ratios from the two jobs' median times, for comparison with older runs
        **{f"{key}_of_medians": m[b]["seconds"] / m[a]["seconds"] for key, (a, b) in ratios.items()},
        "rss_growth": m["mixed_4x"]["peak_rss_mb"] / m["mixed_1x"]["peak_rss_mb"],
        "incremental_fraction": m["incremental"]["seconds"] / m["mixed_4x"]["seconds"],
        "incremental_computed_docs": inc["computed"],
        "incremental_untouched_identical": untouched_identical,
        "dask_identical": dask_identical,
        "repeats": repeats,
    }
    rows = []
    labels = [
        ("en_pipeline", "English, diplograph run (serial)", en),
        ("en_bare", "English, bare spaCy nlp.pipe (same model + components)", en),
        ("en_naive", "English, naive loop nlp(text), default pipeline", en),
        ("en_pipeline_w2", "English, diplograph run --workers 2", en),
        ("en_bare_w2", "English, bare spaCy nlp.pipe n_process=2", en),
        ("zh_pipeline", "Chinese, diplograph run (serial)", zh),
        ("zh_bare", "Chinese, bare Stanza NER (same sentences)", zh),
        ("zh_pipeline_w2", "Chinese, diplograph run --workers 2", zh),
        ("zh_bare_w2", "Chinese, bare Stanza NER in 2 processes (half the sentences each)", zh),
        ("mixed_1x", "Mixed 1x, diplograph run (serial, cold cache)", sizes["mixed_1x"]),
        ("mixed_4x", "Mixed 4x, diplograph run (serial, cold cache)", sizes["mixed_4x"]),
        ("incremental", "Mixed 4x + 1 document, warm cache", {**sizes["mixed_4x"], "docs": sizes["mixed_4x"]["docs"] + 1}),
        ("slice_serial", "Slice, serial", sizes["slice"]),
        ("slice_dask", "Slice, Dask LocalCluster 2 workers", sizes["slice"]),
    ]  # fmt: skip
    for key, label, size in labels:
        r = m[key]
        stages = r.get("stage_seconds", {})
        rows.append({
            "run": key, "what": label, "docs": size["docs"], "en_words": size["en_words"],
            "zh_chars": size["zh_chars"], "seconds": round(r["seconds"], 2),
            "samples": " / ".join(f"{x:.2f}" for x in r.get("samples", [])),
            **{k: round(v, 1) for k, v in tput(key, size).items()},
            "peak_rss_mb": r["peak_rss_mb"],
            **{f"s_{k}": stages.get(k, "") for k in ("read", "normalize", "ner", "link", "extract", "cache", "write",
                                                     "graph")},
        })  # fmt: skip
    output.mkdir(parents=True, exist_ok=True)
    write_report(rows, summary, output)
    contract.atomic_write_text(output / "runs.json", json.dumps(m, indent=1, sort_keys=True) + "\n")
    return summary


COLUMNS = ["run", "what", "docs", "en_words", "zh_chars", "seconds", "samples", "docs_per_s", "en_words_per_s", "zh_chars_per_s",
           "peak_rss_mb", "s_read", "s_normalize", "s_ner", "s_link", "s_extract", "s_cache", "s_write", "s_graph"]  # fmt: skip


def write_report(rows: list[dict], summary: dict, output: Path) -> None:
    import csv
    import io
    import platform

    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    contract.atomic_write_text(output / "bench.csv", buf.getvalue())
    rounded = {k: round(v, 3) if isinstance(v, float) else v for k, v in summary.items()}
    contract.atomic_write_text(output / "summary.json", json.dumps(rounded, indent=1, sort_keys=True) + "\n")
    md = ["# diplograph benchmark", "",
          f"Machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}. "
          "Every run is a fresh process (imports and model loading included); `s_*` are seconds per "
          "stage, summed over worker processes when there are several. The English and Chinese "
          f"throughput rows ran {summary.get('repeats', 1)} times, round after round; `seconds` is "
          "the median run (its stage times too), `samples` every run.", "",
          "| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]  # fmt: skip
    md += ["| " + " | ".join(str(r[c]) for c in COLUMNS) + " |" for r in rows]
    md += ["", "## Summary (ratios from this run)", "", "| key | value |", "|---|---|"]
    md += [f"| `{k}` | {v} |" for k, v in sorted(rounded.items())]
    contract.atomic_write_text(output / "bench.md", "\n".join(md) + "\n")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "_measure":
        return _measure_main(argv[1:])
    p = argparse.ArgumentParser(prog="diplograph bench", description="Throughput, memory, incremental and Dask runs.")
    p.add_argument("--en", type=Path, required=True, help="folder of English .txt articles (bench/en-bbc)")
    p.add_argument("--zh", type=Path, required=True, help="the zh-ner corpora folder")
    p.add_argument("--output", type=Path, default=Path("outputs/bench"), help="bench.csv, bench.md, summary.json")
    p.add_argument(
        "--repeats", type=int, default=3, help="rounds of the throughput measurements (median per-round ratios count)"
    )
    p.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "diplograph-bench",
                   help="corpora and runs (outside the repository)")  # fmt: skip
    a = p.parse_args(argv)
    for d in (a.en, a.zh):
        if not d.is_dir():
            sys.stderr.write(f"diplograph bench: folder not found: {d}\n")
            return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    summary = bench(a.en, a.zh, a.output, a.work, repeats=max(1, a.repeats))
    sys.stdout.write(json.dumps(summary, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
