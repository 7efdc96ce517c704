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


def extract_affiliations(rec: dict, rules: Rules | None = None) -> list[contract.Affiliation]:  # noqa: C901
    """Person → country/organization with the title, from titles, appositions and the KB.

    Args:
        rec: a linked document record (``text``, ``mentions`` with entity ids and types,
            ``entities``, ``sentences``; ``simplified`` for Chinese).
        rules: the compiled rules (the title table and the affiliation lexicons).

    Returns:
        One row per (person, country or organization), in the order first stated.
    """
    text, original, rules = view_of(rec), rec["text"], rules or load_rules()
    entities = rec.get("entities") or {}
    mentions = [m for m in rec["mentions"] if m.get("entity_id")]
    in_doc = {m["entity_id"] for m in mentions}
    countries = {eid: [n for n in {e.get("name_en", ""), e.get("name", ""), e.get("name_zh", ""), *e.get("aliases", [])} if n]
                 for eid, e in entities.items() if e.get("type") == "country" and eid in in_doc}  # fmt: skip
    out: dict[tuple[str, str], contract.Affiliation] = {}

    def add(pid: str, target: str, title: str, s: int, e: int) -> None:
        if target not in in_doc or pid == target:
            return
        evidence = " ".join(original[s:e].split())
        out.setdefault((pid, target), contract.Affiliation(pid, target, title, rec["doc_id"], evidence))
        # an organization the KB places in a country stands for that country too
        country = (entities.get(target) or {}).get("country", "")
        if country and country in in_doc and country != target:
            out.setdefault((pid, country), contract.Affiliation(pid, country, title, rec["doc_id"], evidence))

    starts = [m["start"] for m in mentions]  # in text order (link sorts them)
    sents = rec.get("sentences") or []
    sent_starts = [s for s, _ in sents]
    persons = [i for i, m in enumerate(mentions) if m.get("type") == "person"]
    list_country: dict[int, str] = {}  # a person's country stated by a title phrase (zh lists)
    title_end: dict[int, int] = {}  # where a Chinese title after a person's name ends
    zh_runs: dict[int, frozenset[str]] = {}  # the countries a Chinese list states up to a person
    zh_comma: set[int] = set()  # persons that took a country from a comma-joined run
    en_lists: dict[int, _EnList] = {}  # the English list of title holders a person ends
    prev_end = 0  # where the persons before this one end
    city_iso: dict[str, str] | None = None  # the document's countries by ISO code, when a city needs them
    for k, i in enumerate(persons):
        m = mentions[i]
        lang = contract.lang_at(rec, m["start"])
        s_lo, s_hi = _sentence_bounds(sents, sent_starts, m["start"], len(text))
        floor = max(s_lo, prev_end if prev_end <= m["start"] else s_lo)
        prev_end = max(prev_end, m["end"])
        prev = persons[k - 1] if k else None
        if title_end.get(prev, -1) <= m["start"]:  # 罗萨斯参赞、X: the title is the name before's
            floor = max(floor, title_end.get(prev, floor))
        if lang == "zh" and prev in list_country and mentions[prev]["entity_id"] == m["entity_id"]:
            if _ZH_GLOSS_OPEN.fullmatch(text, mentions[prev]["end"], m["start"]):  # 马拉佩（James Marape）
                list_country[i] = list_country[prev]
        if lang == "zh":
            # 萨尔维（瓦努阿图总理，Charlot Salwai）: a gloss that states the country and the title
            g = _ZH_GLOSS_OPEN.match(text, m["end"])
            t = mentions[i + 1] if g and i + 1 < len(mentions) else None
            if t is not None and t["start"] == g.end() and t.get("type") == "country":
                title = _ZH_GLOSS_TITLE.match(text, t["end"])
                if title and rules.zh_title_suffix.search(title.group()) and _zh_between_ok(title.group(), rules):
                    add(m["entity_id"], t["entity_id"], title.group(), m["start"], title.end())
        # a title phrase before the name
        if lang == "zh":
            begin = _zh_phrase_before(text, m["start"], floor, rules)
        else:
            begin = _en_phrase_before(text, m["start"], floor, rules)
        phrase = text[begin : m["start"]].rstrip(" ,")
        stated = False
        # 中国驻秘鲁大使馆罗萨斯参赞: a Chinese title after the name, its body or country before it
        post = rules.zh_role_after.match(text, m["end"]) if lang == "zh" else None
        if post and _ZH_POST_TITLE_END.match(text, post.end()):
            title_end[i] = post.end()
        else:
            post = None
        if (phrase and _has_head(phrase, lang, rules)) or (post and phrase):
            found = _targets(mentions, starts, begin, m["start"], text, lang, rules, countries)
            if lang == "zh" and not found:
                # 广州市市长X: a city's office holder is of the country the city is in (the gazetteer's)
                # 友邦巴拉圭共和国新任总统X: a place named as a state the document names
                if city_iso is None:
                    city_iso = _country_codes(countries)
                found = _zh_place_country(mentions, starts, begin, m["start"], text, rules, countries, city_iso)
            for t in found:
                between = text[t["end"] : m["start"]]
                if lang == "zh" and not _zh_between_ok(between, rules):
                    continue
                title = _title(text, begin, m["start"], t, lang, rules)
                if post and not _has_head(phrase, lang, rules):
                    title += post.group()
                add(m["entity_id"], t["entity_id"], title, begin, title_end.get(i, m["end"]))
                if (
                    lang == "zh"
                    and t["type"] == "organization"
                    and not (entities.get(t["entity_id"]) or {}).get("country")
                ):
                    # 中国驻秘鲁大使馆: a body the KB does not know, named after a country the document names
                    own = _zh_country_prefix(text[t["start"] : t["end"]], countries)
                    if own:
                        add(m["entity_id"], own, title, begin, title_end.get(i, m["end"]))
                        t = {"entity_id": own, "type": "country"}
                if t["type"] == "country":
                    list_country[i], stated = t["entity_id"], True
        # 秘鲁代表团成员包括A、外长B: a list of members of a country's group opens with a bare name;
        # the country carries to the titled items after it
        elif lang == "zh" and phrase and not post and phrase.endswith(tuple(rules.zh.member_list_cues)):
            for t in _targets(mentions, starts, begin, m["start"], text, lang, rules, countries):
                known = (entities.get(m["entity_id"]) or {}).get("country", "")
                if t["type"] == "country" and _zh_between_ok(text[t["end"] : m["start"]], rules) \
                        and known in ("", t["entity_id"]):  # fmt: skip
                    list_country[i] = t["entity_id"]
                    add(m["entity_id"], t["entity_id"], "", begin, m["end"])
        # 新加坡总统纳丹、总理李显龙: a title alone in a list takes the country of the one before
        if lang == "zh" and not stated and prev in list_country and mentions[prev]["end"] >= s_lo:
            own = _ZH_LIST_JOIN.sub("", phrase.lstrip("、 "))
            sep = text[title_end.get(prev, mentions[prev]["end"]) : begin] + phrase[: len(phrase) - len(own)]
            titled = (own and _has_head(own, lang, rules)) or (post and not own)
            # never against a place the item names (瑞士联邦委员X) or the KB's country of the person
            known = (entities.get(m["entity_id"]) or {}).get("country", "")
            placed = any(mentions[j].get("type") in ("country", "location")
                         for j in range(bisect_left(starts, m["start"] - len(own)), i))  # fmt: skip
            if titled and not placed and known in ("", list_country[prev]) and _ZH_LIST_SEP.fullmatch(sep) \
                    and _zh_between_ok(_ZH_PORTFOLIO_AND.sub("", own), rules):  # fmt: skip
                list_country[i] = list_country[prev]
                add(m["entity_id"], list_country[i], own or post.group(), mentions[prev]["start"],
                    title_end.get(i, m["end"]))  # fmt: skip
        # 分别同新西兰议长A，副总理B，外长C: a run of three or more title holders joined by commas
        # takes the one country it states (the first item's; no item states another)
        if lang == "zh":
            sep = text[title_end.get(prev, mentions[prev]["end"]) : begin] if prev is not None else ""
            own = _ZH_LIST_JOIN.sub("", phrase)
            sep2 = sep + phrase[: len(phrase) - len(own)]  # a run goes on after 和, 及 or 、 (X，Y和Z)
            comma = (
                prev is not None
                and mentions[prev]["end"] >= s_lo
                and (
                    _ZH_COMMA_SEP.fullmatch(sep) is not None
                    or (prev in zh_comma and bool(_ZH_LIST_SEP.fullmatch(sep2) or sep2 in ("和", "及", "以及", "与")))
                )
            )
            if comma:
                phrase = own
            joined = comma or (prev is not None and mentions[prev]["end"] >= s_lo and _ZH_LIST_SEP.fullmatch(sep))
            run = zh_runs.get(prev, frozenset()) if joined else frozenset()
            if comma and not stated and i not in list_country and prev in list_country and len(run) == 1:
                known = (entities.get(m["entity_id"]) or {}).get("country", "")
                placed = any(mentions[j].get("type") in ("country", "location")
                             for j in range(bisect_left(starts, begin), i))  # fmt: skip
                nxt = mentions[persons[k + 1]] if k + 1 < len(persons) else None
                gap = _ZH_COMMA_ITEM.fullmatch(text, title_end.get(i, m["end"]), nxt["start"]) if nxt else None
                more = gap is not None and _has_head(gap.group(1), lang, rules) and _zh_between_ok(gap.group(1), rules)
                if ((phrase and _has_head(phrase, lang, rules)) or post) and _zh_between_ok(phrase, rules) \
                        and not placed and known in ("", list_country[prev]) and (prev in zh_comma or more):  # fmt: skip
                    list_country[i] = list_country[prev]
                    zh_comma.add(i)
                    add(m["entity_id"], list_country[i], phrase or post.group(), mentions[prev]["start"],
                        title_end.get(i, m["end"]))  # fmt: skip
            zh_runs[i] = run | ({list_country[i]} if i in list_country else set())
            continue
        nxt_person = mentions[persons[k + 1]]["start"] if k + 1 < len(persons) else s_hi
        ceiling = min(s_hi, nxt_person, m["end"] + 200)
        # an apposition after the name
        a_lo, a_hi = _en_phrase_after(text, m["end"], ceiling, nxt_person, rules)
        if a_hi > a_lo and _has_head(text[a_lo:a_hi], lang, rules):
            for t in _targets(mentions, starts, a_lo, a_hi, text, lang, rules, countries):
                add(m["entity_id"], t["entity_id"], _title(text, a_lo, a_hi, t, lang, rules), m["start"], a_hi)
                if t["type"] == "country":
                    list_country[i], stated = list_country.get(i, t["entity_id"]), True
        # "Chinese Premier A, Vice-Premier B and Minister C": a bare title in a list of title
        # holders takes the one country the list states, when its first item states it and
        # no item states another ("US President A, Chinese President B and Prime Minister C")
        joined = (prev in en_lists and mentions[prev]["end"] >= s_lo
                  and _EN_LIST_SEP.fullmatch(text, mentions[prev]["end"], begin) is not None)  # fmt: skip
        chain = en_lists[prev].extend(list_country.get(i), text[mentions[prev]["end"] : begin]) if joined else None
        en_lists[i] = chain or _EnList(list_country.get(i), begin)
        if chain and not stated and phrase and _has_head(phrase, lang, rules) and chain.country():
            known = (entities.get(m["entity_id"]) or {}).get("country", "")
            if known in ("", chain.first):
                list_country[i] = chain.first
                add(m["entity_id"], chain.first, _title(text, begin, m["start"], {"start": begin}, lang, rules),
                    chain.start, m["end"])  # fmt: skip
        # "Cuban President A's special envoy X": a title after a person's possessive is of that
        # person's country, stated before (never a counterpart's, a host's)
        if (
            not stated
            and prev is not None
            and prev in list_country
            and phrase
            and _has_head(phrase, lang, rules)
            and _EN_POSSESSIVE_GAP.fullmatch(text, mentions[prev]["end"], begin)
            and not any(w.lower() in rules.en.possessive_not_own for w in phrase.split())
        ):
            list_country[i], stated = list_country[prev], True
            add(m["entity_id"], list_country[i], _title(text, begin, m["start"], {"start": begin}, lang, rules),
                mentions[prev]["start"], m["end"])  # fmt: skip
        # "travelled to Kuwait to meet the country's Emir X": the one country the sentence names
        # before the possessive
        if not stated and phrase and _has_head(phrase, lang, rules):
            lead = text[max(s_lo, begin - 40) : begin].split()[-1:]
            word = _EN_POSSESSIVE.sub("", lead[0]).lower() if lead and _EN_POSSESSIVE.search(lead[0]) else ""
            if word in rules.en.country_anaphors:
                named = {t["entity_id"] for t in mentions[bisect_left(starts, s_lo) : bisect_left(starts, begin)]
                         if t.get("type") == "country"}  # fmt: skip
                if len(named) == 1:
                    list_country[i], stated = next(iter(named)), True
                    add(m["entity_id"], list_country[i], _title(text, begin, m["start"], {"start": begin}, lang, rules),
                        begin - len(lead[0]) - 1, m["end"])  # fmt: skip
        # "X of Country"
        for t in mentions[i + 1 : i + 2]:
            if t["type"] == "country" and _EN_OF_COUNTRY.match(text[m["end"] : t["start"]]):
                add(m["entity_id"], t["entity_id"], "", m["start"], t["end"])
    # the knowledge base: a known person's country, where the document names it
    for i in persons:
        m = mentions[i]
        country = (entities.get(m["entity_id"]) or {}).get("country", "")
        if country and (m["entity_id"], country) not in out:
            s, e = _sentence_bounds(sents, sent_starts, m["start"], len(text))
            add(m["entity_id"], country, "", s, e)
    return list(out.values())


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
