"""Who met whom in an English sentence, from spaCy's dependency parse.

A trigger (a verb of ``trigger_lemmas`` — meet, receive, host —, or a noun of
``trigger_nouns`` — meeting, talks —, both in ``models/rules/meetings.yaml``) states an
event. Its participants come from its arguments:

- the subject side: the verb's subject (``nsubj``; the ``by`` agent of a passive), or,
  for a verb without one ("… before meeting X", "… and later met Y"), the subject of the
  verb it hangs from; a noun's possessor ("Modi's meeting with …") or the subject of the
  verb the noun hangs from ("held talks with …", "In a meeting with X, Y said …");
- the object side: the verb's object, and the ``with`` / ``between`` phrase of the verb or
  of the noun;
- coordination on either side ("A and B", "X, Y and Z") adds each conjunct; possessors,
  relative clauses and modifying clauses inside an argument do not ("Putin's special envoy
  Sergei Lavrov" names the envoy, who was there, not Putin).

Each trigger is its own event, so "held talks with Li before meeting Xi" gives two. The
subject side met each object: one row per object ("separate meetings with A, B and C"),
all together when the sentence says so ("trilateral", "jointly"). An event whose predicate
is under a modal ("will meet"), a verb of plans or refusals ("expected to meet",
"cancelled the meeting"), a negation or a condition is ``planned``, never a met row.

Pure functions over a parsed sentence (:func:`sentence_events`); the parser is loaded by
:func:`load_parser` once per process and only for sentences that hold a trigger word.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache

logger = logging.getLogger(__name__)

__all__ = ["Event", "load_parser", "sentence_events"]

# argument children whose subtree names someone else than the participant
_SKIP = frozenset({"poss", "relcl", "acl", "advcl", "parataxis", "ccomp", "xcomp", "prep", "npadvmod", "punct"})
_SUBJECTS = ("nsubj", "nsubjpass", "csubj")
_OBJECTS = ("dobj", "obj", "dative", "attr")
_MODALS = frozenset({"will", "would", "shall", "may", "might", "can", "should", "must", "'ll", "wo", "ca"})
_UP = ("conj", "xcomp", "advcl", "pcomp", "ccomp", "acl", "relcl", "prep", "pobj", "dobj", "nsubj", "nsubjpass")
_JOINT = re.compile(r"\b(?:trilateral|three-way|quadrilateral|jointly|joint (?:meeting|talks)|together)\b", re.I)


@dataclass(frozen=True)
class Event:
    """One meeting a sentence states: its participants (entity ids, the subject side
    first), the trigger word and its offset in the sentence, and its modality (``""`` for
    a meeting that happened, else ``planned``)."""

    participants: tuple[str, ...]
    trigger: str
    trigger_start: int
    modality: str = ""
    inferred: bool = False  # the subject side was not named in the sentence (pronoun, title, context)


@lru_cache(maxsize=2)
def load_parser(model: str):
    """spaCy's pipeline ``model`` with its parser and lemmatizer (no NER: the mentions are
    known); ``None`` when it cannot be loaded (extraction then falls back to word rules)."""
    try:
        import spacy

        return spacy.load(model, exclude=["ner"])
    except (OSError, ImportError) as e:
        logger.warning("English parser %r not available (%s): meetings from word rules only", model, e)
        return None


def _arg_tokens(tok, *, preps: bool = False) -> list:
    """The tokens of an argument: ``tok`` and its subtree, except the parts that name
    someone else (possessors, clauses, prepositional phrases but ``of``; all of them with
    ``preps``)."""
    out, stack = [], [tok]
    while stack:
        t = stack.pop()
        out.append(t)
        for c in t.children:
            if c.dep_ == "acl" and c.lemma_ in ("lead", "head"):  # a delegation led by X: X was there
                stack += [g for a in c.children if a.dep_ == "agent" for g in a.children if g.dep_ == "pobj"]
                continue
            if c.dep_ in _SKIP and not (c.dep_ == "prep" and (preps or c.text.lower() == "of")):
                continue
            stack.append(c)
    return out


def _persons(tokens, person_at: dict[int, str]) -> list[str]:
    seen: list[str] = []
    for t in sorted(tokens, key=lambda t: t.i):
        eid = person_at.get(t.i)
        if eid and eid not in seen:
            seen.append(eid)
    return seen


def _subjects(verb) -> list:
    subs = [c for c in verb.children if c.dep_ in _SUBJECTS]
    for c in verb.children:  # the agent of a passive: "X was received by Y"
        if c.dep_ == "agent":
            subs += [g for g in c.children if g.dep_ == "pobj"]
    return subs


def _inherited_subjects(tok, depth: int = 4) -> list:
    """The subjects of the nearest verb above ``tok`` that has one."""
    t = tok
    for _ in range(depth):
        if t.head is t:
            return []
        t = t.head
        if t.pos_ in ("VERB", "AUX"):
            subs = _subjects(t)
            if subs:
                return subs
    return []


def _with_objects(tok, preps: tuple[str, ...] = ()) -> list:
    """The objects of ``tok``'s with / between phrases (and of ``preps``)."""
    out = []
    for c in tok.children:
        if c.dep_ == "prep" and c.text.lower() in ("with", "between", "among", *preps):
            out += [g for g in c.children if g.dep_ in ("pobj", "pcomp")]  # pcomp: "with visiting X"
    return out


def _is_group(tok, rules) -> bool:
    """A common noun of ``group_nouns`` (not a name's word: "House of Representatives")."""
    return tok.pos_ == "NOUN" and (tok.lemma_.lower() in rules.group_nouns or tok.lower_ in rules.group_nouns)


def _unnamed_group(args: list, person_at: dict[int, str], rules) -> bool:
    """An argument is a group ("a delegation of senior cadres", "the visiting team") in
    whose own words (its coordinated names aside) no person is named."""
    for a in args:
        for g in _arg_tokens(a):
            if _is_group(g, rules):
                conj = {x.i for c in g.children if c.dep_ in ("conj", "cc") for x in c.subtree}
                if not any(x.i in person_at for x in g.subtree if x.i not in conj):
                    return True
    return False


def _clause_objects(tok) -> list:
    """The persons the verb above ``tok`` reaches: its object and its to / with phrases."""
    t = tok
    for _ in range(3):
        if t.pos_ in ("VERB", "AUX"):
            break
        if t.head is t:
            return []
        t = t.head
    else:
        return []
    out = [c for c in t.children if c.dep_ in ("dobj", "dative")]
    return out + [g for c in t.children if c.dep_ == "prep" and c.lower_ in ("to", "with") for g in c.children
                  if g.dep_ == "pobj"]  # fmt: skip


def _coordinated_before(sdoc, poss) -> list:
    """Names coordinated right before a possessor that the parse left outside it ("A and
    B's meeting", where only B is the possessor): the tokens of each, right to left."""
    out, i = [], poss.left_edge.i - 1
    while i >= 1 and sdoc[i].lower_ in ("and", ","):
        head = sdoc[i - 1]
        if head.pos_ != "PROPN":
            break
        out.append(head)
        i = head.left_edge.i - 1 if head.left_edge.i < head.i else head.i - 1
        while i >= 0 and sdoc[i].dep_ == "compound" and sdoc[i].head.i == head.i:
            i -= 1
    return out


def _verb_objects(tok) -> list:
    """The object and ``to`` phrase of the verb a trigger noun's phrase hangs from."""
    t = tok
    for _ in range(3):
        if t.head is t:
            return []
        t = t.head
        if t.pos_ == "VERB":
            out = [c for c in t.children if c.dep_ in ("dobj", "dative")]
            return out + [g for c in t.children if c.dep_ == "prep" and c.text.lower() == "to" for g in c.children
                          if g.dep_ == "pobj"]  # fmt: skip
    return []


def _thing_object(verb, person_at: dict[int, str], rules) -> bool:
    """The trigger verb's direct object is a thing, not someone: "received a proposal from
    X", "received an award", "met a cool reception", "met the fans' demand". A common noun
    that names no one (``person_nouns``, ``group_nouns``) and holds no person mention."""
    for c in verb.children:
        if c.dep_ not in ("dobj", "obj"):
            continue
        if c.pos_ != "NOUN" or c.lemma_.lower() in rules.person_nouns or c.lemma_.lower() in rules.group_nouns:
            return False
        return not any(x.i in person_at for x in _arg_tokens(c))
    return False


def _modality(tok, rules) -> str:
    """``planned`` when the event at ``tok`` is not stated as a fact; else ``""``."""
    modal_lemmas = rules.modal_lemmas
    t = tok
    for _ in range(5):
        for c in t.children:
            if c.dep_ == "aux" and (c.text.lower() in _MODALS or c.tag_ == "MD"):
                return "planned"
            if c.dep_ == "neg":
                return "planned"
            if c.dep_ == "mark" and c.text.lower() in ("if", "unless"):
                return "planned"
            if t is tok and c.dep_ in _SUBJECTS and c.lemma_.lower() in rules.modal_nouns:
                return "planned"  # "Lavrov's agenda includes talks with …" (the trigger's own verb)
        if t is not tok and t.lemma_.lower() in modal_lemmas:
            return "planned"  # expected to meet, cancelled the meeting, invited … to meet
        if (t.dep_ == "xcomp" and t.head.lemma_ == "be"
                and any(c.dep_ == "aux" and c.lower_ == "to" for c in t.children)):  # fmt: skip
            return "planned"  # "X is to meet Y": a plan
        if t.dep_ not in _UP or t.head is t:
            break
        if t.dep_ == "nsubj":
            break  # a trigger in the subject is not what its verb plans ("the meeting set the tone")
        t = t.head
    return ""


@dataclass
class _Trigger:
    """A trigger token and its arguments: the subject side, the object side, the
    possessor and ``between`` phrase of a noun, and the predicate whose modality counts."""

    tok: object
    is_verb: bool
    subj_toks: list
    obj_toks: list
    poss: list
    between: list
    predicate: object


def _person_tokens(sdoc, persons: list[tuple[int, int, str]]) -> dict[int, str]:
    """Token index → the entity id of the person mention it lies in."""
    person_at: dict[int, str] = {}
    for t in sdoc:
        for s, e, eid in persons:
            if s < t.idx + len(t.text) and t.idx < e:
                person_at[t.i] = eid
    return person_at


def _trigger_kind(t, sdoc, rules) -> tuple[bool, bool, bool]:
    """(is a trigger verb, is a trigger noun, is a two-word trigger noun) for token ``t``."""
    lemma = t.lemma_.lower()
    prt = next((c.lower_ for c in t.children if c.dep_ == "prt"), "")
    is_verb = t.pos_ in ("VERB", "AUX") and (lemma in rules.trigger_lemmas or f"{lemma} {prt}" in rules.trigger_lemmas)
    if is_verb and lemma in rules.worded_lemmas:  # "exchanged views with", not "exchanged letters"
        is_verb = any(m.start() == t.idx for m in rules.triggers.finditer(sdoc.text))
    # a two-word noun ("courtesy call") names its guest with "on" / "to" ("paid a courtesy
    # call on X"); a plain trigger noun with "with" / "between"
    phrase = any(f"{c.lower_} {t.lower_}" in rules.trigger_nouns for c in t.children
                 if c.dep_ in ("amod", "compound"))  # fmt: skip
    is_noun = t.pos_ in ("NOUN", "PROPN") and (t.text.lower() in rules.trigger_nouns or lemma in rules.trigger_nouns
                                               or phrase)  # fmt: skip
    return is_verb, is_noun, phrase


def _verb_arguments(t, obj_toks: list, person_at: dict[int, str], rules) -> _Trigger | None:
    """A trigger verb's subjects and objects; None when its object is a thing ("received a proposal")."""
    if t.lemma_.lower() not in rules.worded_lemmas and _thing_object(t, person_at, rules):
        return None  # a worded trigger names its object ("exchanged views")
    subj_toks = _subjects(t) or _inherited_subjects(t)
    obj_toks += [c for c in t.children if c.dep_ in _OBJECTS]
    return _Trigger(t, True, subj_toks, obj_toks, [], [], t)


def _noun_arguments(t, obj_toks: list) -> _Trigger:
    """A trigger noun's sides: its ``between`` phrase, its possessor, or the subject of the
    verb it hangs from, and its ``with`` phrase or that verb's."""
    poss = [c for c in t.children if c.dep_ == "poss"]
    between = [c for c in t.children if c.dep_ == "prep" and c.text.lower() == "between"]
    if between:
        subj_toks, obj_toks = obj_toks, []  # "the meeting between A and B": all of them
    elif poss:
        subj_toks = poss
    else:
        subj_toks = _inherited_subjects(t)
        if t.dep_ in ("dobj", "obj", "nsubjpass"):
            obj_toks += _with_objects(t.head)
        elif not obj_toks:  # "During the talks, A conveyed greetings to B": A met B
            obj_toks += _verb_objects(t)
    predicate = t.head if t.dep_ in ("dobj", "obj", "nsubjpass") and t.head.pos_ in ("VERB", "AUX") else t
    return _Trigger(t, False, subj_toks, obj_toks, poss, between, predicate)


def _named_subject(sdoc, tr: _Trigger, person_at: dict[int, str],
                   title_holders: dict[str, str] | None) -> tuple[list[str], bool]:  # fmt: skip
    """(subject side, inferred) from the parse: the persons of the subject, the clause
    above's for a pronoun, the possessors coordinated before, the holder of a title."""
    subj_toks = tr.subj_toks
    subj = _persons([x for a in subj_toks for x in _arg_tokens(a)], person_at)
    inferred = not subj
    if not subj and any(a.pos_ == "PRON" for a in subj_toks):
        # "X recalled that he met Y": the pronoun is the subject of the clause above
        subj = _persons([x for a in _inherited_subjects(subj_toks[0].head) for x in _arg_tokens(a)], person_at)
        if not tr.obj_toks and any(a.lower_ in ("they", "both") for a in subj_toks):
            # "X conveyed greetings to Y when they met": they are the clause above's
            # subject and the persons its verb reaches
            tr.obj_toks += _clause_objects(subj_toks[0].head.head)
    elif subj_toks and tr.poss and not tr.between:
        subj = _persons([x for a in _coordinated_before(sdoc, tr.poss[0]) for x in _arg_tokens(a)], person_at) + subj
    if not subj and subj_toks and title_holders:
        holder = title_holders.get(_title_of(subj_toks[0]))
        subj = [holder] if holder else []
    return subj, inferred


def _recovered_sides(sdoc, tr: _Trigger, subj: list[str], objs: list[str], inferred: bool,
                     person_at: dict[int, str], rules) -> tuple[list[str], list[str], bool]:  # fmt: skip
    """(subject side, object side, inferred) where the parse lost a name: a name hung off
    its title, the subject or objects by word order."""
    t, subj_toks = tr.tok, tr.subj_toks
    head = t if tr.is_verb else t.head
    if not subj and subj_toks and not any(a.pos_ == "PRON" or a.i == t.i for a in subj_toks):
        # the parse hung the name off its title ("Ambassador of X to Y Name held …")
        subj = _persons([x for a in subj_toks for x in _arg_tokens(a, preps=True)], person_at)
        inferred = not subj
    if not subj and not subj_toks and head.pos_ in ("VERB", "AUX"):
        subj = _surface_subject(sdoc, head, person_at, rules)  # the parse lost the subject
        inferred = not subj
    if not objs or _surface_list(sdoc, t):
        # the parse lost the object (a long title before a name) or cut a ';' list short
        objs += [p for p in _surface_objects(sdoc, t, tr.is_verb, person_at, rules) if p not in subj + objs]
    return subj, objs, inferred


def _context_sides(tr: _Trigger, subj: list[str], objs: list[str], inferred: bool, person_at: dict[int, str],
                   rules, group_head: str | None, fallback_subject: str | None) -> tuple[list[str], list[str], bool]:  # fmt: skip
    """(subject side, object side, inferred) with what the document gives: the head of an
    unnamed delegation, the last person named for a missing or pronoun subject."""
    if group_head and group_head not in subj + objs:
        # "met with a delegation of …" that names nobody: the one head the article gives
        # a delegation ("The delegation was led by X")
        if _unnamed_group(tr.subj_toks, person_at, rules):
            subj.insert(0, group_head)
            inferred = False
        elif _unnamed_group(tr.obj_toks, person_at, rules):
            objs.append(group_head)
    passive_self = [a.i for a in tr.subj_toks] == [tr.tok.i]  # "A meeting was held between …": all are named there
    if (not subj and fallback_subject and not passive_self
            and (objs or any(a.pos_ == "PRON" for a in tr.subj_toks))):  # fmt: skip
        subj = [fallback_subject] if fallback_subject not in objs else []
    return subj, objs, inferred


def _trigger_events(tr: _Trigger, subj: list[str], objs: list[str], inferred: bool, joint: bool,
                    rules) -> list[Event]:  # fmt: skip
    """The events of one trigger: its modality, and one per object or all together."""
    t, predicate = tr.tok, tr.predicate
    modality = _modality(predicate, rules)
    if predicate is not t and predicate.lemma_.lower() in rules.modal_lemmas:
        modality = "planned"  # "cancelled the meeting", "proposed talks"
    # the members of a visiting delegation met the host together ("received a delegation
    # comprising A, B and C")
    delegation = any(_is_group(x, rules) for a in tr.obj_toks for x in a.subtree)
    if not objs or not subj or joint or (delegation and len(objs) > 1):  # no subject: "held between A and B"
        groups = [tuple(subj + objs)]
    else:
        groups = [(*subj, o) for o in objs]
    return [Event(g, t.text, t.idx, modality, inferred) for g in groups]


def sentence_events(sdoc, persons: list[tuple[int, int, str]], rules, *, fallback_subject: str | None = None,
                    title_holders: dict[str, str] | None = None, group_head: str | None = None) -> list[Event]:  # fmt: skip
    """The meetings one parsed English sentence states.

    Args:
        sdoc: the spaCy ``Doc`` of the sentence.
        persons: (start, end, entity id) of each person mention, offsets into the sentence.
        rules: the English rules (``trigger_lemmas``, ``trigger_nouns``, ``modal_lemmas``,
            ``modal_nouns``).
        fallback_subject: the person a subject-less event or a pronoun subject stands for
            (the last person the text named before the sentence).
        group_head: the one person the document says led a delegation, for a trigger's
            delegation (``group_nouns``) that names nobody.
        title_holders: office (lower case) → the one person the document gives it, for a
            subject that is a title ("The Foreign Minister also met …").
    """
    person_at = _person_tokens(sdoc, persons)
    events: list[Event] = []
    joint = bool(_JOINT.search(sdoc.text))
    for t in sdoc:
        is_verb, is_noun, phrase = _trigger_kind(t, sdoc, rules)
        if not (is_verb or is_noun):
            continue
        obj_toks: list = _with_objects(t, ("on", "to") if phrase else ())
        tr = _verb_arguments(t, obj_toks, person_at, rules) if is_verb else _noun_arguments(t, obj_toks)
        if tr is None:
            continue
        subj, inferred = _named_subject(sdoc, tr, person_at, title_holders)
        objs = [p for p in _persons([x for a in tr.obj_toks for x in _arg_tokens(a)], person_at) if p not in subj]
        subj, objs, inferred = _recovered_sides(sdoc, tr, subj, objs, inferred, person_at, rules)
        subj, objs, inferred = _context_sides(tr, subj, objs, inferred, person_at, rules, group_head, fallback_subject)
        if len(subj) + len(objs) < 2:
            continue
        events += _trigger_events(tr, subj, objs, inferred, joint, rules)
    return _unique(events)


def _possessive(sdoc, i: int) -> bool:
    """The name ending at token ``i`` is a possessor ("Putin's envoy"): someone else's."""
    return i + 1 < len(sdoc) and sdoc[i + 1].text in ("'s", "’s", "'", "’")


def _is_break(tok, rules) -> bool:
    """A clause ends at ``tok``: a clause-break word, or a new sentence the parser found after
    a full stop (not one it started inside a caption: "PM A meeting Vietnamese PM B")."""
    if tok.lower_ in rules.clause_breaks or tok.text in rules.clause_breaks:
        return True
    return tok.is_sent_start and tok.i > 0 and (tok.nbor(-1).is_punct or tok.nbor(-1).is_space)


def _is_trigger(tok, rules) -> bool:
    return tok.lemma_.lower() in rules.trigger_lemmas or tok.lower_ in rules.trigger_nouns


def _surface_subject(sdoc, verb, person_at: dict[int, str], rules) -> list[str]:
    """Word order where the parse found no subject: the nearest person before the verb, in
    its clause, who is not someone's possessor."""
    for i in range(verb.i - 1, -1, -1):
        tok = sdoc[i]
        if _is_break(tok, rules) or (_is_trigger(tok, rules) and tok.i != verb.i):
            return []
        eid = person_at.get(i)
        if eid and person_at.get(i + 1) != eid and not _possessive(sdoc, i):
            return [eid]
    return []


def _surface_list(sdoc, trigger) -> bool:
    """The trigger's "with" phrase is a list split by semicolons (which the parse cuts)."""
    return any(t.text == ";" for t in sdoc[trigger.i :]) and any(
        t.lower_ == "with" for t in sdoc[trigger.i : trigger.i + 8]
    )


def _surface_objects(sdoc, trigger, is_verb: bool, person_at: dict[int, str], rules) -> list[str]:
    """Word order where the parse found no object: the persons after the trigger's "with"
    (or after a trigger verb) up to the end of its clause, but possessors."""
    start = None
    for tok in sdoc[trigger.i + 1 :]:
        if tok.lower_ in ("with", "between"):
            start = tok.i + 1
            break
        if (_is_break(tok, rules) and tok.text != ";") or _is_trigger(tok, rules):
            break
    if start is None:
        if not is_verb:
            return []
        start = trigger.i + 1
    out: list[str] = []
    for tok in sdoc[start:]:
        if (_is_break(tok, rules) and tok.text != ";") or _is_trigger(tok, rules) or _clause_verb(tok, trigger):
            break
        eid = person_at.get(tok.i)
        if eid and eid not in out and not _possessive(sdoc, tok.i + _name_len(sdoc, tok.i, person_at) - 1):
            out.append(eid)
    return out


def _clause_verb(tok, trigger) -> bool:
    """``tok`` is the verb of another clause than the trigger's ("… met in Devon, beat X
    and Y"): the trigger's objects end before it."""
    return tok.i != trigger.i and tok.pos_ == "VERB" and tok.dep_ in ("ROOT", "conj", "ccomp", "parataxis")


def _name_len(sdoc, i: int, person_at: dict[int, str]) -> int:
    n = 1
    while i + n < len(sdoc) and person_at.get(i + n) == person_at.get(i):
        n += 1
    return n


def _title_of(tok) -> str:
    """The words of a noun phrase without its determiner, lower case ("the Prime Minister"
    → "prime minister")."""
    words = [t.text.lower() for t in tok.subtree if t.dep_ not in ("det", "punct") and t.i <= tok.i]
    return " ".join(words)


def _unique(events: list[Event]) -> list[Event]:
    """One event per participant set (a sentence saying "held talks … at the meeting"
    states one meeting twice); a fact wins over a plan."""
    best: dict[frozenset, Event] = {}
    for ev in events:
        key = frozenset(ev.participants)
        cur = best.get(key)
        if cur is None or (cur.modality and not ev.modality):
            best[key] = ev
    return sorted(best.values(), key=lambda ev: (ev.trigger_start, ev.participants))
