"""A set of text spans ``[start, end)`` with overlap and containment queries.

The stages ask, for every candidate span of a document, whether it overlaps a mention, lies
inside a name or holds a person's name. Scanning a list for each question made linking and
extraction quadratic in a document's length (a 2 MB article spent minutes there); this set
keeps the spans sorted and looks only at those that can reach the query.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable

__all__ = ["SpanSet"]


class SpanSet:
    """Spans ``(start, end)``; queries cost a binary search plus the spans near the query."""

    def __init__(self, spans: Iterable[tuple[int, int]] = ()) -> None:
        self._spans = sorted((int(s), int(e)) for s, e in spans)
        self._longest = max((e - s for s, e in self._spans), default=0)

    def __len__(self) -> int:
        return len(self._spans)

    def add(self, start: int, end: int) -> None:
        insort(self._spans, (start, end))
        self._longest = max(self._longest, end - start)

    def remove(self, start: int, end: int) -> None:
        i = bisect_left(self._spans, (start, end))
        if i < len(self._spans) and self._spans[i] == (start, end):
            del self._spans[i]

    def _near(self, start: int, end: int) -> list[tuple[int, int]]:
        """The spans that start before ``end`` and may reach past ``start``."""
        lo = bisect_left(self._spans, (start - self._longest, start - self._longest))
        hi = bisect_left(self._spans, (end, end))
        return self._spans[lo:hi]

    def overlaps(self, start: int, end: int) -> bool:
        """Some span shares a character with ``[start, end)``."""
        return any(s < end and start < e for s, e in self._near(start, end))

    def overlaps_other(self, start: int, end: int) -> bool:
        """Some span other than ``(start, end)`` itself shares a character with it."""
        return any(s < end and start < e and (s, e) != (start, end) for s, e in self._near(start, end))

    def within(self, start: int, end: int) -> bool:
        """``[start, end)`` lies inside some span."""
        return any(s <= start and end <= e for s, e in self._near(start, end))

    def holds(self, start: int, end: int) -> bool:
        """Some span lies inside ``[start, end)``."""
        return any(start <= s and e <= end for s, e in self._near(start, end))
