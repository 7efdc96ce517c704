"""Command-line checks that need no model: bad options stop the run with exit code 2."""

from __future__ import annotations

import pytest

from pipeline.cli import main


@pytest.mark.parametrize("extra", [["--workers", "0"], ["--scheduler", "local:x"], ["--scheduler", "local:0"]])
def test_run_rejects_bad_parallel_options(root, tmp_path, capsys, extra):
    assert main(["run", "--input", str(root / "seeds"), "--output", str(tmp_path), *extra]) == 2
    assert "diplograph: error:" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())  # nothing written


def test_run_rejects_a_missing_folder(tmp_path, capsys):
    assert main(["run", "--input", str(tmp_path / "nope"), "--output", str(tmp_path / "out")]) == 2
    assert "input folder not found" in capsys.readouterr().err
