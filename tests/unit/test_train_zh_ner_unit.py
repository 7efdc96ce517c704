"""Unit tests for pipeline.training.train_zh_ner's data rules (no model, no shared data)."""

import struct

import numpy as np
import pytest

from pipeline.training.train_zh_ner import (
    _concat,
    bigram_keys,
    charlm_text,
    lac_bigrams,
    lac_char_vectors,
    lac_vectors,
    read_paddle_tensor,
    silver_label_map,
    with_silver,
)
from pipeline.training.zh_ner_data import TaggedSentence, charlm_files, spans_from_tags

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


def _lac_package(tmp_path, words: list[str]) -> None:
    """A LAC package folder whose embedding row *i* is [2i, 2i + 1]."""
    (tmp_path / "lac_model/model").mkdir(parents=True)
    (tmp_path / "lac_model/conf").mkdir(parents=True)
    m = np.arange(len(words) * 2, dtype=np.float32).reshape(len(words), 2)
    (tmp_path / "lac_model/model/word_emb").write_bytes(_paddle_tensor(m))
    (tmp_path / "lac_model/conf/word.dic").write_text(
        "".join(f"{i}\t{w}\n" for i, w in enumerate(words)), encoding="utf-8"
    )


def test_lac_char_vectors_keeps_characters_normalized_like_the_pipeline(tmp_path):
    _lac_package(tmp_path, [" ", "Ａ", "a", "A", "国", "中国", "OOV"])  # full-width A folds to a, then A repeats
    assert lac_char_vectors(tmp_path) == {"a": [2.0, 3.0], "国": [8.0, 9.0]}


def test_lac_vectors_of_two_characters_are_its_words(tmp_path):
    _lac_package(tmp_path, ["国", "中国", "Ｕｎ", "un", "a b", "中国人", "OOV"])
    assert lac_vectors(tmp_path, length=2) == {"中国": [2.0, 3.0], "un": [4.0, 5.0]}


def test_bigram_keys_spell_a_bigram_as_its_first_character_then_its_own_vector():
    out = bigram_keys({"中": [1.0], "国": [2.0]}, {"中国": [5.0, 6.0], "美国": [7.0, 8.0]})
    assert out == {"中": [1.0, 0.0, 0.0], "国": [2.0, 0.0, 0.0], "中国": [1.0, 5.0, 6.0], "美国": [0.0, 7.0, 8.0]}


def test_lac_bigrams_keep_the_words_the_text_shows_often_enough(tmp_path):
    _lac_package(tmp_path, ["中", "国", "中国", "美国", "国中"])  # rows 2, 3, 4: [4, 5], [6, 7], [8, 9]
    sents = [list("中国美国"), list("中国")]  # 中国 twice, 美国 and 国美 once, 国中 never
    out = lac_bigrams({"中": [1.0], "国": [2.0]}, tmp_path, sents, min_count=1)
    assert sorted(out) == ["中", "中国", "国", "美国"]
    mean = (np.hypot(4, 5) + np.hypot(6, 7)) / 2
    assert out["中国"] == pytest.approx([1.0, 4 / mean, 5 / mean])
    assert out["国"] == [2.0, 0.0, 0.0]
    assert sorted(lac_bigrams({"中": [1.0]}, tmp_path, sents, min_count=2)) == ["中", "中国"]
    with pytest.raises(ValueError, match="no LAC two-character word"):
        lac_bigrams({"中": [1.0]}, tmp_path, sents, min_count=3)


def test_concat_scales_each_side_and_fills_missing_keys_with_zeros():
    out = _concat({"a": [3.0, 4.0], "b": [6.0, 8.0]}, {"b": [2.0], "c": [4.0]})
    # mean norms 7.5 and 3
    expected = {"a": [0.4, 4 / 7.5, 0.0], "b": [0.8, 8 / 7.5, 2 / 3], "c": [0.0, 0.0, 4 / 3]}
    assert list(out) == list(expected)
    for key, vec in expected.items():
        assert out[key] == pytest.approx(vec)


def test_charlm_text_spells_each_character_as_the_tagger_feeds_its_language_models():
    # Stanza's tagger gives a character language model a line start, then each token and a space
    assert charlm_text(["习近平 会见", "AB。"]) == "习 近 平 会 见 \nA B 。 \n"


def test_charlm_files_are_both_directions_or_none(tmp_path):
    assert charlm_files(tmp_path) is None
    (tmp_path / "zh_diplograph_forward_charlm.pt").write_bytes(b"")
    assert charlm_files(tmp_path) is None  # one direction alone is not a usable pair
    (tmp_path / "zh_diplograph_backward_charlm.pt").write_bytes(b"")
    assert charlm_files(tmp_path) == {
        "forward": tmp_path / "zh_diplograph_forward_charlm.pt",
        "backward": tmp_path / "zh_diplograph_backward_charlm.pt",
    }
