"""The NER interface every language backend implements: the prepared text a backend reads
(NFKC, simplified for Chinese, other languages blanked), the annotation it returns, and
the mention record with offsets mapped back to the document."""

from __future__ import annotations

import logging
from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Protocol

from pipeline import contract
from pipeline.text.textnorm import Normalized, nfkc_with_offsets, simplified_view

logger = logging.getLogger(__name__)


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


def prepare_text(doc: contract.DocRecord, *, chinese: bool = False, blank: list | None = None) -> PreparedDoc:
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
