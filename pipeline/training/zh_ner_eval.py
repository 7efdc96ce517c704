"""Evaluate Chinese NER end to end, through the pipeline, on held-out corpora.

``diplograph eval-zh-ner --data ../shared/data/zh-ner --output outputs/zh_ner_eval.json``

The test sentences (MSRA test, CLUENER dev) are written *as they are in the corpus*
(full-width digits and all) into JSONL documents of ``--per-doc`` sentences, one
sentence a line, and go through :func:`pipeline.cli.run_all` exactly as user articles
do: decoding, NFKC, sentence splitting, the Stanza model, the offset map back to the
original text. The model's mentions (``interim/ner.jsonl``) are then scored against
the gold spans at entity level (exact span and type), per type and overall.

CLUENER is scored on the types it shares with our scheme (name→PER;
organization/government/company→ORG; address/scene→LOC), and separately on PER and
ORG alone, since its LOC covers addresses and sights more than countries and cities.

The overall F1 comes with a 95 % bootstrap interval over documents
(:func:`bootstrap_f1`): how far the score would move on another test set of the same
kind, so that two settings are not told apart by less than that.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import tempfile
import time
from collections import Counter
from pathlib import Path

from pipeline import contract
from pipeline.training import zh_ner_data as zd

logger = logging.getLogger(__name__)

__all__ = ["bootstrap_f1", "evaluate_corpus", "make_documents", "score_spans"]


def make_documents(sentences: list[zd.TaggedSentence], *, per_doc: int, prefix: str) -> tuple[list[dict], dict]:
    """JSONL records of ``per_doc`` sentences each, and the gold spans by document."""
    docs, gold = [], {}
    for i in range(0, len(sentences), per_doc):
        doc_id = f"{prefix}{i // per_doc:05d}"
        parts, spans, offset = [], [], 0
        for s in sentences[i : i + per_doc]:
            starts = []
            for tok in s.tokens:
                starts.append(offset)
                offset += len(tok)
            for a, b, label in zd.spans_from_tags(s.tags):
                spans.append((starts[a], starts[b - 1] + len(s.tokens[b - 1]), label))
            parts.append("".join(s.tokens))
            offset += 1  # the newline
        docs.append({"id": doc_id, "text": "\n".join(parts), "lang": "zh"})
        gold[doc_id] = spans
    return docs, gold


def _documents(gold: dict[str, list[tuple]], pred: dict[str, list[tuple]], labels: tuple[str, ...]):
    """Each gold document's gold and predicted spans of ``labels``, as sets, in id order."""
    for doc_id in sorted(gold):
        yield ({x for x in gold[doc_id] if x[2] in labels}, {x for x in pred.get(doc_id, []) if x[2] in labels})


def score_spans(gold: dict[str, list[tuple]], pred: dict[str, list[tuple]], labels: tuple[str, ...]) -> dict:
    """Entity-level P/R/F1 (exact span and type), per type and micro overall."""
    tp, fp, fn = Counter(), Counter(), Counter()
    for g, p in _documents(gold, pred, labels):
        for x in g & p:
            tp[x[2]] += 1
        for x in p - g:
            fp[x[2]] += 1
        for x in g - p:
            fn[x[2]] += 1

    def prf(t: int, f_p: int, f_n: int) -> dict:
        p = t / (t + f_p) if t + f_p else 0.0
        r = t / (t + f_n) if t + f_n else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "support": t + f_n}

    out = {lab: prf(tp[lab], fp[lab], fn[lab]) for lab in labels}
    out["overall"] = prf(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    return out


def bootstrap_f1(gold: dict[str, list[tuple]], pred: dict[str, list[tuple]], labels: tuple[str, ...], *,
                 resamples: int = 1000, seed: int = 0) -> list[float]:  # fmt: skip
    """95 % percentile-bootstrap interval of the micro F1, resampling whole documents.

    Documents, not sentences, are drawn: a name tends to recur within one article, so
    its sentences do not count as independent evidence. Seeded, hence deterministic.
    """
    counts = [(len(g & p), len(p - g), len(g - p)) for g, p in _documents(gold, pred, labels)]
    if not counts:
        return [0.0, 0.0]
    rng = random.Random(seed)
    scores = []
    for _ in range(resamples):
        tp = fp = fn = 0
        for t, f_p, f_n in rng.choices(counts, k=len(counts)):
            tp, fp, fn = tp + t, fp + f_p, fn + f_n
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    scores.sort()
    return [round(scores[int(0.025 * (resamples - 1))], 4), round(scores[int(0.975 * (resamples - 1))], 4)]


def evaluate_corpus(sentences: list[zd.TaggedSentence], *, name: str, per_doc: int,
                    params_path: Path | None) -> tuple[dict, dict]:  # fmt: skip
    """Run the pipeline on documents made of ``sentences``; return (gold, predicted) spans."""
    from pipeline.cli import run_all

    docs, gold = make_documents(sentences, per_doc=per_doc, prefix=f"{name}_")
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = Path(tmp) / "in", Path(tmp) / "out"
        inp.mkdir()
        (inp / f"{name}.jsonl").write_text(
            "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8"
        )
        t0 = time.time()
        run_all(inp, out, params_path, progress=True)
        logger.info("%s: pipeline ran on %d documents in %.0f s", name, len(docs), time.time() - t0)
        pred = {}
        for ann in contract.read_jsonl(out / "interim" / "ner.jsonl"):
            pred[ann["doc_id"]] = [(m["start"], m["end"], m["ner_label"]) for m in ann["mentions"]]
    return gold, pred


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="diplograph eval-zh-ner", description="Score Chinese NER through the pipeline.")
    p.add_argument("--data", type=Path, required=True, help="folder with the zh-ner corpora")
    p.add_argument("--output", type=Path, required=True, help="JSON report to write")
    p.add_argument("--params", type=Path, default=None, help="params.yaml (default: the project's)")
    p.add_argument("--per-doc", type=int, default=40, help="sentences per document")
    p.add_argument("--limit", type=int, default=0, help="only the first N sentences of each corpus (0: all)")
    p.add_argument("--corpora", nargs="+", default=["msra_test", "cluener_dev"], choices=["msra_test", "cluener_dev"])
    a = p.parse_args(argv)
    from pipeline.params import default_params_path

    params_path = a.params or default_params_path()
    corpora = {
        "msra_test": zd.read_conll_chars((a.data / "msra_test_bio.txt").read_text(encoding="utf-8").splitlines(),
                                         source="msra_test"),
        "cluener_dev": zd.read_cluener((a.data / "cluener_dev.json").read_text(encoding="utf-8").splitlines(),
                                       source="cluener_dev"),
    }  # fmt: skip
    report = {}
    for name, sents in corpora.items():
        if name not in a.corpora:
            continue
        if a.limit:
            sents = sents[: a.limit]
        gold, pred = evaluate_corpus(sents, name=name, per_doc=a.per_doc, params_path=params_path)
        report[name] = {"sentences": len(sents), "scores": score_spans(gold, pred, ("PER", "LOC", "ORG"))}
        report[name]["scores"]["overall"]["f1_ci95"] = bootstrap_f1(gold, pred, ("PER", "LOC", "ORG"))
        if name == "cluener_dev":
            report[name]["scores_per_org"] = score_spans(gold, pred, ("PER", "ORG"))
        logger.info("%s overall F1 %.4f", name, report[name]["scores"]["overall"]["f1"])
    contract.atomic_write_text(a.output, json.dumps(report, indent=1, sort_keys=True) + "\n")
    return 0
