"""Property: for any input text, every mention's start:end slice of the original text gives
back its surface form, whatever normalization did in between."""

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.ner import DocAnnotation, language_parts, merge_annotations, prepare_text
from pipeline.ner.base import _mention
from pipeline.normalize import language_segments

ALPHABET = st.sampled_from(
    list("abcXYZ 019.,\n\t")
    + list("１２３ＡＢＣ　，。")
    + ["e\u0301", "\u00e9", "ﬁ", "㈱", "①"]
    + list("习近平蒙古國總統")
)


@settings(max_examples=300, deadline=None)
@given(st.lists(ALPHABET, min_size=1, max_size=60).map("".join), st.data())
def test_offsets_property_mention_slices_give_back_the_surface(text, data):
    doc = {"doc_id": "d", "text": text, "body_start": 0, "skip_spans": []}
    for chinese in (False, True):
        p = prepare_text(doc, chinese=chinese)
        n = len(p.norm.text)
        a = data.draw(st.integers(0, n))
        b = data.draw(st.integers(a, n))
        m = _mention(p, a, b, "X", 0)
        if m is not None:
            assert text[m["start"] : m["end"]] == m["text"]
            assert m["text"] == m["text"].strip() and m["text"]


def test_offsets_language_segments_split_a_mixed_document():
    text = "Xi Jinping met Vladimir Putin in Moscow.\n\n习近平在莫斯科会见普京。\n\nThey discussed trade.\n"
    segs = language_segments(text, 0, "en")
    assert [s[2] for s in segs] == ["en", "zh", "en"]
    assert "".join(text[s:e] for s, e, _ in segs) == text
    parts = dict(language_parts({"lang": "en", "segments": segs}))
    assert set(parts) == {"en", "zh"}
    assert parts["zh"] == [[segs[0][0], segs[0][1]], [segs[2][0], segs[2][1]]]


def test_offsets_one_language_document_has_no_segments():
    assert language_segments("Only English here.\nAnd more English.", 0, "en") == []
    assert language_parts({"lang": "zh", "segments": []}) == [("zh", [])]


def test_offsets_merge_annotations_renumbers_sentences():
    en = DocAnnotation("d", sentences=[[0, 10], [30, 40]], mentions=[{"start": 31, "end": 33, "sentence_id": 1}])
    zh = DocAnnotation("d", sentences=[[12, 20]], mentions=[{"start": 12, "end": 15, "sentence_id": 0}])
    merged = merge_annotations("d", [en, zh])
    assert merged.sentences == [[0, 10], [12, 20], [30, 40]]
    assert [(m["start"], m["sentence_id"]) for m in merged.mentions] == [(12, 1), (31, 2)]


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60))
def test_nfkc_fast_path_equals_the_cluster_walk(text):
    from pipeline.text.textnorm import _nfkc_by_cluster, nfkc_with_offsets

    assert nfkc_with_offsets(text) == _nfkc_by_cluster(text)
