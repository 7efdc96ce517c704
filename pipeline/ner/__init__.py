"""Stage 2 — ner: named-entity mentions, with sentences, per language backend.

Backends sit behind one interface (:class:`NerBackend`, in ``base.py``) and one lookup table
(:data:`BACKENDS`): spaCy for English (``english.py``), Stanza for Chinese (``chinese.py``,
with its units in ``zh_units.py`` and the LAC feature tagger in ``lac.py``). Each returns the same
:class:`DocAnnotation` record. Only the backends a corpus needs are loaded, so an
all-English run never imports torch or Stanza.

Offsets: each backend sees the NFKC-normalized text (and, for Chinese, its simplified
form, same length); every span is mapped back through the offset map, so ``start``/``end``
in the output index the original document text.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path

from pipeline import contract
from pipeline.ner.base import DocAnnotation, NerBackend, prepare_text
from pipeline.ner.chinese import StanzaBackend
from pipeline.ner.english import SpacyBackend
from pipeline.params import NerParams, load_section, stage_parser

logger = logging.getLogger(__name__)

__all__ = [
    "BACKENDS",
    "DocAnnotation",
    "NerBackend",
    "SpacyBackend",
    "StanzaBackend",
    "annotate",
    "language_parts",
    "main",
    "merge_annotations",
    "prepare_text",
]


BACKENDS: dict[str, Callable[[NerParams], NerBackend]] = {"en": SpacyBackend, "zh": StanzaBackend}


def annotate(docs: Iterable[contract.DocRecord], params: NerParams, *, backends: dict | None = None,
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


def language_parts(doc: contract.DocRecord) -> list[tuple[str, list]]:
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
