"""Evaluate a run's tables against a gold file in the format of ``tests/gold/seeds.json``.

Scores (micro-averaged over documents):

- entities per type (persons, countries, organizations): a system entity of the document
  matches a gold item when any of its names (canonical English, Chinese, aliases seen)
  equals any gold alias, case-insensitive after NFKC; gold items marked optional are
  neither required nor false positives; a gold place typed as a country is counted;
- cross-language identity: gold persons found under more than one entity id in the run;
- meetings at the level of participant pairs, with date and place accuracy on the
  matched pairs (a date within the gold ``date_range`` counts as right);
- topics: (document, topic) pairs, optional topics ignored.
"""

from __future__ import annotations

import json
import logging
import unicodedata
from collections import defaultdict
from itertools import combinations
from pathlib import Path

from pipeline import contract
from pipeline.params import load_section, stage_parser

logger = logging.getLogger(__name__)

__all__ = ["evaluate", "prf"]

TYPE_KEYS = {"persons": "person", "countries": "country", "organizations": "organization"}


def _norm(s: str) -> str:
    return unicodedata.normalize("NFKC", s).casefold().strip()


def _gold_items(items: list) -> list[tuple[set[str], bool]]:
    out = []
    for item in items:
        names = {_norm(x) for x in item if isinstance(x, str)}
        optional = any(isinstance(x, dict) and x.get("optional") for x in item)
        out.append((names, optional))
    return out


def prf(tp: int, fp: int, fn: int) -> dict:
    """Precision, recall, F1 (1.0 when there is nothing to find and nothing found)."""
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "tp": tp, "fp": fp, "fn": fn}


def _match(names: set[str], gold: list[tuple[set[str], bool]]) -> int | None:
    for i, (g, _) in enumerate(gold):
        if names & g:
            return i
    return None


def evaluate(tables: Path, gold: dict) -> dict:
    """All scores for the run in ``tables`` against ``gold``."""
    t = {name: contract.read_table(tables / name, cls) for name, cls in contract.TABLES.items()}
    ents = {e.entity_id: e for e in t["entities.csv"]}

    def names_of(eid: str) -> set[str]:
        e = ents.get(eid)
        if e is None:
            return set()
        return {_norm(x) for x in [e.name, e.name_en, e.name_zh, *json.loads(e.aliases or "[]")] if x}

    doc_ents: dict[str, set[str]] = defaultdict(set)
    for m in t["mentions.csv"]:
        if m.entity_id:
            doc_ents[m.doc_id].add(m.entity_id)
    counts = {k: [0, 0, 0] for k in TYPE_KEYS}
    per_doc: dict[str, dict] = {}
    place_as_country: list[str] = []
    person_ids: dict[str, set[str]] = defaultdict(set)
    for doc_id, g in gold.items():
        if doc_id.startswith("_"):
            continue
        per_doc[doc_id] = {}
        for key, typ in TYPE_KEYS.items():
            optional_items = [[*x, {"optional": True}] for x in g.get(f"{key}_optional", [])]
            items = _gold_items([*g.get(key, []), *optional_items])
            sys_ids = sorted(e for e in doc_ents.get(doc_id, ()) if ents.get(e) and ents[e].type == typ)
            found: set[int] = set()
            fp = []
            for eid in sys_ids:
                i = _match(names_of(eid), items)
                if i is None:
                    fp.append(ents[eid].name)
                else:
                    found.add(i)
                    if key == "persons" and not items[i][1]:
                        person_ids[sorted(items[i][0])[0]].add(eid)
            required = [i for i, (_, opt) in enumerate(items) if not opt]
            tp = len([i for i in required if i in found])
            fn_names = [sorted(items[i][0])[0] for i in required if i not in found]
            counts[key][0] += tp
            counts[key][1] += len(fp)
            counts[key][2] += len(fn_names)
            per_doc[doc_id][key] = {**prf(tp, len(fp), len(fn_names)), "false_positives": fp, "missed": fn_names}
        places = _gold_items(g.get("places", []))
        for eid in doc_ents.get(doc_id, ()):
            if ents.get(eid) and ents[eid].type == "country" and _match(names_of(eid), places) is not None:
                place_as_country.append(f"{doc_id}:{ents[eid].name}")
    result: dict = {"entities": {k: prf(*v) for k, v in counts.items()}}
    result["entities"]["place_typed_as_country"] = len(place_as_country)
    split = {k: sorted(v) for k, v in person_ids.items() if len(v) > 1}
    result["entities"]["persons_split_across_ids"] = len(split)
    result["meetings"] = _score_meetings(t, gold, names_of)
    result["topics"] = _score_topics(t["doc_topics.csv"], gold)
    result["per_doc"] = per_doc
    result["details"] = {"place_typed_as_country": place_as_country, "persons_split_across_ids": split}
    return result


def _score_meetings(t: dict, gold: dict, names_of) -> dict:
    parts: dict[str, list[str]] = defaultdict(list)
    for p in t["meeting_participants.csv"]:
        parts[p.meeting_id].append(p.entity_id)
    meetings = {m.meeting_id: m for m in t["meetings.csv"]}
    tp = fp = fn = 0
    date_ok = place_ok = matched = 0
    errors: list[str] = []
    for doc_id, g in gold.items():
        if doc_id.startswith("_"):
            continue
        gold_pairs: dict[frozenset, tuple[dict, bool]] = {}
        persons = _gold_items(g.get("persons", []) + g.get("persons_optional", []))
        for gm in g.get("meetings", []):
            idx = [_match({_norm(x) for x in p if isinstance(x, str)}, persons) for p in gm["participants"]]
            for a, b in combinations(idx, 2):
                if a is not None and b is not None and a != b:
                    gold_pairs[frozenset((a, b))] = (gm, bool(gm.get("optional")))
        sys_pairs: dict[frozenset, object] = {}
        for mid, m in meetings.items():
            if m.doc_id != doc_id:
                continue
            idx = [_match(names_of(e), persons) for e in parts.get(mid, [])]
            for a, b in combinations(idx, 2):
                key = (
                    frozenset((a, b))
                    if a is not None and b is not None and a != b
                    else frozenset((mid, str(a), str(b)))
                )
                sys_pairs.setdefault(key, m)
        for key, m in sys_pairs.items():
            if key in gold_pairs:
                gm, _ = gold_pairs[key]
                tp += 1
                matched += 1
                d_ok = _date_ok(m.date, gm)
                p_ok = _place_ok(m.place, gm.get("place"))
                date_ok += d_ok
                place_ok += p_ok
                if not (d_ok and p_ok):
                    errors.append(
                        f"{doc_id}: {m.evidence[:60]}… date {m.date or '-'} vs {gm.get('date')}, place {m.place or '-'} vs {gm.get('place')}"
                    )
            else:
                fp += 1
                errors.append(f"{doc_id}: false meeting: {m.evidence[:80]}")
        for key, (gm, optional) in gold_pairs.items():
            if key not in sys_pairs and not optional:
                fn += 1
                errors.append(f"{doc_id}: missed meeting: {gm.get('evidence', '')[:80]}")
    out = prf(tp, fp, fn)
    out["date_accuracy"] = round(date_ok / matched, 4) if matched else None
    out["place_accuracy"] = round(place_ok / matched, 4) if matched else None
    out["errors"] = errors
    return out


def _date_ok(sys_date: str, gm: dict) -> bool:
    gold = gm.get("date")
    if not gold:
        return not sys_date
    if not sys_date:
        return False
    rng = gm.get("date_range")
    if rng and len(sys_date) == 10:
        return rng[0] <= sys_date <= rng[1]
    return sys_date == gold


def _place_ok(sys_place: str, gold_place: list | None) -> bool:
    if not gold_place:
        return not sys_place
    names = {_norm(x) for x in gold_place if isinstance(x, str)}
    optional = any(isinstance(x, dict) and x.get("optional") for x in gold_place)
    if not sys_place:
        return optional
    return _norm(sys_place) in names or _norm(sys_place).removeprefix("the ") in names


def _score_topics(rows: list[contract.DocTopic], gold: dict) -> dict:
    sys = defaultdict(set)
    for r in rows:
        sys[r.doc_id].add(r.topic_id)
    tp = fp = fn = 0
    per_lang: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for doc_id, g in gold.items():
        if doc_id.startswith("_"):
            continue
        want, opt = set(g.get("topics", [])), set(g.get("topics_optional", []))
        got = sys.get(doc_id, set()) - opt
        c = (len(got & want), len(got - want), len(want - got))
        tp, fp, fn = tp + c[0], fp + c[1], fn + c[2]
        lang = per_lang[g.get("lang", "")]
        for i in range(3):
            lang[i] += c[i]
    return {**prf(tp, fp, fn), "by_lang": {k: prf(*v) for k, v in sorted(per_lang.items())}}


def main(argv: list[str] | None = None) -> int:
    p = stage_parser("evaluate", "Score a run against gold annotations.", metrics=False)
    p.add_argument("--tables", type=Path, required=True, help="folder with the run's CSV tables")
    p.add_argument("--gold", type=Path, default=None, help="gold JSON (default: evaluate.gold in params.yaml)")
    p.add_argument("--output", type=Path, required=True, help="metrics.json to write (the summary scores)")
    p.add_argument("--details", type=Path, default=None, help="JSON with per-document scores and every error")
    a = p.parse_args(argv)
    gold_path = a.gold or Path(load_section(a.params, "evaluate").gold)
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    result = evaluate(a.tables, gold)
    summary = {
        "entities": result["entities"],
        "meetings": {k: v for k, v in result["meetings"].items() if k != "errors"},
        "topics": result["topics"],
    }
    contract.atomic_write_text(a.output, json.dumps(summary, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    if a.details is not None:
        contract.atomic_write_text(a.details, json.dumps(result, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    e, m, tp = result["entities"], result["meetings"], result["topics"]
    logger.info("persons F1 %.3f, countries F1 %.3f, organizations F1 %.3f, meetings F1 %.3f, topics F1 %.3f",
                e["persons"]["f1"], e["countries"]["f1"], e["organizations"]["f1"], m["f1"], tp["f1"])  # fmt: skip
    return 0
