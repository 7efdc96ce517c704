"""Unit tests for pipeline.cue_coverage: missed topics with and without a cue in their article."""

from pathlib import Path

from pipeline.cue_coverage import coverage, render
from pipeline.extract.topics import Topics

TOPICS = Topics.load(Path(__file__).resolve().parents[2] / "models" / "topics" / "topics.yaml")


def test_cue_coverage_counts_missed_topics_by_cause():
    errors = [
        {"doc_id": "a", "lang": "en", "area": "topics", "error": "missed", "system": "", "gold": "trade"},
        {"doc_id": "b", "lang": "zh", "area": "topics", "error": "missed", "system": "", "gold": "trade"},
        {"doc_id": "b", "lang": "zh", "area": "topics", "error": "false", "system": "energy (cue: 能源)", "gold": ""},
        {"doc_id": "a", "lang": "en", "area": "dates", "error": "wrong", "system": "", "gold": ""},
    ]
    texts = {"a": "Exports rose, the minister said.", "b": "双方谈到了天气。"}
    cov = coverage(errors, texts, TOPICS)
    assert cov["trade"] == {"no_cue": ["b"], "cue_not_counted": ["a"], "false": []}
    assert cov["energy"]["false"] == ["b"]
    md = render(cov)
    assert "| trade | 1 | 1 | 0 | b |" in md
    assert "Exports" not in md  # counts and ids only, never the article's words
