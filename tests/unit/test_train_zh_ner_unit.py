"""Unit tests for pipeline.train_zh_ner's data rules (no model, no shared data)."""

import pytest

from pipeline.train_zh_ner import silver_label_map, with_silver
from pipeline.zh_ner_data import TaggedSentence, spans_from_tags

# 李明 (PER) 在 美国 硅谷公司 (ORG); the corpus tagged 硅谷 as a place inside the company
TOKENS = tuple("李明在美国硅谷公司")
PER_ORG = ("B-PER", "I-PER", "O", "O", "O", "B-ORG", "I-ORG", "I-ORG", "I-ORG")


def test_with_silver_keeps_the_corpus_spans_and_takes_the_models_places():
    sent = TaggedSentence(TOKENS, PER_ORG, "cluener_train")
    predicted = [(3, 5, "LOC"), (5, 7, "LOC"), (0, 2, "ORG")]  # 美国; 硅谷 overlaps the ORG; a wrong ORG
    out = with_silver(sent, predicted, complete={"PER", "ORG"})
    assert out.source == "cluener_train+silver"
    assert spans_from_tags(out.tags) == [(0, 2, "PER"), (3, 5, "LOC"), (5, 9, "ORG")]


def test_with_silver_drops_placeholder_spans_and_fills_their_type_from_the_model():
    # the company was read as a placeholder (CLUENER's company type not kept)
    tags = ("B-PER", "I-PER", "O", "O", "O", "B-~company", "I-~company", "I-~company", "I-~company")
    sent = TaggedSentence(TOKENS, tags, "cluener_train")
    predicted = [(3, 5, "LOC"), (5, 7, "ORG"), (0, 1, "ORG")]  # the last overlaps the corpus's person
    out = with_silver(sent, predicted, complete={"PER"})
    assert spans_from_tags(out.tags) == [(0, 2, "PER"), (3, 5, "LOC"), (5, 7, "ORG")]


def test_silver_label_map_names_the_complete_types():
    label_map, complete = silver_label_map(("name",))
    assert label_map["name"] == "PER" and label_map["government"] == "~government"
    assert complete == {"PER"}
    _, complete = silver_label_map(("name", "organization", "government", "company"))
    assert complete == {"PER", "ORG"}
    label_map, complete = silver_label_map(("name", "government"))
    assert label_map["government"] == "ORG" and complete == {"PER"}  # ORG's other sources are the model's
    with pytest.raises(ValueError, match="unknown CLUENER types"):
        silver_label_map(("PER",))
