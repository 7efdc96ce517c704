"""Score a run's tables against a gold file in the seed gold's format (seeds or the dev set).

Every figure is given overall, per language (``en``, ``zh``) and per script (``latin``,
``simplified``, ``traditional``); a document's language and script come from the gold
(``lang``, ``script``), else from the run's documents.csv.

How each figure is counted (the development set's README states the same policy):

- **Names.** A system entity stands for its canonical names (``name``, ``name_en``,
  ``name_zh``) and the surface forms of its mentions *in that document*; it matches a
  gold item (a list of aliases) when one of these equals one of the aliases after NFKC,
  case folding, one apostrophe and one interpunct. Items marked optional (``*_optional``
  lists, or a ``{"optional": true}`` member) neither count nor penalise.
- **Entities** per type (person, country, organization): the system's entities of that
  type mentioned in the document, matched one to one with the gold items (a second system
  entity for the same gold item is a false positive: the name was split).
- **One id per person**: over gold persons (by canonical name, the first alias) that the
  run found in two or more documents or under two or more ids, the share found under
  exactly one entity id, across documents and languages.
- **Meetings** by participant pair, one to one: each pair of participants of a gold
  meeting is one unit; each pair of participants of a system row is one system unit. A
  system unit takes an unused required gold unit of the same pair (preferring the one
  whose date it gets right, then the one whose evidence it overlaps); a second system
  row for the same pair and event is a false positive; a unit of an optional gold meeting
  absorbs every system unit of its pair. A system unit that only matches a gold
  non-meeting is a false positive and fires that negative.
- **Confidence**: meeting-pair precision among the rows at or above 0.5, 0.7, 0.8 and 0.9
  (absorbed pairs of optional meetings not counted), so that a user can pick a threshold.
- **Dates** on matched units: right when the system date, cut to the gold's precision,
  equals the gold date (so it must be at least as precise), or when a day falls inside
  the gold ``date_range`` (with a range, a month answer must be the gold's month and a
  year answer is never right). A gold meeting without a date is right only when the
  system gives none.
- **Places** on matched units: right when the system place names or contains a gold
  place name ("Great Hall of the People in Beijing" for Beijing). An optional gold place
  is judged only when the system gives one; a gold meeting with no place is right only
  when the system gives none.
- **Topics**: (document, topic) pairs; optional topics neither count nor penalise.
- **Affiliations**: (person, country) pairs per document. Every system row of a person at
  a country entity counts (once per document); it is right when the gold lists that
  person at that country.

Besides the scores, :func:`evaluate` returns every error as a row (document, area,
what went wrong, system and gold values, the evidence sentence): written as
``errors.csv`` and ``errors.md`` so that one read shows what to fix next.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

from pipeline import contract
from pipeline.params import load_section, stage_parser

logger = logging.getLogger(__name__)

__all__ = ["ErrorRow", "evaluate", "prf", "render_errors_markdown", "render_markdown"]

ENTITY_KEYS = {"persons": "person", "countries": "country", "organizations": "organization"}
SPLITS = {"lang": ("en", "zh"), "script": ("latin", "simplified", "traditional")}
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "ʼ": "'"})
_INTERPUNCTS = re.compile("[·•‧・･∙⋅]")
_SENTENCE_END = re.compile(r"[.!?。！？\n]")


def _norm(s: str) -> str:
    s = unicodedata.normalize("NFKC", s).casefold().translate(_APOSTROPHES)
    return " ".join(_INTERPUNCTS.sub("·", s).split())


def prf(tp: int, fp: int, fn: int) -> dict:
    """Precision, recall, F1 (1.0 when there is nothing to find and nothing found)."""
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "tp": tp, "fp": fp, "fn": fn}


def _ratio(right: int, total: int) -> float | None:
    return round(right / total, 4) if total else None


CONFIDENCE_THRESHOLDS = (0.5, 0.7, 0.8, 0.9)


def _precision_at(judged: list[tuple[float, bool]]) -> dict[str, dict]:
    """Meeting-pair precision of the rows at or above each confidence threshold, and how
    many pairs that keeps: what a user filtering on ``confidence`` gets."""
    out = {}
    for t in CONFIDENCE_THRESHOLDS:
        kept = [ok for c, ok in judged if c >= t - 1e-9]
        out[f"{t:.1f}"] = {"precision": _ratio(sum(kept), len(kept)), "pairs": len(kept)}
    return out


@dataclass(frozen=True)
class GoldItem:
    """One gold entity (or participant): its aliases, normalized, and its canonical name."""

    canonical: str
    names: frozenset[str]
    optional: bool = False


def _item(aliases: list, *, optional: bool = False) -> GoldItem:
    strings = [x for x in aliases if isinstance(x, str)]
    flagged = any(isinstance(x, dict) and x.get("optional") for x in aliases)
    return GoldItem(strings[0] if strings else "", frozenset(_norm(x) for x in strings), optional or flagged)


@dataclass
class ErrorRow:
    """One error: what the system said against what the gold says, with its evidence."""

    doc_id: str
    lang: str
    script: str
    area: str  # persons, countries, organizations, meetings, dates, places, negatives, topics, affiliations
    error: str  # false, missed, wrong, split, fired
    system: str = ""
    gold: str = ""
    evidence: str = ""


ERROR_COLUMNS = [f for f in ErrorRow.__dataclass_fields__]


@dataclass
class Counts:
    """Raw counts of one document (or a sum of documents), turned into scores by :meth:`scores`."""

    ents: dict[str, list[int]] = field(default_factory=lambda: {k: [0, 0, 0] for k in ENTITY_KEYS})
    meetings: list[int] = field(default_factory=lambda: [0, 0, 0])
    dates: list[int] = field(default_factory=lambda: [0, 0])  # right, judged
    places: list[int] = field(default_factory=lambda: [0, 0])
    negatives: list[int] = field(default_factory=lambda: [0, 0])  # fired, gold non-meetings
    topics: list[int] = field(default_factory=lambda: [0, 0, 0])
    affiliations: list[int] = field(default_factory=lambda: [0, 0, 0])
    documents: int = 0
    # (confidence, right) of every judged system pair: precision above a threshold
    confidence: list[tuple[float, bool]] = field(default_factory=list)
    # gold person (canonical name) → the system ids found for it; → documents whose gold names it
    person_ids: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    person_docs: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, other: Counts) -> None:
        for k in ENTITY_KEYS:
            self.ents[k] = [a + b for a, b in zip(self.ents[k], other.ents[k], strict=True)]
        for name in ("meetings", "dates", "places", "negatives", "topics", "affiliations"):
            setattr(self, name, [a + b for a, b in zip(getattr(self, name), getattr(other, name), strict=True)])
        self.documents += other.documents
        self.confidence += other.confidence
        for k, v in other.person_ids.items():
            self.person_ids[k] |= v
        for k, n in other.person_docs.items():
            self.person_docs[k] += n

    def scores(self) -> dict:
        # one id per person: over the gold persons named in two or more documents that the
        # run found at all, the share found under exactly one id
        considered = [v for k, v in self.person_ids.items() if v and self.person_docs.get(k, 0) > 1]
        one = sum(len(v) == 1 for v in considered)
        return {
            "documents": self.documents,
            "entities": {k: prf(*v) for k, v in self.ents.items()},
            "persons_one_id": {"rate": _ratio(one, len(considered)), "one_id": one, "persons": len(considered)},
            "meetings": {
                **prf(*self.meetings),
                "date_accuracy": _ratio(*self.dates),
                "dates_judged": self.dates[1],
                "place_accuracy": _ratio(*self.places),
                "places_judged": self.places[1],
                "negatives_fired": self.negatives[0],
                "negatives": self.negatives[1],
                "precision_at_confidence": _precision_at(self.confidence),
            },
            "topics": prf(*self.topics),
            "affiliations": prf(*self.affiliations),
        }


class _Doc:
    """What the scorer needs of one document of the run."""

    def __init__(self, doc_id: str, text: str) -> None:
        self.doc_id = doc_id
        self.text = text
        self.entity_surfaces: dict[str, set[str]] = defaultdict(set)
        self.first_mention: dict[str, int] = {}

    def sentence_at(self, offset: int) -> str:
        """The sentence around ``offset`` in the document's text ("" without the text)."""
        if not self.text or offset < 0:
            return ""
        starts = [m.end() for m in _SENTENCE_END.finditer(self.text, 0, offset)]
        start = starts[-1] if starts else 0
        m = _SENTENCE_END.search(self.text, offset)
        end = m.end() if m else len(self.text)
        return " ".join(self.text[start:end].split())[:400]

    def sentence_naming(self, item: GoldItem) -> str:
        """The first sentence that names one of ``item``'s aliases."""
        low = _norm(self.text) if self.text else ""
        hits = [low.find(n) for n in item.names if n and low.find(n) >= 0]
        # NFKC can change lengths; offsets into the folded text are close enough to find the sentence
        return self.sentence_at(min(hits)) if hits else ""


class _Run:
    """The run's tables, indexed for scoring."""

    def __init__(self, tables: Path, texts: dict[str, str]) -> None:
        t = {name: contract.read_table(tables / name, cls) for name, cls in contract.TABLES.items()}
        self.entities = {e.entity_id: e for e in t["entities.csv"]}
        self.documents = {d.doc_id: d for d in t["documents.csv"]}
        self.docs: dict[str, _Doc] = {}
        for m in t["mentions.csv"]:
            if not m.entity_id:
                continue
            d = self.doc(m.doc_id, texts)
            d.entity_surfaces[m.entity_id].add(m.text)
            d.first_mention.setdefault(m.entity_id, m.start)
        self.texts = texts
        self.meetings: dict[str, list] = defaultdict(list)
        for m in t["meetings.csv"]:
            self.meetings[m.doc_id].append(m)
        self.participants: dict[str, list[str]] = defaultdict(list)
        for p in t["meeting_participants.csv"]:
            self.participants[p.meeting_id].append(p.entity_id)
        self.topics: dict[str, dict[str, contract.DocTopic]] = defaultdict(dict)
        for r in t["doc_topics.csv"]:
            self.topics[r.doc_id][r.topic_id] = r
        self.affiliations: dict[str, list[contract.Affiliation]] = defaultdict(list)
        for a in t["affiliations.csv"]:
            self.affiliations[a.doc_id].append(a)

    def doc(self, doc_id: str, texts: dict[str, str] | None = None) -> _Doc:
        if doc_id not in self.docs:
            self.docs[doc_id] = _Doc(doc_id, (texts if texts is not None else self.texts).get(doc_id, ""))
        return self.docs[doc_id]

    def names(self, doc: _Doc, entity_id: str) -> set[str]:
        e = self.entities.get(entity_id)
        canon = [e.name, e.name_en, e.name_zh] if e else []
        return {_norm(x) for x in [*canon, *doc.entity_surfaces.get(entity_id, ())] if x}

    def label(self, doc: _Doc, entity_id: str) -> str:
        e = self.entities.get(entity_id)
        surfaces = sorted(doc.entity_surfaces.get(entity_id, ()))
        name = e.name if e else entity_id
        extra = [s for s in surfaces if s != name]
        return f"{name} ({' / '.join(extra)})" if extra else name

    def type_of(self, entity_id: str) -> str:
        e = self.entities.get(entity_id)
        return e.type if e else ""


def _max_matching(edges: dict[int, list[int]]) -> dict[int, int]:
    """Maximum bipartite matching (left → right) by augmenting paths; small inputs."""
    match_right: dict[int, int] = {}

    def augment(u: int, seen: set[int]) -> bool:
        for v in edges.get(u, ()):
            if v in seen:
                continue
            seen.add(v)
            if v not in match_right or augment(match_right[v], seen):
                match_right[v] = u
                return True
        return False

    for u in sorted(edges):
        augment(u, set())
    return {u: v for v, u in match_right.items()}


class _DocScorer:
    """Scores one document; fills its counts, the person ids it saw and its error rows."""

    def __init__(self, run: _Run, doc_id: str, gold: dict, lang: str, script: str) -> None:
        self.run, self.gold, self.lang, self.script = run, gold, lang, script
        self.doc = run.doc(doc_id)
        self.doc_id = doc_id
        self.counts = Counts(documents=1)
        self.errors: list[ErrorRow] = []
        self.person_ids = self.counts.person_ids
        for name in {_item(x).canonical for x in gold.get("persons", [])}:
            self.counts.person_docs[name] = 1
        self.doc_entities = sorted(self.doc.entity_surfaces)
        self.people = self._people()
        self.person_of = self._person_of()

    def error(self, area: str, error: str, system: str = "", gold: str = "", evidence: str = "") -> None:
        self.errors.append(ErrorRow(self.doc_id, self.lang, self.script, area, error, system, gold, evidence))

    # ---------------------------------------------------------------- entities
    def _people(self) -> list[GoldItem]:
        """Every person the gold names in this document, merged by canonical name: the
        persons lists and the participants of meetings and non-meetings."""
        g = self.gold
        by_name: dict[str, GoldItem] = {}
        lists = [(p, False) for p in g.get("persons", [])] + [(p, True) for p in g.get("persons_optional", [])]
        for m in [*g.get("meetings", []), *g.get("non_meetings", [])]:
            lists += [(p, True) for p in m.get("participants", [])]
        for aliases, optional in lists:
            it = _item(aliases, optional=optional)
            if not it.canonical:
                continue
            old = by_name.get(it.canonical)
            if old is None:
                by_name[it.canonical] = it
            else:
                by_name[it.canonical] = GoldItem(it.canonical, old.names | it.names, old.optional and it.optional)
        return list(by_name.values())

    def _person_of(self) -> dict[str, str]:
        """System entity id → the canonical name of the gold person it names (persons only)."""
        out = {}
        for eid in self.doc_entities:
            names = self.run.names(self.doc, eid)
            hits = [p for p in self.people if names & p.names]
            if hits:
                hits.sort(key=lambda p: (p.optional, p.canonical))
                out[eid] = hits[0].canonical
        return out

    def score_entities(self) -> None:
        g = self.gold
        for key, typ in ENTITY_KEYS.items():
            items = [_item(x) for x in g.get(key, [])] + [_item(x, optional=True) for x in g.get(f"{key}_optional", [])]
            sys_ids = [e for e in self.doc_entities if self.run.type_of(e) == typ]
            names = {e: self.run.names(self.doc, e) for e in sys_ids}
            edges = {i: [j for j, it in enumerate(items) if not it.optional and names[e] & it.names]
                     for i, e in enumerate(sys_ids)}  # fmt: skip
            matched = _max_matching(edges)
            found = set(matched.values())
            tp = fp = 0
            for i, eid in enumerate(sys_ids):
                hits = [j for j, it in enumerate(items) if names[eid] & it.names]
                if i in matched:
                    tp += 1
                    if key == "persons":
                        self.person_ids[items[matched[i]].canonical].add(eid)
                    continue
                if any(items[j].optional for j in hits):
                    continue
                at = self.doc.sentence_at(self.doc.first_mention.get(eid, -1))
                if hits:  # a second id for a gold item already found: the one-id figure counts it
                    canon = items[hits[0]].canonical
                    if key == "persons":
                        self.person_ids[canon].add(eid)
                    self.error(key, "split", self.run.label(self.doc, eid), canon, at)
                else:
                    fp += 1
                    self.error(key, "false", self.run.label(self.doc, eid), "", at)
            fn = 0
            for j, it in enumerate(items):
                if not it.optional and j not in found:
                    fn += 1
                    self.error(key, "missed", "", it.canonical, self.doc.sentence_naming(it))
            self.counts.ents[key] = [tp, fp, fn]

    # ---------------------------------------------------------------- meetings
    def _gold_units(self) -> list[tuple[frozenset, dict, bool]]:
        units = []
        for gm in self.gold.get("meetings", []):
            names = [_item(p).canonical for p in gm.get("participants", [])]
            for a, b in combinations(sorted(set(names)), 2):
                units.append((frozenset((a, b)), gm, bool(gm.get("optional"))))
        return units

    def score_meetings(self) -> None:
        units = self._gold_units()
        used: set[int] = set()
        negatives = self.gold.get("non_meetings", [])
        fired: set[int] = set()
        tp = fp = 0
        for m in sorted(self.run.meetings.get(self.doc_id, []), key=lambda m: (m.start, m.meeting_id)):
            parts = sorted(dict.fromkeys(self.run.participants.get(m.meeting_id, [])))
            for a, b in combinations(parts, 2):
                pa, pb = self.person_of.get(a), self.person_of.get(b)
                pair_label = f"{self.run.label(self.doc, a)} — {self.run.label(self.doc, b)}"
                if pa is None or pb is None or pa == pb:
                    fp += 1
                    self.counts.confidence.append((m.confidence, False))
                    why = "the same person twice" if pa is not None and pa == pb else "not a gold person"
                    self.error("meetings", "false", f"{pair_label} ({why})", "", m.evidence)
                    continue
                pair = frozenset((pa, pb))
                cands = [i for i, (p, _, opt) in enumerate(units) if p == pair and not opt and i not in used]
                if cands:
                    i = min(cands, key=lambda i: (-_overlap(m.evidence, units[i][1]), i))
                    used.add(i)
                    tp += 1
                    self.counts.confidence.append((m.confidence, True))
                    self._judge(m, units[i][1], pair_label)
                    continue
                if any(p == pair and opt for p, _, opt in units):
                    continue  # an optional meeting absorbs every row of its pair
                fp += 1
                self.counts.confidence.append((m.confidence, False))
                k = self._negative_hit(m, pair, negatives, fired)
                if k is not None:  # a row fires one gold non-meeting (the one whose evidence it quotes)
                    fired.add(k)
                    why = negatives[k].get("why", "")
                    self.error("negatives", "fired", pair_label, f"non-meeting: {why}", m.evidence)
                elif any(p == pair for p, _, _ in units):
                    self.error("meetings", "false", f"{pair_label} (a second row for the same meeting)", "", m.evidence)
                else:
                    self.error("meetings", "false", pair_label, "", m.evidence)
        fn = 0
        for i, (pair, gm, opt) in enumerate(units):
            if not opt and i not in used:
                fn += 1
                self.error("meetings", "missed", "", " — ".join(sorted(pair)), gm.get("evidence", ""))
        self.counts.meetings = [tp, fp, fn]
        self.counts.negatives = [len(fired), len(negatives)]

    @staticmethod
    def _negative_hit(m: contract.Meeting, pair: frozenset, negatives: list[dict], fired: set[int]) -> int | None:
        hits = []
        for k, n in enumerate(negatives):
            names = {_item(x).canonical for x in n.get("participants", [])}
            if pair <= names:
                hits.append(k)
        if not hits:
            return None
        return min(hits, key=lambda k: (k in fired, -_overlap(m.evidence, negatives[k]), k))

    def _judge(self, m: contract.Meeting, gm: dict, pair_label: str) -> None:
        gold_date = gm.get("date") or ""
        rng = gm.get("date_range")
        self.counts.dates[1] += 1
        if _date_ok(m.date, gm):
            self.counts.dates[0] += 1
        else:
            want = gold_date + (f" ({rng[0]}..{rng[1]})" if rng else "") if gold_date else "(none)"
            self.error("dates", "wrong", f"{m.date or '(none)'} for {pair_label}", want, m.evidence)
        self.counts.places[1] += 1
        if _place_ok(m.place, gm.get("place")):
            self.counts.places[0] += 1
        else:
            names = [x for x in gm.get("place") or [] if isinstance(x, str)]
            self.error("places", "wrong", f"{m.place or '(none)'} for {pair_label}", " / ".join(names) or "(none)",
                       m.evidence)  # fmt: skip

    # ---------------------------------------------------------------- topics, affiliations
    def score_topics(self) -> None:
        want = set(self.gold.get("topics", []))
        optional = set(self.gold.get("topics_optional", []))
        rows = self.run.topics.get(self.doc_id, {})
        got = set(rows) - optional
        for t in sorted(got - want):
            r = rows[t]
            self.error("topics", "false", f"{t} (cue: {r.cue})", "", r.evidence)
        for t in sorted(want - got):
            self.error("topics", "missed", "", t, "")
        self.counts.topics = [len(got & want), len(got - want), len(want - got)]

    def score_affiliations(self) -> None:
        countries = [_item(x) for x in self.gold.get("countries", [])]
        countries += [_item(x, optional=True) for x in self.gold.get("countries_optional", [])]
        want = {(p, c) for p, c in self.gold.get("affiliations", [])}
        rows: dict[tuple[str, str], contract.Affiliation] = {}
        for a in self.run.affiliations.get(self.doc_id, []):
            if self.run.type_of(a.person_id) != "person":
                continue
            country = self._country_of(a.org_or_country_id, countries)
            if country is not None:
                rows.setdefault((a.person_id, country), a)
        got: set[tuple[str, str]] = set()
        tp = fp = 0
        for (pid, country), a in sorted(rows.items()):
            if pid not in self.person_of:
                continue  # not a gold person: counted once, under persons
            key = (self.person_of[pid], country)
            if key in want and key not in got:
                got.add(key)
                tp += 1
            else:
                fp += 1
                label = f"{self.run.label(self.doc, pid)} → {self.run.label(self.doc, a.org_or_country_id)}"
                self.error("affiliations", "false", label, "", a.evidence)
        fn = 0
        people = {p.canonical: p for p in self.people}
        for p, c in sorted(want - got):
            fn += 1
            item = people.get(p)
            self.error("affiliations", "missed", "", f"{p} → {c}", self.doc.sentence_naming(item) if item else "")
        self.counts.affiliations = [tp, fp, fn]

    def _country_of(self, entity_id: str, countries: list[GoldItem]) -> str | None:
        """The country a system affiliation row states: its country entity (by the gold
        country it names, else its own name), or the gold country an organization's name
        holds ("越南外交部", "Communist Party of Vietnam"); None for an organization that
        names no country (it states no country)."""
        names = self.run.names(self.doc, entity_id)
        typ = self.run.type_of(entity_id)
        if typ == "country":
            hit = next((c.canonical for c in countries if names & c.names), None)
            return hit or f"({self.run.label(self.doc, entity_id)})"
        if typ != "organization":
            return None
        best: tuple[int, str] | None = None
        for c in countries:
            for alias in c.names:
                if len(alias) < 2 or not any(_contains(n, alias) for n in names):
                    continue
                if best is None or len(alias) > best[0]:
                    best = (len(alias), c.canonical)
        return best[1] if best else None


def _overlap(evidence: str, gm: dict) -> int:
    """How much of a system evidence sentence and a gold one coincide (characters of the
    longer shared stretch, roughly: shared 8-character shingles)."""
    a, b = _norm(evidence), _norm(gm.get("evidence", ""))
    if not a or not b:
        return 0
    grams = {b[i : i + 8] for i in range(max(1, len(b) - 7))}
    return sum(a[i : i + 8] in grams for i in range(max(1, len(a) - 7)))


def _date_ok(sys_date: str, gm: dict) -> bool:
    gold = gm.get("date") or ""
    if not gold:
        return not sys_date
    if not sys_date:
        return False
    rng = gm.get("date_range")
    if rng and len(sys_date) == 10 and rng[0] <= sys_date <= rng[1]:
        return True
    if rng and len(sys_date) == 7 and rng[0][:7] <= sys_date <= rng[1][:7]:
        return True
    return len(sys_date) >= len(gold) and sys_date[: len(gold)] == gold


def _place_ok(sys_place: str, gold_place: list | None) -> bool:
    """Whether the system's place is right for the gold place list."""
    if not gold_place:
        return not sys_place
    names = [_norm(x) for x in gold_place if isinstance(x, str)]
    optional = any(isinstance(x, dict) and x.get("optional") for x in gold_place)
    if not sys_place:
        return optional
    s = _norm(sys_place)
    return any(_contains(s, n) for n in names if n)


def _contains(text: str, name: str) -> bool:
    """``name`` occurs in ``text`` as a whole word (Latin) or as a substring (CJK)."""
    if any("\u3400" <= ch <= "\u9fff" for ch in name):
        return name in text
    return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text) is not None


def _split_of(gold: dict, run_doc: contract.Document | None) -> tuple[str, str]:
    lang = gold.get("lang") or (run_doc.lang if run_doc else "")
    script = gold.get("script") or (run_doc.script if run_doc else "")
    if not script:
        script = {"en": "latin", "zh": "simplified"}.get(lang, "")
    return lang, script


def evaluate(tables: Path, gold: dict, *, texts: dict[str, str] | None = None) -> dict:
    """All scores for the run in ``tables`` against ``gold``.

    Args:
        tables: the run's output folder (the contract's CSV tables).
        gold: the gold file's contents, keyed by document id (keys starting with ``_`` are notes).
        texts: the documents' texts by id, for the evidence of entity errors (optional).

    Returns:
        ``overall``, ``by_lang`` and ``by_script`` scores, ``per_doc`` scores, every error
        as an :class:`ErrorRow` in ``errors``, and the seed checks ``place_typed_as_country``
        and ``persons_split_across_ids`` with their ``details``.
    """
    run = _Run(tables, texts or {})
    total = Counts()
    splits: dict[str, dict[str, Counts]] = {kind: {v: Counts() for v in values} for kind, values in SPLITS.items()}
    per_doc: dict[str, dict] = {}
    errors: list[ErrorRow] = []
    place_as_country: list[str] = []
    for doc_id, g in sorted(gold.items()):
        if doc_id.startswith("_"):
            continue
        lang, script = _split_of(g, run.documents.get(doc_id))
        s = _DocScorer(run, doc_id, g, lang, script)
        if doc_id not in run.documents:
            s.error("documents", "missed", "", doc_id, "the run has no row for this document")
        s.score_entities()
        s.score_meetings()
        s.score_topics()
        s.score_affiliations()
        total.add(s.counts)
        for kind, value in (("lang", lang), ("script", script)):
            if value in splits[kind]:
                splits[kind][value].add(s.counts)
        per_doc[doc_id] = {"lang": lang, "script": script, **s.counts.scores()}
        errors += s.errors
        places = [_item(x) for x in g.get("places", [])]
        for eid in s.doc_entities:
            if run.type_of(eid) == "country" and any(run.names(s.doc, eid) & p.names for p in places):
                place_as_country.append(f"{doc_id}:{run.entities[eid].name}")
    multi = {k: v for k, v in total.person_ids.items() if len(v) > 1}
    for k, ids in sorted(multi.items()):
        names = " | ".join(run.entities[e].name if e in run.entities else e for e in sorted(ids))
        errors.append(ErrorRow("(run)", "", "", "persons_one_id", "split", names, k, ""))
    return {
        "overall": total.scores(),
        "by_lang": {v: c.scores() for v, c in splits["lang"].items()},
        "by_script": {v: c.scores() for v, c in splits["script"].items()},
        "per_doc": per_doc,
        "errors": errors,
        "place_typed_as_country": len(place_as_country),
        "persons_split_across_ids": len(multi),
        "details": {
            "place_typed_as_country": place_as_country,
            "persons_split_across_ids": {k: sorted(v) for k, v in sorted(multi.items())},
        },
    }


# --------------------------------------------------------------------------- rendering

_ROWS = [
    ("documents", lambda s: str(s["documents"])),
    ("persons P / R / F1", lambda s: _prf3(s["entities"]["persons"])),
    ("countries P / R / F1", lambda s: _prf3(s["entities"]["countries"])),
    ("organizations P / R / F1", lambda s: _prf3(s["entities"]["organizations"])),
    ("one id per person", lambda s: _num(s["persons_one_id"]["rate"], f" ({s['persons_one_id']['one_id']}/{s['persons_one_id']['persons']})")),
    ("meeting pairs P / R / F1", lambda s: _prf3(s["meetings"])),
    ("meeting pairs tp / fp / fn", lambda s: f"{s['meetings']['tp']} / {s['meetings']['fp']} / {s['meetings']['fn']}"),
    ("date accuracy", lambda s: _num(s["meetings"]["date_accuracy"], f" of {s['meetings']['dates_judged']}")),
    ("place accuracy", lambda s: _num(s["meetings"]["place_accuracy"], f" of {s['meetings']['places_judged']}")),
    ("non-meetings fired", lambda s: f"{s['meetings']['negatives_fired']} of {s['meetings']['negatives']}"),
    ("meeting precision at confidence ≥ 0.5 / 0.7 / 0.8 / 0.9", lambda s: " / ".join(
        _num(v["precision"]) for v in s["meetings"]["precision_at_confidence"].values())),
    ("topics P / R / F1", lambda s: _prf3(s["topics"])),
    ("affiliations P / R", lambda s: f"{s['affiliations']['precision']:.2f} / {s['affiliations']['recall']:.2f}"),
]  # fmt: skip


def _num(x: float | None, suffix: str = "") -> str:
    return "–" if x is None else f"{x:.2f}{suffix}"


def _prf3(d: dict) -> str:
    return f"{d['precision']:.2f} / {d['recall']:.2f} / {d['f1']:.2f}"


def render_markdown(result: dict, *, title: str = "Scores") -> str:
    """The scores as one Markdown table: a column per split (overall, en, zh, scripts)."""
    cols = [("overall", result["overall"])]
    cols += [(k, v) for k, v in result["by_lang"].items()]
    cols += [(f"zh {k}" if k != "latin" else "latin", v) for k, v in result["by_script"].items()]
    out = [f"# {title}", "", "| | " + " | ".join(c for c, _ in cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for name, fmt in _ROWS:
        out.append(f"| {name} | " + " | ".join(fmt(s) for _, s in cols) + " |")
    out += ["", "Counted as `pipeline/evaluate.py`'s docstring says; errors: `errors.md`, `errors.csv`.", ""]
    return "\n".join(out)


def render_errors_csv(errors: Iterable[ErrorRow]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(ERROR_COLUMNS)
    for e in errors:
        w.writerow([getattr(e, c) for c in ERROR_COLUMNS])
    return buf.getvalue()


def render_errors_markdown(errors: list[ErrorRow]) -> str:
    """Every error, grouped by document then by area, each with its evidence."""
    out = ["# Errors", "", f"{len(errors)} errors. `system` is what the run said, `gold` what it should have.", ""]
    by_doc: dict[str, list[ErrorRow]] = defaultdict(list)
    for e in errors:
        by_doc[e.doc_id].append(e)
    for doc_id in sorted(by_doc):
        rows = by_doc[doc_id]
        head = f"## {doc_id}" + (f" ({rows[0].lang}, {rows[0].script})" if rows[0].lang else "")
        out += [head, ""]
        for e in rows:
            what = " · ".join(
                x for x in (f"system: {e.system}" if e.system else "", f"gold: {e.gold}" if e.gold else "") if x
            )
            line = f"- **{e.area} {e.error}** {what}"
            if e.evidence:
                line += f"  \n  > {e.evidence}"
            out.append(line)
        out.append("")
    return "\n".join(out)


def read_texts(folder: Path) -> dict[str, str]:
    """The decoded texts of the articles in ``folder``, by document id (as the normalize
    stage reads them), for the evidence of entity errors."""
    from pipeline.normalize import DecodeError, decode_bytes, html_to_text, iter_inputs

    texts = {}
    for raw in iter_inputs(folder):
        try:
            text = raw.data if isinstance(raw.data, str) else decode_bytes(raw.data)[0]
        except (DecodeError, UnicodeDecodeError, LookupError):
            continue
        texts[raw.doc_id] = html_to_text(text)[0] if raw.meta.get("html") else text
    return texts


def summary(result: dict) -> dict:
    """The figures that go into the metrics file (no per-document scores, no errors)."""
    return {k: result[k] for k in ("overall", "by_lang", "by_script", "place_typed_as_country",
                                   "persons_split_across_ids")}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    p = stage_parser("evaluate", "Score a run against gold annotations.", metrics=False)
    p.add_argument("--tables", type=Path, required=True, help="folder with the run's CSV tables")
    p.add_argument("--gold", type=Path, default=None, help="gold JSON (default: evaluate.gold in params.yaml)")
    p.add_argument("--output", type=Path, required=True, help="scores JSON to write (a DVC metric)")
    p.add_argument("--details", type=Path, default=None, help="JSON with per-document scores and every error")
    p.add_argument("--markdown", type=Path, default=None, help="the scores as a Markdown table")
    p.add_argument("--errors", type=Path, default=None, help="every error, as Markdown (and CSV beside it)")
    p.add_argument("--docs", type=Path, default=None, help="the input articles, to quote the evidence of entity errors")
    p.add_argument("--title", default="Scores", help="the Markdown table's title")
    a = p.parse_args(argv)
    gold_path = a.gold or Path(load_section(a.params, "evaluate").gold)
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    texts = read_texts(a.docs) if a.docs is not None else None
    result = evaluate(a.tables, gold, texts=texts)
    dump = json.dumps(summary(result), ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    contract.atomic_write_text(a.output, dump)
    if a.details is not None:
        details = {**result, "errors": [vars(e) for e in result["errors"]]}
        contract.atomic_write_text(a.details, json.dumps(details, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    if a.markdown is not None:
        contract.atomic_write_text(a.markdown, render_markdown(result, title=a.title))
    if a.errors is not None:
        contract.atomic_write_text(a.errors, render_errors_markdown(result["errors"]))
        contract.atomic_write_text(a.errors.with_suffix(".csv"), render_errors_csv(result["errors"]))
    o = result["overall"]
    e, m = o["entities"], o["meetings"]
    logger.info("persons F1 %.3f, countries F1 %.3f, organizations F1 %.3f, meetings F1 %.3f, topics F1 %.3f",
                e["persons"]["f1"], e["countries"]["f1"], e["organizations"]["f1"], m["f1"], o["topics"]["f1"])  # fmt: skip
    return 0
