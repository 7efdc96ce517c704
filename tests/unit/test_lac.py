"""LAC in torch (pipeline/ner/lac.py) on a tiny random network: no shipped weights needed."""

from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from pipeline.ner.lac import WEIGHTS, LacTagger  # noqa: E402

CHARS = "习近平会见蒙古国总统在北京。AB1"
TAGS = ["n-B", "n-I", "PER-B", "PER-I", "LOC-B", "LOC-I", "v-B", "v-I", "O"]


@pytest.fixture(scope="module")
def lac_dir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("lac")
    words = ["OOV", *CHARS, "习近平", "北京", "蒙古国"]
    (d / "word.dic").write_text("".join(f"{i}\t{w}\n" for i, w in enumerate(words)), encoding="utf-8")
    (d / "tag.dic").write_text("".join(f"{i}\t{t}\n" for i, t in enumerate(TAGS)), encoding="utf-8")
    (d / "q2b.dic").write_text("Ａ\tA\n", encoding="utf-8")
    (d / "small_seg.dic").write_text("习近平 50\n北京 40\n蒙古国 30\n总统 20\n会见 20\n", encoding="utf-8")
    g = torch.Generator().manual_seed(0)
    h, e, n = 4, 3, len(TAGS)

    def r(*shape):
        return torch.rand(*shape, generator=g) - 0.5

    w = {"emb": r(len(words), e).half(), "out.w": r(2 * h, n), "out.b": r(1, n), "crf": r(n + 2, n)}
    for layer, width in ((0, e), (1, 2 * h)):
        for d_ in "fr":
            w |= {f"{layer}{d_}.fc.w": r(width, 3 * h), f"{layer}{d_}.fc.b": r(1, 3 * h),
                  f"{layer}{d_}.gru.w": r(h, 3 * h), f"{layer}{d_}.gru.b": r(1, 3 * h)}  # fmt: skip
    torch.save(w, d / WEIGHTS)
    return d


def test_lac_cut_takes_dictionary_words_and_joins_latin_runs(lac_dir):
    lac = LacTagger(lac_dir)
    assert lac.cut("习近平在北京会见蒙古国总统") == ["习近平", "在", "北京", "会见", "蒙古国", "总统"]
    assert lac.cut("AB1在北京") == ["AB1", "在", "北京"]
    assert lac.cut("") == []


def test_lac_units_read_known_words_whole_else_characters(lac_dir):
    lac = LacTagger(lac_dir)
    ids, lengths = lac.units("习近平会见Ａ")
    assert lengths == [3, 1, 1, 1]  # 会见 is a dictionary word but not a vocabulary word
    assert ids[0] == lac.word2id["习近平"] and ids[-1] == lac.word2id["A"]  # full width mapped by q2b
    assert lac.units("囧")[0] == [lac.oov]


def test_lac_tags_every_character_and_batching_changes_nothing(lac_dir):
    lac = LacTagger(lac_dir)
    texts = ["习近平在北京会见蒙古国总统。", "", "北京", "AB1会见习近平", "总统在北京会见。习近平"]
    together = lac.tag(texts, batch_size=2)
    assert [len(t) for t in together] == [len(t) for t in texts]
    assert together == [lac.tag([t])[0] for t in texts]
    # a word's characters after the first continue its tag
    i = texts[0].index("北京")
    assert together[0][i + 1] == together[0][i][:-2] + "-I"


def test_lac_missing_files_are_named(tmp_path):
    with pytest.raises(RuntimeError, match=r"lac\.pt"):
        LacTagger(tmp_path)
