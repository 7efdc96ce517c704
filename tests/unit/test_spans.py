"""Unit tests for pipeline.text.spans.SpanSet: every query agrees with a scan of the list."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.text.spans import SpanSet

SPAN = st.tuples(st.integers(0, 60), st.integers(1, 15)).map(lambda t: (t[0], t[0] + t[1]))


@settings(max_examples=300, deadline=None)
@given(st.lists(SPAN, max_size=25), st.lists(SPAN, max_size=5), SPAN)
def test_spans_queries_agree_with_a_scan(spans, added, query):
    ss = SpanSet(spans)
    for s, e in added:
        ss.add(s, e)
    if spans or added:
        ss.remove(*(spans + added)[0])
    s, e = query
    remaining = _remaining(spans, added)
    assert ss.overlaps(s, e) == any(a < e and s < b for a, b in remaining)
    assert ss.overlaps_other(s, e) == any(a < e and s < b and (a, b) != (s, e) for a, b in remaining)
    assert ss.within(s, e) == any(a <= s and e <= b for a, b in remaining)
    assert ss.holds(s, e) == any(s <= a and b <= e for a, b in remaining)


def _remaining(spans, added):
    """The list after the test removed one copy of its first span."""
    every = list(spans) + list(added)
    if every:
        every.remove(every[0])
    return every


def test_spans_long_span_reaches_far():
    ss = SpanSet([(0, 100), (200, 201)])
    assert ss.within(50, 60) and ss.overlaps(99, 150) and not ss.overlaps(100, 200)
    assert ss.holds(150, 250) and not ss.holds(150, 200)
