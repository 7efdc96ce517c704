"""Keyphrases: English noun phrases without names; Chinese words from jieba."""

from pipeline.extract.keyphrases import chinese_keyphrases, english_keyphrases


def _spans(text, phrases):
    return [[text.index(p), text.index(p) + len(p)] for p in phrases]


def test_keyphrases_english_counts_and_skips_names():
    text = "Green energy matters. The digital economy grows. Green energy again. Li Qiang spoke."
    phrases = [
        *_spans(text, ["Green energy", "digital economy", "Li Qiang"]),
        [text.rindex("Green energy"), text.rindex("Green energy") + 12],
    ]
    names = [(text.index("Li Qiang"), text.index("Li Qiang") + 8)]
    rows = english_keyphrases("d", text, phrases, names, top_k=5, persons=names)
    got = {r.phrase: (r.count, r.score) for r in rows}
    assert got == {"Green energy": (2, 3.0), "digital economy": (1, 1.5)}
    first = next(r for r in rows if r.phrase == "Green energy")
    assert text[first.start : first.end] == "Green energy"


def test_keyphrases_chinese_words_with_offsets_into_the_original():
    text = "雙方同意加強互聯互通合作，推進荒漠化防治和互聯互通項目。"
    rows = chinese_keyphrases("d", text, [], top_k=5)
    assert rows
    for r in rows:
        assert text[r.start : r.end] == r.phrase
    assert any(r.phrase == "互聯互通" and r.count == 2 for r in rows)
