"""``diplograph``: one command, one sub-command per stage, and ``run`` for all of them.

Each stage's sub-command is its module's ``main`` (paths on the command line, settings
from ``params.yaml``), exactly what dvc.yaml calls. ``diplograph run --input DIR --output
DIR`` runs every stage in one process on any folder, outside DVC, with the same code.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import re
import sys
import time
from pathlib import Path

from pipeline.params import ParamsError, default_params_path, load_all

logger = logging.getLogger("diplograph")

STAGES = {
    "normalize": "pipeline.normalize",
    "ner": "pipeline.ner",
    "link": "pipeline.link",
    "extract": "pipeline.extract",
    "graph": "pipeline.graph",
    "evaluate": "pipeline.evaluate",
    "cue-coverage": "pipeline.cue_coverage",
    "train-zh-ner": "pipeline.training.train_zh_ner",
    "eval-zh-ner": "pipeline.training.zh_ner_eval",
    "build-kb": "pipeline.kb",
    "bench": "pipeline.training.bench",
}
DESCRIPTIONS = {
    "run": "run every stage on a folder of articles (outside DVC)",
    "normalize": "decode inputs; language, script, dates, boilerplate",
    "ner": "named-entity mentions (spaCy for English, Stanza for Chinese)",
    "link": "mentions → entities, across documents and languages",
    "extract": "meetings, affiliations, topics; documents.csv",
    "graph": "the entity graph (GraphML, GEXF, node-link JSON) and its views (graph.html, graph.png, report.md)",
    "evaluate": "score a run against gold annotations",
    "cue-coverage": "count the missed topics whose article holds none of the topic's cues (make eval-dev)",
    "train-zh-ner": "train the Chinese Stanza NER model",
    "eval-zh-ner": "score Chinese NER through the pipeline on MSRA test and CLUENER dev",
    "build-kb": "build the knowledge base from CLDR and the curated file",
    "bench": "throughput, memory, incremental and Dask benchmark (make bench)",
}


def run_all(input_dir: Path, output_dir: Path, params_path: Path | None, *, progress: bool = True,
            workers: int = 1, scheduler: str | None = None, cache_dir: Path | None = None) -> dict:  # fmt: skip
    """All stages on ``input_dir``; tables and graph in ``output_dir``. Returns counts.

    The per-document stages stream through :func:`pipeline.run.runner.run_corpus` (cached per
    document in ``cache_dir`` when given; in parallel with ``workers`` or ``scheduler``);
    then the graph stage reads the tables, exactly as under DVC.
    """
    from functools import partial

    from pipeline import graph, views
    from pipeline.run import runner
    from pipeline.run.helper import HelperProcess

    params = load_all(params_path)
    t0 = time.perf_counter()
    # one helper process, started now: a serial run hands it the stages around the models
    # (it loads the KB while this process loads them); the graph stage, its drawing
    serial = workers == 1 and not scheduler
    with HelperProcess(warm=(partial(runner.warm_helper, params),) if serial else ()) as helper:
        counts = runner.run_corpus(input_dir, output_dir, params, workers=workers, scheduler=scheduler,
                                   cache_dir=cache_dir, progress=progress, helper=helper,
                                   helper_later=(views.warm_up,))  # fmt: skip
        t = time.perf_counter()
        graph.publish(output_dir, output_dir, params["graph"], worker=helper)
    counts["stage_seconds"]["graph"] = round(time.perf_counter() - t, 3)
    counts["seconds"] = round(time.perf_counter() - t0, 2)
    logger.info("run finished: %s", json.dumps(counts))
    return counts


def _run_command(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="diplograph run", description=DESCRIPTIONS["run"])
    p.add_argument("--input", type=Path, required=True, help="folder of *.txt / *.jsonl / *.html articles")
    p.add_argument("--output", type=Path, required=True, help="folder for the tables and the graph")
    p.add_argument("--params", type=Path, default=None, help="params.yaml (default: the project's)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--workers", type=int, default=1, help="worker processes on this machine (default 1)")
    p.add_argument(
        "--scheduler",
        default=None,
        help="run on Dask: a scheduler address (tcp://host:8786) or local:N for a LocalCluster of N workers",
    )
    p.add_argument(
        "--cache",
        type=Path,
        default=None,
        help="per-document result cache (default OUTPUT/.cache; re-runs compute only new or changed documents)",
    )
    p.add_argument("--no-cache", action="store_true", help="compute every document, read and write no cache")
    a = p.parse_args(argv)
    if a.workers < 1:
        raise UsageError("--workers must be at least 1")
    if a.scheduler and a.scheduler.startswith("local") and not re.fullmatch(r"local(:[1-9]\d*)?", a.scheduler):
        raise UsageError(f"--scheduler {a.scheduler!r}: use local or local:N (N workers), or a scheduler address")
    if not a.input.is_dir():
        raise UsageError(f"input folder not found: {a.input}")
    params_path = a.params if a.params is not None else default_params_path()
    if a.params is not None and not a.params.exists():
        raise UsageError(f"params file not found: {a.params}")
    cache = None if a.no_cache else (a.cache or a.output / ".cache")
    run_all(a.input, a.output, params_path, progress=not a.no_progress, workers=a.workers,
            scheduler=a.scheduler, cache_dir=cache)  # fmt: skip
    return 0


class UsageError(Exception):
    """The run cannot start (bad folder, bad params): one line, exit 2."""


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if not argv or argv[0] in ("-h", "--help"):
        width = max(map(len, DESCRIPTIONS))
        lines = [f"  {k.ljust(width)}  {v}" for k, v in DESCRIPTIONS.items()]
        sys.stdout.write("usage: diplograph COMMAND [options]\n\ncommands:\n" + "\n".join(lines) + "\n")
        return 0 if argv else 2
    cmd, rest = argv[0], argv[1:]
    try:
        if cmd == "run":
            return _run_command(rest)
        if cmd not in STAGES:
            raise UsageError(f"unknown command {cmd!r}; see 'diplograph --help'")
        return importlib.import_module(STAGES[cmd]).main(rest)
    except (UsageError, ParamsError) as e:
        sys.stderr.write(f"diplograph: error: {e}\n")
        return 2
    except RuntimeError as e:  # a model that cannot be loaded, etc.
        sys.stderr.write(f"diplograph: error: {e}\n")
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
