"""Unit tests for pipeline.training.bench's bookkeeping (the measurements themselves need the shared data)."""

from pipeline.training import bench


def test_median_runs_alternates_the_order_of_rounds_and_keeps_the_median_run(monkeypatch):
    calls = []
    times = {"a": iter([5.0, 3.0, 4.0]), "b": iter([1.0, 2.0, 9.0])}

    def fake(kind, **spec):
        calls.append(kind)
        return {"seconds": next(times[kind]), "tag": len(calls)}

    monkeypatch.setattr(bench, "run_measure", fake)
    m = bench.median_runs({"x": ("a", {}), "y": ("b", {})}, repeats=3)
    assert calls == ["a", "b", "b", "a", "a", "b"]  # round after round, every other one reversed
    assert m["x"]["seconds"] == 4.0 and m["x"]["tag"] == 5 and m["x"]["samples"] == [5.0, 3.0, 4.0]
    assert m["y"]["seconds"] == 2.0 and m["y"]["samples"] == [1.0, 2.0, 9.0]


def test_median_runs_with_one_repeat_is_the_single_run(monkeypatch):
    monkeypatch.setattr(bench, "run_measure", lambda kind, **spec: {"seconds": 7.0})
    assert bench.median_runs({"x": ("a", {})}, repeats=1) == {"x": {"seconds": 7.0, "samples": [7.0]}}


def test_paired_ratio_is_the_median_of_the_per_round_ratios():
    m = {"pipe": {"samples": [10.0, 12.0, 11.0]}, "bare": {"samples": [8.0, 9.0, 10.0]}}
    # per round 0.8, 0.75, 0.909: the median is 0.8; the medians' ratio would be 9 / 11
    assert bench.paired_ratio(m, "pipe", "bare") == 0.8
