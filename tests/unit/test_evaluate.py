"""Unit tests for pipeline.evaluate.prf."""

import pytest

from pipeline.evaluate import prf


@pytest.mark.parametrize(
    ("tp", "fp", "fn", "precision", "recall", "f1"),
    [
        (0, 0, 0, 1.0, 1.0, 1.0),  # nothing to find, nothing found
        (5, 0, 0, 1.0, 1.0, 1.0),
        (1, 1, 0, 0.5, 1.0, 0.6667),
        (1, 0, 1, 1.0, 0.5, 0.6667),
        (3, 1, 2, 0.75, 0.6, 0.6667),
        (0, 3, 0, 0.0, 1.0, 0.0),
        (0, 0, 3, 1.0, 0.0, 0.0),
        (0, 2, 2, 0.0, 0.0, 0.0),
        (2, 1, 0, 0.6667, 1.0, 0.8),
    ],
)
def test_evaluate_prf(tp, fp, fn, precision, recall, f1):
    assert prf(tp, fp, fn) == {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn}
