"""Free keyphrases per document, for discovery beyond the topic taxonomy.

English: spaCy noun chunks (collected by the ner stage, determiners and pronouns cut),
grouped case-insensitively and scored by frequency, longer phrases weighing more.
Chinese: words from jieba, a well-kept segmenter that ships its dictionary and IDF
table (offline), ranked by its TF-IDF over nouns, verbal nouns and idioms. Names of
persons, countries, places and organizations are left out (they have their own tables).
"""

from __future__ import annotations

import functools
import logging
import re
from collections import Counter

from pipeline import contract
from pipeline.text.spans import SpanSet
from pipeline.text.textnorm import simplified_view, view_of

__all__ = ["chinese_keyphrases", "english_keyphrases", "keyphrases"]

_SPACE = re.compile(r"\s+")
_ZH_POS = ("n", "vn", "nz", "l", "an")
_ZH_GENERIC = frozenset(
    "双方 关系 发展 合作 问题 工作 方面 领域 国家 两国 人民 政府 总统 主席 总理 会谈 会见 意见 声明 全面 两国人民 两国关系 "
    "各方 中方 蒙方 俄方 美方 时期 时代 水平 基础 框架 机制 作用 重要 进一步".split()
)
_EN_GENERIC = frozenset(
    "cooperation countries country side sides relations ties development people peoples world region years year "
    "time part parts field fields area areas way ways efforts effort issues issue work leaders leader".split()
)


def english_keyphrases(doc_id: str, text: str, phrases: list[list[int]], names: list[tuple[int, int]],
                       *, top_k: int, persons: list[tuple[int, int]] = ()) -> list[contract.DocKeyphrase]:  # fmt: skip
    """Top noun phrases of an English document."""
    counts: Counter = Counter()
    first: dict[str, tuple[int, int]] = {}
    surface: dict[str, Counter] = {}
    name_spans, person_spans = SpanSet(names), SpanSet(persons)
    for a, b in phrases:
        if name_spans.within(a, b) or person_spans.holds(a, b):
            continue  # a name, or a title and a person's name
        phrase = _SPACE.sub(" ", text[a:b]).strip()
        if len(phrase) < 3 or not any(c.isalpha() for c in phrase):
            continue
        key = phrase.casefold()
        if key in _EN_GENERIC:
            continue
        counts[key] += 1
        first.setdefault(key, (a, b))
        surface.setdefault(key, Counter())[phrase] += 1
    scored = sorted(((n * (1 + 0.5 * (len(k.split()) - 1)), k) for k, n in counts.items()), key=lambda x: (-x[0], x[1]))
    out = []
    for score, key in scored[:top_k]:
        a, b = first[key]
        shown = sorted(surface[key].items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        out.append(contract.DocKeyphrase(doc_id, shown, round(score, 4), counts[key], a, b))
    return out


class _DictionaryPosTokenizer:
    """jieba's part-of-speech segmenter without its HMM for unknown words: the HMM's
    Viterbi search was a fifth of the Chinese pipeline's time, and the words it would
    find are mostly names, which keyphrases leave out anyway."""

    def __init__(self) -> None:
        import jieba.posseg

        self.dt = jieba.posseg.dt

    def cut(self, sentence: str):
        return self.dt.cut(sentence, HMM=False)


@functools.cache
def _tfidf():
    import copy

    import jieba.analyse

    # a copy of jieba's default extractor shares the IDF table its import already read
    # (a new TFIDF() reads the file again); only the tokenizer differs
    tfidf = copy.copy(jieba.analyse.default_tfidf)
    tfidf.postokenizer = _DictionaryPosTokenizer()
    return tfidf


def chinese_keyphrases(
    doc_id: str, text: str, names: list[tuple[int, int]], *, top_k: int, view: str = ""
) -> list[contract.DocKeyphrase]:
    """Top words of a Chinese document by jieba's TF-IDF over its simplified ``view`` (made
    here when not given); the phrases are quoted from the original text, at the same offsets."""
    import jieba
    import jieba.analyse

    jieba.setLogLevel(logging.WARNING)
    simple = view or simplified_view(text)  # same length: offsets stay valid
    name_words = {simple[s:e] for s, e in names}
    tags = _tfidf().extract_tags(simple, topK=top_k * 3, withWeight=True, allowPOS=_ZH_POS)
    out = []
    for word, weight in tags:
        if word in _ZH_GENERIC or word in name_words or len(word) < 2:
            continue
        start = simple.find(word)
        if start < 0:
            continue
        out.append(contract.DocKeyphrase(doc_id, text[start : start + len(word)], round(weight, 4),
                                         simple.count(word), start, start + len(word)))  # fmt: skip
        if len(out) == top_k:
            break
    return out


def keyphrases(rec: contract.LinkedRecord, phrases: list[list[int]], *, top_k: int) -> list[contract.DocKeyphrase]:
    """Keyphrases of one linked document record."""
    names = [(m["start"], m["end"]) for m in rec["mentions"] if m.get("type")]
    if rec["lang"] == "zh":
        return chinese_keyphrases(rec["doc_id"], rec["text"], names, top_k=top_k, view=view_of(rec))
    persons = [(m["start"], m["end"]) for m in rec["mentions"] if m.get("type") == "person"]
    return english_keyphrases(rec["doc_id"], rec["text"], phrases, names, top_k=top_k, persons=persons)
