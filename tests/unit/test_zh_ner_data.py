"""Unit tests for pipeline.training.zh_ner_data: corpus readers, label mapping, NFKC, BIOES, dedupe."""

import itertools
import json

import pytest

from pipeline.training.zh_ner_data import (
    CLUENER_MAP,
    TaggedSentence,
    augment_name_lists,
    bigram_tokens,
    dedupe,
    normalize_sentence,
    read_cluener,
    read_conll_chars,
    read_msra_pair,
    spans_from_tags,
    to_bioes,
    to_stanza_doc,
)


def _sent(tokens, tags, source="t"):
    return TaggedSentence(tuple(tokens), tuple(tags), source)


# --------------------------------------------------------------------------- readers


def test_zh_ner_data_read_msra_pair():
    sents = ["中 国 人 民", "", "北 京 欢 迎 你"]
    tags = ["B-LOC I-LOC O O", "", "B-LOC I-LOC O O O"]
    out = read_msra_pair(sents, tags, source="msra")
    assert out == [
        _sent("中国人民", ["B-LOC", "I-LOC", "O", "O"], "msra"),
        _sent("北京欢迎你", ["B-LOC", "I-LOC", "O", "O", "O"], "msra"),
    ]
    assert out[1].text == "北京欢迎你"


def test_zh_ner_data_read_msra_pair_misaligned_line_raises():
    with pytest.raises(ValueError, match="line 1: 3 tokens but 2 tags"):
        read_msra_pair(["中 国 人"], ["B-LOC I-LOC"], source="msra")


def test_zh_ner_data_read_msra_pair_different_line_counts_raise():
    with pytest.raises(ValueError):
        read_msra_pair(["中 国", "北 京"], ["B-LOC I-LOC"], source="msra")


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (
            ["中\tB-LOC\n", "国\tI-LOC\n", "\n", "\n", "李 B-PER\n", "强 I-PER\n", "说 O\n"],
            [("中国", ("B-LOC", "I-LOC")), ("李强说", ("B-PER", "I-PER", "O"))],
        ),
        (["李\tB-PER", "强\tI-PER"], [("李强", ("B-PER", "I-PER"))]),  # no final blank line
        (["\n", "  \n", "中\tO"], [("中", ("O",))]),  # leading blank lines
        (["中\tB-LOC\r\n", "国\tI-LOC \r\n"], [("中国", ("B-LOC", "I-LOC"))]),  # tags stripped
        (["untagged", "中 O"], [("中", ("O",))]),  # a line with no tag is ignored
        ([], []),
    ],
)
def test_zh_ner_data_read_conll_chars(lines, expected):
    out = read_conll_chars(lines, source="pd")
    assert [(s.text, s.tags) for s in out] == expected
    assert all(s.source == "pd" for s in out)


def _cluener_line(text, label):
    return json.dumps({"text": text, "label": label}, ensure_ascii=False)


@pytest.mark.parametrize(
    ("text", "label", "tags"),
    [
        ("叶老桂说", {"name": {"叶老桂": [[0, 2]]}}, ["B-PER", "I-PER", "I-PER", "O"]),
        ("浙商银行好", {"company": {"浙商银行": [[0, 3]]}}, ["B-ORG", "I-ORG", "I-ORG", "I-ORG", "O"]),
        ("在国务院", {"government": {"国务院": [[1, 3]]}}, ["O", "B-ORG", "I-ORG", "I-ORG"]),
        ("联合国大会", {"organization": {"联合国": [[0, 2]]}}, ["B-ORG", "I-ORG", "I-ORG", "O", "O"]),
        ("去朝阳区", {"address": {"朝阳区": [[1, 3]]}}, ["O", "B-LOC", "I-LOC", "I-LOC"]),
        ("游故宫", {"scene": {"故宫": [[1, 2]]}}, ["O", "B-LOC", "I-LOC"]),
        ("任总理", {"position": {"总理": [[1, 2]]}}, ["O", "O", "O"]),
        ("读《三国》", {"book": {"《三国》": [[1, 4]]}}, ["O"] * 5),
        ("玩魔兽", {"game": {"魔兽": [[1, 2]]}}, ["O"] * 3),
        ("看英雄", {"movie": {"英雄": [[1, 2]]}}, ["O"] * 3),
        ("没有实体", {}, ["O"] * 4),
    ],
)
def test_zh_ner_data_read_cluener_mapping(text, label, tags):
    (sent,) = read_cluener([_cluener_line(text, label)], source="cluener")
    assert sent.tokens == tuple(text)
    assert sent.tags == tuple(tags)


def test_zh_ner_data_read_cluener_several_labels_and_blank_lines():
    line = _cluener_line(
        "浙商银行企业信贷部叶老桂博士则从另一个角度",
        {"name": {"叶老桂": [[9, 11]]}, "company": {"浙商银行": [[0, 3]]}, "position": {"博士": [[12, 13]]}},
    )
    out = read_cluener(["", line, "  "], source="c")
    assert len(out) == 1
    assert spans_from_tags(out[0].tags) == [(0, 4, "ORG"), (9, 12, "PER")]


def test_zh_ner_data_read_cluener_overlap_keeps_longest_first():
    line = _cluener_line("北京市朝阳区", {"address": {"北京市朝阳区": [[0, 5]]}, "government": {"北京市": [[0, 2]]}})
    (sent,) = read_cluener([line], source="c")
    assert spans_from_tags(sent.tags) == [(0, 6, "LOC")]


def test_zh_ner_data_cluener_map_is_the_documented_scheme():
    assert CLUENER_MAP == {
        "name": "PER", "organization": "ORG", "government": "ORG", "company": "ORG",
        "address": "LOC", "scene": "LOC",
    }  # fmt: skip


# --------------------------------------------------------------------------- normalization


@pytest.mark.parametrize(
    ("tokens", "tags", "norm_tokens", "norm_tags"),
    [
        (["１", "９", "Ａ"], ["O", "O", "B-ORG"], ["1", "9", "A"], ["O", "O", "B-ORG"]),
        (
            ["ＡＢ", "\u3000", "李", "强"],
            ["B-ORG", "O", "B-PER", "I-PER"],
            ["AB", "李", "强"],
            ["B-ORG", "B-PER", "I-PER"],
        ),
        (["\u3000", "北", "京"], ["B-LOC", "I-LOC", "I-LOC"], ["北", "京"], ["B-LOC", "I-LOC"]),  # B- carried on
        (["㈱", "北"], ["B-ORG", "I-ORG"], ["(株)", "北"], ["B-ORG", "I-ORG"]),  # expansion stays one token
        (["中", "国"], ["B-LOC", "I-LOC"], ["中", "国"], ["B-LOC", "I-LOC"]),
        (["\u00a0", " "], ["O", "O"], [], []),
    ],
)
def test_zh_ner_data_normalize_sentence(tokens, tags, norm_tokens, norm_tags):
    out = normalize_sentence(_sent(tokens, tags, "src"))
    assert out == _sent(norm_tokens, norm_tags, "src")
    assert len(out.tokens) == len(out.tags)


def test_zh_ner_data_normalize_sentence_matches_pipeline_text():
    from pipeline.text.textnorm import nfkc_with_offsets

    raw = "蒙古国总统ＵＫＨＮＡＡ于２０２２年访华"
    out = normalize_sentence(_sent(list(raw), ["O"] * len(raw)))
    assert out.text == nfkc_with_offsets(raw).text


# --------------------------------------------------------------------------- tags


@pytest.mark.parametrize(
    ("bio", "bioes"),
    [
        (["B-LOC", "I-LOC"], ["B-LOC", "E-LOC"]),
        (["B-PER"], ["S-PER"]),
        (["B-ORG", "I-ORG", "I-ORG", "O"], ["B-ORG", "I-ORG", "E-ORG", "O"]),
        (["O", "B-PER", "B-PER", "O"], ["O", "S-PER", "S-PER", "O"]),
        (["I-LOC", "I-LOC"], ["B-LOC", "E-LOC"]),  # lenient on an I- start
        (["B-LOC", "I-PER"], ["S-LOC", "S-PER"]),  # type change starts a new entity
        (["O", "O"], ["O", "O"]),
        ([], []),
        (["B-LOC", "E-LOC", "S-PER"], ["B-LOC", "E-LOC", "S-PER"]),  # already BIOES: unchanged
    ],
)
def test_zh_ner_data_to_bioes(bio, bioes):
    assert to_bioes(bio) == bioes


@pytest.mark.parametrize(
    ("tags", "spans"),
    [
        (["B-LOC", "I-LOC", "O", "B-PER"], [(0, 2, "LOC"), (3, 4, "PER")]),
        (["S-LOC", "B-PER", "E-PER", "B-ORG", "I-ORG", "E-ORG", "O"], [(0, 1, "LOC"), (1, 3, "PER"), (3, 6, "ORG")]),
        (["B-LOC", "B-LOC"], [(0, 1, "LOC"), (1, 2, "LOC")]),
        (["I-PER", "E-PER"], [(0, 2, "PER")]),
        (["B-ORG", "I-ORG", "I-PER"], [(0, 2, "ORG"), (2, 3, "PER")]),
        (["E-LOC", "O"], [(0, 1, "LOC")]),
        (["O", "O"], []),
        ([], []),
    ],
)
def test_zh_ner_data_spans_from_tags(tags, spans):
    assert spans_from_tags(tags) == spans


def test_zh_ner_data_to_stanza_doc():
    doc = to_stanza_doc([_sent("李强说", ["B-PER", "I-PER", "O"])])
    assert doc == [[{"text": "李", "ner": "B-PER"}, {"text": "强", "ner": "E-PER"}, {"text": "说", "ner": "O"}]]


# --------------------------------------------------------------------------- dedupe


def test_zh_ner_data_dedupe_keeps_first_and_drops_excluded():
    a = _sent("中国", ["B-LOC", "I-LOC"], "a")
    a2 = _sent("中国", ["O", "O"], "b")  # same text, other tags: a duplicate
    c = _sent("北京", ["B-LOC", "I-LOC"], "c")
    d = _sent("上海", ["B-LOC", "I-LOC"], "d")
    empty = _sent([], [], "e")
    assert dedupe([a, a2, c, empty, d], exclude=["北京"]) == [a, d]


def test_zh_ner_data_dedupe_without_exclude():
    a = _sent("中国", ["B-LOC", "I-LOC"])
    assert dedupe([a, a, a]) == [a]
    assert dedupe([]) == []


def test_bigram_tokens_spell_the_bigram_with_a_vector_else_the_character():
    known = {"习近", "近平", "会见", "ab"}
    assert bigram_tokens(list("习近平会见"), known) == ["习近", "近平", "平", "会见", "见"]
    # lookup is lowercased as Stanza's is; the token keeps the text's case
    assert bigram_tokens(list("AB"), known) == ["AB", "B"]
    assert bigram_tokens([], known) == []


def test_augment_name_lists_writes_names_back_to_back_each_tagged():
    sent = _sent("会见李鹏时说", ["O", "O", "B-PER", "I-PER", "O", "O"])
    out = augment_name_lists([sent] * 50, ["乔石", "朱镕基", "阿沛·阿旺晋美"], rate=1.0, max_names=3)
    assert len(out) == 50
    for new in out:
        assert new.source == "t+list"
        assert new.text.startswith("会见") and new.text.endswith("时说")
        spans = spans_from_tags(new.tags)
        names = ["".join(new.tokens[a:b]) for a, b, _ in spans]
        assert 2 <= len(names) <= 3 and len(set(names)) == len(names)
        assert set(names) <= {"乔石", "朱镕基", "阿沛·阿旺晋美"}
        assert all(lab == "PER" for _, _, lab in spans)
        # back to back: each name starts where the one before ends
        assert all(b == a2 for (_, b, _), (a2, _, _) in itertools.pairwise(spans))


def test_augment_name_lists_leaves_sentences_without_the_label():
    sent = _sent("在北京", ["O", "B-LOC", "I-LOC"])
    assert augment_name_lists([sent], ["乔石", "李鹏"], rate=1.0) == []
    assert augment_name_lists([sent], [], rate=1.0) == []
    assert augment_name_lists([_sent("李鹏", ["B-PER", "I-PER"])], ["乔石", "朱镕基"], rate=0.0) == []


def test_lac_tag_tokens_mark_names_and_fall_back_to_the_plain_token():
    from pipeline.training.zh_ner_data import LAC_TAG_MARKS, is_lac_tag_key, lac_tag_tokens

    per_b, per_i = LAC_TAG_MARKS["PER-B"], LAC_TAG_MARKS["PER-I"]
    tags = ["PER-B", "PER-I", "PER-I", "v-B", "LOC-B", "LOC-I"]
    tokens = [*"习近平会见", "..."]
    # "..." (NFKC of …) takes its first character's tag; tags past the text are ignored
    assert lac_tag_tokens(tokens, [*tags, "O", "O"], None)[:4] == ["习" + per_b, "近" + per_i, "平" + per_i, "会"]
    known = {"习" + per_b, "平" + per_i}
    assert lac_tag_tokens(list("习近平会"), tags, known) == ["习" + per_b, "近", "平" + per_i, "会"]
    assert lac_tag_tokens(list("Xi"), ["PER-B", "PER-I"], {"x" + per_b}) == ["X" + per_b, "i"]  # lowercased lookup
    assert lac_tag_tokens([], [], known) == []
    assert is_lac_tag_key("习" + per_b) and not is_lac_tag_key(per_b) and not is_lac_tag_key("习近")


def test_is_bigram_vocab_counts_two_character_keys_but_not_tagged_ones():
    from pipeline.training.zh_ner_data import LAC_TAG_MARKS, is_bigram_vocab

    chars = ["<PAD>", "<UNK>", "<EMPTY>", "<ROOT>", *"的一是在不了有和人这中大为上个国"]
    assert not is_bigram_vocab([*chars, "..."])  # a key NFKC expanded
    assert is_bigram_vocab([*chars, "中国", "国家"])
    assert not is_bigram_vocab([*chars, "中" + LAC_TAG_MARKS["LOC-B"], "国" + LAC_TAG_MARKS["LOC-I"]])
    assert not is_bigram_vocab([])
