"""Unit tests for pipeline.train_zh_ner's data rules (no model, no shared data)."""

import struct

import numpy as np
import pytest

from pipeline.train_zh_ner import _concat, lac_char_vectors, read_paddle_tensor, silver_label_map, with_silver
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


def _paddle_tensor(matrix: np.ndarray, *, dtype: int = 5) -> bytes:
    """Bytes laid out as PaddlePaddle saves one LoDTensor (no LoD), built by hand."""
    desc = bytes([0x08, dtype])
    for d in matrix.shape:  # field 2, varint, one entry per dim
        desc += bytes([0x10])
        while True:
            byte, d = d & 0x7F, d >> 7
            desc += bytes([byte | (0x80 if d else 0)])
            if not d:
                break
    head = struct.pack("<IQI", 0, 0, 0) + struct.pack("<i", len(desc)) + desc
    return head + matrix.astype("<f4").tobytes()


def test_read_paddle_tensor_reads_shape_and_values(tmp_path):
    m = np.arange(300 * 3, dtype=np.float32).reshape(300, 3) / 7  # 300 needs a two-byte varint
    (tmp_path / "t").write_bytes(_paddle_tensor(m))
    np.testing.assert_array_equal(read_paddle_tensor(tmp_path / "t"), m)
    (tmp_path / "i").write_bytes(_paddle_tensor(m, dtype=3))  # an int tensor is refused
    with pytest.raises(ValueError, match="not a float32"):
        read_paddle_tensor(tmp_path / "i")


def test_lac_char_vectors_keeps_characters_normalized_like_the_pipeline(tmp_path):
    words = [" ", "Ａ", "a", "A", "国", "中国", "OOV"]  # full-width A folds to a, then A is a duplicate
    (tmp_path / "lac_model/model").mkdir(parents=True)
    (tmp_path / "lac_model/conf").mkdir(parents=True)
    m = np.arange(len(words) * 2, dtype=np.float32).reshape(len(words), 2)
    (tmp_path / "lac_model/model/word_emb").write_bytes(_paddle_tensor(m))
    (tmp_path / "lac_model/conf/word.dic").write_text(
        "".join(f"{i}\t{w}\n" for i, w in enumerate(words)), encoding="utf-8"
    )
    vecs = lac_char_vectors(tmp_path)
    assert vecs == {"a": [2.0, 3.0], "国": [8.0, 9.0]}


def test_concat_scales_each_side_and_fills_missing_keys_with_zeros():
    out = _concat({"a": [3.0, 4.0], "b": [6.0, 8.0]}, {"b": [2.0], "c": [4.0]})
    # mean norms 7.5 and 3
    expected = {"a": [0.4, 4 / 7.5, 0.0], "b": [0.8, 8 / 7.5, 2 / 3], "c": [0.0, 0.0, 4 / 3]}
    assert list(out) == list(expected)
    for key, vec in expected.items():
        assert out[key] == pytest.approx(vec)
