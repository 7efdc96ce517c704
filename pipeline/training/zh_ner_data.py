"""Chinese NER corpora → one label scheme, character tokens, NFKC, de-duplicated.

Pure functions: readers take lines, return :class:`TaggedSentence` records. The shell that
reads files and trains lives in :mod:`pipeline.training.train_zh_ner`.

Label scheme (chosen on purpose, see ``models/stanza/zh/MODEL_CARD.md``): ``PER``,
``LOC``, ``ORG`` in BIOES, the intersection every corpus here can supply. MSRA and
People's Daily already use it (their ``LOC`` covers countries, cities and regions).
CLUENER2020 is mapped: ``name → PER``; ``organization``, ``government``, ``company → ORG``;
``address``, ``scene → LOC``; ``position``, ``book``, ``game``, ``movie → O``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pipeline.ner.zh_units import (  # noqa: F401  (shared with inference; re-exported for the training code)
    CHARLM_FILES,
    LAC_TAG_MARKS,
    MODEL_FILE,
    PRETRAIN_FILE,
    bigram_tokens,
    charlm_files,
    is_bigram_vocab,
    is_lac_tag_key,
    lac_tag_tokens,
    spans_from_tags,
)
from pipeline.text.textnorm import nfkc_with_offsets

__all__ = [
    "CLUENER_MAP",
    "TaggedSentence",
    "dedupe",
    "normalize_sentence",
    "read_cluener",
    "read_conll_chars",
    "read_msra_pair",
    "spans_from_tags",
    "tags_from_spans",
    "to_bioes",
    "to_stanza_doc",
]

CLUENER_MAP: dict[str, str] = {
    "name": "PER",
    "organization": "ORG",
    "government": "ORG",
    "company": "ORG",
    "address": "LOC",
    "scene": "LOC",
}


@dataclass(frozen=True)
class TaggedSentence:
    """One sentence of character tokens with a BIO (or BIOES) tag per token."""

    tokens: tuple[str, ...]
    tags: tuple[str, ...]
    source: str

    @property
    def text(self) -> str:
        return "".join(self.tokens)


def read_msra_pair(sent_lines: Iterable[str], tag_lines: Iterable[str], *, source: str) -> list[TaggedSentence]:
    """Read MSRA's space-separated sentence file and its aligned tag file."""
    out = []
    for lineno, (s, t) in enumerate(zip(sent_lines, tag_lines, strict=True), 1):
        toks, tags = s.split(), t.split()
        if len(toks) != len(tags):
            raise ValueError(f"{source}: line {lineno}: {len(toks)} tokens but {len(tags)} tags")
        if toks:
            out.append(TaggedSentence(tuple(toks), tuple(tags), source))
    return out


def read_conll_chars(lines: Iterable[str], *, source: str) -> list[TaggedSentence]:
    """Read ``char<TAB or SPACE>tag`` lines with blank lines between sentences."""
    out: list[TaggedSentence] = []
    toks: list[str] = []
    tags: list[str] = []
    for line in lines:
        line = line.rstrip("\n")
        if not line.strip():
            if toks:
                out.append(TaggedSentence(tuple(toks), tuple(tags), source))
                toks, tags = [], []
            continue
        parts = line.split("\t") if "\t" in line else line.rsplit(" ", 1)
        if len(parts) != 2:
            continue  # a token that is itself whitespace: nothing to tag
        toks.append(parts[0])
        tags.append(parts[1].strip())
    if toks:
        out.append(TaggedSentence(tuple(toks), tuple(tags), source))
    return out


def read_cluener(lines: Iterable[str], *, source: str, label_map: dict[str, str] = CLUENER_MAP) -> list[TaggedSentence]:
    """Read CLUENER2020 JSON lines, mapping its ten types onto PER/LOC/ORG."""
    out = []
    for line in lines:
        if not line.strip():
            continue
        rec = json.loads(line)
        text = rec["text"]
        spans = []
        for ctype, surfaces in rec.get("label", {}).items():
            label = label_map.get(ctype)
            if label is None:
                continue
            for positions in surfaces.values():
                for start, end_incl in positions:
                    spans.append((start, end_incl + 1, label))
        # overlapping annotation: the first, longest is kept
        tags = tags_from_spans(len(text), sorted(spans, key=lambda s: (s[0], -s[1])))
        out.append(TaggedSentence(tuple(text), tuple(tags), source))
    return out


def normalize_sentence(sent: TaggedSentence) -> TaggedSentence:
    """NFKC each token exactly as the pipeline does; drop tokens that become whitespace.

    A character that NFKC expands (``㈱`` → ``(株)``) stays one token, so tags stay aligned.
    A dropped ``B-`` tag is carried to the next token of the same entity.
    """
    toks: list[str] = []
    tags: list[str] = []
    carry_b = False
    for tok, tag in zip(sent.tokens, sent.tags, strict=True):
        norm = nfkc_with_offsets(tok).text.strip()
        if not norm:
            carry_b = carry_b or tag.startswith("B-")
            continue
        if carry_b and tag.startswith("I-"):
            tag = "B-" + tag[2:]
        carry_b = False
        toks.append(norm.replace(" ", ""))
        tags.append(tag)
    return TaggedSentence(tuple(toks), tuple(tags), sent.source)


def dedupe(sentences: Iterable[TaggedSentence], *, exclude: Iterable[str] = ()) -> list[TaggedSentence]:
    """Keep the first occurrence of each sentence text; drop any text in ``exclude``."""
    seen = set(exclude)
    out = []
    for s in sentences:
        if s.text in seen or not s.tokens:
            continue
        seen.add(s.text)
        out.append(s)
    return out


def tags_from_spans(n: int, spans: Iterable[tuple[int, int, str]]) -> list[str]:
    """BIO tags for ``n`` tokens from ``(start, end, label)`` spans taken in the given
    order; a span that overlaps one already placed is skipped."""
    tags = ["O"] * n
    for start, end, label in spans:
        if not 0 <= start < end <= n:
            raise ValueError(f"span {start}-{end} outside {n} tokens")
        if all(t == "O" for t in tags[start:end]):
            tags[start:end] = [f"B-{label}"] + [f"I-{label}"] * (end - start - 1)
    return tags


def to_bioes(tags: Iterable[str]) -> list[str]:
    """Convert BIO tags to BIOES."""
    tags = list(tags)
    out = ["O"] * len(tags)
    for start, end, label in spans_from_tags(tags):
        if end - start == 1:
            out[start] = f"S-{label}"
        else:
            out[start] = f"B-{label}"
            for i in range(start + 1, end - 1):
                out[i] = f"I-{label}"
            out[end - 1] = f"E-{label}"
    return out


def to_stanza_doc(sentences: Iterable[TaggedSentence]) -> list[list[dict[str, str]]]:
    """Stanza's NER training format: a list of sentences of ``{"text", "ner"}`` tokens."""
    return [[{"text": t, "ner": g} for t, g in zip(s.tokens, to_bioes(s.tags), strict=True)] for s in sentences]


def _name_tokens(name: str, label: str) -> tuple[list[str], list[str]]:
    """A name as character tokens (whitespace dropped, as the pipeline drops it) and BIO tags."""
    chars = [c for c in name if not c.isspace()]
    return chars, [f"B-{label}"] + [f"I-{label}"] * (len(chars) - 1)


def augment_mentions(
    sentences: list[TaggedSentence],
    pools: dict[str, list[str]],
    *,
    rate: float = 0.5,
    seed: int = 13,
) -> list[TaggedSentence]:
    """Mention-replacement augmentation: copies of sentences with entity names swapped.

    For a fraction ``rate`` of the sentences that have entities, a copy is made in which
    each entity (at least one) is replaced by a name of the same type drawn from
    ``pools`` (Dai & Adel, 2020). The pools mix names from the training data with names
    the 1998-era corpora never saw (today's leaders, every country, current bodies), so
    the model learns the contexts that signal an entity rather than a fixed list of names.
    The replacement keeps the sentence's other characters and tags untouched.
    """
    import random

    rng = random.Random(seed)
    out = []
    for sent in sentences:
        spans = spans_from_tags(sent.tags)
        spans = [sp for sp in spans if pools.get(sp[2])]
        if not spans or rng.random() >= rate:
            continue
        chosen = [sp for sp in spans if rng.random() < 0.5] or [rng.choice(spans)]
        toks, tags = list(sent.tokens), list(sent.tags)
        for start, end, label in sorted(chosen, reverse=True):
            toks[start:end], tags[start:end] = _name_tokens(rng.choice(pools[label]), label)
        out.append(TaggedSentence(tuple(toks), tuple(tags), sent.source + "+aug"))
    return out


def augment_name_lists(
    sentences: list[TaggedSentence],
    names: list[str],
    *,
    label: str = "PER",
    rate: float = 0.1,
    max_names: int = 6,
    seed: int = 17,
) -> list[TaggedSentence]:
    """Copies of sentences in which one ``label`` mention becomes a run of 2..``max_names``
    names written back to back, each tagged as its own mention.

    Chinese news lists officials separated only by spaces ("李鹏　乔石　朱镕基"), and the
    pipeline drops whitespace before the model sees a sentence, so the model meets
    "李鹏乔石朱镕基" and has to find the boundaries from the names alone. The 1998
    training corpora write such lists with 、 almost always (6 back-to-back person pairs
    in the 3,000-sentence MSRA slice); without examples the model tags a list as one name.
    """
    import random

    rng = random.Random(seed)
    out = []
    for sent in sentences:
        spans = [sp for sp in spans_from_tags(sent.tags) if sp[2] == label]
        if not spans or not names or rng.random() >= rate:
            continue
        start, end, _ = rng.choice(spans)
        toks, tags = list(sent.tokens[:start]), list(sent.tags[:start])
        for name in rng.sample(names, min(len(names), rng.randint(2, max_names))):
            chars, name_tags = _name_tokens(name, label)
            toks += chars
            tags += name_tags
        toks += sent.tokens[end:]
        tags += sent.tags[end:]
        out.append(TaggedSentence(tuple(toks), tuple(tags), sent.source + "+list"))
    return out


def generated_person_names(train: list[TaggedSentence], surnames: list[str], *, n: int, seed: int = 13) -> list[str]:
    """Plausible Chinese personal names: a common surname and one or two given-name
    characters drawn from the given names of the training data's persons."""
    import random

    given = [c for s in train for a, b, lab in spans_from_tags(s.tags) if lab == "PER" and 2 <= b - a <= 3
             for c in s.tokens[a + 1 : b]]  # fmt: skip
    if not given:
        return []
    rng = random.Random(seed)
    return [rng.choice(surnames) + "".join(rng.choice(given) for _ in range(rng.choice((1, 2, 2)))) for _ in range(n)]


def iter_texts(sentences: Iterable[TaggedSentence]) -> Iterator[str]:
    """Yield sentence texts (for embedding pre-training)."""
    for s in sentences:
        yield s.text
