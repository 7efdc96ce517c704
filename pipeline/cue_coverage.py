"""Cue coverage: why the topics a run missed were missed, per topic, in counts only.

``diplograph cue-coverage --errors outputs/dev/errors.csv --docs ../shared/dev/docs``
reads the missed and false topics of an evaluation (``errors.csv`` of
``diplograph evaluate``) and, for each missed (document, topic), searches the whole
document with that topic's cues (``models/topics/topics.yaml``, the same compiled
patterns extract uses, on the simplified view of Chinese text):

- **no cue**: no cue of the topic occurs anywhere in the article: the taxonomy does not
  know how this article says it (add synonyms, inflections, set phrases — written from
  general knowledge of how readouts say the topic, never copied from the article);
- **cue, not counted**: a cue occurs but extract did not count it (inside a name, inside
  an exclusion, a weak cue below ``extract.topic_min_score``).

The report is a table of counts (and document ids), so that it can be read, shared and
compared between taxonomy versions without quoting the articles. Writes Markdown to
``--output`` (default: stdout).
"""

from __future__ import annotations

import argparse
import csv
import logging
import sys
from collections import defaultdict
from pathlib import Path

from pipeline.extract.topics import Topics
from pipeline.text.textnorm import has_cjk, simplified_view

logger = logging.getLogger(__name__)

__all__ = ["coverage", "render"]


def coverage(errors: list[dict], texts: dict[str, str], topics: Topics) -> dict[str, dict]:
    """Per topic: missed documents without any cue, missed with a cue, false positives.

    Args:
        errors: rows of errors.csv (``doc_id``, ``lang``, ``area``, ``error``, ``system``, ``gold``).
        texts: document id → its text (the simplified view for Chinese).
        topics: the compiled taxonomy.
    """
    out: dict[str, dict] = defaultdict(lambda: {"no_cue": [], "cue_not_counted": [], "false": []})
    for r in errors:
        if r.get("area") != "topics":
            continue
        if r.get("error") == "false":
            tid = r["system"].split(" ")[0]
            out[tid]["false"].append(r["doc_id"])
            continue
        if r.get("error") != "missed":
            continue
        tid, text = r["gold"], texts.get(r["doc_id"], "")
        rx = (topics.zh if r.get("lang") == "zh" else topics.en).get(tid)
        key = "cue_not_counted" if rx is not None and rx.search(text) else "no_cue"
        out[tid][key].append(r["doc_id"])
    return dict(sorted(out.items()))


def render(cov: dict[str, dict]) -> str:
    """The coverage table as Markdown."""
    lines = ["# Topic cue coverage", "",
             "| topic | missed, no cue in the article | missed, cue not counted | false | documents without a cue |",
             "|---|---|---|---|---|"]  # fmt: skip
    for tid, c in cov.items():
        docs = ", ".join(sorted(set(c["no_cue"])))
        lines.append(f"| {tid} | {len(c['no_cue'])} | {len(c['cue_not_counted'])} | {len(c['false'])} | {docs} |")
    total = {k: sum(len(c[k]) for c in cov.values()) for k in ("no_cue", "cue_not_counted", "false")}
    lines += ["", f"Missed without a cue: {total['no_cue']}; missed with a cue: {total['cue_not_counted']}; "
              f"false: {total['false']}."]  # fmt: skip
    return "\n".join(lines) + "\n"


def _texts(docs: Path) -> dict[str, str]:
    out = {}
    for p in sorted(docs.glob("*.txt")):
        text = p.read_text(encoding="utf-8", errors="replace")
        out[p.stem] = simplified_view(text) if has_cjk(text) else text
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="diplograph cue-coverage", description=__doc__.splitlines()[0])
    p.add_argument("--errors", type=Path, required=True, help="errors.csv written by diplograph evaluate")
    p.add_argument("--docs", type=Path, required=True, help="the articles the run read (*.txt)")
    p.add_argument("--topics", type=Path, default=Path("models/topics/topics.yaml"))
    p.add_argument("--output", type=Path, help="Markdown report (default: stdout)")
    a = p.parse_args(argv)
    with a.errors.open(encoding="utf-8", newline="") as f:
        errors = list(csv.DictReader(f))
    md = render(coverage(errors, _texts(a.docs), Topics.load(a.topics)))
    if a.output:
        a.output.write_text(md, encoding="utf-8")
        logger.info("cue coverage: %s", a.output)
    else:
        sys.stdout.write(md)
    return 0
