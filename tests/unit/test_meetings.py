"""Unit tests for who-met-whom: pipeline.meetings_zh on hand-marked sentences and
pipeline.meetings_en on spaCy ``Doc`` objects built by hand (no model)."""

from __future__ import annotations

import re

import pytest
from spacy.tokens import Doc
from spacy.vocab import Vocab

from pipeline.extract import MeetingRecord, _merge_duplicates
from pipeline.meetings_en import sentence_events
from pipeline.meetings_zh import clause_events
from pipeline.rules import load_rules

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
        ("[胡锦涛]会见了[米詹]和[纳吉布]。", [{"胡锦涛", "米詹"}, {"胡锦涛", "纳吉布"}]),
        ("[胡锦涛]开始国事访问，先后会晤了[纳丹]、[李显龙]。", [{"胡锦涛", "纳丹"}, {"胡锦涛", "李显龙"}]),
        # the guest list runs on past commas
        (
            "[刘建超]分别会见副总理[黄循财]，主席[王瑞杰]，外长[维文]，就双边关系交换意见。",
            [{"刘建超", "黄循财"}, {"刘建超", "王瑞杰"}, {"刘建超", "维文"}],
        ),
        ("[李克强]、[栗战书]分别同[呼日勒苏赫]会见。", [{"李克强", "呼日勒苏赫"}, {"栗战书", "呼日勒苏赫"}]),
        # two clauses, two meetings
        ("[韩正]会见[布林肯]之前，[王毅]与[苏利文]进行会晤。", [{"韩正", "布林肯"}, {"王毅", "苏利文"}]),
        # the host named in the next clause
        ("会见吉布提外长[奥马尔]时，[王毅]说。", [{"王毅", "奥马尔"}]),
        # the subject carried from the clause before, with 与
        ("[奥巴马]在上海期间，早上先与[俞正声]会晤。", [{"奥巴马", "俞正声"}]),
        # together only when the text says so
        ("[习近平]同[普京]、[呼日勒苏赫]共同会见记者。", [{"习近平", "普京", "呼日勒苏赫"}]),
        ("三国元首会晤在天津举行，[习近平]、[普京]、[呼日勒苏赫]出席。", [{"习近平", "普京", "呼日勒苏赫"}]),
        # a clause about someone else does not give its subject
        ("就[尹锡悦]的访美行程，朴振在会见[沙利文]时表示。", []),
        # plans
        ("[米歇尔]12月1日将访中国，会晤[习近平]。", []),
        ("[特朗普]希望再次与[普京]举行会晤。", []),
        ("[习近平]将于下月会见[普京]。", []),
    ],
)
def test_meetings_zh_clauses(sentence, expected):
    assert _zh(sentence) == {frozenset(g) for g in expected}


def test_meetings_zh_last_person_only_where_no_name_can_hide():
    assert _zh("随后会见了[李显龙]。", last_person="习近平") == {frozenset({"习近平", "李显龙"})}
    # a subject the model did not find is not replaced by the person before
    assert _zh("莫哈末哈山星期六也分别与[玛里]会谈。", last_person="维文") == set()


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
