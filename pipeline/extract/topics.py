"""Topics: the taxonomy's cues (models/topics/topics.yaml) scored over a document's
sentences, and over the passages that report each meeting."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from pipeline import contract
from pipeline.params import ExtractParams
from pipeline.text.spans import SpanSet
from pipeline.text.textnorm import view_of

logger = logging.getLogger(__name__)


@dataclass
class Topics:
    """The compiled topic taxonomy: cues per topic and language, weak cues, exclusions."""

    en: dict[str, re.Pattern]
    zh: dict[str, re.Pattern]
    weak_en: re.Pattern | None
    weak_zh: re.Pattern | None
    not_en: dict[str, re.Pattern] = field(default_factory=dict)
    not_zh: dict[str, re.Pattern] = field(default_factory=dict)
    # a list of the talks' subjects: item separators and clause bounds per language
    list_sep: dict[str, re.Pattern] = field(default_factory=dict)
    list_bounds: dict[str, re.Pattern] = field(default_factory=dict)
    list_subjects: dict[str, re.Pattern] = field(default_factory=dict)  # the clause speaks of subjects
    any_cue: dict[str, re.Pattern] = field(default_factory=dict)  # every topic's cues, one pattern
    in_bodies: frozenset[str] = frozenset()  # topics whose cues name bodies: opening a body's name they count

    @classmethod
    def load(cls, path: Path) -> Topics:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        en, zh, not_en, not_zh = {}, {}, {}, {}
        for tid, cues in data["topics"].items():
            if cues.get("en"):
                en[tid] = _en_rx(cues["en"])
            if cues.get("zh"):
                zh[tid] = re.compile("|".join(cues["zh"]))
            if cues.get("not_en"):
                not_en[tid] = _en_rx(cues["not_en"])
            if cues.get("not_zh"):
                not_zh[tid] = re.compile("|".join(cues["not_zh"]))
        weak = data.get("weak", {})
        w_en = re.compile(r"(?:" + "|".join(weak["en"]) + r")", re.IGNORECASE) if weak.get("en") else None
        w_zh = re.compile("|".join(weak["zh"])) if weak.get("zh") else None
        lists = data.get("lists", {})
        flags = {"en": re.IGNORECASE, "zh": 0}
        sep = {k: re.compile(v["separators"], flags[k]) for k, v in lists.items()}
        bounds = {k: re.compile(v["bounds"]) for k, v in lists.items()}
        subjects = {k: re.compile(v["subjects"], flags[k]) for k, v in lists.items()}
        any_cue = {"en": _en_rx([c for t in data["topics"].values() for c in t.get("en", [])]),
                   "zh": re.compile("|".join(c for t in data["topics"].values() for c in t.get("zh", [])))}  # fmt: skip
        in_bodies = frozenset(tid for tid, cues in data["topics"].items() if cues.get("in_body_names"))
        return cls(en, zh, w_en, w_zh, not_en, not_zh, sep, bounds, subjects, any_cue, in_bodies)


def _en_rx(cues: list[str]) -> re.Pattern:
    return re.compile(r"(?<![\w-])(?:" + "|".join(cues) + r")(?![\w-])", re.IGNORECASE)


@dataclass(frozen=True)
class TopicHit:
    """A topic of a passage, with its score, evidence sentence and strongest cue."""

    topic_id: str
    score: float
    evidence: str
    cue: str
    start: int
    end: int


def _listed(text: str, s: int, e: int, a: int, b: int, lang: str, topics: Topics) -> bool:
    """Whether the cue at ``a:b`` heads one item of a list of the talks' subjects whose
    next or previous item (in Chinese: any other item of the 、 list) holds a cue too:
    "trade, cultural and humanitarian ties", 在金融、商贸、清洁能源等领域. The clause must
    speak of subjects (cooperation, issues, 领域, 议题), so that a list of guests is none."""
    sep, bounds = topics.list_sep.get(lang), topics.list_bounds.get(lang)
    if sep is None or bounds is None:
        return False
    lo = max((m.end() for m in bounds.finditer(text, max(s, a - 160), a)), default=max(s, a - 160))
    hi = next((m.start() for m in bounds.finditer(text, b, min(e, b + 160))), min(e, b + 160))
    clause = text[lo:hi]
    if (lang == "zh" and "、" not in clause) or not topics.list_subjects[lang].search(clause):
        return False
    cuts = [lo, *sorted(x for m in sep.finditer(clause) for x in (lo + m.start(), lo + m.end())), hi]
    items = [(cuts[i], cuts[i + 1]) for i in range(0, len(cuts) - 1, 2)]
    own = next((i for i, (x, y) in enumerate(items) if x <= a and b <= y), None)
    if own is None or len(items) < 2:
        return False
    x, y = items[own]
    if lang == "zh":  # the cue ends its item (清洁能源, 全球卫生议题), not a word inside it (黑海港口农产品协议)
        if y - b > 4 and not text.startswith(("等", "领域", "方面", "议题", "问题", "合作"), b):
            return False
        others = [it for i, it in enumerate(items) if i != own]
    else:  # the cue opens its item ("security came up", "cultural ties"): at most two words before it
        if len(text[x:a].split()) > 2:
            return False
        others = []
        if own > 0:  # the last words of the item before
            px, py = items[own - 1]
            others.append((max(px, py - 30), py))
        if own + 1 < len(items):  # the first words of the item after
            nx, ny = items[own + 1]
            others.append((nx, min(ny, nx + 30)))
    return any(topics.any_cue[lang].search(text, x, y) for x, y in others)


def score_topics(
    rec: contract.LinkedRecord, spans: list[list[int]], topics: Topics, params: ExtractParams
) -> list[TopicHit]:
    """Topics of the sentences ``spans`` of a linked document.

    Each sentence adds the weight of its strongest cue (1, or 0.5 for a weak cue that is
    not one item of a list of subjects beside another topic's cue). A cue
    inside a name (person, organization, place) does not count unless it is the whole
    name ("Taiwan", "SCO"), and neither does a cue inside a topic's exclusions
    ("Belt and Road" is not road building).
    """
    text, original = view_of(rec), rec["text"]
    names = SpanSet((m["start"], m["end"]) for m in rec["mentions"] if m.get("type"))
    bodies = {m["start"] for m in rec["mentions"] if m.get("type") == "organization"}
    by_lang: dict[str, list[list[int]]] = {}
    for span in spans:
        by_lang.setdefault("zh" if contract.lang_at(rec, span[0]) == "zh" else "en", []).append(span)
    tids = sorted(set(topics.en) | set(topics.zh))
    ordered = sorted((s, e, lang) for lang, sp in by_lang.items() for s, e in sp)
    stretch = {lang: (min(s for s, _ in sp), max(e for _, e in sp)) for lang, sp in by_lang.items()}
    rows = []
    for tid in tids:
        # one search over the stretch of text a language's sentences cover skips the
        # topics without any cue there (most topics, for most documents)
        present = {lang for lang, (lo, hi) in stretch.items()
                   if (rx := (topics.zh if lang == "zh" else topics.en).get(tid)) is not None
                   and rx.search(text, lo, hi)}  # fmt: skip
        if not present:
            continue
        score, best = 0.0, None
        for s, e, lang in ordered:
            rx = (topics.zh if lang == "zh" else topics.en).get(tid)
            if rx is None or lang not in present:
                continue
            weak = topics.weak_zh if lang == "zh" else topics.weak_en
            nots = topics.not_zh if lang == "zh" else topics.not_en
            excluded = [(m.start(), m.end()) for m in nots[tid].finditer(text, s, e)] if tid in nots else []
            sent_best = 0.0
            for m in rx.finditer(text, s, e):
                a, b = m.start(), m.end()
                if names.overlaps_other(a, b) and not (tid in topics.in_bodies and a in bodies):
                    continue  # part of a name, not the name itself (but 亚太经合组织 is APEC)
                if any(xs <= a and b <= xe for xs, xe in excluded):
                    continue
                w = 0.5 if weak is not None and weak.fullmatch(m.group()) else 1.0
                if w < 1.0 and _listed(text, s, e, a, b, lang, topics):
                    w = 1.0  # one of the subjects the passage lists
                if w > sent_best:
                    sent_best = w
                    if best is None or w > best[0]:
                        best = (w, m.group(), s, e, m.start(), m.end())
            score += sent_best
        if score >= params.topic_min_score and best:
            _, _, s, e, cs, ce = best
            rows.append(TopicHit(tid, round(score, 2), " ".join(original[s:e].split())[:500], original[cs:ce], cs, ce))
    return rows


def tag_topics(rec: contract.LinkedRecord, topics: Topics, params: ExtractParams) -> list[contract.DocTopic]:
    """Topics of a whole document."""
    return [
        contract.DocTopic(rec["doc_id"], h.topic_id, h.score, h.evidence, h.cue, h.start, h.end)
        for h in score_topics(rec, rec["sentences"], topics, params)
    ]
