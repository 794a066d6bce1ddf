"""notebooks/01_explore_hub.ipynb runs end to end on the (published) demo hub."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_explore_hub_notebook_runs_on_the_demo_hub(demo_hub, tmp_path):
    import nbformat
    import papermill as pm

    out = tmp_path / "01.ipynb"
    pm.execute_notebook(str(ROOT / "notebooks" / "01_explore_hub.ipynb"), str(out),
                        parameters={"hub": str(demo_hub), "user": "analyst"}, kernel_name="python3", progress_bar=False,
                        cwd=str(ROOT))
    nb = nbformat.read(out, as_version=4)
    text = "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "shared (depersonalised) tier" in text
    assert "Fitness for purpose — police_uk_street" in text
    images = [o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) >= 2  # the time series and the LSOA map
