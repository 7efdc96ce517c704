"""The Chinese backend: the project's Stanza NER model on character tokens (optionally
bigram and LAC features, optionally an ensemble of voting models), sentence splitting,
and the decoding that turns tags back into clean spans."""

from __future__ import annotations

import collections
import dataclasses
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from pipeline.ner.base import DocAnnotation, PreparedDoc, _mention
from pipeline.ner.zh_units import MODEL_FILE as STANZA_MODEL_FILE
from pipeline.ner.zh_units import PRETRAIN_FILE as STANZA_PRETRAIN_FILE
from pipeline.ner.zh_units import charlm_files, is_bigram_vocab
from pipeline.params import NerParams

logger = logging.getLogger(__name__)


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
