"""One spawned helper process for the work that need not wait on the models.

``diplograph run`` often has two cores and spaCy uses one of them (Stanza's torch keeps
about 1.4 busy, so there the helper gets what is left, at a lower priority). The helper
takes what the main process would otherwise do between model calls:
normalizing the next batch of documents, linking and extracting the last one, cutting the
graph page's font and drawing graph.png. Calls run in submission order.

Without a spare core, or if the process cannot start or dies, each call is made in this
process when its result is asked for, so a failure costs only the overlap, never a
result: every function sent here is pure and gives the same answer in either process.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

__all__ = ["Call", "HelperProcess", "limit_threads"]


class Call:
    """A call made in the helper process, or here when that process is missing or died."""

    def __init__(self, future: Any, fn: Callable[..., Any], args: tuple) -> None:
        self.future, self.fn, self.args = future, fn, args

    def result(self) -> Any:
        if self.future is not None:
            from concurrent.futures.process import BrokenProcessPool

            try:
                return self.future.result()
            except BrokenProcessPool as e:
                logger.warning("the helper process died (%s); working in this process", e)
        return self.fn(*self.args)


def limit_threads() -> None:
    """One thread per numeric library in this process (OpenMP, MKL, OpenBLAS); called
    first thing in a child process, before numpy or torch is imported: the processes
    are the parallelism."""
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = "1"


def _start_helper() -> None:
    """Set up the helper process: one thread, a lower priority, and an exit when its
    parent ends.

    The helper takes idle cycles only: under contention the model threads of the main
    process (torch uses both cores for Stanza) come first. Its own numpy (matplotlib,
    the layouts) gets one BLAS thread: a pool of them competed with torch's threads, and
    a serial Chinese run took 47-55 s with one against 53-58 s without (paired runs). A
    parent that is killed (SIGKILL, out of memory) cannot shut the pool down, and a pool
    worker waits for work forever, so a thread watches the parent and ends the helper
    with it.
    """
    import multiprocessing
    import threading

    limit_threads()
    try:
        os.nice(10)
    except (AttributeError, OSError):  # no nice() on this platform, or not allowed
        pass
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()


def _exit_with(parent: Any) -> None:
    parent.join()  # returns when the parent process has ended
    os._exit(0)


class HelperProcess:
    """A single spawned worker at a lower priority; ``warm`` calls (imports, loading) are
    sent to it at once, so they run while this process loads its models."""

    def __init__(self, *, warm: tuple[Callable[[], Any], ...] = ()) -> None:
        self.pool: Any = None
        if (os.cpu_count() or 1) < 2:
            return
        try:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            # spawn: the parent may hold torch threads, which a forked child can deadlock on
            self.pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                            initializer=_start_helper)  # fmt: skip
            for fn in warm:
                self.pool.submit(fn)
        except (OSError, RuntimeError) as e:
            logger.info("no helper process; working in this process (%s)", e)
            self.pool = None

    @property
    def alive(self) -> bool:
        """Whether calls go to a second process (else they are made here)."""
        return self.pool is not None

    def call(self, fn: Callable[..., Any], *args: Any) -> Call:
        future = None
        if self.pool is not None:
            try:
                future = self.pool.submit(fn, *args)
            except RuntimeError as e:  # a broken pool refuses new work
                logger.warning("the helper process is gone (%s); working in this process", e)
        return Call(future, fn, args)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
            self.pool = None

    def __enter__(self) -> HelperProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
