"""Scoring of the held-out Chinese NER evaluation (no models)."""

from __future__ import annotations

from pipeline.training import zh_ner_data as zd
from pipeline.training.zh_ner_eval import bootstrap_f1, make_documents, score_spans

LABELS = ("PER", "LOC", "ORG")


def test_make_documents_spans_point_at_the_names_in_the_joined_text():
    sents = [
        zd.TaggedSentence(tuple("习近平访问１９国"), ("B-PER", "I-PER", "I-PER", "O", "O", "O", "O", "O"), "t"),
        zd.TaggedSentence(("IBM", "在", "北", "京"), ("B-ORG", "O", "B-LOC", "I-LOC"), "t"),
        zd.TaggedSentence(tuple("蒙古国"), ("B-LOC", "I-LOC", "I-LOC"), "t"),
    ]
    docs, gold = make_documents(sents, per_doc=2, prefix="x_")
    assert [d["id"] for d in docs] == ["x_00000", "x_00001"]
    text = {d["id"]: d["text"] for d in docs}
    assert [text["x_00000"][a:b] for a, b, _ in gold["x_00000"]] == ["习近平", "IBM", "北京"]
    assert [label for _, _, label in gold["x_00000"]] == ["PER", "ORG", "LOC"]
    assert [text["x_00001"][a:b] for a, b, _ in gold["x_00001"]] == ["蒙古国"]


def _docs(n, *, right):
    """n documents of two gold names each; the prediction finds ``right`` of them."""
    gold = {f"d{i}": [(0, 2, "PER"), (5, 7, "LOC")] for i in range(n)}
    pred = {f"d{i}": gold[f"d{i}"][:right] + [(9, 11, "ORG")] * (i % 2) for i in range(n)}
    return gold, pred


def test_score_spans_counts_exact_span_and_type():
    gold = {"a": [(0, 2, "PER"), (3, 5, "LOC")]}
    pred = {"a": [(0, 2, "PER"), (3, 5, "ORG"), (6, 8, "LOC")]}
    s = score_spans(gold, pred, LABELS)
    assert s["PER"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1}
    assert s["LOC"]["recall"] == 0.0 and s["ORG"]["precision"] == 0.0
    assert s["overall"] == {"precision": 0.3333, "recall": 0.5, "f1": 0.4, "support": 2}


def test_bootstrap_interval_holds_the_score_and_is_seeded():
    gold, pred = _docs(40, right=1)
    pred.update({f"d{i}": gold[f"d{i}"] for i in range(0, 40, 3)})  # some documents all right
    f1 = score_spans(gold, pred, LABELS)["overall"]["f1"]
    lo, hi = bootstrap_f1(gold, pred, LABELS)
    assert lo < f1 < hi
    assert bootstrap_f1(gold, pred, LABELS) == [lo, hi]
    assert bootstrap_f1(gold, pred, LABELS, seed=1) != [lo, hi]


def test_bootstrap_interval_narrows_with_more_documents_and_is_a_point_without_errors():
    def width(n):
        gold, pred = _docs(n, right=1)
        for i in range(0, n, 3):
            pred[f"d{i}"] = gold[f"d{i}"]
        lo, hi = bootstrap_f1(gold, pred, LABELS)
        return hi - lo

    assert width(400) < width(20)
    gold, _ = _docs(10, right=2)
    assert bootstrap_f1(gold, gold, LABELS) == [1.0, 1.0]
    assert bootstrap_f1(gold, {}, LABELS) == [0.0, 0.0]
    assert bootstrap_f1({}, {}, LABELS) == [0.0, 0.0]
