"""Stage 3 — link: mentions → entities (person, country, organization, location).

Core (pure): :func:`link_document` resolves one document's mentions against the knowledge
base and against each other; :func:`aggregate_entities` builds the run's entity table.
Entity ids are derived from content (``person:li-qiang``), so the same person gets the
same id in every document and in both languages (习近平 and Xi Jinping both map to the KB
entry; a Chinese name outside the KB gets its Hanyu Pinyin name, which meets the English
spelling).

Resolution, in order:

1. KB gazetteer: known names the model missed are added as mentions (label ``KB``), and
   Chinese side/abbreviation forms (中方, 中蒙, 中俄蒙) become country mentions (``ABBR``).
2. A mention whose surface is a KB name (or an acronym defined in the text) takes that entity.
3. English demonyms (``NORP``: Chinese, Mongolian) resolve to countries.
4. A short form ("Li", "Zandanshatar") takes the full name of a person in the same
   document whose name contains it; with several candidates (Li Qiang, Li Keqiang) the
   nearest preceding full mention wins, so two people are never merged into one.
5. Otherwise the model's label decides the type and the name itself the id.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pipeline import contract
from pipeline.kb import KbEntity, KnowledgeBase, slug
from pipeline.params import LinkParams, load_section, stage_parser
from pipeline.rules import Rules, load_rules
from pipeline.spans import SpanSet
from pipeline.textnorm import has_cjk, is_cjk, view_of

logger = logging.getLogger(__name__)

__all__ = ["LinkedMention", "aggregate_entities", "link_document", "pinyin_name", "strip_title"]

TYPE_BY_LABEL = {
    "PERSON": "person", "PER": "person",
    "ORG": "organization",
    "GPE": "location", "LOC": "location", "FAC": "location",
}  # fmt: skip

# the most common Chinese surnames (compound ones first); a 2–3 character name starting
# with one of them is romanized as a Chinese personal name
ZH_COMPOUND_SURNAMES = (
    "欧阳",
    "司马",
    "诸葛",
    "上官",
    "东方",
    "皇甫",
    "令狐",
    "慕容",
    "尉迟",
    "长孙",
    "宇文",
    "司徒",
    "夏侯",
    "公孙",
    "轩辕",
)
ZH_SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
    "栗温习胡朱乔喻柏常纪牛齐房耿艾岳鲁葛施邢易蓝舒倪包华伍庞祝洪褚左裴池翟单阎耿阮詹甘车项"
)
# characters of the Xinhua transliteration tables that Chinese given names almost never
# use: a name whose given part is all of them is a foreign name written in Chinese (卢比奥
# Rubio, 向朗伊 Lange), never romanized as pinyin. On MSRA's test persons (742 names that
# start with a common surname) it flags 4, all transliterations (施瓦布, 贾那布尔 …).
ZH_TRANSLITERATION = set("斯尔姆奥茨兹蒂埃伊赫娅耶索萨纳贝卡瓦乌恩莱诺洛科塔妮拉尼普布克特罗比")
ZH_SIDE_SUFFIX = "两国|三国|四国|五国|双方|关系|友好|合作|边境|经贸|贸易|双边|战略|全面|元首|外长|领导人|联合|建交|务实|人民|友谊|睦邻|伙伴"


@dataclass
class LinkedMention:
    """A mention with its entity and type (JSONL between link and extract)."""

    mention: dict
    type: str
    entity_id: str


def strip_title(text: str, rules: Rules | None = None) -> tuple[str, int]:
    """Remove a leading English title or a trailing Chinese one (the title table of the
    rules file); return (name, chars cut at start)."""
    rules = rules or load_rules()
    m = rules.en_title_prefix.match(text)
    if m and m.end() < len(text):
        return text[m.end() :], m.end()
    if text and is_cjk(text[0]):
        stripped = rules.zh_title_suffix.sub("", text)
        if len(stripped) >= 2:
            return stripped, 0
    return text, 0


@lru_cache(maxsize=4096)
def pinyin_name(name: str) -> str:
    """Hanyu Pinyin of a Chinese personal name, surname first: 李强 → ``Li Qiang``.

    Returns "" when the name does not look like a Chinese personal name (a transliterated
    foreign name such as 呼日勒苏赫 would get a meaningless romanization).
    """
    if not 2 <= len(name) <= 4 or not all(is_cjk(c) for c in name):
        return ""
    sur_len = 2 if name[:2] in ZH_COMPOUND_SURNAMES else (1 if name[0] in ZH_SURNAMES else 0)
    if not sur_len or len(name) - sur_len > 2:
        return ""
    given = name[sur_len:]
    if len(given) == 2 and all(c in ZH_TRANSLITERATION for c in given):
        return ""  # a transliterated foreign name (卢比奥): no pinyin
    from pypinyin import Style, lazy_pinyin

    sur = "".join(lazy_pinyin(name[:sur_len], style=Style.NORMAL))
    given = "".join(lazy_pinyin(name[sur_len:], style=Style.NORMAL))
    return f"{sur.capitalize()} {given.capitalize()}"


# --------------------------------------------------------------------------- gazetteer


@lru_cache(maxsize=8)
def _gazetteer_regex(kb_id: int, kb: KnowledgeBase, lang: str) -> re.Pattern | None:
    names = set()
    for e in kb.entities.values():
        for n in e.names():
            if lang == "zh" and len(n) >= 2 and all(is_cjk(c) or c in "·" for c in n):
                names.add(n)
            elif lang == "en" and n.isascii() and len(n) >= 3 and n[0].isupper() and not n.isupper():
                names.add(n)
            elif lang == "en" and n.isascii() and n.isupper() and len(n) >= 3:
                names.add(n)  # acronyms of three or more letters (SCO, BRICS, ASEAN)
    if not names:
        return None
    alt = "|".join(re.escape(n) for n in sorted(names, key=lambda s: (-len(s), s)))
    if lang == "en":
        return re.compile(rf"(?<![\w-])(?:{alt})(?![\w-])")
    return re.compile(alt)


def sentence_at(sentences: list[list[int]], pos: int, starts: list[int]) -> int | None:
    """Index of the sentence holding offset ``pos`` (``starts``: the sorted sentence starts), else None."""
    i = bisect_right(starts, pos) - 1
    return i if i >= 0 and sentences[i][0] <= pos < sentences[i][1] else None


def gazetteer_mentions(doc: dict, sentences: list[list[int]], mentions: list[dict], kb: KnowledgeBase) -> list[dict]:
    """Mentions of KB names (and Chinese side abbreviations) that the model did not find."""
    text, lang = doc["text"], doc["lang"]
    taken = SpanSet((m["start"], m["end"]) for m in mentions)
    blank = SpanSet([(0, doc.get("body_start", 0)), *[tuple(x) for x in doc.get("skip_spans", [])]])
    starts = [a for a, _ in sentences]
    out = []
    # the model's mentions by start, to find those near a name without scanning them all
    order = sorted(mentions, key=lambda m: (m["start"], m["end"]))
    order_starts = [m["start"] for m in order]
    longest = max((m["end"] - m["start"] for m in order), default=0)
    removed: set[int] = set()

    def near(s: int, e: int) -> list[dict]:
        lo, hi = bisect_left(order_starts, s - longest), bisect_left(order_starts, e)
        return [m for m in order[lo:hi] if id(m) not in removed and m["start"] < e and s < m["end"]]

    def add(s: int, e: int, label: str, *, replace: bool = False) -> None:
        if blank.overlaps(s, e):
            return
        if replace and taken.overlaps(s, e):
            # a known name that strictly contains the model's mention(s) replaces them
            # (the model cut 蒙古国经济发展部 to 古国经济发展部, or tagged 东盟 inside 东盟地区论坛)
            close = near(s, e)
            inside = [m for m in close if s <= m["start"] and m["end"] <= e and (m["end"] - m["start"]) < e - s]
            crossing = [m for m in close if m not in inside]
            if inside and not crossing:
                for m in inside:
                    mentions.remove(m)
                    removed.add(id(m))
                    taken.remove(m["start"], m["end"])
        if taken.overlaps(s, e):
            return
        sid = sentence_at(sentences, s, starts)
        if sid is None:
            return
        taken.add(s, e)
        out.append({"doc_id": doc["doc_id"], "mention_id": f"{doc['doc_id']}:{s}-{e}", "sentence_id": sid,
                    "start": s, "end": e, "text": text[s:e], "ner_label": label, "entity_id": ""})  # fmt: skip

    segments = doc.get("segments") or [[0, len(text), lang]]
    for seg_lang in sorted({seg[2] for seg in segments}):
        spans = [(s, e) for s, e, sl in segments if sl == seg_lang]
        rx = _gazetteer_regex(id(kb), kb, seg_lang) if seg_lang in ("en", "zh") else None
        for lo, hi in spans if rx is not None else ():
            for m in rx.finditer(text, lo, hi):
                add(m.start(), m.end(), "KB", replace=True)
        if rx is not None:
            # names nested in a known name ("Central Committee of the Communist Party of
            # China" also names the party); recorded as their own, overlapping mentions
            spans_seen = {(x["start"], x["end"]) for x in mentions + out}
            for outer in [x for x in mentions + out if kb.lookup(x["text"]) is not None]:
                if not any(lo <= outer["start"] < hi for lo, hi in spans):
                    continue
                outer_entity = kb.lookup(outer["text"])
                for m in rx.finditer(text, outer["start"] + 1, outer["end"]):
                    s, e = m.start(), m.end()
                    if kb.lookup(m.group()) is outer_entity:
                        continue  # "Putin" inside "Vladimir Putin": the same entity
                    if (s, e) != (outer["start"], outer["end"]) and (s, e) not in spans_seen:
                        spans_seen.add((s, e))
                        out.append({"doc_id": doc["doc_id"], "mention_id": f"{doc['doc_id']}:{s}-{e}",
                                    "sentence_id": outer["sentence_id"], "start": s, "end": e, "text": text[s:e],
                                    "ner_label": "KB_NESTED", "entity_id": ""})  # fmt: skip
        if seg_lang == "zh" and kb.zh_abbr:
            chars = "".join(sorted(kb.zh_abbr))
            for lo, hi in spans:
                for m in re.compile(rf"([{chars}])方").finditer(text, lo, hi):
                    add(m.start(), m.end(), "ABBR")
                for m in re.compile(rf"([{chars}]{{2,4}})(?={ZH_SIDE_SUFFIX})").finditer(text, lo, hi):
                    if len(set(m.group(1))) == len(m.group(1)):
                        for i in range(m.start(), m.end()):
                            add(i, i + 1, "ABBR")
    return sorted(out, key=lambda m: m["start"])


def office_holder_mentions(doc: dict, sentences: list[list[int]], mentions: list[dict], kb: KnowledgeBase,
                           rules: Rules) -> list[dict]:  # fmt: skip
    """Persons the English model missed where the text names an office before them
    ("Foreign Minister of Peru Elmer Schialer", "special envoy Ana
    Torres"): the capitalized words after the office, when no mention covers them and no
    word of them is a known place, country or organization."""
    if doc["lang"] != "en" and not any(seg[2] == "en" for seg in doc.get("segments") or ()):
        return []
    text, out = doc["text"], []
    taken = SpanSet((m["start"], m["end"]) for m in mentions)
    by_span: dict[tuple[int, int], list[dict]] = defaultdict(list)
    for m in mentions:
        by_span[(m["start"], m["end"])].append(m)
    starts = [a for a, _ in sentences]
    for r in rules.en_title_then_name.finditer(text):
        s, e = r.span("name")
        name = r.group("name")
        if any((known := kb.lookup(w)) is not None and known.type != "person" for w in name.split()):
            continue
        same = by_span.get((s, e), [])
        if same and same[0]["ner_label"] in ("ORG", "GPE", "LOC", "FAC") and kb.lookup(name) is None:
            same[0]["ner_label"] = "PERSON"  # "special envoy Ana Torres" typed as an organization
            continue
        if taken.overlaps(s, e):
            continue
        if name.lower() in rules.title_words or kb.demonym(name.split()[0]) is not None:
            continue
        sid = sentence_at(sentences, s, starts)
        if sid is None or not (sentences[sid][0] <= s and e <= sentences[sid][1]):
            continue
        taken.add(s, e)
        out.append({"doc_id": doc["doc_id"], "mention_id": f"{doc['doc_id']}:{s}-{e}", "sentence_id": sid,
                    "start": s, "end": e, "text": name, "ner_label": "PERSON", "entity_id": ""})  # fmt: skip
    return out


# --------------------------------------------------------------------------- resolution


def _split_country_abbreviations(mentions: list[dict], kb: KnowledgeBase) -> list[dict]:
    """中蒙 / 中俄蒙 tagged as one place: one country mention per character."""
    out = []
    for m in mentions:
        t = m["text"]
        if (2 <= len(t) <= 4 and len(set(t)) == len(t) and all(c in kb.zh_abbr for c in t)
                and kb.lookup(t) is None):  # fmt: skip
            for i, c in enumerate(t):
                s = m["start"] + i
                out.append({**m, "mention_id": f"{m['doc_id']}:{s}-{s + 1}", "start": s, "end": s + 1, "text": c,
                            "ner_label": "ABBR"})  # fmt: skip
        else:
            out.append(m)
    return out


def _clean_surface(m: dict) -> None:
    """Trim a leading 'the' and a photo credit after a slash ('Xinhua/Rao Aimin' → 'Xinhua')."""
    text = m["text"]
    lead = re.match(r"(?:the|The)\s+(?=[A-Z])", text)
    if lead:
        m["start"] += lead.end()
        text = text[lead.end() :]
    if "/" in text and not text.startswith("/"):
        cut = text.index("/")
        m["end"] = m["start"] + cut
        text = text[:cut].rstrip()
        m["end"] = m["start"] + len(text)
    # a Chinese name never holds a digit: the model ran into a date (朴振4日 → 朴振)
    digits = re.search(r"[0-9０-９]+$", text) if text and is_cjk(text[0]) else None
    if digits and digits.start() >= 2:
        text = text[: digits.start()]
        m["end"] = m["start"] + len(text)
    m["text"] = text
    m["mention_id"] = f"{m['doc_id']}:{m['start']}-{m['end']}"


# words that start right after a Chinese name: where the model's span ends inside one of
# them (麦考尔众|议员, 拜登通|话, 普京明|日, 丁林 |摄), the span ran over and is cut back
ZH_AFTER_NAME = (
    "通电话", "通话", "表示", "指出", "强调", "说", "摄", "众议员", "参议员", "议员", "总统", "总理", "主席",
    "部长", "外长", "首相", "大使", "夫妇", "夫人", "明日", "明天", "今日", "今天", "昨日", "昨天", "会见",
    "会晤", "会谈", "等人",
)  # fmt: skip
_ZH_ADVERB_TAIL = re.compile(r"[也还亦已将曾]\S?$")


def trim_zh_person(m: dict, text: str, kb: KnowledgeBase, rules: Rules | None = None) -> None:
    """Cut a Chinese person span back to the name: past a word that follows names
    (:data:`ZH_AFTER_NAME`), a leading honorific, or to the knowledge-base name it holds
    with a character or two of the context on one side (祝普京, 普京访)."""
    s, e, surface = m["start"], m["end"], m["text"]
    for k in (1, 2, 3):  # the span ends inside such a word, or with the whole of it
        if len(surface) - k >= 2 and any(text.startswith(w, e - k) and len(w) >= k for w in ZH_AFTER_NAME):
            e -= k
            while e > s and text[e - 1].isspace():
                e -= 1
            break
    adverb = _ZH_ADVERB_TAIL.search(text, s + 2, e)  # 卡斯特罗也甫于: an adverb and what follows it are not the name
    if adverb is not None:
        e = adverb.start()
    h = (rules or load_rules()).zh_honorific_prefix.match(text, s, e)  # 拿督斯里安华: a title, not the name
    if h is not None:
        s = h.end()
    if kb.lookup(text[s:e]) is None:
        for a, b in ((s + 1, e), (s, e - 1), (s + 2, e), (s, e - 2)):
            if b - a >= 2 and kb.lookup(text[a:b], types=("person",)) is not None:
                s, e = a, b
                break
    if (s, e) != (m["start"], m["end"]):
        m.update(start=s, end=e, text=text[s:e], mention_id=f"{m['doc_id']}:{s}-{e}")


# a character that never ends a name (function words, measure words, the start of a
# title or of a word that follows names), and the characters after which a name has ended
_ZH_NOT_NAME_END = set(
    "的等们一及为是则亦也还都就又才再已将曾正便与同在于对向从把被让给跟或并而但且之其此这那该个位名中上下年月日时说称副关新代参来生却不各"
)
_ZH_AFTER_END = set('与同在于时举会表说称指强向对就，。、；：,（(“"」』》 \n')


def extend_zh_person(m: dict, text: str, taken: set[int]) -> None:
    """The Chinese model often stops one character short of a foreign name (康京|和与,
    茂木敏|充举行, 阿布拉|夸时): a span is taken one character further when that character
    could end a name and what follows it is where names end (与, 举行, 时, punctuation, a
    word of :data:`ZH_AFTER_NAME`). Applied to MSRA's gold persons, this rule lengthens 4
    of 1,973 names wrongly."""
    e = m["end"]
    if e + 1 >= len(text) or e in taken:
        return
    c, after = text[e], text[e + 1]
    if (
        not is_cjk(c)
        or c in _ZH_NOT_NAME_END
        or text.startswith("和夫", e)
        or any(text.startswith(w, e) for w in ZH_AFTER_NAME)
    ):
        return
    if c == "和" and after not in "与同":
        return  # 和 is the conjunction unless another one follows it (康京和与)
    if after in _ZH_AFTER_END or any(text.startswith(w, e + 1) for w in ZH_AFTER_NAME):
        m.update(end=e + 1, text=text[m["start"] : e + 1], mention_id=f"{m['doc_id']}:{m['start']}-{e + 1}")


def _not_a_name(surface: str, rules: Rules, kb: KnowledgeBase) -> bool:
    """A model's person that is a title, an honorific or a demonym, not a name."""
    s = surface.strip(" '’.").lower()
    s = re.sub(r"^['’]s\s+", "", s)
    return s in rules.title_words or kb.demonym(surface) is not None or not any(ch.isalpha() for ch in s)


def _trim_to_known_person(m: dict, text: str, kb: KnowledgeBase) -> None:
    """A Latin-script span the model ran over a known person's name from the left
    ("Russia Sergey Lavrov", "Mongolia Ukhnaa Khurelsukh") is cut to the name; the
    gazetteer then finds the country in what is left."""
    surface = m["text"]
    if not surface or is_cjk(surface[0]) or kb.lookup(surface) is not None:
        return
    for word in re.finditer(r"\s+", surface):
        rest = surface[word.end() :]
        if " " in rest and kb.lookup(rest, types=("person",)) is not None:
            s = m["start"] + word.end()
            m.update(start=s, text=text[s : m["end"]], mention_id=f"{m['doc_id']}:{s}-{m['end']}", ner_label="PERSON")
            return
    # "India Om Birla": a country's name, then a name with no word of an organization's
    first = re.match(r"\S+\s+", surface)
    rest = surface[first.end() :] if first else ""
    words = rest.split()
    if (first and 2 <= len(words) <= 4 and kb.lookup(first.group().strip(), types=("country",)) is not None
            and all(w[:1].isupper() for w in words) and not _ORG_WORDS.search(rest)
            and not any(kb.lookup(w) is not None for w in words)):  # fmt: skip
        s = m["start"] + first.end()
        m.update(start=s, text=text[s : m["end"]], mention_id=f"{m['doc_id']}:{s}-{m['end']}", ner_label="PERSON")


# head nouns of organizations' names: a span holding one is no person's name
_ORG_WORDS = re.compile(
    r"\b(?:Ministry|Party|Council|Committee|Assembly|Parliament|Department|Office|Union|Organi[sz]ation|Agency|Bank|"
    r"Government|Commission|Institute|University|Court|Senate|Congress|House|Chamber|Forces|Army|Embassy|Association|"
    r"League|Front|Movement|Group|News|Times|Post|Service|Authority|Corporation|Company|Foundation|Fund)\b"
)


# Chinese text glosses a foreign name in Latin script in brackets right after it:
# 布林肯(Antony Blinken)、盧拉（Luiz Inácio Lula da Silva，左）、川普（Donald Trump）
_NAME_WORD = r"[^\W\d_][^\W\d_'’.\-]*\.?(?:[-'’][^\W\d_]+)*"
_GLOSS = re.compile(
    rf"[ \t]*[(（][ \t]*(?P<name>(?=[A-Z]){_NAME_WORD}(?:[ \t]+{_NAME_WORD}){{0,5}})[ \t]*(?=[)）,，;；、]|$)"
)
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z][a-z])")


def gloss_mentions(text: str, mentions: list[dict], rules: Rules | None = None) -> tuple[list[dict], dict[int, int]]:
    """Latin-script glosses of Chinese names: ``([m, ...], {gloss index: name index})``.

    The mentions the model found inside a gloss (it tags "Donald" and "Trump" apart, or
    not at all) are replaced by one mention of the whole bracketed name, with the label of
    the Chinese name it glosses; the map pairs each gloss with that name so that both
    take one entity (the English spelling is the better id of a transliterated name).
    """
    out = list(mentions)
    pairs: dict[int, int] = {}
    for m in mentions:
        if not m["text"] or not is_cjk(m["text"][-1]) or m["ner_label"] not in TYPE_BY_LABEL:
            continue
        g = _GLOSS.match(text, m["end"])
        if g is None:
            continue
        s, e = g.span("name")
        name, cut = strip_title(g.group("name"), rules)
        s += cut
        if " " not in name.strip() and _CAMEL.search(name):
            name = _CAMEL.sub(" ", name)  # "AntonyBlinken"
        inside = [x for x in out if x["start"] < e and s < x["end"] and x is not m]
        for x in inside:
            out.remove(x)
        gm = {**m, "mention_id": f"{m['doc_id']}:{s}-{e}", "start": s, "end": e, "text": name, "gloss": True}
        out.append(gm)
        pairs[id(gm)] = id(m)
    return out, pairs


_ACRONYM = re.compile(r"\s*[(（]\s*([A-Z][A-Za-z&.\-]{1,11})\s*[)）]")


def link_document(doc: dict, ann: dict, kb: KnowledgeBase, params: LinkParams) -> dict:
    """Resolve a document's mentions; returns the linked record for the extract stage.

    The record holds the document fields, ``sentences``, and ``mentions`` (contract fields
    plus ``type``; ``entity_id`` filled in), and ``entities``: the document's entities as
    ``{entity_id: {type, name, name_en, name_zh, kb_id, country, aliases}}``.
    """
    # every rule and look-up reads the simplified view of Chinese text (same offsets); the
    # mentions get their original surface back at the end
    rules = load_rules(params.rules)
    text = view_of(doc)
    view_doc = {**doc, "text": text}
    sentences = ann.get("sentences", [])
    mentions = [{**m, "text": text[m["start"] : m["end"]]} for m in ann.get("mentions", [])]
    mentions = _split_country_abbreviations(mentions, kb)
    for m in mentions:
        _trim_to_known_person(m, text, kb)
    mentions, glosses = gloss_mentions(text, mentions, rules)
    # a Latin word the Chinese model called a person ("Donald" of an English phrase) is
    # not one, unless it glosses a name or the knowledge base knows it
    mentions = [m for m in mentions if m.get("gloss") or m["ner_label"] != "PER" or has_cjk(m["text"])
                or kb.lookup(m["text"]) is not None]  # fmt: skip
    if params.gazetteer:
        mentions += gazetteer_mentions(view_doc, sentences, mentions, kb)
    mentions += office_holder_mentions(view_doc, sentences, mentions, kb, rules)
    mentions.sort(key=lambda m: (m["start"], m["end"]))
    entities: dict[str, dict] = {}
    acronyms: dict[str, str] = {}
    persons_full: list[tuple[int, str, list[str]]] = []  # (start, entity_id, name tokens)

    from_kb: set[str] = set()

    def register(eid: str, typ: str, surface: str, kbe: KbEntity | None = None, name: str = "",
                 name_en: str = "", name_zh: str = "") -> str:  # fmt: skip
        if kbe is not None:
            from_kb.add(eid)
        rec = entities.setdefault(eid, {
            "type": typ,
            "name": (kbe.en if kbe else "") or name or surface,
            "name_en": (kbe.en if kbe else name_en),
            "name_zh": (kbe.zh if kbe else name_zh),
            "kb_id": kbe.kb_id if kbe else "",
            "country": kbe.country if kbe else "",
            "aliases": [],
        })  # fmt: skip
        if surface not in rec["aliases"]:
            rec["aliases"].append(surface)
        return eid

    # pass 1: KB names, acronyms, demonyms, full names
    pending: list[dict] = []
    taken = {i for m in mentions for i in range(m["start"], m["end"])}
    for m in mentions:
        label = m["ner_label"]
        _clean_surface(m)
        if label == "PER" and m["text"] and is_cjk(m["text"][0]):
            trim_zh_person(m, text, kb, rules)
            if kb.lookup(m["text"]) is None:
                extend_zh_person(m, text, taken)
        m["type"] = ""
        if label in ("PERSON", "PER") and m["text"] and not is_cjk(m["text"][0]):
            trim_en_person(m, rules)
            if not m["text"]:
                continue
        if label in ("PERSON", "PER") and _not_a_name(m["text"], rules, kb):
            if kb.demonym(m["text"]) is None:
                continue  # a title alone ("Councilor", "Datuk Seri"): nobody
            label = "NORP"  # "Kazakh" typed as a person: the country
        surface, cut = strip_title(m["text"], rules)
        if cut:
            m["start"] += cut
            m["text"] = surface
            m["mention_id"] = f"{m['doc_id']}:{m['start']}-{m['end']}"
            if label in ("ORG", "GPE", "NORP", "LOC", "FAC"):
                label = "PERSON"  # "Kazakh President X" tagged as one organization: X is a person
        if label == "ABBR":
            kbe = kb.entities.get(kb.zh_abbr.get(surface[0], ""))
            if kbe:
                m["type"], m["entity_id"] = kbe.type, register(kbe.entity_id, kbe.type, surface, kbe)
            continue
        kbe = kb.lookup(surface)
        if kbe is None and TYPE_BY_LABEL.get(label) == "organization":
            lr = rules.lang("zh" if is_cjk(surface[-1]) else "en")
            if lr.event_names.search(surface):
                continue  # a summit or a press conference: an event, not an organization
            if lr.venue_names.search(surface):
                label = m["ner_label"] = "FAC"  # a hall, a guesthouse: a place
        if kbe is None and is_cjk(surface[0]) and TYPE_BY_LABEL.get(label) in ("organization", "location"):
            kbe = kb.lookup_country_prefixed(surface)
        if kbe is None and len(surface) == 1 and surface in kb.zh_abbr:
            kbe = kb.entities.get(kb.zh_abbr[surface])  # 中蒙关系: the model tagged 蒙 alone
        if kbe is None and surface in acronyms:
            m["entity_id"] = acronyms[surface]
            m["type"] = entities[m["entity_id"]]["type"]
            register(m["entity_id"], m["type"], surface)
            continue
        if kbe is None and label in ("ORG", "GPE", "LOC") and not is_cjk(surface[0]) and kb.demonym(surface):
            label = "NORP"  # "Angolan" or "Kyrgyz" alone typed as a body or a place: the country's demonym
        if kbe is None and label == "NORP":
            kbe = kb.demonym(surface)
            if kbe is None:
                continue  # a group (Muslims, Democrats): not an entity of the graph
        if kbe is not None:
            m["type"], m["entity_id"] = kbe.type, register(kbe.entity_id, kbe.type, surface, kbe)
        elif TYPE_BY_LABEL.get(label) == "person" and len(surface) == 1 and is_cjk(surface):
            pending.append(m)  # a surname alone (蔡总统): the full name the document gives, in pass 2
            continue
        elif TYPE_BY_LABEL.get(label) == "person" and (" " in surface or "·" in surface or is_cjk(surface[0])):
            name_en = pinyin_name(surface) if is_cjk(surface[0]) else surface
            eid = f"person:{slug(name_en or surface)}"
            name_zh = surface if is_cjk(surface[0]) else ""
            m["type"], m["entity_id"] = "person", register(eid, "person", surface, name=name_en or surface,
                                                           name_en=name_en, name_zh=name_zh)  # fmt: skip
        else:
            pending.append(m)
            continue
        if m["type"] == "person":
            toks = [t for t in re.split(r"[\s·]+", surface) if t]
            persons_full.append((m["start"], m["entity_id"], toks))
        acr = _ACRONYM.match(text, m["end"])
        if acr and m["type"] in ("organization", "country") and acr.group(1) not in acronyms:
            acronyms[acr.group(1)] = m["entity_id"]

    # pass 2: short forms and the rest
    by_token: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for start, eid, toks in persons_full:
        if len(toks) > 1:
            for tok in set(toks):
                by_token[tok.casefold()].append((start, eid))
    for m in pending:
        surface, label = m["text"], m["ner_label"]
        if len(surface) == 1 and is_cjk(surface):
            # a Chinese surname with a title (蔡总统, 胡主席) stands for the one person of the
            # document with that surname; alone, it names nobody
            full = {eid for _, eid, toks in persons_full if toks and len(toks[0]) > 1 and toks[0][0] == surface}
            if len(full) == 1 and rules.zh_role_after.match(text, m["end"]):
                eid = next(iter(full))
                m["type"], m["entity_id"] = "person", register(eid, "person", surface)
            continue
        if surface in acronyms:
            m["entity_id"] = acronyms[surface]
            m["type"] = entities[m["entity_id"]]["type"]
            register(m["entity_id"], m["type"], surface)
            continue
        cands = by_token.get(surface.casefold(), [])
        if cands and label in ("PERSON", "PER", "GPE", "ORG", "LOC", "NORP") and surface[:1].isupper():
            before = [c for c in cands if c[0] < m["start"]]
            eid = (before[-1] if before else cands[0])[1]
            m["type"], m["entity_id"] = "person", register(eid, "person", surface)
            continue
        typ = TYPE_BY_LABEL.get(label)
        if typ is None:
            continue
        if typ == "person" and surface.isupper() and surface.isascii():
            continue  # a transcript's speaker label or a heading in capitals (QUESTION, KERRY) no name joins
        if typ == "person":
            name_en = surface if not is_cjk(surface[0]) else pinyin_name(surface)
            eid = f"person:{slug(name_en or surface)}"
            m["type"], m["entity_id"] = typ, register(eid, typ, surface, name=name_en or surface, name_en=name_en,
                                                      name_zh=surface if is_cjk(surface[0]) else "")  # fmt: skip
            continue
        eid = f"{typ}:{slug(surface)}"
        zh = surface if is_cjk(surface[0]) else ""
        m["type"], m["entity_id"] = typ, register(eid, typ, surface, name=surface,
                                                  name_en="" if zh else surface, name_zh=zh)  # fmt: skip
        acr = _ACRONYM.match(text, m["end"])
        if acr and typ == "organization" and acr.group(1) not in acronyms:
            acronyms[acr.group(1)] = eid
    _join_name_variants(mentions, entities, from_kb)
    # pass 3: role nouns ("the Chinese premier") → the person the text gave that title
    if doc["lang"] == "en":
        for m in role_noun_mentions(view_doc, sentences, mentions, kb, rules):
            rec = entities[m["entity_id"]]
            register(m["entity_id"], rec["type"], m["text"])
            mentions.append(m)
    mentions.sort(key=lambda m: (m["start"], m["end"]))
    _join_glosses(mentions, glosses, entities, from_kb)
    _restore_surfaces(doc["text"], mentions, entities)
    keys = ("doc_id", "lang", "date", "title", "text", "simplified", "body_start", "dateline", "segments")
    return {**{k: doc.get(k) for k in keys}, "sentences": sentences, "mentions": mentions, "entities": entities}


def name_tokens(name: str) -> list[str]:
    """A Latin-script name's comparable tokens: case and diacritics folded, initials
    apart ("L.Oyun-Erdene" → ["l", "oyun-erdene"], "Phạm Minh Chính" → ["pham", "minh", "chinh"])."""
    name = unicodedata.normalize("NFKD", name)
    name = "".join(c for c in name if not unicodedata.combining(c)).casefold()
    name = name.replace("đ", "d").replace("ø", "o").replace("ł", "l")
    return [t for t in re.split(r"[\s.·,]+", name) if t]


def variant_of(short: list[str], long: list[str]) -> bool:
    """``short`` names the person ``long`` names: its tokens are a run of ``long``'s, each
    the same word or its initial ("Lacalle Pou", "bin Hamad", "L. Oyun-Erdene" of the full
    names). A single word is not enough (surnames are shared)."""
    if short == long:
        return True  # the same name but for case or diacritics
    if not 2 <= len(short) <= len(long):
        return False
    for i in range(len(long) - len(short) + 1):
        ok = all(a == b or (len(a) == 1 and b.startswith(a) and j < len(short) - 1)
                 for j, (a, b) in enumerate(zip(short, long[i:], strict=False)))  # fmt: skip
        if ok and len(short[-1]) > 1:
            return True
    return False


def _join_name_variants(mentions: list[dict], entities: dict[str, dict], from_kb: set[str]) -> None:
    """Two Latin-script person ids of one document where one name is a variant of the
    other (a run of its words, initials for words) are one person: the fuller name's, or
    the knowledge base's. A variant that fits two persons joins neither."""
    persons = {eid: name_tokens(e["name"]) for eid, e in entities.items()
               if e["type"] == "person" and e["name"] and not has_cjk(e["name"])}  # fmt: skip
    remap: dict[str, str] = {}
    for eid, toks in sorted(persons.items(), key=lambda kv: len(kv[1])):
        fits = [o for o, ot in persons.items() if o != eid and o not in remap and variant_of(toks, ot)]
        if len(fits) != 1:
            continue
        keep, drop = fits[0], eid
        if drop in from_kb:
            if keep in from_kb:
                continue  # two known persons are never merged
            keep, drop = drop, keep
        remap[drop] = keep
        entities[keep]["aliases"] += [a for a in entities[drop]["aliases"] if a not in entities[keep]["aliases"]]
    for m in mentions:
        if m.get("entity_id") in remap:
            m["entity_id"] = remap[m["entity_id"]]
    for eid in remap:
        entities.pop(eid, None)


def trim_en_person(m: dict, rules: Rules) -> None:
    """Cut words off a Latin-script person span that are never part of a name: the end of a
    title before it, a weekday or month after it (``name_edge_words`` and the title table
    of the rules file), and a possessive ending."""
    text, start = m["text"], m["start"]
    edge = rules.en.name_edge_words | rules.title_words
    toks = list(re.finditer(r"\S+", text))
    while toks and (toks[0].group().lower().strip(",") in edge or toks[0].group().startswith(("'", "’"))):
        toks.pop(0)
    while toks and toks[-1].group().lower().strip(".,") in edge:
        toks.pop()
    if not toks:
        m["text"] = ""
        return
    s, e = toks[0].start(), toks[-1].end()
    poss = re.search(r"['’]s?$", text[s:e])
    if poss:
        e -= len(poss.group())
    if (s, e) == (0, len(text)):
        return
    m["start"], m["end"], m["text"] = start + s, start + e, text[s:e]
    m["mention_id"] = f"{m['doc_id']}:{m['start']}-{m['end']}"


def _join_glosses(mentions: list[dict], glosses: dict[int, int], entities: dict[str, dict], from_kb: set[str]) -> None:
    """A name and its Latin gloss are one entity: a knowledge-base entity when either side
    is one, else the one the gloss names (布林肯 (Antony Blinken) → person:antony-blinken,
    the id an English article gives him). Every mention of the replaced entity follows."""
    by_id = {id(m): m for m in mentions}
    remap: dict[str, str] = {}
    for g_id, n_id in glosses.items():
        g, n = by_id.get(g_id), by_id.get(n_id)
        if g is None or n is None or not g.get("entity_id") or not n.get("entity_id"):
            continue
        ge, ne = remap.get(g["entity_id"], g["entity_id"]), remap.get(n["entity_id"], n["entity_id"])
        if ge == ne or entities[ge]["type"] != entities[ne]["type"] or (ge in from_kb and ne in from_kb):
            continue  # two known entities are never merged
        keep, drop = (ne, ge) if ne in from_kb else (ge, ne)
        remap[drop] = keep
        for k, v in remap.items():
            if v == drop:
                remap[k] = keep
        entities[keep]["name_zh"] = entities[keep]["name_zh"] or entities[drop]["name_zh"]
    for m in mentions:
        if m.get("entity_id") in remap:
            m["entity_id"] = remap[m["entity_id"]]
    for eid in remap:
        entities.pop(eid, None)


def _restore_surfaces(original: str, mentions: list[dict], entities: dict[str, dict]) -> None:
    """Mentions and entity aliases as written in the original text (linking read the
    simplified view: 習近平 was looked up as 习近平, and is listed as 習近平)."""
    seen: dict[str, list[str]] = {}
    for m in mentions:
        m["text"] = original[m["start"] : m["end"]]
        if m.get("entity_id"):
            names = seen.setdefault(m["entity_id"], [])
            if m["text"] not in names:
                names.append(m["text"])
    for eid, names in seen.items():
        entities[eid]["aliases"] = names


def role_noun_mentions(doc: dict, sentences: list[list[int]], mentions: list[dict], kb: KnowledgeBase,
                       rules: Rules | None = None) -> list[dict]:  # fmt: skip
    """Mentions for "the Chinese premier": the person the document calls "Chinese Premier X".

    Only when exactly one person holds that title for that country in the document
    ("leader" accepts any title of the country, again only when unique).
    """
    text, rules = doc["text"], rules or load_rules()
    holders: dict[tuple[str, str], set[str]] = defaultdict(set)
    for m in mentions:
        if m.get("type") != "person" or not m.get("entity_id"):
            continue
        t = rules.en_title_before.search(text[max(0, m["start"] - 60) : m["start"]])
        country = kb.demonym(t.group("dem")) if t else None
        if country:
            holders[(country.entity_id, t.group("title").lower())].add(m["entity_id"])
            holders[(country.entity_id, "leader")].add(m["entity_id"])
    out = []
    starts = [a for a, _ in sentences]
    taken = {(m["start"], m["end"]) for m in mentions}
    for r in rules.en_role_noun.finditer(text):
        country = kb.demonym(r.group("dem"))
        if not country:
            continue
        who = holders.get((country.entity_id, r.group("title").lower()), set())
        s, e = r.start(), r.end()
        sid = sentence_at(sentences, s, starts)
        if len(who) != 1 or sid is None or (s, e) in taken:
            continue
        out.append({"doc_id": doc["doc_id"], "mention_id": f"{doc['doc_id']}:{s}-{e}", "sentence_id": sid, "start": s,
                    "end": e, "text": text[s:e], "ner_label": "ROLE", "entity_id": next(iter(who)), "type": "person"})  # fmt: skip
    return out


class EntityAggregator:
    """Entities across documents, built one linked document at a time (so a run never
    needs every document in memory): names, aliases, mention and document counts."""

    def __init__(self) -> None:
        self.info: dict[str, dict] = {}
        self.n_mentions: Counter = Counter()
        self.n_docs: Counter = Counter()
        self.aliases: dict[str, set] = defaultdict(set)

    FIELDS = ("type", "name", "name_en", "name_zh", "kb_id")  # all the table needs of an entity record

    def add(self, rec: dict) -> None:
        for eid, e in rec["entities"].items():
            cur = self.info.setdefault(eid, {k: e[k] for k in self.FIELDS if k in e})
            for k in ("name_en", "name_zh", "kb_id"):
                if not cur.get(k) and e.get(k):
                    cur[k] = e[k]
            self.aliases[eid].update(e["aliases"])
        seen = set()
        for m in rec["mentions"]:
            if m.get("entity_id"):
                self.n_mentions[m["entity_id"]] += 1
                seen.add(m["entity_id"])
        self.n_docs.update(seen)

    def entities(self) -> Iterator[contract.Entity]:
        """The rows of entities.csv, one at a time, in entity-id order."""
        for eid in sorted(self.info):
            e = dict(self.info[eid])
            if not e.get("kb_id"):
                # a name seen in several forms: show the longest English one
                en = sorted((a for a in self.aliases[eid] if a.isascii()), key=lambda a: (-len(a), a))
                if e["type"] != "person" and en and not e.get("name_en"):
                    e["name_en"] = en[0]
            name = e.get("name_en") or e.get("name") or eid
            yield contract.Entity(
                entity_id=eid, type=e["type"], name=name, name_en=e.get("name_en", ""), name_zh=e.get("name_zh", ""),
                aliases=json.dumps(sorted(self.aliases[eid]), ensure_ascii=False), kb_id=e.get("kb_id", ""),
                n_mentions=self.n_mentions[eid], n_docs=self.n_docs[eid],
            )  # fmt: skip


def aggregate_entities(linked: Iterable[dict]) -> list[contract.Entity]:
    """One :class:`contract.Entity` per entity id across all documents."""
    agg = EntityAggregator()
    for rec in linked:
        agg.add(rec)
    return list(agg.entities())


def link_one(doc: dict, ann: dict, kb: KnowledgeBase, params: LinkParams) -> dict | None:
    """Link one document; ``None`` when it was not processed (status, NER error); a
    failure becomes a record with ``error`` instead of an exception."""
    if doc["status"] != "ok" or ann.get("error"):
        return None
    try:
        return link_document(doc, ann, kb, params)
    except Exception as e:
        logger.exception("link failed on %s", doc["doc_id"])
        return {"doc_id": doc["doc_id"], "error": f"link failed: {type(e).__name__}: {e}",
                "sentences": [], "mentions": [], "entities": {}}  # fmt: skip


def mention_rows(linked: list[dict]) -> list[contract.Mention]:
    """mentions.csv rows."""
    cols = contract.columns(contract.Mention)
    return [contract.Mention(**{k: m[k] for k in cols}) for rec in linked for m in rec["mentions"]]


def main(argv: list[str] | None = None) -> int:
    p = stage_parser("link", "Resolve mentions to entities.")
    p.add_argument("--documents", type=Path, required=True, help="documents.jsonl from normalize")
    p.add_argument("--ner", type=Path, required=True, help="ner.jsonl from ner")
    p.add_argument("--output", type=Path, required=True, help="linked.jsonl to write")
    p.add_argument("--tables", type=Path, required=True, help="folder for mentions.csv and entities.csv")
    a = p.parse_args(argv)
    params = load_section(a.params, "link")
    # streams: one document at a time through the linker, rows into sorting writers
    kb = KnowledgeBase.load(Path(params.kb))
    agg = EntityAggregator()
    out = contract.JsonlWriter(a.output)
    rows = contract.TableWriter(a.tables / "mentions.csv", contract.Mention)
    counts = {"mentions": 0, "mentions_linked": 0, "mentions_from_gazetteer": 0}
    try:
        for d, ann in zip(contract.read_jsonl(a.documents), contract.read_jsonl(a.ner), strict=True):
            if d["doc_id"] != ann["doc_id"]:
                raise ValueError(f"{a.ner} is not in the order of {a.documents} ({ann['doc_id']} for {d['doc_id']})")
            rec = link_one(d, ann, kb, params)
            if rec is None:
                continue
            out.add([rec])
            rows.add(mention_rows([rec]))
            agg.add(rec)
            for m in rec["mentions"]:
                counts["mentions"] += 1
                counts["mentions_linked"] += bool(m.get("entity_id"))
                counts["mentions_from_gazetteer"] += m["ner_label"] in ("KB", "KB_NESTED", "ABBR")
    except BaseException:
        out.discard()
        rows.discard()
        raise
    out.close()
    n_m = rows.close()
    ents = list(agg.entities())
    contract.write_table(a.tables / "entities.csv", ents, contract.Entity)
    logger.info("link: %d mentions, %d entities", n_m, len(ents))
    contract.write_metrics(a.metrics, {
        "entities": {t: sum(e.type == t for e in ents) for t in ("person", "country", "organization", "location")},
        "entities_with_wikidata_id": sum(bool(e.kb_id) for e in ents),
        **counts,
    })  # fmt: skip
    return 0
