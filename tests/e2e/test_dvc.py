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
