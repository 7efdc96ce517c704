"""Unit tests for pipeline.text.textnorm: NFKC with an offset map, traditional → simplified."""

import unicodedata

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pipeline.text.textnorm import is_cjk, nfkc_with_offsets, simplified_view, to_simplified, view_of

_PROPERTY = settings(max_examples=300, deadline=None, derandomize=True, database=None)


@pytest.mark.parametrize(
    ("original", "normalized"),
    [
        ("１９９７年", "1997年"),
        ("ＡＢＣ", "ABC"),
        ("ａｂｃ１２３", "abc123"),
        ("习近平\u3000会见", "习近平 会见"),  # ideographic space → space
        ("Li Qiang met Xi.", "Li Qiang met Xi."),  # ASCII untouched
        ("（北京）", "(北京)"),
        ("ﬁne", "fine"),  # ligature expands to two characters
        ("㈱", "(株)"),  # one character expands to three
        ("", ""),
    ],
)
def test_textnorm_nfkc_text(original, normalized):
    assert nfkc_with_offsets(original).text == normalized


@pytest.mark.parametrize(
    ("original", "offsets"),
    [
        ("１９９７年", (0, 1, 2, 3, 4, 5)),
        ("ＡＢＣ", (0, 1, 2, 3)),
        ("aﬁb", (0, 1, 1, 2, 3)),  # both letters of the ligature point at it
        ("x㈱y", (0, 1, 1, 1, 2, 3)),
        ("", (0,)),
    ],
)
def test_textnorm_nfkc_offsets(original, offsets):
    norm = nfkc_with_offsets(original)
    assert norm.offsets == offsets
    assert len(norm.offsets) == len(norm.text) + 1
    assert norm.offsets[-1] == len(original)


@pytest.mark.parametrize(
    ("original", "span", "expected"),
    [
        ("Ｘｉ　Ｊｉｎｐｉｎｇ", (0, 2), (0, 2)),  # "Xi"
        ("Ｘｉ　Ｊｉｎｐｉｎｇ", (3, 10), (3, 10)),  # "Jinping"
        ("在１９９７年", (1, 5), (1, 5)),  # "1997"
        ("aﬁb", (1, 3), (1, 2)),  # "fi" → the ligature
        ("aﬁb", (1, 2), (1, 2)),  # half of the ligature → the whole ligature
        ("aﬁb", (2, 3), (1, 2)),
        ("x㈱y", (1, 4), (1, 2)),  # "(株)" → "㈱"
        ("x㈱y", (4, 5), (2, 3)),  # "y"
        ("abc", (2, 2), (2, 2)),  # empty span stays empty
        ("abc", (3, 3), (3, 3)),  # empty span at the end
    ],
)
def test_textnorm_span_to_original(original, span, expected):
    assert nfkc_with_offsets(original).span_to_original(*span) == expected


def test_textnorm_span_round_trip_full_width_name():
    original = "会见蒙古国总统ＵＫＨＮＡＡ　ＫＨＵＲＥＬＳＵＫＨ。"
    norm = nfkc_with_offsets(original)
    i = norm.text.index("UKHNAA KHURELSUKH")
    s, e = norm.span_to_original(i, i + len("UKHNAA KHURELSUKH"))
    assert original[s:e] == "ＵＫＨＮＡＡ　ＫＨＵＲＥＬＳＵＫＨ"
    assert nfkc_with_offsets(original[s:e]).text == "UKHNAA KHURELSUKH"


@st.composite
def _text_and_span(draw):
    text = draw(st.text(max_size=40))
    n = len(nfkc_with_offsets(text).text)
    i = draw(st.integers(0, n))
    j = draw(st.integers(i, n))
    return text, i, j


@_PROPERTY
@given(_text_and_span())
def test_textnorm_span_to_original_stays_inside(case):
    text, i, j = case
    norm = nfkc_with_offsets(text)
    s, e = norm.span_to_original(i, j)
    assert 0 <= s <= e <= len(text)
    # the original span normalizes to text that contains the normalized span
    assert norm.text[i:j] in nfkc_with_offsets(text[s:e]).text


@_PROPERTY
@given(st.text(max_size=40))
def test_textnorm_offsets_monotonic(text):
    norm = nfkc_with_offsets(text)
    assert len(norm.offsets) == len(norm.text) + 1
    assert list(norm.offsets) == sorted(norm.offsets)
    assert norm.offsets[-1] == len(text)
    assert all(0 <= o <= len(text) for o in norm.offsets)


@_PROPERTY
@given(st.text(max_size=40))
def test_textnorm_identity_without_compatibility_characters(text):
    # only texts that NFKC leaves unchanged, cluster by cluster
    assume(all(unicodedata.normalize("NFKC", ch) == ch for ch in text))
    assume(unicodedata.normalize("NFKC", text) == text)
    norm = nfkc_with_offsets(text)
    assert norm.text == text
    if not any(unicodedata.combining(ch) for ch in text):
        # (a combining mark shares the offset of its base character)
        assert norm.offsets == tuple(range(len(text) + 1))


@pytest.mark.parametrize(
    ("traditional", "simplified"),
    [
        ("習近平會見蒙古國總統", "习近平会见蒙古国总统"),
        ("中華人民共和國", "中华人民共和国"),
        ("雙方就中蒙關係交換意見。", "双方就中蒙关系交换意见。"),
        ("习近平会见", "习近平会见"),  # already simplified
        ("Li Qiang 2025", "Li Qiang 2025"),
        ("", ""),
    ],
)
def test_textnorm_to_simplified(traditional, simplified):
    out = to_simplified(traditional)
    assert out == simplified
    assert len(out) == len(traditional)


@pytest.mark.parametrize(
    ("ch", "expected"),
    [("中", True), ("㐀", True), ("𠀀", True), ("a", False), ("。", False), ("１", False), ("ア", False)],
)
def test_textnorm_is_cjk(ch, expected):
    assert is_cjk(ch) is expected


# --------------------------------------------------------------------------- the simplified view


@pytest.mark.parametrize(
    ("text", "view"),
    [
        ("習近平會見蒙古國總統", "习近平会见蒙古国总统"),
        ("隨著兩國關係發展", "随着两国关系发展"),  # Taiwan's variant 著 folds to 着
        ("伊利哈姆•阿利耶夫", "伊利哈姆·阿利耶夫"),  # any interpunct between two characters
        ("安娜‧貝格與安娜・貝格", "安娜·贝格与安娜·贝格"),
        ("• 第一條", "• 第一条"),  # a bullet stays a bullet
        ("Xi Jinping met Biden.", "Xi Jinping met Biden."),
    ],
)
def test_textnorm_simplified_view_keeps_every_offset(text, view):
    assert simplified_view(text) == view
    assert len(simplified_view(text)) == len(text)


def test_textnorm_view_of_a_record():
    assert view_of({"text": "習近平", "simplified": "习近平", "lang": "zh"}) == "习近平"
    assert view_of({"text": "習近平", "lang": "zh"}) == "习近平"  # made now for a record without one
    assert view_of({"text": "習近平 met Biden", "lang": "en"}) == "習近平 met Biden"
    mixed = {"text": "Biden\n拜登會見", "lang": "en", "segments": [[0, 6, "en"], [6, 10, "zh"]]}
    assert view_of(mixed) == "Biden\n拜登会见"
