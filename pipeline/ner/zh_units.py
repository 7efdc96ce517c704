"""How the project's Chinese Stanza model reads text: its file names, its input units
(characters, bigrams, LAC-tagged characters) and the decoding of its tags into spans.

Shared by inference (:mod:`pipeline.ner`) and training (:mod:`pipeline.training.zh_ner_data`,
:mod:`pipeline.training.train_zh_ner`), so that the NER stage never imports training code: editing
the corpora readers or the augmentation does not re-run NER under DVC or empty the
per-document cache. Pure; standard library only.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Sequence
from pathlib import Path

__all__ = [
    "CHARLM_FILES",
    "LAC_TAG_MARKS",
    "MODEL_FILE",
    "PRETRAIN_FILE",
    "bigram_tokens",
    "charlm_files",
    "is_bigram_vocab",
    "is_lac_tag_key",
    "lac_tag_tokens",
    "spans_from_tags",
]


def spans_from_tags(tags: Iterable[str]) -> list[tuple[int, int, str]]:
    """Entity spans ``(start, end, label)`` from BIO or BIOES tags (lenient on I- starts)."""
    spans = []
    start, label = None, None
    for i, tag in enumerate([*list(tags), "O"]):
        prefix, _, typ = tag.partition("-")
        if prefix in ("B", "S", "O") or (prefix in ("I", "E") and typ != label):
            if start is not None:
                spans.append((start, i, label))
            start, label = (i, typ) if prefix in ("B", "S", "I", "E") else (None, None)
        if prefix in ("S", "E") and start is not None:
            spans.append((start, i + 1, label))
            start, label = None, None
    return spans


def bigram_tokens(chars: Sequence[str], known: Container[str]) -> list[str]:
    """One token per character, spelt as the bigram it starts where that bigram has a vector.

    Stanza's tagger looks each token up in its pretrained vectors; a bigram model's vectors
    hold, for a bigram, [vector of its first character; vector of the bigram] and, for a
    single character, [its vector; zeros]. So token *i* carries character *i* and the bigram
    *i, i+1*, and a bigram without a vector falls back to the character alone (never UNK).
    Lookup is lowercased, as Stanza's is.
    """
    out = []
    for i, c in enumerate(chars):
        pair = c + chars[i + 1] if i + 1 < len(chars) else ""
        out.append(pair if pair and pair.lower() in known else c)
    return out


#: the file names of our Stanza tagger and its vectors (in models/stanza/zh and in each voter's folder)
MODEL_FILE = "zh_diplograph_nertagger.pt"
PRETRAIN_FILE = "zh_diplograph_charvec.pt"
# Stanza character language models (train-zh-ner --charlm-dim), beside a model that reads them
CHARLM_FILES = {"forward": "zh_diplograph_forward_charlm.pt", "backward": "zh_diplograph_backward_charlm.pt"}


def charlm_files(folder: Path) -> dict[str, Path] | None:
    """Our character language models in ``folder`` (by direction), or None unless both are there."""
    files = {d: folder / name for d, name in CHARLM_FILES.items()}
    return files if all(f.exists() for f in files.values()) else None


def is_bigram_vocab(units: Sequence[str]) -> bool:
    """Whether vector keys are those of a bigram model (fed bigram tokens).

    A character model's vectors may hold a few longer keys too: training tokens that NFKC
    expanded (… → ...) and that folding the learned correction added; a bigram model's
    hold thousands of bigrams, so more than 5 % of two-character keys tells them apart.
    LAC-tagged keys (a character and its tag mark) do not count.
    """
    units = [u for u in units if u not in _STANZA_RESERVED]
    return sum(len(u) == 2 and not is_lac_tag_key(u) for u in units) > 0.05 * max(len(units), 1)


_STANZA_RESERVED = frozenset({"<PAD>", "<UNK>", "<EMPTY>", "<ROOT>"})  # stanza.models.common.vocab.VOCAB_PREFIX

#: LAC's name tags and the private-use character a token carries for each (experiment Q)
LAC_TAG_MARKS = {"PER-B": "\ue001", "PER-I": "\ue002", "LOC-B": "\ue003", "LOC-I": "\ue004",
                 "ORG-B": "\ue005", "ORG-I": "\ue006"}  # fmt: skip


def lac_tag_tokens(tokens: Sequence[str], lac_tags: Sequence[str], known: Container[str] | None) -> list[str]:
    """Tokens spelt with LAC's name tag: ``习`` tagged ``PER-B`` by LAC becomes ``习\ue001``.

    ``lac_tags`` has one tag per character of ``"".join(tokens)`` (a token that NFKC
    expanded takes its first character's tag). A model trained with LAC tags has a vector
    for every tagged key its training text showed: [the character's vector; a one-hot of
    the tag]. A key without a vector falls back to the plain token (never UNK); with
    ``known`` None (training files) every tagged key is kept. Lookup is lowercased, as
    Stanza's is.
    """
    out, pos = [], 0
    for tok in tokens:
        mark = LAC_TAG_MARKS.get(lac_tags[pos], "") if pos < len(lac_tags) else ""
        pos += len(tok)
        out.append(tok + mark if mark and (known is None or (tok + mark).lower() in known) else tok)
    return out


def is_lac_tag_key(unit: str) -> bool:
    """Whether a vector key is a LAC-tagged token (see :func:`lac_tag_tokens`)."""
    return len(unit) > 1 and unit[-1] in _LAC_MARK_SET


_LAC_MARK_SET = frozenset(LAC_TAG_MARKS.values())
