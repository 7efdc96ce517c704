"""Unit tests for who-met-whom: pipeline.extract.meetings_zh on hand-marked sentences and
pipeline.extract.meetings_en on spaCy ``Doc`` objects built by hand (no model)."""

from __future__ import annotations

import re

import pytest
from spacy.tokens import Doc
from spacy.vocab import Vocab

from pipeline.extract.meetings import MeetingRecord, _merge_duplicates
from pipeline.extract.meetings_en import sentence_events
from pipeline.extract.meetings_zh import clause_events
from pipeline.text.rules import load_rules

RULES = load_rules()


def _marked(sentence: str) -> tuple[str, list[tuple[int, int, str]]]:
    """A sentence with its persons in [brackets]: (plain text, person spans with ids = names)."""
    text, spans, pos = "", [], 0
    for m in re.finditer(r"\[([^\]]+)\]", sentence):
        text += sentence[pos : m.start()]
        spans.append((len(text), len(text) + len(m.group(1)), m.group(1)))
        text += m.group(1)
        pos = m.end()
    return text + sentence[pos:], spans


def _zh(sentence: str, last_person: str | None = None) -> set[frozenset]:
    text, spans = _marked(sentence)
    return {frozenset(g) for g, *_ in clause_events(text, 0, len(text), spans, RULES.zh, last_person=last_person)}


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("[习近平]在北京会见[普京]。", [{"习近平", "普京"}]),
        ("[习近平]同[普京]举行会谈。", [{"习近平", "普京"}]),
        # a host met each guest: no meeting between the guests
        ("[李强]会见了[拉马福萨]和[莫迪]。", [{"李强", "拉马福萨"}, {"李强", "莫迪"}]),
        ("[王毅]开始正式访问，先后会晤了[拉马福萨]、[潘多尔]。", [{"王毅", "拉马福萨"}, {"王毅", "潘多尔"}]),
        # the guest list runs on past commas
        (
            "[赵乐际]分别会见议长[卡德]，总理[贝伦]，外长[索托]，就双边关系交换意见。",
            [{"赵乐际", "卡德"}, {"赵乐际", "贝伦"}, {"赵乐际", "索托"}],
        ),
        ("[李克强]、[栗战书]分别同[呼日勒苏赫]会见。", [{"李克强", "呼日勒苏赫"}, {"栗战书", "呼日勒苏赫"}]),
        # two clauses, two meetings
        ("[丁薛祥]会见[朔尔茨]之前，[王毅]与[拉夫罗夫]进行会晤。", [{"丁薛祥", "朔尔茨"}, {"王毅", "拉夫罗夫"}]),
        # the host named in the next clause
        ("会见秘鲁外长[冈萨雷斯]时，[王毅]说。", [{"王毅", "冈萨雷斯"}]),
        # the subject carried from the clause before, with 与
        ("[马克龙]在广州期间，上午先与[王伟中]会晤。", [{"马克龙", "王伟中"}]),
        # together only when the text says so
        ("[习近平]同[普京]、[呼日勒苏赫]共同会见记者。", [{"习近平", "普京", "呼日勒苏赫"}]),
        ("三国元首会晤在天津举行，[习近平]、[普京]、[呼日勒苏赫]出席。", [{"习近平", "普京", "呼日勒苏赫"}]),
        # the pair named in a clause of their own, the meeting in the next
        ("[金大中]和日本首相[田中一郎]，30日在庆州举行领导人会谈。", [{"金大中", "田中一郎"}]),
        # the carried subject with a title between 与 and the name
        ("[奥巴马]在上海期间,早上先与市委书记[俞正声]会晤。", [{"奥巴马", "俞正声"}]),
        # a clause about someone else does not give its subject
        ("就[石破茂]的访华行程，岩屋在会见[王毅]时表示。", []),
        # plans
        ("[朔尔茨]3月5日将访问印度，会晤[莫迪]。", []),
        ("[马克龙]希望再次与[泽连斯基]举行会晤。", []),
        ("[习近平]将于下月会见[普京]。", []),
    ],
)
def test_meetings_zh_clauses(sentence, expected):
    assert _zh(sentence) == {frozenset(g) for g in expected}


def test_meetings_zh_last_person_only_where_no_name_can_hide():
    assert _zh("随后会见了[卢拉]。", last_person="习近平") == {frozenset({"习近平", "卢拉"})}
    # a subject the model did not find is not replaced by the person before
    assert _zh("阿卜杜拉希安星期六也分别与[萨法迪]会谈。", last_person="王毅") == set()


# --------------------------------------------------------------------------- English, on hand-built parses


def _doc(words, heads, deps, pos, lemmas):
    return Doc(Vocab(), words=words, heads=heads, deps=deps, pos=pos, lemmas=lemmas)


def _spans(doc, names):
    out = []
    for name in names:
        start = doc.text.index(name)
        out.append((start, start + len(name), name))
    return out


def test_meetings_en_second_trigger_is_its_own_event():
    # Macron held talks with Li before meeting Xi .
    words = ["Macron", "held", "talks", "with", "Li", "before", "meeting", "Xi", "."]
    heads = [1, 1, 1, 2, 3, 1, 5, 6, 1]
    deps = ["nsubj", "ROOT", "dobj", "prep", "pobj", "prep", "pcomp", "dobj", "punct"]
    pos = ["PROPN", "VERB", "NOUN", "ADP", "PROPN", "ADP", "VERB", "PROPN", "PUNCT"]
    lemmas = ["Macron", "hold", "talk", "with", "Li", "before", "meet", "Xi", "."]
    doc = _doc(words, heads, deps, pos, lemmas)
    events = sentence_events(doc, _spans(doc, ["Macron", "Li", "Xi"]), RULES.en)
    assert {ev.participants for ev in events} == {("Macron", "Li"), ("Macron", "Xi")}
    assert all(ev.modality == "" for ev in events)


def test_meetings_en_modal_and_plan_verbs_make_a_plan():
    # Tokayev is expected to meet Xi .
    words = ["Tokayev", "is", "expected", "to", "meet", "Xi", "."]
    heads = [2, 2, 2, 4, 2, 4, 2]
    deps = ["nsubjpass", "auxpass", "ROOT", "aux", "xcomp", "dobj", "punct"]
    pos = ["PROPN", "AUX", "VERB", "PART", "VERB", "PROPN", "PUNCT"]
    lemmas = ["Tokayev", "be", "expect", "to", "meet", "Xi", "."]
    doc = _doc(words, heads, deps, pos, lemmas)
    (ev,) = sentence_events(doc, _spans(doc, ["Tokayev", "Xi"]), RULES.en)
    assert ev.participants == ("Tokayev", "Xi") and ev.modality == "planned"


def test_meetings_en_possessor_of_the_guest_is_not_a_participant():
    # Xi met Castro 's envoy Mesa .
    words = ["Xi", "met", "Castro", "'s", "envoy", "Mesa", "."]
    heads = [1, 1, 4, 2, 1, 4, 1]
    deps = ["nsubj", "ROOT", "poss", "case", "dobj", "appos", "punct"]
    pos = ["PROPN", "VERB", "PROPN", "PART", "NOUN", "PROPN", "PUNCT"]
    lemmas = ["Xi", "meet", "Castro", "'s", "envoy", "Mesa", "."]
    doc = _doc(words, heads, deps, pos, lemmas)
    (ev,) = sentence_events(doc, _spans(doc, ["Xi", "Castro", "Mesa"]), RULES.en)
    assert ev.participants == ("Xi", "Mesa")


def test_meetings_en_host_meets_each_guest():
    # Wang met Lavrov and Blinken .
    words = ["Wang", "met", "Lavrov", "and", "Blinken", "."]
    heads = [1, 1, 1, 2, 2, 1]
    deps = ["nsubj", "ROOT", "dobj", "cc", "conj", "punct"]
    pos = ["PROPN", "VERB", "PROPN", "CCONJ", "PROPN", "PUNCT"]
    lemmas = ["Wang", "meet", "Lavrov", "and", "Blinken", "."]
    doc = _doc(words, heads, deps, pos, lemmas)
    events = sentence_events(doc, _spans(doc, ["Wang", "Lavrov", "Blinken"]), RULES.en)
    assert {ev.participants for ev in events} == {("Wang", "Lavrov"), ("Wang", "Blinken")}


def _record(start, date, precision):
    return MeetingRecord("d", ["person:a", "person:b"], {}, date, precision, "", "", "", "main", "met", "x", start,
                         start + 1, 0.9)  # fmt: skip


def test_meetings_same_pair_in_two_months_stays_two_meetings():
    merged = _merge_duplicates([_record(0, "2025-11-18", "day"), _record(50, "2025-09", "month"),
                                _record(90, "2025-11-18", "day")])  # fmt: skip
    assert sorted(m.date for m in merged) == ["2025-09", "2025-11-18"]


def test_meetings_zh_both_sides_stand_for_the_last_meeting():
    text, spans = _marked("两国元首在会谈后签署了联合声明。")
    rows = clause_events(text, 0, len(text), spans, RULES.zh, sides=["习近平", "普京"])
    assert [set(g) for g, *_ in rows] == [{"习近平", "普京"}]
    # a meeting recalled in another clause of a call story is a meeting; the call is not
    text, spans = _marked("[习近平]同[特朗普]通电话，两人回顾了去年在釜山的会晤。")
    rows = clause_events(text, 0, len(text), spans, RULES.zh, sides=["习近平", "特朗普"])
    assert [set(g) for g, *_ in rows] == [{"习近平", "特朗普"}]
