"""`dvc repro` regenerates everything, and a second one has nothing to do."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.models, pytest.mark.e2e, pytest.mark.slow]


def _dvc(root: Path, *args: str) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).parent / "dvc"
    if not exe.exists():
        exe = Path(shutil.which("dvc") or "dvc")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run([str(exe), *args], cwd=root, capture_output=True, text=True, env=env)


def test_dvc_repro_then_nothing_to_do(root):
    r = _dvc(root, "repro")
    assert r.returncode == 0, r.stdout + r.stderr
    r = _dvc(root, "status")
    assert r.returncode == 0, r.stderr
    assert "up to date" in r.stdout, r.stdout
    r = _dvc(root, "repro")
    assert r.returncode == 0
    assert "Running stage" not in r.stdout, r.stdout
    assert (root / "outputs" / "metrics.json").exists()


def test_dvc_repro_and_diplograph_run_write_the_same_bytes(root, seed_run):
    """One run path: the tables and graph files `dvc repro` leaves in outputs/ (stage by
    stage, each module's ``main``) are byte for byte those of `diplograph run` on the seeds
    (all stages in one process, through the runner)."""
    from pipeline import contract

    r = _dvc(root, "repro")  # up to date after the test above: nothing runs, or it brings outputs/ up to date
    assert r.returncode == 0, r.stdout + r.stderr
    for name in [*contract.TABLES, *contract.STAGE_TABLES, "graph.graphml", "graph.json", "graph.gexf"]:
        assert (root / "outputs" / name).read_bytes() == (seed_run / name).read_bytes(), name
