"""notebooks/explore.ipynb runs headless (nbclient) against the tables of the seed run."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.models, pytest.mark.e2e, pytest.mark.slow]


def test_notebook_explore_runs_on_the_seed_run(seed_run, root, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    path = root / "notebooks" / "explore.ipynb"
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code), "commit it with outputs cleared"

    monkeypatch.setenv("DIPLOGRAPH_OUTPUTS", str(seed_run))  # the kernel inherits the environment
    client = nbclient.NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()  # raises CellExecutionError on the first failing cell

    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    stdout = "".join(o.get("text", "") for o in outputs if o.output_type == "stream" and o.name == "stdout")
    assert str(seed_run) in stdout
    stderr = "".join(o.get("text", "") for o in outputs if o.output_type == "stream" and o.name == "stderr")
    assert "missing from" not in stderr, stderr  # no glyph fell back to a box
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 3  # meetings per month, topics by language, the met network
    tables = [o for o in outputs if "text/html" in o.get("data", {})]
    assert any("Xi Jinping / 习近平" in t["data"]["text/html"] for t in tables)
