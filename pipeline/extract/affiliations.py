"""Affiliations: a person's country or organization, from the titles around the name.

Core (pure): :func:`extract_affiliations` reads one linked document record and returns
one :class:`~pipeline.contract.Affiliation` per person and country or organization, from
(first found wins, so a row quotes the text that states it):

- **a title phrase before the name**: the words of a title that may hold the country or
  organization ("Mongolian Foreign Minister X", "Russia's State Duma delegation led by
  Speaker X", "President of the Italian Senate X", "his Turkish counterpart X"; 越南副总理兼外长X,
  俄罗斯国家杜马主席X). The nearest country and the nearest organization in the phrase count,
  never one the office is posted to ("Ambassador to China", 驻华大使);
- **an apposition after the name** ("X, general secretary of the Communist Party of
  Vietnam", "X, who is also the Prime Minister of Y") and "X of Country";
- **lists**: a bare title in a list takes the country the list states, when it states one
  only and its first item states it ("Chinese Premier A, Vice-Premier B and Minister C";
  新加坡总统纳丹、总理李显龙; a Chinese run of three or more joined by commas), never against a
  place the item names or the person's country in the KB;
- **a Chinese title after the name** (中国驻X大使馆A参赞), with the phrase before it;
- **the knowledge base**: a person the link stage found in it has a country
  (``entities[id]["country"]``), which counts where the document names that country.

An organization whose own country the link stage knows (the State Duma: Russia) also
gives that country, where the document names it. The words a title phrase may hold, the
heads it needs and the words that break it are data: the ``title_phrase_words``,
``affiliation_heads``, ``posting_words`` and ``affiliation_breaks`` lexicons and the
title table of ``models/rules/meetings.yaml``.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import lru_cache

from pypinyin import lazy_pinyin

from pipeline import contract
from pipeline.text import gazetteer
from pipeline.text.rules import Rules, load_rules
from pipeline.text.textnorm import view_of

__all__ = ["extract_affiliations"]

_EN_WORD = re.compile(r"\S+")
_EN_TRAIL = ",;:"  # a token may end a phrase with one of these (only the token next to the name)
_ZH_BREAK = re.compile(r"[，。；：,;:！？!?“”\"（）()《》「」『』\s]")
_EN_APPOSITION_START = re.compile(
    r"\s*,\s+(?:who\s+(?:(?:is|was)\s+(?:also\s+)?(?:(?:leading|heading)\s+)?|(?:also\s+)?(?:leads|led|heads|headed)\s+))?"
)
_EN_OF_COUNTRY = re.compile(r"^\s+of\s+(?:the\s+)?$")
_EN_POSSESSIVE = re.compile(r"['’]s$")
_EN_POSSESSIVE_GAP = re.compile(r"['’]s?\s+")  # a person's possessive ending right before a title
_EN_MAX_WORDS = 14
_EN_MAX_CHARS = 240
_EN_TITLE_TAIL = re.compile(r"(?:\s+(?:of|for|and|the|to))+\s*$", re.IGNORECASE)
_EN_CONNECTORS = frozenset({"and", "of", "the", "to", "for", "by", "led", "headed", "&"})
_DEMONYM_END = re.compile(r"(?:ians?|ans?|ese|i|ish|ic|n)$")
_ZH_MAX_CHARS = 32
# what joins the items of a Chinese list of title holders, and a join at a phrase's start
_ZH_LIST_SEP = re.compile(r"\s*[）)]?\s*、\s*")  # after a gloss: 总理马拉佩（James Marape）、外长X
_ZH_GLOSS_OPEN = re.compile(r"\s*[（(]\s*")
_ZH_GLOSS_TITLE = re.compile(r"[^，,）)（(。；;]{1,12}(?=[，,）)])")
_ZH_LIST_JOIN = re.compile(r"^(?:以及|[和及与])")
# 及 or 和 inside an item's title joins two portfolios of one office (国际贸易及工业部长), no clause
_ZH_PORTFOLIO_AND = re.compile(r"(?<=\w)[及和](?=\w)")
_ZH_COMMA_SEP = re.compile(r"\s*[）)]?\s*[，,]\s*")
_ZH_COMMA_ITEM = re.compile(r"\s*[）)]?\s*[，,]\s*([^，,。；;：:（(]{1,32})")  # the next item of a comma run
# a title after a name ends the phrase: a list mark, a break, a verb of the sentence or the text's end
_ZH_POST_TITLE_END = re.compile(r"(?:[、，。；：,;:）)\s]|$|[会说表在等也和及与出参陪])")
# what joins the items of an English list of title holders ("Premier A, Vice-Premier B and Minister C")
_EN_LIST_SEP = re.compile(r"\s*[,;]\s*(?:and\s+)?|\s+and\s+")


def _sentence_bounds(sents: list[list[int]], sent_starts: list[int], pos: int, n: int) -> tuple[int, int]:
    i = bisect_right(sent_starts, pos) - 1
    if 0 <= i < len(sents) and sents[i][0] <= pos < sents[i][1]:
        return sents[i][0], sents[i][1]
    return 0, n


def _en_token_ok(tok: str, rules: Rules) -> bool:
    """A word that may stand in an English title phrase: capitalized (a title, a name of a
    body or a country, a demonym, an honorific) or one of the lexicon's lower-case words."""
    word = _EN_POSSESSIVE.sub("", tok)
    if not word:
        return False
    if word[0].isupper() or word in ("&", "-"):
        return True
    parts = [p for p in re.split(r"[-–]", word.lower()) if p]
    return bool(parts) and all(p in rules.en.title_phrase_words or p in rules.en_title_tokens for p in parts)


def _en_phrase_before(text: str, start: int, floor: int, rules: Rules) -> int:
    """Where the English title phrase that ends right before ``start`` begins (``start``
    when there is none). A comma may close a phrase only right before the name or before
    titles alone ("Thailand's former prime minister, General X")."""
    floor = max(floor, start - _EN_MAX_CHARS)  # a phrase is short: linear in the document overall
    toks = list(_EN_WORD.finditer(text, floor, start))
    begin = start
    titles_only = True  # the tokens after this one are titles of the title table
    for k in range(len(toks) - 1, max(-1, len(toks) - 1 - _EN_MAX_WORDS), -1):
        tok = toks[k].group()
        if k == len(toks) - 1 or (titles_only and tok[-1:] == "," and tok[:1].islower()):
            tok = tok.rstrip(_EN_TRAIL)
        elif tok[-1:] in _EN_TRAIL or (
            tok[-1:] == "." and "." not in tok[:-1] and tok.lower() not in rules.title_words
        ):
            break
        if not _en_token_ok(tok, rules):
            break
        titles_only = titles_only and tok.lower().rstrip(".") in rules.en_title_tokens
        begin = toks[k].start()
    # the phrase starts at a word of the title, not at a connector ("and", "of")
    while begin < start:
        m = _EN_WORD.match(text, begin)
        if m is None or m.group().lower() not in _EN_CONNECTORS:
            break
        begin = m.end() + (len(text[m.end() :]) - len(text[m.end() :].lstrip()))
    # nor does it end at one ("Qatar's Emir and X"), unless a delegation is "led by" X
    words = text[begin:start].lower().split()
    if words and words[-1].rstrip(",") in _EN_CONNECTORS and words[-2:] not in (["led", "by"], ["headed", "by"]):
        return start
    # a title set off by a comma is the name's own after a word that opens an apposition
    # ("his Chinese counterpart, X"), not after a verb ("Greeting the Russian minister, X")
    if words and words[-1].endswith(","):
        before = text[floor:begin].split()
        while before and before[-1].lower() in ("the", "a", "an"):
            before.pop()
        if not before or before[-1].lower() not in rules.en.title_comma_after:
            return start
    return begin


def _en_phrase_after(text: str, end: int, ceiling: int, next_name: int, rules: Rules) -> tuple[int, int]:
    """The apposition right after a name: (start, end) of its title phrase, or (end, end)."""
    lead = _EN_APPOSITION_START.match(text, end, ceiling)
    if lead is None or lead.end() == end:
        return end, end
    last = None
    for t in list(_EN_WORD.finditer(text, lead.end(), ceiling))[:_EN_MAX_WORDS]:
        tok = t.group()
        stripped = tok.rstrip(_EN_TRAIL + ".)")
        if not _en_token_ok(stripped, rules):
            break
        last = t.start() + len(stripped)
        if stripped != tok:  # punctuation closes the apposition
            return lead.end(), last
    else:
        # it runs into the next name: the title of that name ("X, Kyrgyz Foreign Minister Y")
        if last is not None and ceiling == next_name and not text[last:ceiling].strip():
            return end, end
    return (lead.end(), last) if last is not None else (end, end)


def _has_head(phrase: str, lang: str, rules: Rules) -> bool:
    if lang == "zh":
        return bool(rules.zh_title_suffix.search(phrase))
    return bool(rules.en_affiliation_head.search(phrase))


def _targets(mentions: list[dict], starts: list[int], lo: int, hi: int, text: str, lang: str, rules: Rules,
             countries: dict[str, list[str]] | None = None) -> list[dict]:  # fmt: skip
    """The nearest country and the nearest organization mentioned within [lo, hi), never one
    an office is posted to ("Ambassador to China", 驻华大使); an organization before the
    country belongs to another phrase ("the UN and Chinese Foreign Minister X"). In English,
    a capitalized word no mention links to a country may be the demonym of a country the
    document names ("Maldivian" where Maldives is named)."""
    found: dict[str, dict] = {}
    window = mentions[bisect_left(starts, lo) : bisect_left(starts, hi)]  # a phrase is short: linear overall
    # a name inside a longer one is part of it (国务院 in 美国国务院)
    window = [m for m in window if not any(o["start"] <= m["start"] and m["end"] <= o["end"]
                                           and o["end"] - o["start"] > m["end"] - m["start"] for o in window)]  # fmt: skip
    for m in reversed(window):
        if m["start"] < lo or m["end"] > hi or m.get("type") not in ("country", "organization") or m["type"] in found:
            continue
        if _posted_to(text, m["start"], lo, lang, rules):
            continue
        found[m["type"]] = m
    if lang != "zh" and countries:
        after = found["country"]["end"] if "country" in found else lo
        words = list(_EN_WORD.finditer(text, after, hi))
        for k in range(len(words) - 1, -1, -1):
            w, s = words[k], words[k]
            eid = _demonym_country(w.group().rstrip(",;:"), countries)
            if not eid and k:  # two words: "Sri Lankan" where Sri Lanka is named
                s = words[k - 1]
                eid = _demonym_country(text[s.start() : w.end()].rstrip(",;:"), countries)
            if eid and not _posted_to(text, s.start(), lo, lang, rules):
                found["country"] = {"entity_id": eid, "type": "country", "start": s.start(), "end": w.end()}
                break
    country, org = found.get("country"), found.get("organization")
    if country and org and org["start"] < country["start"]:
        return [country]
    if lang == "zh" and org:
        # 新加坡人民行动党主席、政府副总理兼财政部长X: every body of the titles joined by 、 or 兼
        found["organization"] = org
        for m in window:
            if m["end"] <= org["start"] and m.get("type") == "organization":
                if not _posted_to(text, m["start"], lo, lang, rules) and (not country or m["start"] > country["start"]):
                    found[m["entity_id"]] = m
    return sorted(found.values(), key=lambda m: m["start"])


def _demonym_country(word: str, countries: dict[str, list[str]]) -> str:
    """The country (of those a document names) whose name a demonym is formed from: the
    name's stem begins the word, which ends as demonyms do (Maldivian, Uruguayan, Lao)."""
    head, _, word = word.rpartition(" ")  # "Sri Lankan": the words before the last are the name's
    if not word[:1].isupper() or len(word) < 3 or not word.isalpha():
        return ""
    best, best_len = "", 0
    for eid, names in countries.items():
        for name in names:
            name_head, _, name = name.rpartition(" ")
            if name_head != head or not name.isalpha() or name == word:
                continue
            common = len(_common_prefix(name.lower(), word.lower()))
            stem_ok = common >= max(4, len(name) - 3) or (common == len(word) and len(name) - len(word) == 1)
            if stem_ok and (common == len(word) or _DEMONYM_END.search(word)) and common > best_len:
                best, best_len = eid, common
    return best


def _zh_country_prefix(name: str, countries: dict[str, list[str]]) -> str:
    """The country (of those a document names) whose Chinese name begins a body's name
    (中国驻秘鲁大使馆 → China), the longest such name; "" when none does."""
    best, best_len = "", 1
    for eid, names in countries.items():
        for n in names:
            if len(n) > best_len and n[0] >= "\u4e00" and name.startswith(n):
                best, best_len = eid, len(n)
    return best


def _country_codes(countries: dict[str, list[str]]) -> dict[str, str]:
    """The countries a document names, by the ISO code the gazetteer gives their names."""
    out: dict[str, str] = {}
    for eid, names in sorted(countries.items()):
        for n in sorted(names):
            place = gazetteer.country(n)
            if place is not None and place.country_code:
                out.setdefault(place.country_code, eid)
                break
    return out


def _zh_place_country(mentions: list[dict], starts: list[int], lo: int, hi: int, text: str, rules: Rules,
                      countries: dict[str, list[str]], iso: dict[str, str]) -> list[dict]:  # fmt: skip
    """The country of the nearest place a Chinese title phrase names, where the document
    names that country: a state's formal name that ends the place (友邦巴拉圭共和国 → Paraguay)
    or a city the gazetteer puts in it (广州市市长X → China); never a place an office is
    posted to (驻广州总领事), nor one inside a longer name."""
    window = mentions[bisect_left(starts, lo) : bisect_left(starts, hi)]
    for m in reversed(window):
        if m.get("type") != "location" or m["start"] < lo or m["end"] > hi:
            continue
        if any(o is not m and o["start"] <= m["start"] and m["end"] <= o["end"] for o in window):
            continue
        if _posted_to(text, m["start"], lo, "zh", rules) or not _zh_between_ok(text[m["end"] : hi], rules):
            return []
        name = text[m["start"] : m["end"]]
        state = _zh_state_of(name, countries, rules)
        if state:
            return [{"entity_id": state, "type": "country", "start": m["start"], "end": m["end"]}]
        place = gazetteer.lookup(name) or (gazetteer.lookup(name[:-1]) if name.endswith("市") else None)
        code = place.country_code if place is not None and place.kind == "city" else ""
        if not code and name.endswith("省"):  # 广东省副省长X: a province, by its romanized name
            code = _province_codes().get("".join(lazy_pinyin(name[:-1])), "")
        eid = iso.get(code, "")
        return [{"entity_id": eid, "type": "country", "start": m["start"], "end": m["end"]}] if eid else []
    return []


@lru_cache(maxsize=1)
def _province_codes() -> dict[str, str]:
    """The country of each province ISO 3166-2 names (pycountry), by its name without the
    word for a province ("Guangdong Sheng" → guangdong: CN); a name two countries share has none."""
    import pycountry

    out: dict[str, str] = {}
    for sub in pycountry.subdivisions:
        if sub.type.lower() != "province":
            continue
        key = re.sub(r"\s+(?:sheng|province)$", "", sub.name.lower()).replace(" ", "")
        out[key] = "" if out.get(key, sub.country_code) != sub.country_code else sub.country_code
    return out


def _zh_state_of(name: str, countries: dict[str, list[str]], rules: Rules) -> str:
    """The country (of those a document names) whose name and a state form end a place's
    name (巴拉圭共和国, 友邦巴拉圭共和国 → Paraguay), the longest such name; "" when none does."""
    best, best_len = "", 1  # a one-character short name (中, 日) is too loose here
    for eid, names in countries.items():
        for n in names:
            if len(n) <= best_len or n[0] < "\u4e00":
                continue
            k = name.rfind(n)
            if k >= 0 and name[k + len(n) :] in rules.zh.state_forms:
                best, best_len = eid, len(n)
    return best


def _common_prefix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def _posted_to(text: str, start: int, lo: int, lang: str, rules: Rules) -> bool:
    if lang == "zh":
        return any(text[max(lo, start - len(w)) : start] == w for w in rules.zh.posting_words)
    words = text[lo:start].split()
    while words and words[-1].lower() == "the":
        words.pop()
    return bool(words) and words[-1].lower() in rules.en.posting_words


def _zh_phrase_before(text: str, start: int, floor: int, rules: Rules) -> int:
    """Where the Chinese title phrase before ``start`` begins: after the last break, at
    most ``_ZH_MAX_CHARS`` back."""
    lo = max(floor, start - _ZH_MAX_CHARS)
    left = text[lo:start]
    cut = max((m.end() for m in _ZH_BREAK.finditer(left)), default=0)
    return lo + cut


def _zh_between_ok(between: str, rules: Rules) -> bool:
    """The words between a country or organization and the name are a title, not a clause
    (越南副总理兼外长, not 在越南会见总理)."""
    if rules.zh.triggers.search(between):
        return False
    return not any(w in between for w in rules.zh.affiliation_breaks)


@dataclass
class _DocState:
    """One document's mentions and the state its persons leave for the persons after them."""

    rec: dict
    text: str  # the normalized view the rules read; evidence quotes ``rec["text"]``
    rules: Rules
    entities: dict[str, dict]
    mentions: list[dict]  # the linked ones, in text order (link sorts them)
    in_doc: set[str]
    countries: dict[str, list[str]]  # the countries the document names, with their names
    starts: list[int]
    sents: list[list[int]]
    sent_starts: list[int]
    persons: list[int]  # the indexes of the person mentions
    out: dict[tuple[str, str], contract.Affiliation] = field(default_factory=dict)
    list_country: dict[int, str] = field(default_factory=dict)  # a person's country stated by a title phrase
    title_end: dict[int, int] = field(default_factory=dict)  # where a Chinese title after a person's name ends
    # the countries a Chinese list states up to a person
    zh_runs: dict[int, frozenset[str]] = field(default_factory=dict)
    zh_comma: set[int] = field(default_factory=set)  # persons that took a country from a comma-joined run
    en_lists: dict[int, _EnList] = field(default_factory=dict)  # the English list of title holders a person ends
    prev_end: int = 0  # where the persons before this one end
    city_iso: dict[str, str] | None = None  # the document's countries by ISO code, when a city needs them

    def add(self, pid: str, target: str, title: str, s: int, e: int) -> None:
        """Keep the first row for (person, target), and for the country the KB places an organization in."""
        if target not in self.in_doc or pid == target:
            return
        evidence = " ".join(self.rec["text"][s:e].split())
        self.out.setdefault((pid, target), contract.Affiliation(pid, target, title, self.rec["doc_id"], evidence))
        # an organization the KB places in a country stands for that country too
        country = (self.entities.get(target) or {}).get("country", "")
        if country and country in self.in_doc and country != target:
            self.out.setdefault((pid, country), contract.Affiliation(pid, country, title, self.rec["doc_id"], evidence))

    def kb_country(self, eid: str) -> str:
        """The country the KB gives an entity ("" when none)."""
        return (self.entities.get(eid) or {}).get("country", "")

    def item_end(self, i: int) -> int:
        """Where a person's item ends: after a Chinese title that follows the name, else at the name's end."""
        return self.title_end.get(i, self.mentions[i]["end"])

    def targets(self, lo: int, hi: int, lang: str) -> list[dict]:
        """The nearest country and organization within [lo, hi) (see :func:`_targets`)."""
        return _targets(self.mentions, self.starts, lo, hi, self.text, lang, self.rules, self.countries)

    def placed(self, lo: int, i: int) -> bool:
        """Whether a country or place is mentioned from offset ``lo`` up to person ``i``."""
        return any(
            self.mentions[j].get("type") in ("country", "location") for j in range(bisect_left(self.starts, lo), i)
        )

    def city_codes(self) -> dict[str, str]:
        """The document's countries by ISO code, computed once, when a city first needs them."""
        if self.city_iso is None:
            self.city_iso = _country_codes(self.countries)
        return self.city_iso


@dataclass
class _Person:
    """One person mention of the walk: its sentence, the span its title phrase may take, and what it states."""

    k: int  # its place among the persons
    i: int  # its index among the mentions
    m: dict
    lang: str
    s_lo: int
    s_hi: int
    floor: int  # a title phrase before the name starts at or after this offset
    prev: int | None  # the person before it
    begin: int = 0  # where its title phrase before the name begins
    phrase: str = ""
    post: re.Match[str] | None = None  # a Chinese title after the name
    stated: bool = False  # a title phrase or an apposition stated its country


def _doc_state(rec: dict, rules: Rules | None) -> _DocState:
    """The document's linked mentions, the countries it names, its sentences and its persons."""
    text, rules = view_of(rec), rules or load_rules()
    entities = rec.get("entities") or {}
    mentions = [m for m in rec["mentions"] if m.get("entity_id")]
    in_doc = {m["entity_id"] for m in mentions}
    countries = {eid: [n for n in {e.get("name_en", ""), e.get("name", ""), e.get("name_zh", ""), *e.get("aliases", [])} if n]
                 for eid, e in entities.items() if e.get("type") == "country" and eid in in_doc}  # fmt: skip
    sents = rec.get("sentences") or []
    return _DocState(
        rec=rec,
        text=text,
        rules=rules,
        entities=entities,
        mentions=mentions,
        in_doc=in_doc,
        countries=countries,
        starts=[m["start"] for m in mentions],
        sents=sents,
        sent_starts=[s for s, _ in sents],
        persons=[i for i, m in enumerate(mentions) if m.get("type") == "person"],
    )


def extract_affiliations(rec: contract.LinkedRecord, rules: Rules | None = None) -> list[contract.Affiliation]:
    """Person → country/organization with the title, from titles, appositions and the KB.

    Args:
        rec: a linked document record (``text``, ``mentions`` with entity ids and types,
            ``entities``, ``sentences``; ``simplified`` for Chinese).
        rules: the compiled rules (the title table and the affiliation lexicons).

    Returns:
        One row per (person, country or organization), in the order first stated.
    """
    st = _doc_state(rec, rules)
    for k, i in enumerate(st.persons):
        p = _open_person(st, k, i)
        if p.lang == "zh":
            _zh_gloss_carry(st, p)
            _zh_gloss(st, p)
        _phrase_before(st, p)
        if not _title_before(st, p) and p.lang == "zh":
            _zh_member_list(st, p)
        if p.lang == "zh":
            _zh_list(st, p)
            _zh_comma_run(st, p)
            continue
        _apposition(st, p)
        _en_list(st, p)
        _en_possessive(st, p)
        _en_country_anaphor(st, p)
        _of_country(st, p)
    _kb_fallback(st)
    return list(st.out.values())


def _open_person(st: _DocState, k: int, i: int) -> _Person:
    """A person's language, its sentence and the floor its title phrase may not cross."""
    m = st.mentions[i]
    lang = contract.lang_at(st.rec, m["start"])
    s_lo, s_hi = _sentence_bounds(st.sents, st.sent_starts, m["start"], len(st.text))
    floor = max(s_lo, st.prev_end if st.prev_end <= m["start"] else s_lo)
    st.prev_end = max(st.prev_end, m["end"])
    prev = st.persons[k - 1] if k else None
    if st.title_end.get(prev, -1) <= m["start"]:  # 罗萨斯参赞、X: the title is the name before's
        floor = max(floor, st.title_end.get(prev, floor))
    return _Person(k, i, m, lang, s_lo, s_hi, floor, prev)


def _zh_gloss_carry(st: _DocState, p: _Person) -> None:
    """马拉佩（James Marape）: a gloss of the name before carries that name's country."""
    prev = p.prev
    if prev in st.list_country and st.mentions[prev]["entity_id"] == p.m["entity_id"]:
        if _ZH_GLOSS_OPEN.fullmatch(st.text, st.mentions[prev]["end"], p.m["start"]):
            st.list_country[p.i] = st.list_country[prev]


def _zh_gloss(st: _DocState, p: _Person) -> None:
    """萨尔维（瓦努阿图总理，Charlot Salwai）: a gloss that states the country and the title."""
    m, i, text = p.m, p.i, st.text
    g = _ZH_GLOSS_OPEN.match(text, m["end"])
    t = st.mentions[i + 1] if g and i + 1 < len(st.mentions) else None
    if t is not None and t["start"] == g.end() and t.get("type") == "country":
        title = _ZH_GLOSS_TITLE.match(text, t["end"])
        if title and st.rules.zh_title_suffix.search(title.group()) and _zh_between_ok(title.group(), st.rules):
            st.add(m["entity_id"], t["entity_id"], title.group(), m["start"], title.end())


def _phrase_before(st: _DocState, p: _Person) -> None:
    """The title phrase before the name, and a Chinese title after it (中国驻秘鲁大使馆罗萨斯参赞)."""
    m, text = p.m, st.text
    if p.lang == "zh":
        p.begin = _zh_phrase_before(text, m["start"], p.floor, st.rules)
    else:
        p.begin = _en_phrase_before(text, m["start"], p.floor, st.rules)
    p.phrase = text[p.begin : m["start"]].rstrip(" ,")
    post = st.rules.zh_role_after.match(text, m["end"]) if p.lang == "zh" else None
    if post and _ZH_POST_TITLE_END.match(text, post.end()):
        st.title_end[p.i] = post.end()
        p.post = post


def _title_before(st: _DocState, p: _Person) -> bool:
    """The country and body of a title phrase before the name (or of one with a Chinese title
    after the name); False where the phrase has no title."""
    m = p.m
    if not ((p.phrase and _has_head(p.phrase, p.lang, st.rules)) or (p.post and p.phrase)):
        return False
    found = st.targets(p.begin, m["start"], p.lang)
    if p.lang == "zh" and not found:
        # 广州市市长X: a city's office holder is of the country the city is in (the gazetteer's)
        # 友邦巴拉圭共和国新任总统X: a place named as a state the document names
        found = _zh_place_country(st.mentions, st.starts, p.begin, m["start"], st.text, st.rules, st.countries,
                                  st.city_codes())  # fmt: skip
    for t in found:
        if p.lang == "zh" and not _zh_between_ok(st.text[t["end"] : m["start"]], st.rules):
            continue
        _add_title_target(st, p, t)
    return True


def _add_title_target(st: _DocState, p: _Person, t: dict) -> None:
    """One country or body of a title phrase before the name; a country is the person's, for the lists after."""
    m = p.m
    title = _title(st.text, p.begin, m["start"], t, p.lang, st.rules)
    if p.post and not _has_head(p.phrase, p.lang, st.rules):
        title += p.post.group()
    st.add(m["entity_id"], t["entity_id"], title, p.begin, st.item_end(p.i))
    if p.lang == "zh" and t["type"] == "organization" and not (st.entities.get(t["entity_id"]) or {}).get("country"):
        # 中国驻秘鲁大使馆: a body the KB does not know, named after a country the document names
        own = _zh_country_prefix(st.text[t["start"] : t["end"]], st.countries)
        if own:
            st.add(m["entity_id"], own, title, p.begin, st.item_end(p.i))
            t = {"entity_id": own, "type": "country"}
    if t["type"] == "country":
        st.list_country[p.i], p.stated = t["entity_id"], True


def _zh_member_list(st: _DocState, p: _Person) -> None:
    """秘鲁代表团成员包括A、外长B: a list of members of a country's group opens with a bare name;
    the country carries to the titled items after it."""
    m = p.m
    if not (p.phrase and not p.post and p.phrase.endswith(tuple(st.rules.zh.member_list_cues))):
        return
    for t in st.targets(p.begin, m["start"], p.lang):
        known = st.kb_country(m["entity_id"])
        if t["type"] == "country" and _zh_between_ok(st.text[t["end"] : m["start"]], st.rules) \
                and known in ("", t["entity_id"]):  # fmt: skip
            st.list_country[p.i] = t["entity_id"]
            st.add(m["entity_id"], t["entity_id"], "", p.begin, m["end"])


def _zh_list(st: _DocState, p: _Person) -> None:
    """新加坡总统纳丹、总理李显龙: a title alone in a list takes the country of the one before,
    never against a place the item names (瑞士联邦委员X) or the KB's country of the person."""
    m, i, prev = p.m, p.i, p.prev
    if p.stated or prev not in st.list_country or st.mentions[prev]["end"] < p.s_lo:
        return
    own = _ZH_LIST_JOIN.sub("", p.phrase.lstrip("、 "))
    sep = st.text[st.item_end(prev) : p.begin] + p.phrase[: len(p.phrase) - len(own)]
    titled = (own and _has_head(own, p.lang, st.rules)) or (p.post and not own)
    known = st.kb_country(m["entity_id"])
    placed = st.placed(m["start"] - len(own), i)
    if titled and not placed and known in ("", st.list_country[prev]) and _ZH_LIST_SEP.fullmatch(sep) \
            and _zh_between_ok(_ZH_PORTFOLIO_AND.sub("", own), st.rules):  # fmt: skip
        st.list_country[i] = st.list_country[prev]
        st.add(m["entity_id"], st.list_country[i], own or p.post.group(), st.mentions[prev]["start"], st.item_end(i))


def _zh_comma_run(st: _DocState, p: _Person) -> None:
    """分别同新西兰议长A，副总理B，外长C: a run of three or more title holders joined by commas
    takes the one country it states (the first item's; no item states another)."""
    prev, phrase = p.prev, p.phrase
    sep = st.text[st.item_end(prev) : p.begin] if prev is not None else ""
    own = _ZH_LIST_JOIN.sub("", phrase)
    sep2 = sep + phrase[: len(phrase) - len(own)]  # a run goes on after 和, 及 or 、 (X，Y和Z)
    near = prev is not None and st.mentions[prev]["end"] >= p.s_lo
    comma = near and (
        _ZH_COMMA_SEP.fullmatch(sep) is not None
        or (prev in st.zh_comma and bool(_ZH_LIST_SEP.fullmatch(sep2) or sep2 in ("和", "及", "以及", "与")))
    )
    if comma:
        phrase = own
    joined = comma or (near and _ZH_LIST_SEP.fullmatch(sep))
    run = st.zh_runs.get(prev, frozenset()) if joined else frozenset()
    if comma and not p.stated and p.i not in st.list_country and prev in st.list_country and len(run) == 1:
        _zh_comma_item(st, p, phrase)
    st.zh_runs[p.i] = run | ({st.list_country[p.i]} if p.i in st.list_country else set())


def _zh_comma_item(st: _DocState, p: _Person, phrase: str) -> None:
    """An item of a comma run takes the run's country: titled, naming no place, not against the
    KB, and in a run of three or more (a titled item follows, or the one before took it too)."""
    m, i, prev = p.m, p.i, p.prev
    known = st.kb_country(m["entity_id"])
    placed = st.placed(p.begin, i)
    nxt = st.mentions[st.persons[p.k + 1]] if p.k + 1 < len(st.persons) else None
    gap = _ZH_COMMA_ITEM.fullmatch(st.text, st.item_end(i), nxt["start"]) if nxt else None
    more = gap is not None and _has_head(gap.group(1), p.lang, st.rules) and _zh_between_ok(gap.group(1), st.rules)
    if ((phrase and _has_head(phrase, p.lang, st.rules)) or p.post) and _zh_between_ok(phrase, st.rules) \
            and not placed and known in ("", st.list_country[prev]) and (prev in st.zh_comma or more):  # fmt: skip
        st.list_country[i] = st.list_country[prev]
        st.zh_comma.add(i)
        st.add(m["entity_id"], st.list_country[i], phrase or p.post.group(), st.mentions[prev]["start"],
               st.item_end(i))  # fmt: skip


def _apposition(st: _DocState, p: _Person) -> None:
    """An apposition after the name ("X, general secretary of the Communist Party of Vietnam")."""
    m, i = p.m, p.i
    nxt_person = st.mentions[st.persons[p.k + 1]]["start"] if p.k + 1 < len(st.persons) else p.s_hi
    ceiling = min(p.s_hi, nxt_person, m["end"] + 200)
    a_lo, a_hi = _en_phrase_after(st.text, m["end"], ceiling, nxt_person, st.rules)
    if a_hi > a_lo and _has_head(st.text[a_lo:a_hi], p.lang, st.rules):
        for t in st.targets(a_lo, a_hi, p.lang):
            st.add(m["entity_id"], t["entity_id"], _title(st.text, a_lo, a_hi, t, p.lang, st.rules), m["start"], a_hi)
            if t["type"] == "country":
                st.list_country[i], p.stated = st.list_country.get(i, t["entity_id"]), True


def _phrase_title(st: _DocState, p: _Person) -> str:
    """The title of the phrase before the name, where no country or body in it is the target."""
    return _title(st.text, p.begin, p.m["start"], {"start": p.begin}, p.lang, st.rules)


def _en_list(st: _DocState, p: _Person) -> None:
    """A bare title in a list of title holders ("Chinese Premier A, Vice-Premier B and Minister C")
    takes the one country the list states, when its first item states it and no item states
    another ("US President A, Chinese President B and Prime Minister C")."""
    m, i, prev = p.m, p.i, p.prev
    joined = (prev in st.en_lists and st.mentions[prev]["end"] >= p.s_lo
              and _EN_LIST_SEP.fullmatch(st.text, st.mentions[prev]["end"], p.begin) is not None)  # fmt: skip
    chain = (
        st.en_lists[prev].extend(st.list_country.get(i), st.text[st.mentions[prev]["end"] : p.begin])
        if joined
        else None
    )
    st.en_lists[i] = chain or _EnList(st.list_country.get(i), p.begin)
    if chain and not p.stated and p.phrase and _has_head(p.phrase, p.lang, st.rules) and chain.country():
        if st.kb_country(m["entity_id"]) in ("", chain.first):
            st.list_country[i] = chain.first
            st.add(m["entity_id"], chain.first, _phrase_title(st, p), chain.start, m["end"])


def _en_possessive(st: _DocState, p: _Person) -> None:
    """A title after a person's possessive ("Cuban President A's special envoy X") is of that
    person's country, stated before (never a counterpart's, a host's)."""
    prev = p.prev
    if (
        not p.stated
        and prev is not None
        and prev in st.list_country
        and p.phrase
        and _has_head(p.phrase, p.lang, st.rules)
        and _EN_POSSESSIVE_GAP.fullmatch(st.text, st.mentions[prev]["end"], p.begin)
        and not any(w.lower() in st.rules.en.possessive_not_own for w in p.phrase.split())
    ):
        st.list_country[p.i], p.stated = st.list_country[prev], True
        st.add(p.m["entity_id"], st.list_country[p.i], _phrase_title(st, p), st.mentions[prev]["start"], p.m["end"])


def _en_country_anaphor(st: _DocState, p: _Person) -> None:
    """A title after "the country's" ("travelled to Kuwait to meet the country's Emir X") is of
    the one country the sentence names before the possessive."""
    if p.stated or not p.phrase or not _has_head(p.phrase, p.lang, st.rules):
        return
    lead = st.text[max(p.s_lo, p.begin - 40) : p.begin].split()[-1:]
    word = _EN_POSSESSIVE.sub("", lead[0]).lower() if lead and _EN_POSSESSIVE.search(lead[0]) else ""
    if word not in st.rules.en.country_anaphors:
        return
    named = {t["entity_id"] for t in st.mentions[bisect_left(st.starts, p.s_lo) : bisect_left(st.starts, p.begin)]
             if t.get("type") == "country"}  # fmt: skip
    if len(named) == 1:
        st.list_country[p.i], p.stated = next(iter(named)), True
        st.add(p.m["entity_id"], st.list_country[p.i], _phrase_title(st, p), p.begin - len(lead[0]) - 1, p.m["end"])


def _of_country(st: _DocState, p: _Person) -> None:
    """X of Country: the country right after the name."""
    m = p.m
    for t in st.mentions[p.i + 1 : p.i + 2]:
        if t["type"] == "country" and _EN_OF_COUNTRY.match(st.text[m["end"] : t["start"]]):
            st.add(m["entity_id"], t["entity_id"], "", m["start"], t["end"])


def _kb_fallback(st: _DocState) -> None:
    """The knowledge base: a known person's country, where the document names it."""
    for i in st.persons:
        m = st.mentions[i]
        country = st.kb_country(m["entity_id"])
        if country and (m["entity_id"], country) not in st.out:
            s, e = _sentence_bounds(st.sents, st.sent_starts, m["start"], len(st.text))
            st.add(m["entity_id"], country, "", s, e)


class _EnList:
    """An English list of title holders up to one of them: the country its first item
    states, every country its items state, and whether a comma joins two of them."""

    def __init__(self, first: str | None, start: int = 0) -> None:
        self.first, self.countries, self.comma, self.start = first or "", {first} - {None}, False, start

    def extend(self, country: str | None, sep: str) -> _EnList:
        out = _EnList(self.first, self.start)
        out.countries = self.countries | ({country} - {None})
        out.comma = self.comma or "," in sep or ";" in sep
        return out

    def country(self) -> str:
        """The one country of the list, where its first item states it and a comma joins it."""
        return self.first if self.comma and self.countries == {self.first} and self.first else ""


def _title(text: str, lo: int, hi: int, target: dict, lang: str, rules: Rules) -> str:
    """The title a phrase states: from its first office word up to the country or body it
    names after that word ("President of the Italian Senate" → President), else to its end
    (English); the words between the country or organization and the name (Chinese)."""
    if lang == "zh":
        return text[target["end"] : hi].strip().removeprefix("的")
    m = rules.en_affiliation_head.search(text, lo, hi)
    if m is None:
        return text[lo:hi].strip(" ,;:")
    end = target["start"] if target["start"] > m.start() else hi
    return _EN_TITLE_TAIL.sub("", text[m.start() : end]).strip(" ,;:")
