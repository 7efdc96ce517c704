"""The meeting rules and the title table, as data: ``models/rules/meetings.yaml``.

The file lists, per language, the words that state a meeting (``triggers``), what rules a
row out (``negatives``: calls, letters; ``modality``: plans, invitations, cancellations),
what marks an earlier meeting (``reported``), the contexts of a name that did not take part
(``not_participant`` before it, ``not_participant_after`` after it, ``attendance`` for
aides who only attended, ``joint_attendance`` for the members of a meeting named as its
attendants), who led a delegation (``delegation_head`` before the name,
``delegation_head_after`` after it), how a Chinese clause reads (``moved_on``: a guest list
has ended; ``no_name_before``: no room for a host's name before the trigger; ``both_sides``:
两国元首, 双方 standing for the two of the last meeting), and one table of titles for both languages. Every rule carries
an example sentence (see the file's header). :func:`load_rules` compiles it once per path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from pipeline.params import project_root

__all__ = ["DEFAULT_RULES", "LangRules", "Rules", "load_rules"]

DEFAULT_RULES = project_root() / "models" / "rules" / "meetings.yaml"
CATEGORIES = ("triggers", "negatives", "modality", "reported", "not_participant", "not_participant_after",
              "attendance", "joint_attendance", "delegation_head", "delegation_head_after", "separately",
              "place_before", "not_place_before", "visit_before", "venue", "event_names", "venue_names",
              "moved_on", "no_name_before", "both_sides")  # fmt: skip
# word lists the English parse reads (meetings_en)
_LEXICONS = (
    "trigger_lemmas",
    "trigger_nouns",
    "modal_lemmas",
    "modal_nouns",
    "clause_breaks",
    "name_edge_words",
    "group_nouns",
    "person_nouns",
    # affiliations (pipeline/extract/affiliations.py): the lower-case words a title phrase may hold
    # ("caretaker", "ruling"), the heads that make a phrase a title besides the title table
    # ("counterpart"), the words before a country an office is posted to ("to", 驻) and, in
    # Chinese, the words that make the stretch between a country and a name a clause (在, 同)
    "title_phrase_words",
    "affiliation_heads",
    "posting_words",
    "affiliation_breaks",
    "state_forms",
    "member_list_cues",
    "title_comma_after",
    "possessive_not_own",
    "country_anaphors",
    "worded_lemmas",
)
_NEVER = re.compile(r"(?!x)x")


@dataclass(frozen=True)
class LangRules:
    """One language's compiled rules: a pattern per category (one alternation of its rules)."""

    lang: str
    patterns: dict[str, re.Pattern]
    trigger_lemmas: frozenset[str] = frozenset()
    trigger_nouns: frozenset[str] = frozenset()
    modal_lemmas: frozenset[str] = frozenset()
    modal_nouns: frozenset[str] = frozenset()
    clause_breaks: frozenset[str] = frozenset()
    name_edge_words: frozenset[str] = frozenset()
    group_nouns: frozenset[str] = frozenset()
    person_nouns: frozenset[str] = frozenset()
    title_phrase_words: frozenset[str] = frozenset()
    affiliation_heads: frozenset[str] = frozenset()
    posting_words: frozenset[str] = frozenset()
    affiliation_breaks: frozenset[str] = frozenset()
    state_forms: frozenset[str] = frozenset()
    member_list_cues: frozenset[str] = frozenset()
    title_comma_after: frozenset[str] = frozenset()
    possessive_not_own: frozenset[str] = frozenset()
    country_anaphors: frozenset[str] = frozenset()
    worded_lemmas: frozenset[str] = frozenset()

    def __getattr__(self, name: str) -> re.Pattern:
        try:
            return self.__dict__["patterns"][name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass(frozen=True)
class Rules:
    """All the rules: per language, and the title table compiled for its three uses."""

    en: LangRules
    zh: LangRules
    en_title_prefix: re.Pattern  # "Kazakh President " before a name (strip_title)
    en_role_before: re.Pattern  # the office right before a name ("Premier " in "Chinese Premier Li")
    zh_title_suffix: re.Pattern  # 总统 ending a span ("习近平主席" → 习近平)
    zh_role_after: re.Pattern  # 总统 right after a name
    en_title_before: re.Pattern  # "Chinese Premier " right before a name: (dem, title)
    en_role_noun: re.Pattern  # "the Chinese premier" standing for that person: (dem, title)
    en_offices: tuple[str, ...] = ()
    title_words: frozenset[str] = frozenset()  # every title, lower case: a "name" that is one is no name
    en_title_then_name: re.Pattern | None = None  # "Foreign Minister of Peru Elmer Schialer": (name)
    en_office_apposition: re.Pattern | None = None  # ", the Executive Director of" after a name
    zh_honorific_prefix: re.Pattern | None = None  # 拿督斯里 before a Chinese-written name
    en_affiliation_head: re.Pattern | None = None  # an office or an affiliation head in a title phrase (any case)
    en_title_tokens: frozenset[str] = frozenset()  # the words of the English offices, lower case
    raw: dict = field(default_factory=dict, repr=False, compare=False)

    def lang(self, lang: str) -> LangRules:
        return self.zh if lang == "zh" else self.en


def _alternation(rules: list[dict], lang: str) -> re.Pattern:
    if not rules:
        return _NEVER
    if lang == "zh":
        return re.compile("|".join(f"(?:{r['pattern']})" for r in rules))
    # English rules match whole words, unless a rule says otherwise ("'s meeting")
    parts = [rf"(?<![\w-])(?:{r['pattern']})(?![\w-])" if r.get("words", True) else f"(?:{r['pattern']})"
             for r in rules]  # fmt: skip
    return re.compile("|".join(parts), re.IGNORECASE)


def _words(forms: list[str]) -> str:
    return "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))


def compile_rules(data: dict) -> Rules:
    """Compile the parsed YAML of a rules file."""
    langs = {}
    for lang in ("en", "zh"):
        section = data.get(lang) or {}
        unknown = set(section) - {*CATEGORIES, *_LEXICONS}
        if unknown:
            raise ValueError(f"rules: unknown {lang} categories {sorted(unknown)}")
        patterns = {}
        for cat in CATEGORIES:
            rules = section.get(cat) or []
            # context rules are anchored at the end or start of the context they read
            anchored = cat in ("not_participant", "not_participant_after", "place_before", "not_place_before",
                               "visit_before", "venue", "event_names", "venue_names", "delegation_head",
                               "delegation_head_after")  # fmt: skip
            if anchored:
                # read with .match(text, pos) or against the end of a slice: a leading '^'
                # would only match at the start of the whole text, so it is dropped
                body = "|".join(f"(?:{r['pattern'].removeprefix('^')})" for r in rules)
                patterns[cat] = re.compile(body, re.IGNORECASE if lang == "en" else 0) if rules else _NEVER
            else:
                patterns[cat] = _alternation(rules, lang)
        lexicons = {k: frozenset(w.lower() for w in section.get(k) or ()) for k in _LEXICONS}
        langs[lang] = LangRules(lang, patterns, **lexicons)
    titles = data.get("titles") or []
    en_all = [f for t in titles for f in t.get("en", [])]
    en_offices = [f for t in titles if t.get("office", True) for f in t.get("en", [])]
    zh_all = [f for t in titles for f in t.get("zh", [])]
    zh_offices = [f for t in titles if t.get("office", True) for f in t.get("zh", [])]
    # any capitalized words before the title: a demonym or a place ("Kazakh President …")
    en_prefix = re.compile(
        r"^(?:(?:the|former|then|late|U\.S\.|U\.K\.|[A-Z][a-z]+(?:-[A-Z][a-z]+)?)\s+){0,3}"
        rf"(?:{_words(en_all)})\s+(?=[A-Z])"
    )
    # a form of address may stand between the office and the name ("External Affairs
    # Minister Dr S Jaishankar")
    en_address = [f for t in titles if not t.get("office", True) and not t.get("prefix") for f in t.get("en", [])]
    en_role = re.compile(
        rf"((?:Vice |Deputy |Acting |Former )?(?:{_words(en_offices)})(?: of [A-Z][a-z]+(?: [A-Z][a-z]+)*)?|leader)\s+"
        rf"(?:(?:{_words(en_address)})\s+)?$"
    )
    offices = rf"(?:Vice |Deputy )?(?:{_words(en_offices)})"
    return Rules(
        en=langs["en"],
        zh=langs["zh"],
        en_title_prefix=en_prefix,
        en_role_before=en_role,
        zh_title_suffix=re.compile(rf"(?:{_words(zh_all)})$"),
        zh_role_after=re.compile(rf"(?:{_words(zh_offices)})"),
        en_title_before=re.compile(rf"(?P<dem>[A-Z][a-z]+(?: [A-Z][a-z]+)?) (?P<title>{offices})\s+$"),
        # lower case: "the Chinese premier" (a capitalized title is followed by the name)
        en_role_noun=re.compile(
            rf"\b[Tt]he (?P<dem>[A-Z][a-z]+(?: [A-Z][a-z]+)?) (?P<title>{offices.lower()}|leader)\b"
        ),
        en_offices=tuple(en_offices),
        title_words=frozenset(f.lower() for f in [*en_all, *zh_all]),
        zh_honorific_prefix=re.compile(
            rf"(?:{_words([f for t in titles if t.get('prefix') for f in t.get('zh', [])])})(?=[\u4e00-\u9fff]{{2}})"
        ),
        # an office (any case), up to three "of the X Y" / "to X" it belongs to ("Ambassador
        # of Kazakhstan to China", "President of the Chamber of Deputies of Chile"), then two to five
        # capitalized words: the name the office holder has
        en_title_then_name=re.compile(
            rf"(?<![\w-])(?i:{_words(en_offices)})(?:\s+(?:of|for|to)\s+(?:the\s+)?[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){{0,5}}?){{0,3}},?\s+"
            r"(?P<name>[A-Z][^\W\d_]+(?:[-'’][^\W\d_]+)*(?:\s+(?:[A-Z][^\W\d_]+(?:[-'’][^\W\d_]+)*|bin|al|de|da|van|von|der|el)){1,4})"
        ),
        en_affiliation_head=re.compile(
            rf"(?<![\w-])(?:{_words([*en_offices, *langs['en'].affiliation_heads])})(?![\w-])", re.IGNORECASE
        ),
        en_title_tokens=frozenset(w for f in en_offices for w in re.split(r"[\s-]+", f.lower()) if w),
        # an office in apposition after a name: ", the Executive Director of", ", general
        # secretary of" (a person's, never an organization's)
        en_office_apposition=re.compile(
            rf",\s+(?:the\s+|a\s+)?(?:(?:former|then|acting|vice|deputy|first)\s+)*(?i:{_words(en_offices)})\s+(?:of|for|to)\b"
        ),
        raw=data,
    )


@lru_cache(maxsize=4)
def load_rules(path: str | Path = DEFAULT_RULES) -> Rules:
    """The compiled rules of a rules file (once per path)."""
    return compile_rules(yaml.safe_load(Path(path).read_text(encoding="utf-8")))


def examples(data: dict) -> list[tuple[str, str, str, str]]:
    """Every rule's example: (language, category, pattern, example)."""
    out = []
    for lang in ("en", "zh"):
        for cat in CATEGORIES:
            for r in (data.get(lang) or {}).get(cat) or []:
                out.append((lang, cat, r["pattern"], r["example"]))
    return out
