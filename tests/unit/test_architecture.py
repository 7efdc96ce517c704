"""The shape of the code: no import cycles, no stage reaching training code, and dvc.yaml's
dependencies covering the code each stage really runs (read from the source by
:mod:`pipeline.deps`, the same answer the per-document cache key uses)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline import deps
from pipeline.cli import STAGES
from pipeline.run.runner import PER_DOCUMENT_ROOTS

ROOT = Path(__file__).resolve().parents[2]
DVC = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))
# the Chinese model's training, its evaluation and the benchmark: tools, never a stage's code
TRAINING = {m for m in deps.modules() if m.startswith("pipeline.training")}
RUN_PATH = ("pipeline.normalize", "pipeline.ner", "pipeline.link", "pipeline.extract", "pipeline.graph",
            "pipeline.evaluate", "pipeline.kb", "pipeline.run.runner")  # fmt: skip


def _stage_module(stage: dict) -> str:
    sub = stage["cmd"].split()[1]  # "diplograph <sub-command> …"
    return STAGES[sub]


def _expand(path: str) -> str:
    for name, value in DVC["vars"][0].items():
        path = path.replace("${" + name + "}", str(value))
    return path


def test_no_import_cycles():
    assert deps.cycles() == []


def test_import_graph_sees_known_edges():
    """The reader of the source finds plain, aliased, function-level and package imports."""
    assert "pipeline.contract" in deps.imports_of("pipeline.run.runner")  # from pipeline import contract
    assert "pipeline.ner.zh_units" in deps.imports_of(
        "pipeline.ner.chinese"
    )  # from pipeline.ner.zh_units import X as Y
    assert "pipeline.run.progress" in deps.imports_of("pipeline.ner")  # inside main()
    assert "pipeline.views.common" in deps.imports_of("pipeline.views.html")
    assert "pipeline.views" in deps.closure(["pipeline.graph"])


@pytest.mark.parametrize("module", RUN_PATH)
def test_stages_never_import_training_code(module):
    assert not set(deps.closure([module])) & TRAINING


def test_cache_key_modules_are_the_per_document_code():
    mods = set(deps.closure(PER_DOCUMENT_ROOTS))
    assert {
        "pipeline.extract",
        "pipeline.extract.meetings_en",
        "pipeline.text.gazetteer",
        "pipeline.ner.zh_units",
    } <= mods
    assert not mods & {"pipeline.graph", "pipeline.views", *TRAINING}


@pytest.mark.parametrize("name", sorted(DVC["stages"]))
def test_dvc_stage_deps_cover_the_code_it_runs(name):
    """Every project module a stage's command imports is a dependency of the stage (its
    file, or a folder above it), so editing it re-runs the stage under ``dvc repro``."""
    stage = DVC["stages"][name]
    declared = {_expand(d) for d in stage["deps"]}
    missing = []
    for f in deps.stage_files(_stage_module(stage)):
        rel = f.relative_to(ROOT).as_posix()
        if rel == "pipeline/__init__.py":
            continue  # the package's docstring
        if not any(rel == d or rel.startswith(d.rstrip("/") + "/") for d in declared):
            missing.append(rel)
    assert missing == [], f"dvc.yaml stage {name!r} does not list {missing}"


@pytest.mark.parametrize("name", sorted(DVC["stages"]))
def test_dvc_stage_code_deps_are_imported(name):
    """The other way round: a code file a stage lists is one it runs (no stale entries)."""
    stage = DVC["stages"][name]
    runs = {f.relative_to(ROOT).as_posix() for f in deps.stage_files(_stage_module(stage))}
    for d in (_expand(d) for d in stage["deps"]):
        if d.startswith("pipeline/"):
            assert any(r == d or r.startswith(d.rstrip("/") + "/") for r in runs), f"{name} lists {d}, never imported"


def test_no_function_opts_out_of_the_complexity_limit():
    """ruff's C901 (pyproject.toml, at most 15) holds for every function: none is excused."""
    excused = [f"{path.relative_to(ROOT)}:{n}" for path in sorted((ROOT / "pipeline").rglob("*.py"))
               for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
               if "noqa: C901" in line]  # fmt: skip
    assert excused == []
