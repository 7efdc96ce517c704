"""pipeline.run.helper: the helper process, and what happens when it is missing or dies."""

import sys

import pytest

from pipeline.run.helper import HelperProcess


def _twice_or_die_in_child(x):
    import multiprocessing
    import os

    if multiprocessing.parent_process() is not None:
        os._exit(3)  # the helper process dies mid-call
    return 2 * x


def test_helper_process_without_a_spare_core_works_here(monkeypatch):
    from pipeline.run import helper

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


def _threads_added_by_numpy() -> int:
    import os

    before = len(os.listdir("/proc/self/task"))
    import numpy  # noqa: F401  (OpenBLAS starts its thread pool on import)

    return len(os.listdir("/proc/self/task")) - before


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_helper_process_runs_numeric_libraries_on_one_thread():
    # a BLAS thread pool in the helper competed with the model's threads in the main process
    with HelperProcess() as vp:
        assert vp.alive
        assert vp.call(_threads_added_by_numpy).result() == 0


_ORPHAN = """
import time
from pipeline.run.helper import HelperProcess
def noop():
    return None
if __name__ == "__main__":
    h = HelperProcess(warm=(noop,))
    h.call(noop).result()
    print(next(iter(h.pool._processes)), flush=True)
    time.sleep(60)
"""


def _running(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting for init to reap it does not)."""
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8") as f:
            return "State:\tZ" not in f.read()
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_helper_process_ends_when_its_parent_is_killed(tmp_path, root):
    import os
    import signal
    import subprocess
    import time

    script = tmp_path / "parent.py"
    script.write_text(_ORPHAN, encoding="utf-8")
    parent = subprocess.Popen([sys.executable, str(script)], cwd=root, stdout=subprocess.PIPE, text=True)
    helper_pid = int(parent.stdout.readline())
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    for _ in range(100):
        if not _running(helper_pid):
            return
        time.sleep(0.1)
    os.kill(helper_pid, signal.SIGKILL)
    raise AssertionError("the helper outlived its killed parent")
