"""Shared fixtures: project paths, the shared corpora when present, one seed run per session."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not (SHARED_DATA / "zh-ner" / "msra_test_bio.txt").exists():
        pytest.skip(f"the shared corpora are not beside the project ({SHARED_DATA} is absent)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def seed_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Output folder of one `diplograph run` over the seeds (in-process, same code as the CLI)."""
    from pipeline.cli import run_all

    out = tmp_path_factory.mktemp("seed_run")
    run_all(ROOT / "seeds", out, ROOT / "params.yaml", progress=False)
    return out
