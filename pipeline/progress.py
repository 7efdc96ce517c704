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
