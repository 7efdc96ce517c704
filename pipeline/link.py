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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pipeline import contract
from pipeline.kb import KbEntity, KnowledgeBase, slug
from pipeline.params import LinkParams, load_section, project_root, stage_parser
from pipeline.text.rules import Rules, load_rules
from pipeline.text.spans import SpanSet
from pipeline.text.textnorm import has_cjk, is_cjk, view_of

logger = logging.getLogger(__name__)

__all__ = [
    "LinkedMention",
    "aggregate_entities",
    "clean_org_mentions",
    "link_document",
    "load_org_rules",
    "pinyin_name",
    "strip_title",
]

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
ZH_TRANSLITERATION = set("斯尔姆奥茨兹蒂埃伊赫娅耶索萨纳贝卡瓦乌恩莱诺洛科塔妮拉尼普布克特罗比欧")
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
    found = _GazetteerMentions(doc, sentences, mentions)
    segments = doc.get("segments") or [[0, len(text), lang]]
    for seg_lang in sorted({seg[2] for seg in segments}):
        spans = [(s, e) for s, e, sl in segments if sl == seg_lang]
        rx = _gazetteer_regex(id(kb), kb, seg_lang) if seg_lang in ("en", "zh") else None
        if rx is not None:
            for lo, hi in spans:
                for m in rx.finditer(text, lo, hi):
                    found.add(m.start(), m.end(), "KB", replace=True)
            found.add_nested(rx, spans, kb)
        if seg_lang == "zh" and kb.zh_abbr:
            found.add_zh_sides(spans, kb)
    return sorted(found.out, key=lambda m: m["start"])


class _GazetteerMentions:
    """The mentions :func:`gazetteer_mentions` adds to a document's, and the spans taken."""

    def __init__(self, doc: dict, sentences: list[list[int]], mentions: list[dict]) -> None:
        self.doc, self.text, self.sentences, self.mentions = doc, doc["text"], sentences, mentions
        self.taken = SpanSet((m["start"], m["end"]) for m in mentions)
        self.blank = SpanSet([(0, doc.get("body_start", 0)), *[tuple(x) for x in doc.get("skip_spans", [])]])
        self.starts = [a for a, _ in sentences]
        self.out: list[dict] = []
        # the model's mentions by start, to find those near a name without scanning them all
        self.order = sorted(mentions, key=lambda m: (m["start"], m["end"]))
        self.order_starts = [m["start"] for m in self.order]
        self.longest = max((m["end"] - m["start"] for m in self.order), default=0)
        self.removed: set[int] = set()

    def near(self, s: int, e: int) -> list[dict]:
        """The model's mentions (not removed) that overlap ``s:e``."""
        lo, hi = bisect_left(self.order_starts, s - self.longest), bisect_left(self.order_starts, e)
        return [m for m in self.order[lo:hi] if id(m) not in self.removed and m["start"] < e and s < m["end"]]

    def _replace_inside(self, s: int, e: int) -> None:
        """A known name that strictly contains the model's mention(s) replaces them (the model
        cut 蒙古国经济发展部 to 古国经济发展部, or tagged 东盟 inside 东盟地区论坛)."""
        close = self.near(s, e)
        inside = [m for m in close if s <= m["start"] and m["end"] <= e and (m["end"] - m["start"]) < e - s]
        crossing = [m for m in close if m not in inside]
        if inside and not crossing:
            for m in inside:
                self.mentions.remove(m)
                self.removed.add(id(m))
                self.taken.remove(m["start"], m["end"])

    def add(self, s: int, e: int, label: str, *, replace: bool = False) -> None:
        """A mention at ``s:e``, unless the span is blank, taken or in no sentence."""
        if self.blank.overlaps(s, e):
            return
        if replace and self.taken.overlaps(s, e):
            self._replace_inside(s, e)
        if self.taken.overlaps(s, e):
            return
        sid = sentence_at(self.sentences, s, self.starts)
        if sid is None:
            return
        self.taken.add(s, e)
        doc_id = self.doc["doc_id"]
        self.out.append({"doc_id": doc_id, "mention_id": f"{doc_id}:{s}-{e}", "sentence_id": sid,
                         "start": s, "end": e, "text": self.text[s:e], "ner_label": label, "entity_id": ""})  # fmt: skip

    def add_nested(self, rx: re.Pattern, spans: list[tuple[int, int]], kb: KnowledgeBase) -> None:
        """Names nested in a known name ("Central Committee of the Communist Party of China"
        also names the party); recorded as their own, overlapping mentions."""
        spans_seen = {(x["start"], x["end"]) for x in self.mentions + self.out}
        for outer in [x for x in self.mentions + self.out if kb.lookup(x["text"]) is not None]:
            if not any(lo <= outer["start"] < hi for lo, hi in spans):
                continue
            outer_entity = kb.lookup(outer["text"])
            for m in rx.finditer(self.text, outer["start"] + 1, outer["end"]):
                s, e = m.start(), m.end()
                if _other_entity(kb.lookup(m.group()), outer_entity) and (s, e) != (outer["start"], outer["end"]) \
                        and (s, e) not in spans_seen:  # fmt: skip
                    spans_seen.add((s, e))
                    doc_id = self.doc["doc_id"]
                    self.out.append({"doc_id": doc_id, "mention_id": f"{doc_id}:{s}-{e}",
                                     "sentence_id": outer["sentence_id"], "start": s, "end": e, "text": self.text[s:e],
                                     "ner_label": "KB_NESTED", "entity_id": ""})  # fmt: skip

    def add_zh_sides(self, spans: list[tuple[int, int]], kb: KnowledgeBase) -> None:
        """Chinese side abbreviations: 中方, and each character of 中美双方."""
        chars = "".join(sorted(kb.zh_abbr))
        for lo, hi in spans:
            for m in re.compile(rf"([{chars}])方").finditer(self.text, lo, hi):
                self.add(m.start(), m.end(), "ABBR")
            for m in re.compile(rf"([{chars}]{{2,4}})(?={ZH_SIDE_SUFFIX})").finditer(self.text, lo, hi):
                if len(set(m.group(1))) == len(m.group(1)):
                    for i in range(m.start(), m.end()):
                        self.add(i, i + 1, "ABBR")


def _other_entity(inner: KbEntity | None, outer: KbEntity) -> bool:
    """A name nested in a known one names an entity of its own: not the same one ("Putin"
    inside "Vladimir Putin"), nor another country's body of that name (国务院 inside 美国国务院)."""
    if inner is outer:
        return False
    return not (
        inner is not None
        and inner.type == outer.type == "organization"
        and (inner.country and outer.country and inner.country != outer.country)
    )


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
# them (麦考尔众|议员, 拜登通|话, 普京明|日, 丁林 |摄, 会见X后|，), the span ran over and is cut back
ZH_AFTER_NAME = (
    "通电话", "通话", "表示", "指出", "强调", "说", "摄", "众议员", "参议员", "议员", "总统", "总理", "主席",
    "部长", "外长", "首相", "大使", "夫妇", "夫人", "明日", "明天", "今日", "今天", "昨日", "昨天", "会见",
    "会晤", "会谈", "等人", "后，", "后,", "陪同",
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
    "后前"  # 会见莫尔古洛夫后，: "after", not the name's last character
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


# characters that are prepositions before a name and surnames too (向朗伊总理转达: "to
# Premier Langyi", not Mr Xiang Langyi)
_ZH_PREPOSITIONS = set("向与和同对跟给被让把将在")


def cut_zh_preposition(mentions: list[dict], text: str, kb: KnowledgeBase) -> None:
    """A Chinese person span that starts with a preposition (:data:`_ZH_PREPOSITIONS`)
    loses it when the rest is a name the document gives as a person elsewhere, or a
    knowledge-base person's."""
    names = {m["text"] for m in mentions if m["ner_label"] == "PER" and m["text"] and is_cjk(m["text"][0])}
    for m in mentions:
        t = m["text"]
        if m["ner_label"] != "PER" or len(t) < 3 or t[0] not in _ZH_PREPOSITIONS or kb.lookup(t) is not None:
            continue
        if t[1:] in names or kb.lookup(t[1:], types=("person",)) is not None:
            s = m["start"] + 1
            m.update(start=s, text=text[s : m["end"]], mention_id=f"{m['doc_id']}:{s}-{m['end']}")


def inside_zh_place(start: int, end: int, text: str) -> bool:
    """The Chinese span is part of a longer place name that GeoNames knows, one or two
    characters more on either side (格里拉 in 香格里拉): the model cut a place, not a person."""
    from pipeline.text import gazetteer

    for a in (0, 1, 2):
        for b in (0, 1, 2):
            s, e = start - a, end + b
            if (a or b) and s >= 0 and e <= len(text) and all(is_cjk(c) for c in text[s:e]):
                place = gazetteer.lookup(text[s:e])
                if place is not None and place.kind in ("city", "country"):
                    return True
    return False


def _not_a_name(surface: str, rules: Rules, kb: KnowledgeBase) -> bool:
    """A model's person that is a title, an honorific or a demonym, not a name."""
    s = surface.strip(" '’.").lower()
    s = re.sub(r"^['’]s\s+", "", s)
    return s in rules.title_words or kb.demonym(surface) is not None or not any(ch.isalpha() for ch in s)


def _place_not_person(surface: str, text: str, start: int, rules: Rules) -> bool:
    """A Latin-script "person" the model found that is a place's name (a city of GeoNames
    by its own name, not one of its alternate names, which hold pinyin such as "Li Wei"; a
    country; a world region: Okinawa, Asuncion, the Sahel) and has no title before it
    ("President Lima" stays a person)."""
    if not surface or is_cjk(surface[0]):
        return False
    from pipeline.text import gazetteer

    place = gazetteer.lookup(surface)
    if place is None or (place.kind == "city" and name_tokens(place.name) != name_tokens(surface)):
        return False
    words = re.findall(r"[\w.'’-]+", text[max(0, start - 60) : start])[-4:]
    return not any(" ".join(words[i:]).lower() in rules.title_words for i in range(len(words)))


def _org_or_venue(surface: str, rules: Rules) -> str:
    """``FAC`` or ``ORG`` when a Latin-script span holds the head noun of a venue or an
    organization (Conference Centre, League, Ministry), else ""."""
    if not surface or is_cjk(surface[0]):
        return ""
    if rules.lang("en").venue_names.search(surface):
        return "FAC"
    return "ORG" if _ORG_WORDS.search(surface) else ""


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


def _person_by_apposition(m: dict, text: str, kb: KnowledgeBase, rules: Rules) -> None:
    """A Latin-script name the model typed as an organization or a place that an office
    follows in apposition ("Henrietta Fore, the Executive Director of …", "led by Ana
    Torres, general secretary of …") is a person: two to four capitalized words, none a
    word of an organization's name or a known entity."""
    surface = m["text"]
    if m["ner_label"] not in ("ORG", "GPE", "LOC", "NORP", "FAC") or not surface or is_cjk(surface[0]):
        return
    office = rules.en_office_apposition.match(text, m["end"]) is not None
    if kb.lookup(surface) is None and _appositive_name(surface, office, lambda w: kb.lookup(w) is None):
        m["ner_label"] = "PERSON"


def _appositive_name(surface: str, office_follows: bool, word_ok: Callable[[str], bool]) -> bool:
    """Two to four capitalized words, none a word of an organization's name or one ``word_ok``
    refuses, with an office after them in apposition: a person's name (the one rule of
    :func:`_person_by_apposition` and of the organization cleaning, each with its own
    office test and word test)."""
    words = surface.split()
    return (2 <= len(words) <= 4 and office_follows and not _ORG_WORDS.search(surface)
            and all(w[:1].isupper() and word_ok(w) for w in words))  # fmt: skip


# head nouns of organizations' names: a span holding one is no person's name
_ORG_WORDS = re.compile(
    r"\b(?:Ministry|Party|Council|Committee|Assembly|Parliament|Department|Office|Union|Organi[sz]ation|Agency|Bank|"
    r"Government|Commission|Institute|University|Court|Senate|Congress|House|Chamber|Forces|Army|Embassy|Association|"
    r"League|Front|Movement|Group|News|Times|Post|Service|Authority|Corporation|Company|Foundation|Fund|Corps)\b"
)


# --------------------------------------------------------------------------- organizations


@dataclass(frozen=True)
class OrgRules:
    """The word lists of ``models/rules/organizations.yaml`` (what a model's organization is not)."""

    generic: frozenset[str] = frozenset()
    not_bodies: frozenset[str] = frozenset()
    portfolio: frozenset[str] = frozenset()
    en_event_heads: frozenset[str] = frozenset()
    en_credit: re.Pattern | None = None
    zh_event_heads: tuple[str, ...] = ()
    zh_title_after: tuple[str, ...] = ()
    zh_fused_title: tuple[str, ...] = ()
    zh_group_heads: tuple[str, ...] = ()
    zh_byline_after: re.Pattern | None = None
    zh_credit: tuple[str, ...] = ()
    zh_generic: frozenset[str] = frozenset()
    en_organ_of: re.Pattern | None = None
    zh_time_lead: tuple[str, ...] = ()


DEFAULT_ORG_RULES = project_root() / "models" / "rules" / "organizations.yaml"


@lru_cache(maxsize=4)
def load_org_rules(path: str | Path = DEFAULT_ORG_RULES) -> OrgRules:
    """Read the organization word lists (an absent file: no lists)."""
    p = Path(path)
    if not p.exists():
        logger.warning("organization rules %s not found: no organization filters", p)
        return OrgRules()
    import yaml

    data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    en, zh = data.get("en", {}), data.get("zh", {})

    def words(d: dict, key: str) -> list[str]:
        return list((d.get(key) or {}).get("words", []))

    def by_length(forms: list[str]) -> tuple[str, ...]:
        return tuple(sorted(forms, key=lambda w: (-len(w), w)))

    credit = words(en, "credit_words")
    byline = words(zh, "byline_after")
    return OrgRules(
        generic=frozenset(w.casefold() for w in words(en, "generic")),
        portfolio=frozenset(w.casefold() for w in words(en, "portfolio")),
        not_bodies=frozenset(w.casefold() for w in words(en, "not_bodies")),
        en_event_heads=frozenset(words(en, "event_heads")),
        en_credit=re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, by_length(credit))) + r")(?![\w-])")
        if credit else None,
        zh_event_heads=by_length(words(zh, "event_heads")),
        zh_title_after=by_length(words(zh, "title_after")),
        zh_fused_title=by_length(words(zh, "fused_title")),
        zh_group_heads=by_length(words(zh, "group_heads")),
        zh_byline_after=re.compile(r"\s*[/／]\s*(?:" + "|".join(map(re.escape, by_length(byline))) + ")")
        if byline else None,
        zh_credit=by_length(words(zh, "credit_words")),
        zh_generic=frozenset(words(zh, "generic")),
        en_organ_of=re.compile(
            r"(?:the\s+)?(?:(?:" + "|".join(map(re.escape, by_length(words(en, "organs")))) + r")\s+of\s+(?:the\s+)?)+"
        )
        if words(en, "organs")
        else None,
        zh_time_lead=by_length(words(zh, "time_lead")),
    )  # fmt: skip


_ORDINAL_LEAD = re.compile(r"(?:(?:the|The)\s+)?\d+(?:st|nd|rd|th)\s+|(?:A|An)\s+(?=[A-Z])")
# ", general secretary of", ", the executive director of": an apposition that gives a person's office
_EN_OFFICE_APPOSITION = re.compile(
    r",\s+(?:the\s+|a\s+)?(?P<office>(?:[A-Za-z\-]+\s+){0,3}?[A-Za-z\-]+)\s+(?:of|to|at)\s"
)
_OPEN_END = re.compile(r"\s+(?:of(?:\s+the)?|and|&|for|on)$")
_NEXT_WORDS = re.compile(r"\s+((?:the\s+)?[A-Z][\w'’.\-]*(?:\s+(?:of\s+(?:the\s+)?)?[A-Z][\w'’.\-]*){0,4})")
_ACRONYM_LIKE = re.compile(r"(?=(?:[^A-Z]*[A-Z]){2})[A-Za-z&.\-]{2,12}")


def _set_span(m: dict, s: int, e: int, text: str) -> None:
    m.update(start=s, end=e, text=text[s:e], mention_id=f"{m['doc_id']}:{s}-{e}")


def _is_place(name: str, kb: KnowledgeBase) -> bool:
    """A country, a known location, a city or a world region (the gazetteer)."""
    from pipeline.text import gazetteer

    if kb.lookup(name, types=("country", "location")) is not None:
        return True
    return gazetteer.lookup(name.title() if name.isupper() and len(name) > 3 else name) is not None


def _places_only(prefix: str, kb: KnowledgeBase) -> bool:
    """A Chinese prefix made of one or two place names (日本, 日本名古屋)."""
    if len(prefix) >= 2 and _is_place(prefix, kb):
        return True
    return any(_is_place(prefix[:i], kb) and _is_place(prefix[i:], kb) for i in range(2, len(prefix) - 1))


def clean_org_mentions(mentions: list[dict], text: str, kb: KnowledgeBase, orules: OrgRules,
                       rules: Rules) -> list[dict]:  # fmt: skip
    """The model's organizations, cut to the name and rid of what names no body.

    Spans are cut back to the name: a leading ordinal or slash, a trailing possessive, a
    half bracket (or taken to its closing bracket), a person's name run on after the body
    ("House of Commons of the UK Jane Doe": the person the document names elsewhere or the
    KB knows), a Chinese place before a known body (日本名古屋二十国集团); a name ending in
    "of" takes the country after it ("Ministry of Foreign Affairs of" + Peru) or goes.
    What is dropped or retyped: a generic word (State, Cabinet), a credit or a clock (File
    Photo, GMT), a handle, an event (its KB body stays: "34th ASEAN Summit" → ASEAN), a
    place or demonym typed as an organization, a Chinese body named inside a title
    (外交部|长), a delegation (its body stays when known: 中共代表团 → 中共), a newsroom in
    a byline. Known names (the KB) are kept as they are.
    """
    return _OrgCleaner(mentions, text, kb, orules, rules).run(mentions)


@dataclass
class _OrgSpan:
    """An organization mention being cut: its current bounds in the text."""

    m: dict
    text: str
    s: int
    e: int
    zh: bool
    bare: str = ""  # the surface without a leading "the", as the filters saw it

    @property
    def surface(self) -> str:
        return self.text[self.s : self.e]


class _OrgCleaner:
    """The steps of :func:`clean_org_mentions` over one document's mentions."""

    def __init__(self, mentions: list[dict], text: str, kb: KnowledgeBase, orules: OrgRules, rules: Rules) -> None:
        self.text, self.kb, self.orules, self.rules = text, kb, orules, rules
        self.person_tokens = {t for m in mentions if m["ner_label"] in ("PERSON", "PER") and m["text"]
                              and not is_cjk(m["text"][0]) for t in m["text"].split() if len(t) > 1}  # fmt: skip
        self.out: list[dict] = []
        self.added: list[dict] = []
        self.person_starts = sorted(m["start"] for m in mentions if m["ner_label"] in ("PERSON", "PER"))
        self.by_end = {m["end"]: m for m in mentions if m["ner_label"] in ("GPE", "LOC", "NORP", "ABBR")}

    def run(self, mentions: list[dict]) -> list[dict]:
        """Each mention through the steps; the kept and added ones in text order."""
        steps = (self._cut_lead, self._cut_end, self._take_of_country, self._cut_organ, self._cut_person_tail,
                 self._as_person, self._no_body, self._credit_or_byline, self._cut_zh_title, self._in_fused_title,
                 self._event, self._delegation)  # fmt: skip
        for m in mentions:
            if self._settled(m):
                continue
            sp = _OrgSpan(m, self.text, m["start"], m["end"], is_cjk(m["text"][-1]) or is_cjk(m["text"][0]))
            if not any(step(sp) for step in steps):
                self._finish(sp)
        return sorted(self.out + self.added, key=lambda x: (x["start"], x["end"]))

    def block(self, m: dict) -> bool:
        """No organization, but its span stays taken (no KB name is found inside it)."""
        m["not_org"] = True
        self.out.append(m)
        return True

    def keep_country(self, m: dict, s: int, e: int) -> None:
        """No organization; a body that starts with its country's name stands for that
        country in the title (以色列战略事务部|长: Israel, the affiliation the title gives)."""
        self.block(m)
        for cut in range(e - s - 1, 1, -1):
            country = self.kb.lookup(self.text[s : s + cut], types=("country",))
            if country is not None:
                _set_span(m, s, e, self.text)
                m["as_country"] = (country.entity_id, self.text[s : s + cut])
                return

    def _settled(self, m: dict) -> bool:
        """A country's body joined to its country; True when the mention is kept as it is
        (no organization of the model's, or a known name)."""
        text, kb = self.text, self.kb
        if m["ner_label"] == "ORG" and m["text"][:1].isupper():
            _of_country(m, text, kb)
        before = self.by_end.get(m["start"]) if m["ner_label"] == "ORG" and m["text"] and is_cjk(m["text"][0]) else None
        if before is not None:
            whole = text[before["start"] : m["end"]]
            known = kb.lookup(whole, types=("organization",)) or kb.lookup_country_prefixed(whole)
            alone = kb.lookup(m["text"], types=("organization",))
            country = kb.lookup(before["text"], types=("country",))
            if known is not None or (
                alone is not None and country is not None and alone.country and alone.country != country.entity_id
            ):
                _set_span(m, before["start"], m["end"], text)  # 美国|国务院: the country's body, not China's 国务院
        if m["ner_label"] != "ORG" or not m["text"] or kb.lookup(m["text"]) is not None:
            self.out.append(m)
            return True
        return False

    def _cut_lead(self, sp: _OrgSpan) -> bool:
        """Leading junk off: a slash, an ordinal ("the 48th"), the digits of a clock (01 中央社)."""
        head_text = sp.surface
        lead = re.match(r"[/\\|·\-–—:;,.\s]+", head_text) or (
            re.match(r"\d+\s+(?=\S)", head_text) if sp.zh else _ORDINAL_LEAD.match(head_text)
        )
        if lead is not None and lead.end() < len(head_text):
            sp.s += lead.end()
        surface = sp.surface
        if surface.startswith("@") or not any(c.isalpha() for c in surface):
            return self.block(sp.m)  # a social-media handle, a number
        return False

    def _cut_end(self, sp: _OrgSpan) -> bool:
        """A trailing possessive off; a half bracket cut off or taken to its closing bracket."""
        poss = re.search(r"['’]s$", sp.surface)
        if poss and not sp.zh:
            sp.e -= 2
        surface = sp.surface
        if surface.count("(") > surface.count(")"):
            cut = surface.rindex("(")
            inner = surface[cut + 1 :].strip()
            if self.text.startswith(")", sp.e) and not _ACRONYM_LIKE.fullmatch(inner):
                sp.e += 1  # "Party of Nepal (Maoist Centre": the bracket belongs to the name
            else:
                sp.e = sp.s + len(surface[:cut].rstrip())  # "Union (AU": the acronym follows the name
        return False

    def _take_of_country(self, sp: _OrgSpan) -> bool:
        """A name ending in "of" takes the place or body after it, or names no body."""
        if sp.zh or not _OPEN_END.search(sp.surface):
            return False
        nxt = _NEXT_WORDS.match(self.text, sp.e)
        if nxt is not None:
            words = nxt.group(1).split()
            for j in range(len(words), 0, -1):
                phrase = " ".join(words[:j])
                bare = re.sub(r"^the\s+", "", phrase)
                if _is_place(bare, self.kb) or self.kb.lookup(bare, types=("country", "organization")) is not None:
                    sp.e = nxt.start(1) + len(phrase)  # the country's own mention stays
                    return False
        return self.block(sp.m)  # "Communist Party of" and nothing the KB or the gazetteer knows after it

    def _cut_organ(self, sp: _OrgSpan) -> bool:
        """An organ of a body ("Central Committee of the Workers Party of Peru"): the body."""
        surface, s, m, text = sp.surface, sp.s, sp.m, self.text
        organ = self.orules.en_organ_of.match(surface) if not sp.zh and self.orules.en_organ_of is not None else None
        if organ is not None and _ORG_WORDS.search(surface[organ.end() :]):
            # "Central Committee of the Workers Party of Peru": the party; the organ's words
            # stay taken (the KB's Chinese "Central Committee" is not found in them)
            self.added.append({**m, "mention_id": f"{m['doc_id']}:{s}-{s + organ.end()}", "start": s,
                               "end": s + organ.end(), "text": text[s : s + organ.end()], "not_org": True})  # fmt: skip
            sp.s += organ.end()
        return False

    def _cut_person_tail(self, sp: _OrgSpan) -> bool:
        """A person's name run on after the body becomes a person mention of its own."""
        if sp.zh:
            return False
        s, e, m, text = sp.s, sp.e, sp.m, self.text
        surface = sp.surface
        tail = _person_tail(surface, text[max(0, s - 60) : s], self.kb, self.orules, self.rules, self.person_tokens)
        if tail:
            ps = s + tail
            self.added.append({**m, "mention_id": f"{m['doc_id']}:{ps}-{e}", "start": ps, "end": e,
                               "text": text[ps:e], "ner_label": "PERSON"})  # fmt: skip
            sp.e = s + len(surface[:tail].rstrip())
        return False

    def _as_person(self, sp: _OrgSpan) -> bool:
        """A name an office follows in apposition, or made of a named person's words: a person."""
        if sp.zh:
            return False
        kb, surface = self.kb, sp.surface
        words = surface.split()
        app = _EN_OFFICE_APPOSITION.match(self.text, sp.e)
        office = app.group("office").casefold().split() if app else []
        in_office = any(" ".join(office[i:]) in self.rules.title_words for i in range(len(office)))
        appositive = _appositive_name(surface, in_office, lambda w: bool(
            re.fullmatch(r"[A-Z][\w'’.\-]*", w)
            and kb.lookup(w, types=("country", "organization")) is None
            and kb.demonym(w) is None
        ))  # fmt: skip
        # "Ana Ruiz, general secretary of the party", or the name of a person the document names as one
        if appositive or (len(words) >= 2 and all(w in self.person_tokens for w in words)
                          and not _ORG_WORDS.search(surface)):  # fmt: skip
            _set_span(sp.m, sp.s, sp.e, self.text)
            sp.m["ner_label"] = "PERSON"
            self.out.append(sp.m)
            return True
        return False

    def _no_body(self, sp: _OrgSpan) -> bool:
        """A lower-case word or a generic one ("the State", "Cabinet", 国会): no particular body."""
        orules, surface = self.orules, sp.surface
        bare = sp.bare = re.sub(r"^(?:the|The)\s+", "", surface)
        if not bare.strip() or not (bare[0].isupper() or bare[0].isdigit() or is_cjk(bare[0])):
            return self.block(sp.m)  # "the", a lower-case word
        named_part = re.split(r"\s+of\s+", bare)[0].split()
        if not sp.zh and (
            bare.casefold() in orules.generic
            or named_part[-1].casefold() in orules.not_bodies
            or all(w.casefold() in orules.portfolio for w in bare.split())
            or bare.casefold() in self.rules.title_words
        ):
            return self.block(sp.m)  # "the State", "Cabinet", "Minister of Foreign Affairs": no particular body
        if sp.zh and (surface in orules.zh_generic or any(surface.startswith(w) for w in orules.zh_time_lead)):
            return self.block(sp.m)  # 国会, 联盟 alone: no particular body; 星期三会(和): a day, not a body
        return False

    def _credit_or_byline(self, sp: _OrgSpan) -> bool:
        """A credit or a clock ("File Photo", "1000 GMT"), a newsroom in a byline: no body."""
        orules, surface = self.orules, sp.surface
        if orules.en_credit is not None and orules.en_credit.search(surface):
            return self.block(sp.m)  # "File Photo", "1000 GMT"
        if sp.zh and any(w in surface for w in orules.zh_credit):
            return self.block(sp.m)
        if sp.zh and orules.zh_byline_after is not None and orules.zh_byline_after.match(self.text, sp.e):
            return self.block(sp.m)  # 〔国际新闻中心／综合报导〕: a newsroom's desk
        return False

    def _cut_zh_title(self, sp: _OrgSpan) -> bool:
        """A Chinese span cut back from a title it ran into; dropped when it names a person or no body."""
        if not sp.zh:
            return False
        text, s, e = self.text, sp.s, sp.e
        # the span ran into a title (科克众|议员, 社民党党|首): cut it back to where the title starts
        into = next((k for k in (1, 2) for w in self.orules.zh_title_after
                     if len(w) > k and e - k > s + 1 and text.startswith(w, e - k)), 0)  # fmt: skip
        if any(text.startswith(w, e) for w in self.orules.zh_title_after):
            into = 0  # 外交部|长: the span ends where a title starts (not 外交|部长)
        if into:
            sp.e -= into
        surface = sp.surface
        inside = [self.kb.lookup(surface[i:j], types=("person",)) for i in range(len(surface) - 1)
                  for j in range(i + 2, len(surface) + 1)]  # fmt: skip
        # 川普盟友, 自川普: a person's name inside; 科克众(议员): no body
        return bool(any(inside) or (into and not _ZH_BODY_END.search(surface)))

    def _in_fused_title(self, sp: _OrgSpan) -> bool:
        """外交部|长: the body named only inside a person's title stands for its country."""
        title = next((w for w in self.orules.zh_fused_title if self.text.startswith(w, sp.e)), None) if sp.zh else None
        if title is not None and _person_soon(self.text, sp.e + len(title), self.person_starts):
            self.keep_country(sp.m, sp.s, sp.e)
            return True
        return False

    def _event(self, sp: _OrgSpan) -> bool:
        """An event, no organization: the KB body it is named after ("34th ASEAN Summit")
        stays (Chinese: the gazetteer finds it inside the span)."""
        orules, surface = self.orules, sp.surface
        head = (surface.split()[-1] if surface.split() else "") if not sp.zh else ""
        event = (
            (head in orules.en_event_heads) if not sp.zh else any(surface.endswith(w) for w in orules.zh_event_heads)
        )
        if not event:
            return False
        if not sp.zh:
            words = list(re.finditer(r"\S+", surface))
            for j in range(len(words) - 1, 0, -1):
                if self.kb.lookup(surface[: words[j - 1].end()], types=("organization",)) is not None:
                    _set_span(sp.m, sp.s, sp.s + words[j - 1].end(), self.text)
                    self.out.append(sp.m)
                    break
        return True

    def _delegation(self, sp: _OrgSpan) -> bool:
        """A delegation (中共代表团): its body when known, else no organization."""
        surface = sp.surface
        group = next((w for w in self.orules.zh_group_heads if surface.endswith(w)), None) if sp.zh else None
        if group is None:
            return False
        body = surface[: -len(group)]
        if len(body) < 2 or self.kb.lookup(body) is None:
            return self.block(sp.m)  # a delegation, not a body
        sp.e -= len(group)
        return False

    def _finish(self, sp: _OrgSpan) -> None:
        """The places before a known Chinese body cut off, a place or demonym retyped; kept."""
        kb, m, bare = self.kb, sp.m, sp.bare
        surface = sp.surface
        if sp.zh and kb.lookup(surface) is None and kb.lookup_country_prefixed(surface) is None:
            for i in range(2, len(surface) - 1):  # 日本名古屋|二十国集团: the places before a known body
                if kb.lookup(surface[i:], types=("organization",)) is not None and _places_only(surface[:i], kb):
                    sp.s += i
                    surface = sp.surface
                    break
        if not sp.zh and _demonym_like(bare, kb):
            m["ner_label"] = "NORP"  # "Angolan", "Kazakh-Kyrgyz": an adjective of places, no body
        elif kb.lookup(surface) is None and (_is_place(bare, kb) or kb.demonym(bare) is not None):
            m["ner_label"] = "NORP" if kb.demonym(bare) is not None and not _is_place(bare, kb) else "GPE"
        _set_span(m, sp.s, sp.e, self.text)
        self.out.append(m)


# the last character of a Chinese body's name (外交部, 众议院, 委员会, 共和党, 工作组…)
_ZH_BODY_END = re.compile(r"[部院会委党局署组团社行所厅处办署盟府军台馆]$")


_POSSESSIVE_BEFORE = re.compile(r"((?:[A-Z][\w.\-]*\s+){0,2}[A-Z][\w.\-]*)['’]s\s+$")


def _of_country(m: dict, text: str, kb: KnowledgeBase) -> None:
    """A body after its country's possessive ("Peru's Communist Party") is that country's:
    the KB's "<name> of <country>" when it knows one, never another country's body of the
    same short name (the KB's "Communist Party" is China's); else it is named
    "<name> of <country>"."""
    pm = _POSSESSIVE_BEFORE.search(text, max(0, m["start"] - 40), m["start"])
    if pm is None:
        return
    words = pm.group(1).split()
    country, written = None, ""
    for i in range(len(words)):
        country = kb.lookup(" ".join(words[i:]), types=("country",))
        if country is not None:
            written = " ".join(words[i:])
            break
    if country is None:
        return
    for name in (f"{m['text']} of {country.en}", f"{m['text']} of {written}"):
        full = kb.lookup(name, types=("organization",))
        if full is not None:
            m["as_entity"] = full.entity_id
            return
    known = kb.lookup(m["text"], types=("organization",))
    if known is not None and known.country and known.country != country.entity_id:
        m["org_name"] = f"{m['text']} of {country.en}"


def _demonym_like(word: str, kb: KnowledgeBase) -> bool:
    """One word that is the adjective of a place or places ("Angolan" of Angola, "European"
    of Europe, "Kazakh-Kyrgyz"), by the gazetteer and the KB's demonyms."""
    if " " in word or not word[:1].isupper():
        return False
    parts = word.split("-")
    if len(parts) > 1:
        return all(_demonym_like(p, kb) or _is_place(p, kb) for p in parts)  # "Kazakh-Kyrgyz", "Peru-Chile"
    if kb.demonym(word) is not None:
        return True
    for suffix, add in (("n", ""), ("an", ""), ("an", "a"), ("ian", "ia"), ("ean", "e"), ("i", ""), ("ese", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            base = word[: len(word) - len(suffix)] + add
            if kb.lookup(base, types=("country",)) is not None or _is_place(base, kb):
                return True
    return False


def _person_soon(text: str, pos: int, person_starts: list[int], *, window: int = 12) -> bool:
    """A person's name starts within ``window`` characters of ``pos``, in the same clause
    (外交部长|王毅, 中共中央政治局委员、外交部长|王毅)."""
    i = bisect_left(person_starts, pos)
    if i == len(person_starts) or person_starts[i] - pos > window:
        return False
    return not re.search(r"[，。；：,;:！？!?\n]", text[pos : person_starts[i]])


def _person_tail(surface: str, before: str, kb: KnowledgeBase, orules: OrgRules, rules: Rules,
                 person_tokens: set[str]) -> int:  # fmt: skip
    """Where a person's name run on after a body's name starts in ``surface`` (0: none).

    The last word is a name when the document names a person by it, the KB knows it, or
    a title with "of"/"to"/"for" comes right before the span ("Ambassador to Japan Roos");
    the name then takes the capitalized words before it that name no place, body or
    portfolio ("National Security Sartaj Aziz" → Sartaj Aziz)."""
    words = list(re.finditer(r"\S+", surface))
    if len(words) < 2:
        return 0
    last = words[-1].group()
    after_title = False
    lead = re.search(r"(\S+(?:\s+\S+){0,5})\s+(?:to|of|for|on|and)\s+(?:the\s+)?$", before)
    if lead is not None:
        ws = [w.casefold().strip(",") for w in lead.group(1).split()]
        for i in range(len(ws)):  # "Ambassador to", "Minister of Foreign Affairs of"
            rest = ws[i + 1 :]
            if " ".join(ws[i:]) in rules.title_words or (
                ws[i] in rules.title_words and all(w in orules.portfolio or w in _CONNECTORS for w in rest)
            ):
                after_title = True
                break
    named = last in person_tokens or kb.lookup(last, types=("person",)) is not None
    if not (named or after_title) or not _name_word(last, kb, orules):
        return 0
    i = len(words) - 1
    while (i - 1 >= 1 and _name_word(words[i - 1].group(), kb, orules)
           and words[i - 2].group().casefold() not in _CONNECTORS):  # fmt: skip
        i -= 1  # a word right after "of" belongs to the body ("Assembly of People's Power")
    if words[i - 1].group().casefold() in _CONNECTORS:
        return 0
    head = surface[: words[i].start()].strip()
    bare = re.sub(r"^(?:the|The)\s+", "", head)
    if not named and not (_is_place(bare, kb) or kb.lookup(bare) is not None or bare.casefold() in orules.generic
                          or bare.split()[-1].casefold() in orules.portfolio):  # fmt: skip
        return 0  # only a title before it: the last word must follow a place, a known body or a portfolio
    return words[i].start()


_CONNECTORS = {"of", "the", "and", "&", "for", "on", "to"}


def _name_word(word: str, kb: KnowledgeBase, orules: OrgRules) -> bool:
    """A capitalized word that may be part of a person's name: no place, known name, word
    of a body's name or of a portfolio."""
    if not re.fullmatch(r"[A-Z][\w'’.\-]*,?", word):
        return False
    w = word.strip(",.;:")
    return not (
        _ORG_WORDS.search(w) or w.casefold() in orules.portfolio or w.casefold() in orules.generic
        or _is_place(w, kb) or kb.lookup(w) is not None or kb.demonym(w) is not None
    )  # fmt: skip


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


def _prepare_mentions(view_doc: dict, ann: dict, kb: KnowledgeBase, params: LinkParams,
                      rules: Rules) -> tuple[list[dict], dict[int, int]]:  # fmt: skip
    """The model's mentions trimmed, cleaned and glossed, with the gazetteer's and the office holders' added."""
    text, sentences = view_doc["text"], ann.get("sentences", [])
    mentions = [{**m, "text": text[m["start"] : m["end"]]} for m in ann.get("mentions", [])]
    mentions = _split_country_abbreviations(mentions, kb)
    for m in mentions:
        _trim_to_known_person(m, text, kb)
        _person_by_apposition(m, text, kb, rules)
    cut_zh_preposition(mentions, text, kb)
    mentions = clean_org_mentions(mentions, text, kb, load_org_rules(params.org_rules), rules)
    mentions, glosses = gloss_mentions(text, mentions, rules)
    # a Latin word the Chinese model called a person ("Donald" of an English phrase) is
    # not one, unless it glosses a name or the knowledge base knows it
    mentions = [m for m in mentions if m.get("gloss") or m["ner_label"] != "PER" or has_cjk(m["text"])
                or kb.lookup(m["text"]) is not None]  # fmt: skip
    if params.gazetteer:
        mentions += gazetteer_mentions(view_doc, sentences, mentions, kb)
    mentions += office_holder_mentions(view_doc, sentences, mentions, kb, rules)
    mentions.sort(key=lambda m: (m["start"], m["end"]))
    return mentions, glosses


class _DocLinker:
    """One document's entities as its mentions are resolved: the ids, the acronyms it
    defines, its persons named in full, and the ids the knowledge base gave."""

    def __init__(self, text: str, kb: KnowledgeBase, rules: Rules) -> None:
        self.text, self.kb, self.rules = text, kb, rules
        self.entities: dict[str, dict] = {}
        self.acronyms: dict[str, str] = {}
        self.persons_full: list[tuple[int, str, list[str]]] = []  # (start, entity_id, name tokens)
        self.from_kb: set[str] = set()
        self.pending: list[dict] = []  # the mentions pass 1 leaves to pass 2
        self.relabel: dict[int, str] = {}  # a type pass 1 decided against the model's label, for pass 2

    def register(self, eid: str, typ: str, surface: str, kbe: KbEntity | None = None, name: str = "",
                 name_en: str = "", name_zh: str = "") -> str:  # fmt: skip
        """Record ``surface`` as an alias of ``eid`` (created on first sight); returns ``eid``."""
        if kbe is not None:
            self.from_kb.add(eid)
        rec = self.entities.setdefault(eid, {
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

    def _link_kb(self, m: dict, kbe: KbEntity, surface: str) -> None:
        """Link ``m`` to a knowledge-base entity."""
        m["type"], m["entity_id"] = kbe.type, self.register(kbe.entity_id, kbe.type, surface, kbe)

    def _link_acronym(self, m: dict, surface: str) -> None:
        """Link ``m`` to the entity the document introduced ``surface`` for."""
        m["entity_id"] = self.acronyms[surface]
        m["type"] = self.entities[m["entity_id"]]["type"]
        self.register(m["entity_id"], m["type"], surface)

    def _link_new_person(self, m: dict, surface: str) -> None:
        """Link ``m`` to a person id of its own name (pinyin for a Chinese one)."""
        name_en = pinyin_name(surface) if is_cjk(surface[0]) else surface
        eid = f"person:{slug(name_en or surface)}"
        name_zh = surface if is_cjk(surface[0]) else ""
        m["type"], m["entity_id"] = "person", self.register(eid, "person", surface, name=name_en or surface,
                                                            name_en=name_en, name_zh=name_zh)  # fmt: skip

    def _note_acronym(self, m: dict, types: tuple[str, ...]) -> None:
        """An acronym in brackets after a linked body ("(NATO)") names it from then on."""
        acr = _ACRONYM.match(self.text, m["end"])
        if acr and m["type"] in types and acr.group(1) not in self.acronyms:
            self.acronyms[acr.group(1)] = m["entity_id"]

    # ---------------------------------------------------------------- pass 1

    def first_pass(self, mentions: list[dict]) -> None:
        """Pass 1: KB names, acronyms, demonyms, full names; the rest waits in ``pending``."""
        taken = {i for m in mentions for i in range(m["start"], m["end"])}
        for m in mentions:
            self._first_pass_one(m, taken)

    def _first_pass_one(self, m: dict, taken: set[int]) -> None:
        """Pass 1 for one mention."""
        if self._link_marked(m):
            return
        label = self._clean_and_label(m, taken)
        if label is None:
            return
        surface, cut, label = self._strip_title(m, label)
        if label == "ABBR":
            kbe = self.kb.entities.get(self.kb.zh_abbr.get(surface[0], ""))
            if kbe:
                self._link_kb(m, kbe, surface)
            return
        found = self._lookup(m, surface, label)
        if found is None:
            return
        kbe, label = found
        if kbe is None and surface in self.acronyms:
            self._link_acronym(m, surface)
            return
        kbe, label = self._as_demonym(surface, label, kbe)
        if kbe is None and label == "NORP":
            return  # a group (Muslims, Democrats): not an entity of the graph
        if not self._assign(m, surface, label, kbe, cut):
            self.pending.append(m)
            return
        if m["type"] == "person":
            toks = [t for t in re.split(r"[\s·]+", surface) if t]
            self.persons_full.append((m["start"], m["entity_id"], toks))
        self._note_acronym(m, ("organization", "country"))

    def _link_marked(self, m: dict) -> bool:
        """A mention the cleaning steps already decided (an entity, a body's name, a country, nothing)."""
        if m.get("as_entity"):
            self._link_kb(m, self.kb.entities[m["as_entity"]], m["text"])  # "Peru's Communist Party": Peru's
            return True
        if m.get("org_name"):
            name = m["org_name"]
            eid = f"organization:{slug(name)}"
            m["type"], m["entity_id"] = "organization", self.register(eid, "organization", m["text"], name=name,
                                                                      name_en=name)  # fmt: skip
            return True
        if m.get("as_country"):
            kbe = self.kb.entities[m["as_country"][0]]  # a body inside a title: its country
            self._link_kb(m, kbe, m["as_country"][1])
            return True
        # not_org: cleared by clean_org_mentions: a title's body, a credit, a generic word
        return bool(m.get("not_org"))

    def _clean_and_label(self, m: dict, taken: set[int]) -> str | None:
        """Trim a person's span; returns the label to link by, or None for no entity."""
        text, kb, rules, label = self.text, self.kb, self.rules, m["ner_label"]
        _clean_surface(m)
        if label == "PER" and m["text"] and is_cjk(m["text"][0]):
            trim_zh_person(m, text, kb, rules)
            if kb.lookup(m["text"]) is None:
                extend_zh_person(m, text, taken)
            if kb.lookup(m["text"]) is None and inside_zh_place(m["start"], m["end"], text):
                return None  # 格里拉 of 香格里拉: part of a place's name
        m["type"] = ""
        if label in ("PERSON", "PER") and m["text"] and not is_cjk(m["text"][0]):
            trim_en_person(m, rules)
            if not m["text"]:
                return None
        if label in ("PERSON", "PER") and _not_a_name(m["text"], rules, kb):
            if kb.demonym(m["text"]) is None:
                return None  # a title alone ("Councilor", "Datuk Seri"): nobody
            label = "NORP"  # "Kazakh" typed as a person: the country
        return label

    def _strip_title(self, m: dict, label: str) -> tuple[str, int, str]:
        """Cut a title off the mention; returns its surface, the cut and the label it now has."""
        kb, rules = self.kb, self.rules
        # a known name is never cut ("United Nations General Assembly" holds no title)
        surface, cut = strip_title(m["text"], rules) if kb.lookup(m["text"]) is None else (m["text"], 0)
        if cut:
            m["start"] += cut
            m["text"] = surface
            m["mention_id"] = f"{m['doc_id']}:{m['start']}-{m['end']}"
            if label in ("ORG", "GPE", "NORP", "LOC", "FAC") and not _org_or_venue(surface, rules):
                label = "PERSON"  # "Kazakh President X" tagged as one organization: X is a person
        if label == "PERSON" and kb.lookup(surface) is None and (kind := _org_or_venue(surface, rules)):
            # a name never holds the head noun of a venue or an organization ("King Abdul Aziz
            # International Conference Centre", "Parliamentary Friendship League")
            label = self.relabel[id(m)] = kind
        return surface, cut, label

    def _lookup(self, m: dict, surface: str, label: str) -> tuple[KbEntity | None, str] | None:
        """The knowledge base's entity for the surface, and the label; None for an event."""
        kb = self.kb
        kbe = kb.lookup(surface)
        if kbe is None and TYPE_BY_LABEL.get(label) == "organization":
            lr = self.rules.lang("zh" if is_cjk(surface[-1]) else "en")
            if lr.event_names.search(surface):
                return None  # a summit or a press conference: an event, not an organization
            if lr.venue_names.search(surface):
                label = m["ner_label"] = "FAC"  # a hall, a guesthouse: a place
        if kbe is None and is_cjk(surface[0]) and TYPE_BY_LABEL.get(label) in ("organization", "location"):
            kbe = kb.lookup_country_prefixed(surface)
        if kbe is None and len(surface) == 1 and surface in kb.zh_abbr:
            kbe = kb.entities.get(kb.zh_abbr[surface])  # 中蒙关系: the model tagged 蒙 alone
        return kbe, label

    def _as_demonym(self, surface: str, label: str, kbe: KbEntity | None) -> tuple[KbEntity | None, str]:
        """A demonym's country, for a mention nothing else resolved."""
        if kbe is None and label in ("ORG", "GPE", "LOC") and not is_cjk(surface[0]) and self.kb.demonym(surface):
            label = "NORP"  # "Angolan" or "Kyrgyz" alone typed as a body or a place: the country's demonym
        if kbe is None and label == "NORP":
            kbe = self.kb.demonym(surface)
        return kbe, label

    def _assign(self, m: dict, surface: str, label: str, kbe: KbEntity | None, cut: int) -> bool:
        """Link a known entity, a place or a full name; False leaves the mention to pass 2."""
        person = TYPE_BY_LABEL.get(label) == "person"
        if kbe is not None:
            self._link_kb(m, kbe, surface)
        elif person and len(surface) == 1 and is_cjk(surface):
            return False  # a surname alone (蔡总统): the full name the document gives, in pass 2
        elif person and " " in surface and not cut and _place_not_person(surface, self.text, m["start"], self.rules):
            m["type"], m["entity_id"] = "location", self.register(f"location:{slug(surface)}", "location", surface)
        elif person and (" " in surface or "·" in surface or is_cjk(surface[0])):
            self._link_new_person(m, surface)
        else:
            return False
        return True

    # ---------------------------------------------------------------- pass 2

    def second_pass(self) -> None:
        """Pass 2: short forms and the rest."""
        by_token: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for start, eid, toks in self.persons_full:
            if len(toks) > 1:
                for tok in set(toks):
                    by_token[tok.casefold()].append((start, eid))
        for m in self.pending:
            surface, label = m["text"], self.relabel.get(id(m), m["ner_label"])
            if len(surface) == 1 and is_cjk(surface):
                self._link_surname(m, surface)
            elif surface in self.acronyms:
                self._link_acronym(m, surface)
            elif not self._link_short_name(m, surface, label, by_token):
                self._link_rest(m, surface, label)

    def _link_surname(self, m: dict, surface: str) -> None:
        """A Chinese surname with a title (蔡总统, 胡主席) stands for the one person of the
        document with that surname; alone, it names nobody."""
        full = {eid for _, eid, toks in self.persons_full if toks and len(toks[0]) > 1 and toks[0][0] == surface}
        if len(full) == 1 and self.rules.zh_role_after.match(self.text, m["end"]):
            eid = next(iter(full))
            m["type"], m["entity_id"] = "person", self.register(eid, "person", surface)

    def _link_short_name(self, m: dict, surface: str, label: str,
                         by_token: dict[str, list[tuple[int, str]]]) -> bool:  # fmt: skip
        """A word of a full name the document gave: that person (the nearest before it)."""
        cands = by_token.get(surface.casefold(), [])
        if cands and label in ("PERSON", "PER", "GPE", "ORG", "LOC", "NORP") and surface[:1].isupper():
            before = [c for c in cands if c[0] < m["start"]]
            eid = (before[-1] if before else cands[0])[1]
            m["type"], m["entity_id"] = "person", self.register(eid, "person", surface)
            return True
        return False

    def _link_rest(self, m: dict, surface: str, label: str) -> None:
        """A new entity of the label's type, named by the surface."""
        typ = TYPE_BY_LABEL.get(label)
        if typ is None:
            return
        if typ == "person" and surface.isupper() and surface.isascii():
            return  # a transcript's speaker label or a heading in capitals (QUESTION, KERRY) no name joins
        if typ == "person" and _place_not_person(surface, self.text, m["start"], self.rules):
            typ = "location"  # a place's name, no title before it and no word of a person's name here
        if typ == "person":
            self._link_new_person(m, surface)
            return
        eid = f"{typ}:{slug(surface)}"
        zh = surface if is_cjk(surface[0]) else ""
        m["type"], m["entity_id"] = typ, self.register(eid, typ, surface, name=surface,
                                                       name_en="" if zh else surface, name_zh=zh)  # fmt: skip
        self._note_acronym(m, ("organization",))


def link_document(
    doc: contract.DocRecord, ann: contract.NerRecord, kb: KnowledgeBase, params: LinkParams
) -> contract.LinkedRecord:
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
    mentions, glosses = _prepare_mentions(view_doc, ann, kb, params, rules)
    linker = _DocLinker(text, kb, rules)
    linker.first_pass(mentions)
    linker.second_pass()
    entities, from_kb = linker.entities, linker.from_kb
    _join_name_variants(mentions, entities, from_kb)
    _join_zh_surnames(mentions, entities, from_kb)
    # pass 3: role nouns ("the Chinese premier") → the person the text gave that title
    if doc["lang"] == "en":
        for m in role_noun_mentions(view_doc, sentences, mentions, kb, rules):
            linker.register(m["entity_id"], entities[m["entity_id"]]["type"], m["text"])
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
    names); the first and last words of a longer name, without its patronymic or middle
    names ("Sergei Lavrov" of "Sergei Viktorovich Lavrov"); or two words in the other
    order ("Orban Viktor"). A single word is not enough (surnames are shared)."""
    if short == long:
        return True  # the same name but for case or diacritics
    if not 2 <= len(short) <= len(long):
        return False
    if (
        len(short) == 2
        and short[-1] == long[-1]
        and len(short[-1]) > 1
        and (short[0] == long[0] or (len(short[0]) == 1 and long[0].startswith(short[0])))
    ):
        return True
    if len(short) == len(long) == 2 and short == long[::-1]:
        return True
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
    _apply_joins(mentions, entities, remap)


def _apply_joins(mentions: list[dict], entities: dict[str, dict], remap: dict[str, str]) -> None:
    """Each dropped id's aliases go to the id kept, its mentions name the kept one, and it
    leaves the document's entities."""
    for drop, keep in remap.items():
        entities[keep]["aliases"] += [a for a in entities[drop]["aliases"] if a not in entities[keep]["aliases"]]
    for m in mentions:
        if m.get("entity_id") in remap:
            m["entity_id"] = remap[m["entity_id"]]
    for eid in remap:
        entities.pop(eid, None)


def _join_zh_surnames(mentions: list[dict], entities: dict[str, dict], from_kb: set[str]) -> None:
    """A transliterated name's last part alone (阿利耶夫, 朗伊) is the person the document
    names in full with it (伊利哈姆·阿利耶夫, 戴维·朗伊), when exactly one full name ends in
    it; a Chinese person's own name (pinyin-able: 李强) is never such a part."""
    full: dict[str, list[str]] = defaultdict(list)
    for eid, e in entities.items():
        zh = e.get("name_zh") or ""
        if e["type"] == "person" and "·" in zh:
            full[zh.rsplit("·", 1)[1]].append(eid)
    remap: dict[str, str] = {}
    for eid, e in list(entities.items()):
        zh = e.get("name_zh") or ""
        fits = [f for f in full.get(zh, []) if f != eid] if e["type"] == "person" and "·" not in zh else []
        if len(fits) != 1 or len(zh) < 2 or pinyin_name(zh) or (eid in from_kb and fits[0] in from_kb):
            continue
        keep, drop = (eid, fits[0]) if eid in from_kb else (fits[0], eid)
        remap[drop] = keep
    _apply_joins(mentions, entities, remap)


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
        # each person's company: the persons and countries named in its documents
        self.cooc: dict[str, set[str]] = defaultdict(set)
        self.documents = 0

    FIELDS = ("type", "name", "name_en", "name_zh", "kb_id", "country")  # what the table and the remap read

    def add(self, rec: dict) -> None:
        for eid, e in rec["entities"].items():
            cur = self.info.setdefault(eid, {k: e[k] for k in self.FIELDS if k in e})
            for k in ("name_en", "name_zh", "kb_id", "country"):
                if not cur.get(k) and e.get(k):
                    cur[k] = e[k]
            self.aliases[eid].update(e["aliases"])
        seen = set()
        for m in rec["mentions"]:
            if m.get("entity_id"):
                self.n_mentions[m["entity_id"]] += 1
                seen.add(m["entity_id"])
        self.n_docs.update(seen)
        self.documents += 1
        company = {x for x in seen if self.info.get(x, {}).get("type") in ("person", "country")}
        # a known organization names its country too (the US State Department: the US)
        company |= {c for x in seen if self.info.get(x, {}).get("type") == "organization"
                    and (c := self.info[x].get("country"))}  # fmt: skip
        for x in company:
            if self.info.get(x, {}).get("type") == "person":
                self.cooc[x] |= company - {x}

    def remap(self, known: set[str]) -> tuple[dict[str, str], list[dict]]:
        """Join the person ids that name one person (:func:`corpus_remap`) and fold each
        dropped entity into the one kept; returns the remap and the merges made."""
        ents = {eid: {**e, "aliases": self.aliases[eid]} for eid, e in self.info.items()}
        remap, merges = corpus_remap(ents, self.cooc, self.n_docs, known, self.documents, self.n_mentions)
        for drop, keep in remap.items():
            d, k = self.info.pop(drop), self.info[keep]
            for f in ("name_en", "name_zh", "kb_id", "country"):
                if not k.get(f) and d.get(f) and (f != "name_en" or not d.get("name_zh")):
                    k[f] = d[f]  # (a transliteration's pinyin is no English name)
            self.aliases[keep] |= self.aliases.pop(drop)
            self.n_mentions[keep] += self.n_mentions.pop(drop, 0)
            self.n_docs[keep] += self.n_docs.pop(drop, 0)  # persons split across documents: at most an overcount
        return remap, merges

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


# --------------------------------------------------------------------------- the run's identities


# the columns of the per-document tables that hold person ids (the corpus remap rewrites them)
REMAP_COLUMNS = {
    "mentions.csv": ("entity_id",),
    "meeting_participants.csv": ("entity_id",),
    "affiliations.csv": ("person_id",),
}


def _latin_tokens(e: dict, known: bool) -> list[str]:
    """The Latin-script name of a person entity as comparable tokens, [] when it has none
    (a Chinese name's pinyin is no English name: nothing in the run wrote it)."""
    latin = sorted((a for a in e.get("aliases", ()) if a and not has_cjk(a)), key=lambda a: (-len(a), a))
    if not latin and not known:
        return []
    name = e.get("name_en") or e.get("name") or ""
    if has_cjk(name) or not name:
        name = latin[0] if latin else ""
    return name_tokens(name)


def _zh_name(e: dict) -> str:
    zh = e.get("name_zh") or ""
    return zh if zh and all(is_cjk(c) or c == "·" for c in zh) else ""


def corpus_remap(entities: dict[str, dict], cooc: dict[str, set[str]], n_docs: dict[str, int], known: set[str],
                 total_docs: int, n_mentions: dict[str, int] | None = None) -> tuple[dict[str, str], list[dict]]:  # fmt: skip
    """Person ids of a run that name one person: ``({dropped id: kept id}, merges)``.

    ``entities``: ``{id: {type, name, name_en, name_zh, country, aliases}}`` over the run;
    ``cooc``: for each person, the persons and countries named in its documents;
    ``known``: the ids of the knowledge base (two of them are never merged). Four joins,
    each only where exactly one candidate fits (a wrong merge is worse than a missed one):

    1. a transliteration's surname form (朗伊) joins the one full form ending in it (戴维·朗伊);
    2. a foreign name written in Chinese joins the English name with the same consonant
       skeleton (布林肯 → Antony Blinken, :mod:`pipeline.translit`), a short skeleton only
       with evidence;
    3. two Latin spellings of one name (Yun Byun-se / Yun Byung-se, Sadyrbek Zhaparov /
       Sadyr Japarov), always with evidence;
    4. a surname alone (Kerry) joins the one full name ending in it, with evidence;
    5. a variant of a name (:func:`variant_of`: initials, a patronymic left out, the other
       order) joins the one name of the run it is a variant of, with evidence.

    Evidence: the known side's country is named with the other, or both are named with a
    person or country that is in at most a quarter of the run's documents (a corpus-wide
    hub such as the host country tells nothing). Candidates are found through indexes
    (last name part, skeleton keys), never by comparing all pairs; the result depends only
    on the inputs, not on their order.
    """
    joins = _CorpusJoins(entities, cooc, n_docs, known, total_docs, n_mentions or {})
    joins.zh_surnames()
    joins.transliterations()
    joins.latin_variants()
    return {k: joins.find(k) for k in sorted(joins.remap)}, joins.merges


class _CorpusJoins:
    """The joins of :func:`corpus_remap`, and the remap and merges they build."""

    def __init__(self, entities: dict[str, dict], cooc: dict[str, set[str]], n_docs: dict[str, int], known: set[str],
                 total_docs: int, n_mentions: dict[str, int]) -> None:  # fmt: skip
        from pipeline import translit

        self.translit = translit
        self.entities, self.cooc, self.n_docs, self.known, self.n_mentions = entities, cooc, n_docs, known, n_mentions
        self.persons = {eid: e for eid, e in sorted(entities.items()) if e.get("type") == "person"}
        # a shared name is evidence when it is rare: in at most a quarter of a small run's
        # documents, and in at most RARE_MAX_DOCS of a large one (on 2,330 news articles a
        # quarter let any footballer or minister vouch for two strangers)
        self.rare_limit = max(1, min(total_docs // 4, RARE_MAX_DOCS))
        self.remap: dict[str, str] = {}
        self.merges: list[dict] = []
        # a name that is not one (the model's "Alan Milburn - the", "Swansea v Leicester") joins nothing
        self.latin = {eid: toks for eid, e in self.persons.items()
                      if (toks := _latin_tokens(e, eid in known)) and not _GARBLED_NAME.search(" ".join(toks))
                      and not _GARBLED_NAME.search(e.get("name_en") or e.get("name") or "")}  # fmt: skip
        self.zh_only = {eid: zh for eid, e in self.persons.items() if eid not in self.latin and (zh := _zh_name(e))}
        self.index = translit.SkeletonIndex()

    def country_named(self, a: str, b: str) -> bool:
        """The known one of the two has a country, named beside the other."""
        for x, y in ((a, b), (b, a)):
            c = self.entities[x].get("country") if x in self.known else ""
            if c and c in self.cooc.get(y, ()):
                return True
        return False

    def evidence(self, a: str, b: str, *, persons_only: bool = False, country: bool = True) -> bool:
        """The two are named with the known one's country, or with a rare person or country."""
        if country and self.country_named(a, b):
            return True
        shared = (self.cooc.get(a, set()) & self.cooc.get(b, set())) - {a, b}
        return any(self.n_docs.get(s, 0) <= self.rare_limit and (not persons_only or s.startswith("person:"))
                   for s in shared)  # fmt: skip

    def find(self, x: str) -> str:
        """The id ``x`` is joined to in the end."""
        while x in self.remap:
            x = self.remap[x]
        return x

    def merge(self, drop: str, keep: str, kind: str) -> None:
        """Join two ids (a known one is kept; two known ones are never joined)."""
        drop, keep = self.find(drop), self.find(keep)
        known = self.known
        if drop == keep or (drop in known and keep in known):
            return
        if drop in known:
            drop, keep = keep, drop
        elif kind == "spelling" and keep not in known:
            # two spellings, neither known: the one of more documents, else the first id
            keep, drop = sorted((drop, keep), key=lambda x: (-self.n_docs.get(x, 0), -self.n_mentions.get(x, 0), x))
        self.remap[drop] = keep
        persons = self.persons
        self.merges.append({"kind": kind, "drop": drop, "keep": keep, "drop_name": persons[drop].get("name_zh") or
                            persons[drop].get("name"), "keep_name": persons[keep].get("name")})  # fmt: skip

    def zh_surnames(self) -> None:
        """1. 朗伊 → 戴维·朗伊: the one person of the run whose Chinese name ends in that part."""
        by_last_part: dict[str, set[str]] = defaultdict(set)
        for eid, e in self.persons.items():
            parts = self.translit.zh_parts(_zh_name(e))
            if len(parts) >= 2:
                by_last_part[parts[-1]].add(eid)
        for eid, zh in self.zh_only.items():
            if "·" in zh or pinyin_name(zh):
                continue
            fits = by_last_part.get(zh, set()) - {eid}
            if len(fits) == 1:
                self.merge(eid, next(iter(fits)), "zh-surname")

    def transliterations(self) -> None:
        """2. A Chinese transliteration and an English name of the run."""
        for eid, toks in self.latin.items():
            self.index.add(eid, toks)
        for eid, zh in self.zh_only.items():
            if eid in self.remap or pinyin_name(zh):
                continue  # a Chinese person's name, read in pinyin already, or joined in 1
            fits = [c for c in self.index.candidates(zh, fuzzy=False) if self.evidence(eid, c, persons_only=True)]
            if len(fits) == 1:
                self.merge(eid, fits[0], "translit")

    def latin_variants(self) -> None:
        """3. Two Latin spellings of one name, 4. a surname alone, 5. a variant; all with evidence."""
        by_last: dict[str, set[str]] = defaultdict(set)
        for eid, toks in self.latin.items():
            by_last[toks[-1]].add(eid)
        by_token: dict[str, set[str]] = defaultdict(set)
        given: set[str] = set()  # the first words of the run's full names: "David" alone may be any David
        for eid, toks in self.latin.items():
            for t in toks:
                by_token[t].add(eid)
            if len(toks) >= 2:
                given.add(toks[0])
        for eid, toks in sorted(self.latin.items(), key=lambda kv: (len(kv[1]), kv[0])):
            if eid in self.remap or eid in self.known:
                continue
            found = self._latin_candidates(eid, toks, by_last, by_token, given)
            if found is not None:
                self._join_latin(eid, toks, *found)

    def _latin_candidates(self, eid: str, toks: list[str], by_last: dict[str, set[str]],
                          by_token: dict[str, set[str]], given: set[str]) -> tuple[set[str], str] | None:  # fmt: skip
        """The ids a Latin name may be another form of, and the kind of join; None for a given name."""
        latin = self.latin
        sk = self.translit.latin_skeleton(toks[-1])
        if len(toks) == 1:
            if toks[0] in given:
                return None  # a given name of someone in the run, not only a surname
            cands = {c for c in by_last.get(toks[0], set()) if len(latin[c]) >= 2}
            kind = "surname" if cands else "spelling"
        else:
            # 5. a variant of a fuller name (initials, no patronymic, the other order)
            # (the same last word, or the other order: "James Dean" is no variant of "James
            # Dean Bradfield", whose name goes on past it)
            cands = {c for c in by_token.get(toks[-1], set())
                     if c != eid and variant_of(toks, latin[c]) and (latin[c][-1] == toks[-1] or len(latin[c]) == 2)}  # fmt: skip
            kind = "variant"
            if not cands:
                cands = {c for c in self.index.near(sk) if _spelling_variant(toks, latin[c])}
                kind = "spelling"
        if len(toks) == 1 and sk and len(sk) >= 3 and len(toks[0]) >= 7:  # short words are too alike (Files, Wales)
            cands |= {c for c in self.index.near(sk) if len(latin[c]) == 1 and _spelling_variant(toks, latin[c])}
        return cands, kind

    def _join_latin(self, eid: str, toks: list[str], cands: set[str], kind: str) -> None:
        """Join the name to its one candidate with evidence."""
        # a surname alone needs a rare person named with both (a country is too common a
        # companion for a name as common as a surname)
        fits = sorted(
            {
                self.find(c)
                for c in cands
                if c != eid and self.evidence(eid, c, persons_only=kind == "surname", country=kind != "surname")
            }
            - {eid}
        )
        if len(fits) == 1:
            keep = fits[0]
            if kind == "variant" and keep not in self.known and len(self.latin.get(keep, ())) > len(toks) \
                    and self.latin[keep][-len(toks):] == toks:  # fmt: skip
                eid, keep = keep, eid  # "Rapper Kanye West": the words before the name ran on; keep the name
            self.merge(eid, keep, kind)


def remap_record(rec: dict, remap: dict[str, str]) -> dict:
    """A linked record with the person ids of ``remap`` replaced (its mentions and its
    entities: a dropped entity's aliases go to the one kept)."""
    if not any(e in remap for e in rec.get("entities", {})):
        return rec
    ents: dict[str, dict] = {}
    for eid, e in rec["entities"].items():
        keep = remap.get(eid, eid)
        if keep in ents:
            ents[keep]["aliases"] += [a for a in e["aliases"] if a not in ents[keep]["aliases"]]
        else:
            ents[keep] = dict(e) if keep == eid else {**e, "aliases": list(e["aliases"])}
    mentions = [{**m, "entity_id": remap.get(m.get("entity_id", ""), m.get("entity_id", ""))} for m in rec["mentions"]]
    return {**rec, "mentions": mentions, "entities": ents}


RARE_MAX_DOCS = 10
_GARBLED_NAME = re.compile(r"\d|[,;:()&/\"“”]|\s[-–—]\s|\sv\s|[-–—]$|\w['’]s?\s")


def _onset_variant(x: str, y: str) -> bool:
    """Two spellings of one word that differ only in its first one or two letters, the
    rest (five letters or more) the same: a transliteration's onset (Zhaparov / Japarov,
    Khurelsukh / Hurelsukh)."""
    return any(x[i:] == y[j:] and len(x) - i >= 5 for i in (1, 2) for j in (1, 2))


def _spelling_variant(a: list[str], b: list[str]) -> bool:
    """Two Latin names, token by token the same person's: as many tokens, each pair equal,
    one the start of the other (Sadyr / Sadyrbek), or of the same consonant skeleton and at
    most two letters apart (Japarov / Zhaparov); the last pair never merely a start; and
    not the same name."""
    from pipeline import translit

    if len(a) != len(b) or a == b:
        return False
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        if x == y:
            continue
        if x[0] != y[0] and not _onset_variant(x, y):
            return False  # Carson / Hartson, Worcester / Forrester: another word
        sx, sy = translit.latin_skeleton(x), translit.latin_skeleton(y)
        if sx == sy and len(sx) >= 3 and translit.edit_distance(x, y) <= 2:
            continue
        if i < len(a) - 1 and min(len(x), len(y)) >= 4 and (x.startswith(y) or y.startswith(x)):
            continue
        return False
    return True


def aggregate_entities(linked: Iterable[dict]) -> list[contract.Entity]:
    """One :class:`contract.Entity` per entity id across all documents."""
    agg = EntityAggregator()
    for rec in linked:
        agg.add(rec)
    return list(agg.entities())


def link_one(
    doc: contract.DocRecord, ann: contract.NerRecord, kb: KnowledgeBase, params: LinkParams
) -> contract.LinkedRecord | None:
    """Link one document; ``None`` when it was not processed (status, NER error); a
    failure becomes a record with ``error`` instead of an exception."""
    if doc["status"] != "ok" or ann["error"]:
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
    remap, merges = agg.remap(set(kb.entities))
    if remap:  # the persons the run joined across documents: linked.jsonl and mentions.csv follow
        contract.write_jsonl(a.output, (remap_record(r, remap) for r in contract.read_jsonl(a.output)))
        contract.remap_table(a.tables / "mentions.csv", contract.Mention, REMAP_COLUMNS["mentions.csv"], remap)
    ents = list(agg.entities())
    contract.write_table(a.tables / "entities.csv", ents, contract.Entity)
    logger.info("link: %d mentions, %d entities", n_m, len(ents))
    contract.write_metrics(a.metrics, {
        "entities": {t: sum(e.type == t for e in ents) for t in ("person", "country", "organization", "location")},
        "entities_with_wikidata_id": sum(bool(e.kb_id) for e in ents),
        "persons_joined_across_documents": {k: sum(m["kind"] == k for m in merges)
                                            for k in ("zh-surname", "translit", "spelling", "surname", "variant")},
        **counts,
    })  # fmt: skip
    return 0
