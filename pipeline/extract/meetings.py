"""Meetings: who met whom, when, where, in what capacity, one linked document at a time.

Meetings are found sentence by sentence from explicit meeting language (English "met
with", "held talks", "the meeting between", read on the spaCy parse in ``meetings_en.py``;
Chinese 会见, 会谈, 会晤, read clause by clause in ``meetings_zh.py``) with at least two
participants, and never from calls, letters, greetings, invitations or plans. A sentence
whose subject is a pronoun ("He met with …") takes the last person named before it.
Each event then gets its date (``pipeline.text.dates``), its place (the gazetteer, visits,
the dateline) and its kind (the article's main meeting or one it reports).
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import re
from dataclasses import dataclass, field

from pipeline import contract
from pipeline.extract.meetings_en import load_parser, sentence_events
from pipeline.extract.meetings_zh import clause_events
from pipeline.params import ExtractParams
from pipeline.text import gazetteer
from pipeline.text.dates import MONTHS, WEEKDAYS, Anchor, anchor_of, dateline_anchor, find_dates, parse_iso
from pipeline.text.rules import Rules, load_rules
from pipeline.text.spans import SpanSet
from pipeline.text.textnorm import view_of

logger = logging.getLogger(__name__)

EN_PRONOUN_START = re.compile(r"^\s*(?:He|She)\b")
# how a row's participants were found → its confidence (a reported meeting loses 0.1):
# both sides named around the trigger; a side inferred from a pronoun, a title or the
# sentences before; all persons of an English sentence (no parser). On the dev set the
# named rows are right more often than the inferred ones (evaluate's precision_at_confidence).
BASIS = {False: "named", True: "inferred"}
CONFIDENCE = {"named": 0.9, "inferred": 0.7, "words": 0.6}


@dataclass
class MeetingRecord:
    """A meeting before it becomes table rows."""

    doc_id: str
    participants: list[str]
    roles: dict[str, str]
    date: str
    date_precision: str
    date_end: str
    place: str
    place_entity_id: str
    kind: str
    trigger: str
    evidence: str
    start: int
    end: int
    confidence: float
    extra: dict = field(default_factory=dict)

    @property
    def meeting_id(self) -> str:
        return f"{self.doc_id}:m{self.start}-{'+'.join(sorted(p.split(':', 1)[1] for p in self.participants))[:80]}"


def _mentions_by_sentence(rec: dict) -> dict[int, list[dict]]:
    """Linked mentions grouped by sentence (one pass, not one scan per sentence)."""
    out: dict[int, list[dict]] = {}
    for m in rec["mentions"]:
        if m.get("entity_id"):
            out.setdefault(m["sentence_id"], []).append(m)
    return out


def _in_parentheses(text: str, s_start: int, m_start: int) -> bool:
    """True when the mention sits inside an open parenthesis of its sentence (photo credits)."""
    seg = text[s_start:m_start]
    return seg.count("(") + seg.count("（") > seg.count(")") + seg.count("）")


def _role_before(text: str, start: int, lang: str, rules: Rules) -> str:
    """Title right before a name: 'Chinese Premier Li Qiang' → Premier; 国务院总理李克强 → 总理."""
    left = text[max(0, start - 60) : start]
    if lang == "zh":
        m = rules.zh_title_suffix.search(left)
        return m.group() if m else ""
    m = rules.en_role_before.search(left)
    return m.group(1) if m else ""


def _role_after_zh(text: str, end: int, rules: Rules) -> str:
    m = rules.zh_role_after.match(text, end, end + 6)
    return m.group() if m else ""


# a city named right after its country: "South Korea's Busan", "the Saudi city of Jeddah",
# 马来西亚吉隆坡, 日本的大阪
_EN_COUNTRY_THEN_CITY = re.compile(
    r"^(?:['’]s\s+|\s*,\s*|\s+(?:(?:port|coastal|capital|border|southern|northern|eastern|western|central|"
    r"resort|ancient|historic)\s+)?(?:city|town|capital) of\s+(?:the\s+)?|\s+)$"
)
_ZH_COUNTRY_THEN_CITY = re.compile(r"^(?:的)?(?:首都|城市|港口城市|海滨城市|古城)?$")
# 在西非葡萄牙语国家几内亚比绍: a region, then the country or city it narrows to
_ZH_SAME_PHRASE = re.compile(r"^[^，。,；;、\s的]{0,8}$")  # 在中东访问的美国总统: no narrowing across 的
_ZH_PARTIES = re.compile(r"[同与和跟及]")
# a Chinese city name that is the start of a longer name (联合国, 中山大学) is not the city
_ZH_LONGER_NAME = re.compile(r"[国省州县区部会党大院馆学]")
# "the Philippine capital", "the capital of the Philippines", 菲律宾首都
_EN_CAPITAL_AFTER = re.compile(r"^(?:['’]s)?\s+capital\b")
_EN_CAPITAL_BEFORE = re.compile(r"\bcapital(?:\s+city)?\s+of\s+(?:the\s+)?$")
_ZH_CAPITAL_AFTER = re.compile(r"^首都")
# a Chinese place name that names a state (巴国, 刚果民主共和国, 汤加王国)
_ZH_COUNTRY_WORD = re.compile(r"(?:[国國]|共和国|共和國|王国|王國|联邦|聯邦)$")
# a capitalised name after in/at that the model did not tag: checked against the gazetteer
_EN_CAPITALISED = re.compile(r"\b[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){0,2}")


@dataclass(frozen=True)
class _PlaceCand:
    """A candidate place of a sentence: rank 0 city or venue, 1 country."""

    rank: int
    start: int
    end: int
    text: str
    entity_id: str


def _kind_of(name: str, mention_type: str) -> str:
    """city, country or region: the gazetteer's word, else the mention's type."""
    place = gazetteer.lookup(name)
    if place is not None:
        return place.kind
    if mention_type == "country" or _ZH_COUNTRY_WORD.search(name):
        return "country"  # 巴国, 友邦巴拉圭共和国: a state the gazetteer does not spell so
    return "city"  # a venue, a district: as precise as a city


def _capital(rec: dict, m: dict, text: str, s: int, e: int, lang: str) -> tuple[str, str] | None:
    """The capital a country mention stands for in "the Philippine capital", "the capital of
    Kazakhstan" or 菲律宾首都 (the name the gazetteer gives it)."""
    after, before = text[m["end"] : min(e, m["end"] + 12)], text[max(s, m["start"] - 24) : m["start"]]
    if lang == "zh":
        if not _ZH_CAPITAL_AFTER.match(after):
            return None
    elif not (_EN_CAPITAL_AFTER.match(after) or _EN_CAPITAL_BEFORE.search(before)):
        return None
    ent = rec.get("entities", {}).get(m["entity_id"], {})
    names = [ent.get("name_en"), ent.get("name"), ent.get("en"), m["text"]]
    country = next((c for n in names if n and (c := gazetteer.country(n)) is not None), None)
    cap = gazetteer.capital_of(country.country_code) if country else None
    return (cap.name, "") if cap else None


def _place(rec: dict, mentions: list[dict], text: str, s: int, e: int, lang: str, rules: Rules) -> tuple[str, str]:
    """Stated place of the sentence: a place after 'in'/'at' (or 在), the city before the
    country, never a world region. A city named right after its country ("South Korea's
    Busan", 马来西亚吉隆坡) is the place, "the Philippine capital" is Manila (the gazetteer's
    capital), a venue after 在 that holds the place (在日本众院议长公邸) is quoted whole, and
    a city the model did not tag is found through the gazetteer."""
    lr = rules.lang(lang)
    cands: list[_PlaceCand] = []
    places = sorted((m for m in mentions if m.get("type") in ("location", "country")), key=lambda m: m["start"])
    cued = []
    for i, m in enumerate(places):
        left = text[max(s, m["start"] - 60) : m["start"]]  # "welcomed his counterpart X to <Cairo>"
        prev = places[i - 1] if i > 0 and places[i - 1] in cued else None
        between = text[prev["end"] : m["start"]] if prev else ""
        narrows = prev is not None and (
            (prev["type"] == "country" and (_ZH_COUNTRY_THEN_CITY if lang == "zh" else _EN_COUNTRY_THEN_CITY).match(between))
            or (lang == "zh" and _kind_of(prev["text"], prev["type"]) in ("region", "country")
                and _ZH_SAME_PHRASE.match(between) and not lr.triggers.search(between) and not _ZH_PARTIES.search(between))
        )  # fmt: skip
        if narrows:
            cued[-1] = m  # the narrower place replaces the wider one before it
        elif lr.place_before.search(left) and not lr.not_place_before.search(left):
            cued.append(m)
    for m in cued:
        cap = _capital(rec, m, text, s, e, lang) if m["type"] == "country" else None
        if cap is not None:
            cands.append(_PlaceCand(0, m["start"], m["end"], cap[0], cap[1]))
            continue
        kind = _kind_of(rec["text"][m["start"] : m["end"]], m["type"])
        if kind != "region":
            cands.append(_PlaceCand(0 if kind == "city" else 1, m["start"], m["end"], m["text"], m["entity_id"]))
    cands += _gazetteer_cities(rec, text, s, e, lang, lr, mentions)
    venue = lr.venue.search(text, s, e) if lang == "zh" or not cands else None
    if venue is not None:
        vs, ve = venue.span("venue")  # 在钓鱼台国宾馆: quoted as written, linked to the place it names
        holds = [c for c in cands if vs <= c.start and c.end <= ve]
        if not cands or (holds and holds[0].start == vs):
            inside = [m for m in mentions if vs <= m["start"] and m["end"] <= ve
                      and m.get("type") in ("location", "country")]  # fmt: skip
            return " ".join(rec["text"][vs:ve].split()), inside[0]["entity_id"] if inside else ""
    if not cands:
        return "", ""
    best = min(cands, key=lambda c: (c.rank, c.start))  # "in Moscow, Russia": the city, not the country after it
    return best.text, best.entity_id


def _gazetteer_cities(rec: dict, text: str, s: int, e: int, lang: str, lr, mentions: list[dict]) -> list[_PlaceCand]:
    """Cities after a place cue that the model did not tag ("met Friday in Montevideo")."""
    tagged = [(m["start"], m["end"]) for m in mentions]
    out = []
    if lang == "zh":
        # a city inside a tagged event or body (在名古屋二十国集团外长会议期间) is still the city
        places = [(m["start"], m["end"]) for m in mentions if m.get("type") in ("location", "country")]
        for cue in re.finditer(r"[在于赴]", text[s:e]):
            a = s + cue.end()
            for n in range(2, 8):  # 在日本名古屋: the city after its country
                place = gazetteer.lookup(text[a : a + n]) if a + n <= e else None
                if place is not None and place.kind == "country" and not gazetteer.lookup(text[a : a + n + 1]):
                    a += n
                    break
            for n in range(5, 1, -1):
                name = text[a : a + n]
                place = gazetteer.lookup(name) if a + n <= e else None
                if place is not None and place.kind == "city" and place.population >= 300_000:
                    if _ZH_LONGER_NAME.match(text, a + n):
                        break
                    if not any(ts < a + n and a < te for ts, te in places):
                        out.append(_PlaceCand(0, a, a + n, rec["text"][a : a + n], ""))
                    break
        return out
    for m in _EN_CAPITALISED.finditer(text, s, e):
        if any(ts < m.end() and m.start() < te for ts, te in tagged):
            continue
        left = text[max(s, m.start() - 40) : m.start()]  # "in the coastal city of Xiamen"
        if not lr.place_before.search(left) or lr.not_place_before.search(left):
            continue
        words = m.group().split()
        if words[0].lower() in MONTHS or words[0].lower() in WEEKDAYS:
            continue  # "in March", "on Friday": a date, not March in Cambridgeshire
        for n in range(len(words), 0, -1):  # "Montevideo Friday": the longest name the gazetteer knows
            name = " ".join(words[:n])
            place = gazetteer.lookup(name)
            if place is not None and place.kind == "city":
                out.append(
                    _PlaceCand(0, m.start(), m.start() + len(name), rec["text"][m.start() : m.start() + len(name)], "")
                )
                break
    return out


def _visit_place(rec: dict, mentions: list[dict], text: str, s: int, e: int, lang: str, rules: Rules,
                 kind: str = "city") -> tuple[str, str] | None:  # fmt: skip
    """The city (or, with ``kind="country"``, the country) a sentence says a visit went to
    ("arrived in Ulaanbaatar", 抵达吉隆坡, "during his visit to Japan"); a visited country's
    capital named as such ("arrived in the Philippine capital", 抵达刚果（金）首都) is its
    city. A visited country is the place of the meetings after it only when no city is
    known; a region never is."""
    for i, m in enumerate(mentions):
        if m.get("type") in ("location", "country") and rules.lang(lang).visit_before.search(
                text[max(s, m["start"] - 40) : m["start"]]):  # fmt: skip
            found = _kind_of(m["text"], m["type"])
            if found == "country" and kind == "city" and (cap := _capital(rec, m, text, s, e, lang)) is not None:
                return cap
            nxt = mentions[i + 1] if i + 1 < len(mentions) else None
            then = mentions[i + 2] if i + 2 < len(mentions) else None
            if found == "country" and kind == "city" and nxt is not None and 0 <= nxt["start"] - m["end"] <= 1 \
                    and _kind_of(nxt["text"], nxt.get("type", "")) == "city" \
                    and not (then is not None and then.get("type") in ("location", "country")
                             and then["start"] - nxt["end"] <= 2):  # fmt: skip
                # 抵达美国华盛顿: the city after its country (not one of several: 先后访问美国纽约和华盛顿)
                return nxt["text"], nxt["entity_id"]
            if found == kind and (lang != "zh" or len(m["text"]) > 1):  # 访日: 日 is too short to show as a place
                return m["text"], m["entity_id"]
    return None


def _dateline(rec: dict) -> tuple[str, str, int]:
    """(place, place entity, end offset) of the document's wire dateline (found by normalize)."""
    dl = rec.get("dateline")
    if not dl:
        return "", "", -1
    ps, pe = dl["place_start"], dl["place_end"]
    ent = next(
        (x["entity_id"] for x in rec["mentions"] if x["start"] < pe and ps < x["end"] and x.get("entity_id")), ""
    )
    place = dl["place"]
    return (place.title() if place.isupper() else place), ent, dl["end"]


@dataclass(frozen=True)
class _Doc:
    """What every sentence of one document reads: its text, rules, anchor and dateline."""

    rec: dict
    text: str
    rules: Rules
    params: ExtractParams
    ref: Anchor | None
    dl_place: str
    dl_entity: str
    dl_end: int
    by_sentence: dict[int, list[dict]]
    parsed: dict
    holders: dict[str, str]
    group_head: str | None


@dataclass
class _Story:
    """What the sentences read so far leave for the next ones."""

    # where the story is: the dateline's city, then the last city a visit went to or a
    # meeting was stated at (a visited country alone is too wide to be a meeting's place)
    here: tuple[str, str] | None
    visited_country: tuple[str, str] | None = None  # the last country a visit went to
    last_person: str | None = None
    # the two sides of the last Chinese sentence about a meeting, held or planned (not a
    # call or video link): 两国元首, 双方, 两人 in the sentences after it stand for them
    sides: list[str] = field(default_factory=list)
    recent_dates: list[tuple[int, object]] = field(default_factory=list)
    lead_dates: list = field(default_factory=list)  # the dates of the first sentences: the story's day
    last_met: int = -99  # the last sentence that stated a meeting


def _open_document(rec: dict, params: ExtractParams) -> tuple[_Doc, _Story]:
    """The document's context (rules, date anchor, dateline, English parses) and the story's start."""
    text = view_of(rec)
    rules = load_rules(params.rules)
    # the dateline's day anchors "today", 今天 and 17日 (a wire story filed the day before
    # its page's date, or in another time zone)
    ref = dateline_anchor(anchor_of(rec.get("date")), (rec.get("dateline") or {}).get("date_text"))
    dl_place, dl_entity, dl_end = _dateline(rec)
    by_sentence = _mentions_by_sentence(rec)
    parsed = _parse_candidates(rec, text, rules, params, by_sentence)
    doc = _Doc(
        rec=rec, text=text, rules=rules, params=params, ref=ref,
        dl_place=dl_place, dl_entity=dl_entity, dl_end=dl_end, by_sentence=by_sentence, parsed=parsed,
        holders=_title_holders(rec, text, rules) if parsed else {},
        group_head=_delegation_head(rec, text, rules) if parsed else None,
    )  # fmt: skip
    here = (dl_place, dl_entity) if dl_place and _kind_of(dl_place, "location") == "city" else None
    return doc, _Story(here=here)


def _sentence_dates(doc: _Doc, sent: str, s: int, e: int) -> list:
    """The dates of a sentence, the dateline's day (…6月20日电, the report's) after the story's."""
    dates = find_dates(sent, doc.ref)
    if dates:
        dates = sorted(dates, key=lambda d: s + d.start < doc.dl_end <= e or sent.startswith(("电", "讯"), d.end))
    return dates


def _sentence_groups(doc: _Doc, story: _Story, sid: int, s: int, e: int, ments: list[dict], persons: list[str],
                     lang: str, lr, trig: re.Match, together: list[str]) -> tuple[list, str | None]:  # fmt: skip
    """(participants, trigger, basis) of each meeting a sentence states, and the named
    subject side of them (English parse): joint attendance, the English parse, the
    Chinese clauses, or all persons of the sentence."""
    params = doc.params
    sent = doc.text[s:e]
    if together:
        return [(together[: params.max_meeting_participants], lr.attendance.search(sent).group(), "named")], None
    if sid in doc.parsed:
        spans = [(m["start"] - s, m["end"] - s, m["entity_id"]) for m in ments if m["entity_id"] in persons]
        events = sentence_events(doc.parsed[sid], spans, lr, fallback_subject=story.last_person,
                                 title_holders=doc.holders, group_head=doc.group_head)  # fmt: skip
        cap = params.max_meeting_participants
        groups = [(list(ev.participants)[:cap], ev.trigger, BASIS[ev.inferred]) for ev in events
                  if not ev.modality]  # fmt: skip
        return groups, next((ev.participants[0] for ev in events if not ev.inferred), None)
    if lang == "zh":
        spans = sorted((m["start"], m["end"], m["entity_id"]) for m in ments if m["entity_id"] in persons)
        rows = clause_events(doc.text, s, e, spans, lr, last_person=story.last_person, sides=story.sides)
        return [(g, t, BASIS[inf]) for g, t, inf in rows], None
    if not lr.modality.search(sent):
        return [(g, trig.group(), "words") for g in _word_groups(sent, persons, story.last_person, params)], None
    return [], None


def _meeting_date(doc: _Doc, story: _Story, sid: int, s: int, e: int, trig: re.Match, dates: list):
    """(date, stated) of a sentence's meetings: its own date (not one inside a quotation,
    which dates what the speaker said), else one stated just before, else the dateline's."""
    sent = doc.text[s:e]
    quoted = _quoted(sent)
    own = [d for d in dates if not quoted.overlaps(d.start, d.end)] if not quoted.overlaps(*trig.span()) else dates
    date = own[0] if own else None
    stated = date is not None
    if date is None:  # 访问期间, "during the visit": the dates stated just before (never a plan's)
        near = itertools.takewhile(lambda x, sid=sid: sid - x[0] <= 2, reversed(story.recent_dates))
        date = next((d for _, d in near if doc.ref is None or d.iso[: len(doc.ref.iso)] <= doc.ref.iso), None)
    if date is None and doc.dl_end >= 0 and s <= doc.dl_end <= e and doc.rec.get("date"):
        dl_dates = find_dates(doc.text[s : doc.dl_end], doc.ref)
        date = dl_dates[0] if dl_dates else None
    return date, stated


def _meeting_place(doc: _Doc, story: _Story, ments: list[dict], s: int, e: int, lang: str,
                   groups: list) -> tuple[str, str]:  # fmt: skip
    """(place, entity) of a sentence's meetings: a city named in it, the dateline's, the
    city a visit went to, where the story is, else the country visited; moves the story."""
    rec, text, rules = doc.rec, doc.text, doc.rules
    place, place_eid = _place(rec, ments, text, s, e, lang, rules) if groups else ("", "")
    known = gazetteer.lookup(place) if place else None
    if known is not None and known.kind == "city":  # a venue serves its own meeting only
        story.here = (place, place_eid)
    if not place and doc.dl_place and s <= doc.dl_end <= e:
        place, place_eid = doc.dl_place, doc.dl_entity
    visited = _visit_place(rec, ments, text, s, e, lang, rules) if groups and not place else None
    if visited:
        story.here = visited  # "arrived in Astana and met …"
    if not place and story.here:
        place, place_eid = story.here
    if not place and groups:  # no city known: the country the visit went to ("during his visit to Japan")
        place, place_eid = (
            _visit_place(rec, ments, text, s, e, lang, rules, kind="country") or story.visited_country or ("", "")
        )
    return place, place_eid


def _roles(doc: _Doc, ments: list[dict], group: list[str], lang: str) -> dict[str, str]:
    """Participant → the role written next to its first mention in the sentence."""
    roles = {}
    for m in ments:
        if m["entity_id"] in group and m["entity_id"] not in roles:
            role = _role_before(doc.text, m["start"], lang, doc.rules) or (
                _role_after_zh(doc.text, m["end"], doc.rules) if lang == "zh" else ""
            )
            roles[m["entity_id"]] = role
    return roles


def _sentence_meetings(doc: _Doc, story: _Story, sid: int, s: int, e: int, ments: list[dict], persons: list[str],
                       lang: str, lr, trig: re.Match, together: list[str], dates: list):  # fmt: skip
    """(records, groups, subject) of the meetings one sentence states: who met, when, where."""
    groups, subject = _sentence_groups(doc, story, sid, s, e, ments, persons, lang, lr, trig, together)
    # the sentence's date and place serve each of its meetings
    date, stated = _meeting_date(doc, story, sid, s, e, trig, dates)
    ref = doc.ref
    if date is not None and ref is not None and date.precision == "day" and date.iso > ref.date.isoformat():
        groups = []  # later than the article: a plan, not a meeting
    place, place_eid = _meeting_place(doc, story, ments, s, e, lang, groups)
    sent, rec = doc.text[s:e], doc.rec
    records = [
        MeetingRecord(
            doc_id=rec["doc_id"], participants=group, roles=_roles(doc, ments, group, lang),
            date=date.iso if date else "", date_precision=date.precision if date else "",
            date_end=getattr(date, "end_iso", "") if date else "",
            place=place, place_entity_id=place_eid, kind="main", trigger=trigger,
            evidence=" ".join(rec["text"][s:e].split()), start=s, end=e,
            confidence=CONFIDENCE[basis],
            extra={"reported_cue": bool(lr.reported.search(_trigger_clauses(sent, trig, lang))),
                   "date_stated": stated},
        )
        for group, trigger, basis in groups
    ]  # fmt: skip
    return records, groups, subject


def _follow_place(doc: _Doc, story: _Story, sid: int, s: int, e: int, ments: list[dict], lang: str,
                  met_yet: bool) -> None:  # fmt: skip
    """Move where the story is after a sentence: the lead's city, a city or country visited."""
    rec, text, rules = doc.rec, doc.text, doc.rules
    if story.here is None and sid < 3 and not met_yet:  # the lead's city: "… signed on Monday in Cotonou"
        lead_place = _place(rec, ments, text, s, e, lang, rules)
        if lead_place[0] and getattr(gazetteer.lookup(lead_place[0]), "kind", "") == "city":
            story.here = lead_place
    visited = _visit_place(rec, ments, text, s, e, lang, rules)
    if visited:
        story.here = visited
    story.visited_country = _visit_place(rec, ments, text, s, e, lang, rules, kind="country") or story.visited_country


def _follow_people(story: _Story, sent: str, lang: str, lr, persons: list[str], trig, groups: list,
                   subject: str | None, last: MeetingRecord | None) -> None:  # fmt: skip
    """Move who a pronoun or 双方 stands for after a sentence."""
    if persons:
        story.last_person = persons[-1] if not EN_PRONOUN_START.match(sent) else persons[0]
        if lang == "zh" and trig and groups:
            story.last_person = groups[0][0][0]  # 他还会见: the host of the sentence's meeting, not its last guest
        if subject:  # "A met B and C. He then travelled to …": a pronoun continues the subject
            story.last_person = subject
    if lang == "zh" and groups:
        story.sides = list(last.participants)
    elif lang == "zh" and len(persons) == 2 and trig and not lr.negatives.search(sent):
        story.sides = list(persons)


def extract_meetings(rec: contract.LinkedRecord, params: ExtractParams) -> list[MeetingRecord]:
    """Meetings stated in one linked document.

    Sentence by sentence: a sentence with a trigger of the rules file and no negative
    (call, letter, video link) or attendance cue states meetings. In English, spaCy's
    parse of that sentence says who met whom and whether it happened
    (:mod:`pipeline.extract.meetings_en`); in Chinese (and in English without the parser), the
    persons of the sentence met unless a modality cue rules it out, one meeting per host
    before 分别.
    """
    doc, story = _open_document(rec, params)
    text = doc.text
    out: list[MeetingRecord] = []
    for sid, s, e, ments in _meeting_sentences(rec, text, doc.by_sentence):
        sent = text[s:e]
        lang = contract.lang_at(rec, s)
        lr = doc.rules.lang(lang)
        persons = _participants(ments, text, s, e, lr)
        trig = lr.triggers.search(sent)
        groups: list = []
        subject = None  # the named subject side of the sentence's meetings (English parse)
        n_before = len(out)
        # dates serve a meeting in this sentence, and one in the next two sentences
        dates = _sentence_dates(doc, sent, s, e)
        if sid < 4:
            story.lead_dates += dates
        # Chinese clauses are vetoed one by one (a call story may recall a meeting); English
        # sentences as a whole
        vetoed = lang != "zh" and lr.negatives.search(sent)
        attended = lr.attendance.search(sent)
        # "A, B and C attended the meeting" with no meeting stated just before: they met
        together = _attended_together(ments, persons, s, lr, sent) if attended and sid - story.last_met > 2 else []
        if trig and not vetoed and (not attended or together):
            records, groups, subject = _sentence_meetings(
                doc, story, sid, s, e, ments, persons, lang, lr, trig, together, dates
            )
            out += records
        if len(out) > n_before:
            story.last_met = sid
        story.recent_dates += [(sid, d) for d in dates]
        _follow_place(doc, story, sid, s, e, ments, lang, bool(out))
        _follow_people(story, sent, lang, lr, persons, trig, groups, subject, out[-1] if out else None)
    meetings = _assign_kind(_merge_duplicates(out), doc.ref, rec["entities"])
    return _date_main_events(meetings, doc.ref, story.lead_dates)


_ZH_CLAUSE_END = re.compile(r"[，,；;。]")


def _trigger_clauses(sent: str, trig: re.Match, lang: str) -> str:
    """Where a recollection cue speaks of the meeting: the whole sentence in English; in
    Chinese the trigger's clause and the one before it (会见X时，王毅表示，去年两国建交:
    去年 dates the ties, not the meeting)."""
    if lang != "zh":
        return sent
    ends = [m.end() for m in _ZH_CLAUSE_END.finditer(sent, 0, trig.start())]
    start = ends[-2] if len(ends) >= 2 else 0
    nxt = _ZH_CLAUSE_END.search(sent, trig.end())
    return sent[start : nxt.start() if nxt else len(sent)]


# where a Chinese sentence ends; a sentence NER cut at a comma for length ends otherwise
_ZH_SENTENCE_END = set("。！？!?；;…”’」』）)》】\"'")
_QUOTE = re.compile(r"“[^”]*”|「[^」]*」|『[^』]*』|\"[^\"]*\"")


def _meeting_sentences(rec: dict, text: str, by_sentence: dict[int, list[dict]]):
    """(first sentence id, start, end, mentions) of each sentence meetings are read from:
    the document's sentences, with a Chinese sentence that NER cut for length (a piece
    that stops at a comma, the next one starting right there) joined again, so that a
    long guest list and its trigger are read together."""
    sents = rec["sentences"]
    sid = 0
    while sid < len(sents):
        s, e = sents[sid]
        ments = list(by_sentence.get(sid, []))
        k = sid
        while (k + 1 < len(sents) and sents[k + 1][0] == e and e > s and text[e - 1] not in _ZH_SENTENCE_END
               and contract.lang_at(rec, s) == "zh" and contract.lang_at(rec, e) == "zh"):  # fmt: skip
            k += 1
            e = sents[k][1]
            ments += by_sentence.get(k, [])
        yield sid, s, e, ments
        sid = k + 1


def _quoted(sent: str) -> SpanSet:
    """The spans of a sentence inside quotation marks."""
    return SpanSet(m.span() for m in _QUOTE.finditer(sent))


def _date_main_events(meetings: list[MeetingRecord], ref: Anchor | None, lead_dates: list) -> list[MeetingRecord]:
    """The article's own meetings that state no date took place on the story's day: the
    first day of the lead within the week before the article ("held talks on Saturday …
    He also met …"), else the article's date at the precision it is known (a report of
    the day: "X meets Y", "has met with")."""
    if ref is None:
        return meetings
    lo = (ref.date - dt.timedelta(days=7)).isoformat()
    day = next((d for d in lead_dates if d.precision == "day" and lo <= d.iso <= ref.date.isoformat()), None)
    iso, precision, end = (day.iso, "day", day.end_iso) if day else (ref.iso, ref.precision, "")
    for m in meetings:
        if m.kind == "main" and not m.date:
            m.date, m.date_precision, m.date_end = iso, precision, end
    return meetings


def _participants(ments: list[dict], text: str, s: int, e: int, lr) -> list[str]:
    """The persons of a sentence who may have taken part: not in brackets (photo
    credits), not only the sender of greetings or the principal of an envoy."""
    persons: list[str] = []
    for m in ments:
        if m.get("type") != "person" or m["entity_id"] in persons or _in_parentheses(text, s, m["start"]):
            continue
        if lr.not_participant.search(text[max(s, m["start"] - 40) : m["start"]]):
            continue  # conveyed greetings from X / on behalf of X: X was not there
        if lr.not_participant_after.match(text, m["end"], e):
            continue  # X's special envoy: the envoy was there
        persons.append(m["entity_id"])
    return persons


def _attended_together(ments: list[dict], persons: list[str], s: int, lr, sent: str) -> list[str]:
    """The persons named before a ``joint_attendance`` cue ("A, B and C attended the
    meeting"): two or more of them met; none when the cue is not there."""
    cue = lr.joint_attendance.search(sent)
    if not cue:
        return []
    out: list[str] = []
    for m in ments:
        if m["entity_id"] in persons and m["end"] <= s + cue.end() and m["entity_id"] not in out:
            out.append(m["entity_id"])
    return out if len(out) >= 2 else []


def _word_groups(sent: str, persons: list[str], last_person: str | None, params: ExtractParams) -> list[list[str]]:
    """English without the parser: every person of the sentence together; a sentence
    opening with a pronoun takes the last person named."""
    persons = list(persons)
    if EN_PRONOUN_START.match(sent) and last_person and last_person not in persons:
        persons.insert(0, last_person)
    return [persons[: params.max_meeting_participants]] if len(persons) >= 2 else []


def _title_holders(rec: dict, text: str, rules) -> dict[str, str]:
    """Office (lower case) → the person the document names with it, where only one is:
    "Foreign Minister Wang Yi" lets "the Foreign Minister" stand for him."""
    holders: dict[str, set[str]] = {}
    for m in rec["mentions"]:
        if m.get("type") == "person" and m.get("entity_id") and contract.lang_at(rec, m["start"]) != "zh":
            role = _role_before(text, m["start"], "en", rules)
            if role and role != "leader":
                holders.setdefault(role.lower(), set()).add(m["entity_id"])
    return {k: next(iter(v)) for k, v in holders.items() if len(v) == 1}


def _delegation_head(rec: dict, text: str, rules) -> str | None:
    """The one person an English document says led a delegation ("The delegation was led
    by X", "X, who is leading the delegation"): the ``delegation_head`` rules."""
    heads: set[str] = set()
    lr = rules.en
    for m in rec["mentions"]:
        if m.get("type") != "person" or not m.get("entity_id") or contract.lang_at(rec, m["start"]) == "zh":
            continue
        if lr.delegation_head.search(text[max(0, m["start"] - 80) : m["start"]]) or lr.delegation_head_after.match(
            text, m["end"], m["end"] + 80
        ):
            heads.add(m["entity_id"])
    return next(iter(heads)) if len(heads) == 1 else None


def _parse_candidates(rec: dict, text: str, rules, params: ExtractParams,
                      by_sentence: dict[int, list[dict]]) -> dict[int, object]:  # fmt: skip
    """spaCy parses of the English sentences that name a person and hold a trigger and no
    negative (the parser runs on these alone, so extraction stays a fraction of NER)."""
    if not params.spacy_parser:
        return {}
    cands = []
    for sid, (s, e) in enumerate(rec["sentences"]):
        if contract.lang_at(rec, s) == "zh" or not any(m.get("type") == "person" for m in by_sentence.get(sid, ())):
            continue
        sent = text[s:e]
        if rules.en.triggers.search(sent) and not rules.en.negatives.search(sent):
            cands.append((sid, sent))
    nlp = load_parser(params.spacy_parser) if cands else None
    if nlp is None:
        return {}
    return {sid: sdoc for (sid, _), sdoc in zip(cands, nlp.pipe(sent for _, sent in cands), strict=True)}


def _merge_duplicates(meetings: list[MeetingRecord]) -> list[MeetingRecord]:
    """One meeting per participant set in a document (captions repeat the lead); the same
    set again is another meeting only when its own sentence states another month (a date
    borrowed from the sentences before does not)."""
    merged: dict[frozenset, MeetingRecord] = {}
    for m in meetings:
        key = frozenset(m.participants)
        if key not in merged:
            merged[key] = m
            continue
        cur = merged[key]
        if cur.date and m.date and cur.date[:7] != m.date[:7] and m.extra.get("date_stated", True):
            merged[key | {m.start}] = m  # different dates: a different meeting
            continue  # (a date borrowed from the sentences before does not make one)
        if m.place and cur.place and _kind_of(cur.place, "country") == "country" \
                and getattr(gazetteer.lookup(m.place), "kind", "") == "city":  # fmt: skip
            cur.place, cur.place_entity_id = m.place, m.place_entity_id  # a city the report names later
        for f in ("date", "date_precision", "date_end", "place", "place_entity_id"):
            if not getattr(cur, f) and getattr(m, f):
                setattr(cur, f, getattr(m, f))
        if m.date_precision == "day" and cur.date_precision != "day":
            cur.date, cur.date_precision = m.date, m.date_precision
        for k, v in m.roles.items():
            cur.roles[k] = cur.roles.get(k) or v
    return list(merged.values())


def _assign_kind(meetings: list[MeetingRecord], ref: Anchor | None, ents: dict) -> list[MeetingRecord]:
    """main = the article's own event; reported = earlier meetings mentioned in passing.

    The first meeting not marked as a recollection is the main event; later ones are main
    only when they share a participant with it (a visit's several meetings, 分别会见).
    A date more than a week before the publication date also makes a meeting reported.
    """
    main: MeetingRecord | None = None
    for m in meetings:
        old = False
        if ref and m.date:
            d = parse_iso(m.date if m.date_precision == "day" else None)
            if d is not None and ref.precision == "day":
                old = (ref.date - d).days > 7
            else:  # compared at the coarser of the two precisions
                n = min(len(m.date), len(ref.iso))
                old = m.date[:n] < ref.iso[:n]
        reported = old or m.extra.get("reported_cue", False)
        if main is None and not reported:
            main = m
            m.kind = "main"
        elif main is not None and not reported and set(m.participants) & set(main.participants):
            m.kind = "main"
        else:
            m.kind = "reported"
            m.confidence = round(m.confidence - 0.1, 2)
    return meetings


def meeting_passages(rec: dict, meetings: list[MeetingRecord]) -> dict[str, list[list[int]]]:
    """Sentences that report each meeting: a main meeting's sentence and those after it up
    to the next meeting's sentence; a reported meeting's own sentence only."""
    starts = sorted({m.start for m in meetings})
    out = {}
    for m in meetings:
        if m.kind == "main":
            nxt = next((s for s in starts if s > m.start), None)
            out[m.meeting_id] = [[s, e] for s, e in rec["sentences"] if s >= m.start and (nxt is None or s < nxt)]
        else:
            out[m.meeting_id] = [[s, e] for s, e in rec["sentences"] if s <= m.start < e or s == m.start]
    return out
