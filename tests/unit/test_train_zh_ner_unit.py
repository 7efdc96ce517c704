"""Unit tests for pipeline.train_zh_ner's data rules (no model, no shared data)."""

from pipeline.train_zh_ner import with_places
from pipeline.zh_ner_data import TaggedSentence, spans_from_tags


def test_with_places_keeps_persons_and_organizations_and_takes_the_models_places():
    # 李明 (PER) 在 美国 硅谷公司 (ORG); the corpus tagged 硅谷 as a place inside the company
    tokens = tuple("李明在美国硅谷公司")
    tags = ("B-PER", "I-PER", "O", "O", "O", "B-ORG", "I-ORG", "I-ORG", "I-ORG")
    sent = TaggedSentence(tokens, tags, "cluener_train")
    predicted = [(3, 5, "LOC"), (5, 7, "LOC"), (0, 2, "ORG")]  # 美国; 硅谷 overlaps the ORG; a wrong ORG
    out = with_places(sent, predicted)
    assert out.source == "cluener_train+silver"
    assert spans_from_tags(out.tags) == [(0, 2, "PER"), (3, 5, "LOC"), (5, 9, "ORG")]


def test_with_places_drops_the_corpus_places():
    sent = TaggedSentence(tuple("去北京"), ("O", "B-LOC", "I-LOC"), "c")
    assert spans_from_tags(with_places(sent, []).tags) == []


def test_with_places_keeping_persons_only_takes_the_models_organizations():
    tokens = tuple("李明在美国硅谷公司")
    tags = ("B-PER", "I-PER", "O", "O", "O", "B-ORG", "I-ORG", "I-ORG", "I-ORG")
    sent = TaggedSentence(tokens, tags, "cluener_train")
    predicted = [(3, 5, "LOC"), (5, 7, "ORG"), (0, 1, "ORG")]  # the last overlaps the kept person
    out = with_places(sent, predicted, keep=("PER",))
    assert spans_from_tags(out.tags) == [(0, 2, "PER"), (3, 5, "LOC"), (5, 7, "ORG")]
