"""Unit tests for the pure text functions of pipeline.ner (no spaCy or Stanza model is loaded)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.ner import prepare_text
from pipeline.ner.chinese import (
    _voter_params,
    charlm_paths,
    majority_spans,
    person_without_notes,
    split_at_gaps,
    split_zh_sentences,
    summed_tags,
    tags_to_spans,
    unmatched_brackets,
)
from pipeline.ner.english import _pos_rules
from pipeline.params import NerParams

_PROPERTY = settings(max_examples=200, deadline=None, derandomize=True, database=None)


def _pieces(text, **kw):
    return [text[a:b] for a, b in split_zh_sentences(text, **kw)]


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("习近平会见呼日勒苏赫。双方交换意见！", ["习近平会见呼日勒苏赫。", "双方交换意见！"]),
        ("他说：“我们同意。”随后离开。", ["他说：“我们同意。”", "随后离开。"]),
        ("「好！」他问？对；是的", ["「好！」", "他问？", "对；", "是的"]),
        ("（完。）下一句", ["（完。）", "下一句"]),
        ("第一段\n第二段。", ["第一段", "第二段。"]),
        ("标题  正文开始。", ["标题", "正文开始。"]),  # two spaces: a paragraph mark
        ("中 蒙关系。", ["中 蒙关系。"]),  # one space does not cut
        ("\u3000\u3000习近平会见。", ["习近平会见。"]),
        ("结束……下一句", ["结束……", "下一句"]),
        ("问题?!答案", ["问题?!", "答案"]),
        ("a;b", ["a;", "b"]),
        ("没有标点", ["没有标点"]),
        ("", []),
        ("   \n\n  ", []),
    ],
)
def test_ner_text_split_zh_sentences(text, sentences):
    assert _pieces(text) == sentences


def test_ner_text_split_zh_sentences_long_without_punctuation():
    text = "中" * 500
    spans = split_zh_sentences(text, max_len=150)
    assert all(0 < b - a <= 150 for a, b in spans)
    assert "".join(text[a:b] for a, b in spans) == text
    assert spans == [(0, 150), (150, 300), (300, 450), (450, 500)]


def test_ner_text_split_zh_sentences_long_cut_at_comma():
    text = "中国同蒙古国合作发展，" * 50  # 550 characters, a comma every 11
    spans = split_zh_sentences(text, max_len=150)
    assert all(b - a <= 150 for a, b in spans)
    assert all(text[b - 1] == "，" for a, b in spans)  # every piece ends at a comma
    assert "".join(text[a:b] for a, b in spans) == text


@_PROPERTY
@given(st.text(alphabet="中国蒙古会见。！？；，、”」 \n\u3000ab", max_size=400), st.integers(5, 60))
def test_ner_text_split_zh_sentences_properties(text, max_len):
    spans = split_zh_sentences(text, max_len=max_len)
    prev_end = 0
    for a, b in spans:
        assert prev_end <= a < b <= len(text)  # ordered, non-empty, not overlapping
        assert b - a <= max_len
        assert not text[a].isspace() and not text[b - 1].isspace()  # trimmed
        prev_end = b
    covered = {i for a, b in spans for i in range(a, b)}
    assert all(text[i].isspace() for i in range(len(text)) if i not in covered)  # only whitespace is left out


def _doc(text, body_start=0, skip_spans=()):
    return {"doc_id": "d", "text": text, "body_start": body_start, "skip_spans": [list(s) for s in skip_spans]}


def test_ner_text_prepare_text_blanks_date_line():
    text = "date 2025-11-19\nLi Qiang met Khurelsukh."
    p = prepare_text(_doc(text, body_start=16))
    assert p.model_text == " " * 16 + "Li Qiang met Khurelsukh."
    assert len(p.model_text) == len(p.norm.text) == len(text)
    assert p.original == text
    assert p.doc_id == "d"


def test_ner_text_prepare_text_blanks_skip_spans():
    text = "Li Qiang met Khurelsukh.\n(Editor: Wang Yi)\nThey talked."
    s = text.index("(Editor")
    e = s + len("(Editor: Wang Yi)")
    p = prepare_text(_doc(text, skip_spans=[(s, e)]))
    assert p.model_text == text[:s] + " " * (e - s) + text[e:]


def test_ner_text_prepare_text_full_width_keeps_offsets():
    text = "date 2025-11-19\n１９９７年，ＡＢＣ会见。"
    p = prepare_text(_doc(text, body_start=16))
    assert p.model_text == " " * 16 + "1997年,ABC会见。"
    i = p.model_text.index("ABC")
    s, e = p.norm.span_to_original(i, i + 3)
    assert text[s:e] == "ＡＢＣ"


def test_ner_text_prepare_text_simplifies_keeping_length():
    text = "date 2022-11-28\n習近平會見蒙古國總統。(責任編輯：王)"
    s = text.index("(責任")
    p = prepare_text(_doc(text, body_start=16, skip_spans=[(s, len(text))]), chinese=True)
    assert p.model_text == " " * 16 + "习近平会见蒙古国总统。" + " " * (len(text) - s)
    assert len(p.model_text) == len(text)
    assert p.original == text  # the original is never changed


def test_ner_text_prepare_text_not_chinese_keeps_traditional():
    text = "習近平會見蒙古國總統。"
    assert prepare_text(_doc(text)).model_text == text


def test_ner_text_prepare_text_defaults_without_spans():
    p = prepare_text({"doc_id": "x", "text": "Xi met Khurelsukh."})
    assert p.model_text == "Xi met Khurelsukh."


@pytest.mark.parametrize(
    ("tags", "spans"),
    [
        (["B-PER", "E-PER", "O", "S-LOC"], [(0, 2, "PER"), (3, 4, "LOC")]),
        (["B-ORG", "I-ORG", "E-ORG"], [(0, 3, "ORG")]),
        (["I-ORG", "E-ORG", "O"], [(0, 2, "ORG")]),  # bad start: tolerated
        (["B-PER", "O", "E-PER"], [(0, 1, "PER"), (2, 3, "PER")]),  # broken entity: two pieces
        (["B-LOC", "E-PER"], [(0, 1, "LOC"), (1, 2, "PER")]),
        (["O"], []),
        ([], []),
    ],
)
def test_ner_text_tags_to_spans(tags, spans):
    assert tags_to_spans(tags) == spans


@pytest.mark.parametrize(
    ("text", "pieces"),
    [
        ("李鹏　乔石　朱镕基", ["李鹏", "乔石", "朱镕基"]),  # a list the model saw as one name
        ("王　军　李小明", ["王军", "李小明"]),  # a padded two-character name stays whole
        ("李小明 张 伟", ["李小明", "张伟"]),
        ("钱其琛", ["钱其琛"]),
        ("阿沛·阿旺晋美", ["阿沛·阿旺晋美"]),
    ],
)
def test_split_at_gaps_cuts_person_spans_at_whitespace(text, pieces):
    pos = [i for i, c in enumerate(text) if not c.isspace()]
    got = split_at_gaps(0, len(pos), pos)
    assert ["".join(text[pos[i]] for i in range(a, b)) for a, b in got] == pieces


@pytest.mark.parametrize(
    ("span", "person"),
    [
        ("谢军(女)", "谢军"),  # NFKC turned （女） into (女)
        ("(女)", None),  # a note alone is no person
        ("(女,回族)张三", "张三"),
        ("(张三", "张三"),
        ("张三》", "张三"),
        ("《张三", "张三"),  # an unclosed bracket is only cut off
        ("阿沛·阿旺晋美", "阿沛·阿旺晋美"),
        ("", None),
    ],
)
def test_person_without_notes_drops_bracketed_notes(span, person):
    got = person_without_notes(list(span), 0, len(span))
    assert (span[got[0] : got[1]] if got else None) == person


def test_ner_pos_rules_replay_tag_map_and_word_exceptions():
    patterns = [
        {"patterns": [[{"TAG": "NN"}]], "attrs": {"POS": "NOUN", "MORPH": "Number=Sing"}},
        {"patterns": [[{"TAG": "NN", "LOWER": {"IN": ["something", "anyone"]}}]], "attrs": {"POS": "PRON"}},
        {"patterns": [[{"TAG": "PRP", "LOWER": "i"}]], "attrs": {"LEMMA": "I", "POS": "PRON"}},
        {"patterns": [[{"LOWER": "gonna"}]], "attrs": {"LEMMA": "go"}},  # no POS: not a rule here
        {"patterns": [[{"TAG": "CC", "LOWER": "but", "DEP": "advmod"}]], "attrs": {"POS": "ADV"}},  # needs the parser
        {"patterns": [[{"IS_SPACE": True}]], "attrs": {"POS": "SPACE", "TAG": "_SP"}},
    ]
    assert _pos_rules(patterns) == {("NN", ""): "NOUN", ("NN", "something"): "PRON", ("NN", "anyone"): "PRON",
                                    ("PRP", "i"): "PRON"}  # fmt: skip


@pytest.mark.parametrize(
    "pattern",
    [
        [{"TAG": "NN", "SHAPE": "Xxx"}],  # a condition the lookup cannot replay
        [{"TAG": "NN"}, {"TAG": "NN"}],  # two tokens
        [{"TAG": {"IN": ["NN", "NNS"]}}],  # a set of tags
    ],
)
def test_ner_pos_rules_keep_the_ruler_for_rules_of_another_shape(pattern):
    assert _pos_rules([{"patterns": [pattern], "attrs": {"POS": "NOUN"}}]) is None


_TAGS = ["O", "B-PER", "I-PER", "E-PER", "S-PER"]
_ALLOWED = {("O", "B"), ("O", "S"), ("O", "O"), ("B", "I"), ("B", "E"), ("I", "I"), ("I", "E"), ("E", "O"),
            ("E", "B"), ("E", "S"), ("S", "O"), ("S", "B"), ("S", "S")}  # fmt: skip


def _crf(scores):
    """A model's scores for one sentence: emission rows over _TAGS, transitions that allow
    only well-formed BIOES sequences."""
    trans = np.array([[0.0 if (a[0], b[0]) in _ALLOWED else -100.0 for b in _TAGS] for a in _TAGS])
    return np.array(scores, dtype=float), trans


def test_summed_tags_decode_the_product_of_the_models():
    unsure_o = _crf([[0.5, 0, 0, 0, 0]] * 3)  # leans to O everywhere, by little
    sure_name = _crf([[0, 3, 0, 0, 0], [0, 0, 3, 0, 0], [0, 0, 0, 3, 0]])  # a three-character name
    assert summed_tags([unsure_o[0]], [unsure_o[1]], _TAGS) == ["O"] * 3  # one model: its own best
    assert summed_tags([sure_name[0]], [sure_name[1]], _TAGS) == ["B-PER", "I-PER", "E-PER"]
    # two unsure models against one sure one: a majority of spans would keep O, the sum
    # keeps the name, because the sure model gives O far less than the others give the name
    scores, trans = zip(unsure_o, unsure_o, sure_name)
    assert summed_tags(list(scores), list(trans), _TAGS) == ["B-PER", "I-PER", "E-PER"]
    # the transitions count: an end without a beginning is never decoded, here the
    # beginning is taken in (0 + 2 + 1 against 1 + 0 + 1 for no name)
    ends = _crf([[1, 0, 0, 0, 0], [0, 0, 0, 2, 0], [1, 0, 0, 0, 0]])
    assert summed_tags([ends[0]], [ends[1]], _TAGS) == ["B-PER", "E-PER", "O"]


@pytest.mark.parametrize(
    ("span", "lone"),
    [
        ("台湾《联合报", ["《"]),
        ("两岸关系》杂志", ["》"]),
        ("“律政司", ["“"]),
        ("阿木冬·尼牙孜(维吾尔", ["("]),
        ("中国《人民日报》社", []),
        ("“希望工程”基金会", []),
        ("a)b(c", [")", "("]),
        ("《a“b》”", ["《", "》"]),  # crossed pairs: the inner one closes, the outer does not
        ("习近平", []),
    ],
)
def test_unmatched_brackets_finds_half_pairs(span, lone):
    assert [span[i] for i in unmatched_brackets(list(span), 0, len(span))] == lone


def test_summed_tags_keep_names_off_half_bracket_pairs():
    # "X《YZ": the model would take it as one name, B I I E
    crossing = _crf([[0, 3, 0, 0, 2], [0, 0, 3, 0, 0], [0, 1, 3, 0, 0], [0, 0, 0, 3, 0]])
    assert summed_tags([crossing[0]], [crossing[1]], _TAGS) == ["B-PER", "I-PER", "I-PER", "E-PER"]
    # with the characters, 《 is held outside: the next best names on either side of it
    got = summed_tags([crossing[0]], [crossing[1]], _TAGS, list("X《YZ"))
    assert got == ["S-PER", "O", "B-PER", "E-PER"]
    # a whole pair inside a name stays: "《YZ》"
    whole = _crf([[0, 3, 0, 0, 0], [0, 0, 3, 0, 0], [0, 0, 3, 0, 0], [0, 0, 0, 3, 0]])
    assert summed_tags([whole[0]], [whole[1]], _TAGS, list("《YZ》")) == ["B-PER", "I-PER", "I-PER", "E-PER"]
    # marks outside any name are left as the model decoded them
    assert summed_tags([whole[0]], [whole[1]], _TAGS, list("YZ《》")) == ["B-PER", "I-PER", "I-PER", "E-PER"]


def test_majority_spans_keep_what_most_models_tag():
    a, b, c = (0, 3, "PER"), (4, 6, "LOC"), (4, 6, "ORG")
    assert majority_spans([[a, b], [a, c], [b]]) == [a, b]  # a: 2 of 3, b: 2 of 3, c: 1 of 3
    assert majority_spans([[a], [a, b]]) == [a]  # two models: both must agree
    assert majority_spans([[a, b]]) == [a, b]  # one model: its own spans
    assert majority_spans([[a, a], [], []]) == []  # a model votes once per span
    assert majority_spans([]) == []


def test_character_language_models_are_named_in_params_or_found_beside_the_model(tmp_path):
    plain, with_lm = tmp_path / "K", tmp_path / "C"
    plain.mkdir()
    for name in ("zh_diplograph_forward_charlm.pt", "zh_diplograph_backward_charlm.pt"):
        (with_lm / name).parent.mkdir(exist_ok=True)
        (with_lm / name).write_bytes(b"")
    named = NerParams(stanza_forward_charlm="/lm/forward.pt", stanza_backward_charlm="/lm/backward.pt")
    assert charlm_paths(named) == ("/lm/forward.pt", "/lm/backward.pt")  # e.g. Stanza's official ones
    k, c = _voter_params(named, plain), _voter_params(named, with_lm)  # a voter: its own folder, not the main's
    assert k.stanza_ner_model == str(plain / "zh_diplograph_nertagger.pt") and k.zh_voters == ()
    assert charlm_paths(k) == ("", "")
    assert charlm_paths(c) == (str(with_lm / "zh_diplograph_forward_charlm.pt"),
                               str(with_lm / "zh_diplograph_backward_charlm.pt"))  # fmt: skip
