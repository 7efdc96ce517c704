"""Unit tests for pipeline.text.rules: every rule of models/rules/meetings.yaml matches its own
example (context rules in the context they read), and the title table compiles."""

from __future__ import annotations

import re

import pytest
import yaml

from pipeline.text.rules import DEFAULT_RULES, compile_rules, examples, load_rules

DATA = yaml.safe_load(DEFAULT_RULES.read_text(encoding="utf-8"))
EXAMPLES = examples(DATA)
MARKS = re.compile(r"[\[\]{}<>]")


def _context(cat: str, example: str) -> str:
    """The text a rule of ``cat`` reads in its example: the whole sentence, the text
    before (after) the first {name} or <place>, or the clause before the trigger."""
    if cat in ("not_participant", "not_participant_after"):
        m = re.search(r"\{([^}]*)\}", example)
        return MARKS.sub("", example[: m.start()] if cat == "not_participant" else example[m.end() :])
    if cat in ("delegation_head", "delegation_head_after"):  # around the last [name]
        m = list(re.finditer(r"\[([^\]]*)\]", example))[-1 if cat == "delegation_head" else 0]
        return MARKS.sub("", example[: m.start()] if cat == "delegation_head" else example[m.end() :])
    if cat in ("place_before", "not_place_before", "visit_before"):
        return MARKS.sub("", example[: example.index("<")])
    if cat in ("event_names", "venue_names"):  # the name in <...> itself
        return example[example.index("<") + 1 : example.index(">")]
    if cat == "no_name_before":  # the text of the trigger's clause before the trigger
        plain = MARKS.sub("", example)
        trigger = load_rules().zh.triggers.search(plain)
        return re.split(r"[，,；;。]", plain[: trigger.start()])[-1]
    return MARKS.sub("", example)


@pytest.mark.parametrize(
    ("lang", "cat", "pattern", "example"), EXAMPLES, ids=[f"{x[0]}-{x[1]}-{i}" for i, x in enumerate(EXAMPLES)]
)
def test_rules_each_rule_matches_its_example(lang, cat, pattern, example):
    rules = compile_rules({lang: {cat: [r for r in DATA[lang][cat] if r["pattern"] == pattern]}})
    rx = rules.lang(lang).patterns[cat]
    text = _context(cat, example)
    found = rx.match(text) if cat in ("not_participant_after", "delegation_head_after") else rx.search(text)
    assert found, f"{pattern!r} does not match {text!r}"


@pytest.mark.parametrize(
    ("lang", "cat", "pattern", "example"), EXAMPLES, ids=[f"{x[0]}-{x[1]}-{i}" for i, x in enumerate(EXAMPLES)]
)
def test_rules_examples_mark_their_persons(lang, cat, pattern, example):
    marked = re.findall(r"\[([^\]]+)\]|\{([^}]+)\}", example)
    if cat in ("triggers", "reported", "separately"):
        assert sum(1 for a, _ in marked if a) >= 2, "a trigger's example names two participants"
    if cat in ("negatives", "modality", "attendance", "not_participant", "not_participant_after"):
        assert any(b for _, b in marked) or cat == "negatives", "the example names who did not take part"


def test_rules_every_category_is_known():
    with pytest.raises(ValueError, match="unknown en categories"):
        compile_rules({"en": {"trigers": []}})


@pytest.mark.parametrize(
    ("text", "prefix"),
    [
        ("Kazakh President Kassym-Jomart Tokayev", "Kazakh President "),
        ("the U.S. Secretary of State Antony Blinken", "the U.S. Secretary of State "),
        ("Mr. Aziz", "Mr. "),
        ("Presidente Lula", "Presidente "),
    ],
)
def test_rules_english_title_prefix(text, prefix):
    m = load_rules().en_title_prefix.match(text)
    assert m is not None and m.group() == prefix


def test_rules_titles_in_both_languages():
    rules = load_rules()
    assert rules.zh_title_suffix.search("习近平主席") and rules.zh_title_suffix.search("王毅先生")
    assert rules.zh_role_after.match("总统") and not rules.zh_role_after.match("先生")  # an address is no role
    assert rules.en_role_before.search("Chinese Premier ").group(1) == "Premier"
    assert rules.en_role_before.search("Minister of Foreign Affairs ").group(1) == "Minister of Foreign Affairs"
    assert "Mr." not in rules.en_offices


TITLES = [
    (lang, form, t.get("office", True)) for t in DATA["titles"] for lang in ("en", "zh") for form in t.get(lang, [])
]


@pytest.mark.parametrize(("lang", "form", "office"), TITLES, ids=[f"{x[0]}-{x[1]}" for x in TITLES])
def test_rules_each_title_is_recognised_as_a_title(lang, form, office):
    """A title of the table is cut off the name it stands before (after, in Chinese), and an
    office, not a form of address, is the role it gives."""
    rules = load_rules()
    if lang == "en":
        m = rules.en_title_prefix.match(f"{form} Anna Berg")
        assert m is not None and m.group().strip() == form
        role = rules.en_role_before.search(f"{form} ")
        assert (role is not None and role.group(1).endswith(form)) == office
    else:
        assert rules.zh_title_suffix.search(f"王明{form}").group() == form
        assert bool(rules.zh_role_after.match(form)) == office
