"""Progress on stderr (tqdm), shown only for interactive or long runs."""

from __future__ import annotations

import sys


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def counter(*, desc: str, enabled: bool = True, unit: str = "doc"):
    """A bar that counts as work is done (``update``/``close``), for streams of unknown
    length. It appears after two seconds (``delay``), so short runs stay quiet, and is
    left out entirely when ``enabled`` is false (library use, tests)."""
    if not enabled:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(desc=desc, file=sys.stderr, delay=2.0, unit=unit, leave=False)
