"""pipeline.helper: the helper process, and what happens when it is missing or dies."""

from pipeline.helper import HelperProcess


def _twice_or_die_in_child(x):
    import multiprocessing
    import os

    if multiprocessing.parent_process() is not None:
        os._exit(3)  # the helper process dies mid-call
    return 2 * x


def test_helper_process_without_a_spare_core_works_here(monkeypatch):
    from pipeline import helper

    monkeypatch.setattr(helper.os, "cpu_count", lambda: 1)
    with HelperProcess(warm=(_noop,)) as vp:
        assert vp.pool is None
        assert vp.call(_twice_or_die_in_child, 4).result() == 8


def test_helper_process_that_dies_costs_only_the_overlap():
    with HelperProcess() as vp:
        first = vp.call(_twice_or_die_in_child, 5)
        assert first.result() == 10  # made here after the process died
        assert vp.call(_twice_or_die_in_child, 6).result() == 12  # the broken pool refuses; made here


def _noop():
    return None


def test_helper_process_runs_calls_in_a_second_process():
    import os

    with HelperProcess(warm=(_noop,)) as vp:
        assert vp.alive
        assert vp.call(os.getpid).result() != os.getpid()
