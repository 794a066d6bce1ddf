"""``notebooks/02_hypothesis_testing.ipynb`` runs end to end on the demo hub (papermill)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "02_hypothesis_testing.ipynb"


@pytest.mark.slow
def test_hypothesis_notebook_runs_on_demo_hub(demo_hub, tmp_path):
    papermill = pytest.importorskip("papermill")
    out = tmp_path / "02_out.ipynb"
    papermill.execute_notebook(str(NOTEBOOK), str(out), parameters={"hub": str(demo_hub), "user": "analyst"},
                               kernel_name="python3", progress_bar=False, log_output=False,
                               cwd=str(NOTEBOOK.parent))
    nb = json.loads(out.read_text())
    text = []
    for cell in nb["cells"]:
        for o in cell.get("outputs", []):
            assert o.get("output_type") != "error", o
            if o.get("output_type") == "stream":
                text.append("".join(o["text"]))
            elif "text/plain" in o.get("data", {}):
                text.append("".join(o["data"]["text/plain"]))
    joined = "\n".join(text)
    assert "Reading the shared (depersonalised) tier, within 900 m" in joined
    for name in ("concentration", "seriousness", "premises", "reporting", "weekend_nights"):
        assert any(line.startswith(f"{name}: ") and any(v in line for v in ("SUPPORTED", "INCONCLUSIVE"))
                   for line in joined.splitlines()), name
