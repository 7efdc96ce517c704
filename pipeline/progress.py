"""Progress bars on stderr (tqdm), shown only for interactive or long runs."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def progress_bar(items: Iterable[T], *, desc: str, enabled: bool = True, total: int | None = None) -> Iterator[T]:
    """Wrap ``items`` in a tqdm bar on stderr.

    The bar appears after two seconds (``delay``), so short runs stay quiet, and is left
    out entirely when ``enabled`` is false (library use, tests).
    """
    if not enabled:
        yield from items
        return
    from tqdm import tqdm

    yield from tqdm(items, desc=desc, total=total, file=sys.stderr, delay=2.0, unit="doc", leave=False)


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def counter(*, desc: str, enabled: bool = True, unit: str = "doc"):
    """A bar that counts as work is done (``update``/``close``), for streams of unknown length."""
    if not enabled:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(desc=desc, file=sys.stderr, delay=2.0, unit=unit, leave=False)
