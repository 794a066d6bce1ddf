"""``workbench hypothesis NAME …`` end to end: scenario → hub (ingest_frame) → publish → CLI JSON.

The hub is built from a held-out scenario seed with a synthetic postcode grid (100 m, 8
households each) so the shared tier can be published; coordinates in the shared tier are
therefore postcode centroids, as in deployment (Appendix 1).
"""

from __future__ import annotations

import json
import shutil
import string

import numpy as np
import pandas as pd
import pytest

from workbench.cli import main
from workbench.demo import scenarios as sc

CUR, BASE = ":".join(sc.CURRENT), ":".join(sc.BASELINE)


def _postcodes() -> pd.DataFrame:
    xs = np.arange(sc.CENTRE[0] - 4500, sc.CENTRE[0] + 4500, 100)
    ys = np.arange(sc.CENTRE[1] - 4500, sc.CENTRE[1] + 4500, 100)
    gx, gy = np.meshgrid(xs, ys)
    letters = "".join(c for c in string.ascii_uppercase if c not in "CIKMOV")
    L = len(letters)
    pcs = [f"NG{1 + k // (10 * L * L)} {(k // (L * L)) % 10}{letters[(k // L) % L]}{letters[k % L]}"
           for k in range(gx.size)]
    return pd.DataFrame({"postcode": pcs, "easting": gx.ravel().astype(int),
                         "northing": gy.ravel().astype(int), "households": 8})


@pytest.fixture(scope="module")
def published_hub(tmp_path_factory):
    from workbench.hub.ingest import ingest_frame
    from workbench.hub.schema import init_hub
    from workbench.privacy.publish import publish

    hub = init_hub(tmp_path_factory.mktemp("hyp") / "hub.duckdb")
    ingest_frame(hub, "ref_postcode", _postcodes(), source_name="ref_postcode.csv")
    for dataset, frame in sc.generate("concentrated_premises", 142).items():
        ingest_frame(hub, dataset, frame, source_name=f"{dataset}.csv")
    publish(hub)
    return hub


def _run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("name,expected", sorted(sc.TRUTH["concentrated_premises"].items()))
def test_cli_verdicts_on_shared_tier(published_hub, capsys, name, expected):
    code, out, err = _run(capsys, "hypothesis", name, "--hub", str(published_hub), "--current", CUR,
                          "--baseline", BASE, "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert {"hypothesis", "verdict", "p_value", "statistic", "effect", "evidence", "datasets",
            "caveats"} <= set(doc)
    assert doc["hypothesis"] == name and doc["verdict"] == expected, doc["reason"]
    assert "master hub" not in err


def test_cli_offences_option_and_text_output(published_hub, capsys):
    code, out, _ = _run(capsys, "hypothesis", "seriousness", "--hub", str(published_hub), "--current", CUR,
                        "--baseline", BASE, "--offences", "105A,105B,8N,5D")
    assert code == 0 and out.startswith("seriousness: NOT_SUPPORTED")


def test_cli_falls_back_to_master_hub_and_says_so(published_hub, tmp_path, capsys):
    for name in ("hub.duckdb", "hub.duckdb.key"):
        shutil.copy(published_hub.parent / name, tmp_path / name)
    (tmp_path / "hub.duckdb.key").chmod(0o600)
    code, out, err = _run(capsys, "hypothesis", "reporting", "--hub", str(tmp_path / "hub.duckdb"),
                          "--current", CUR, "--baseline", BASE, "--json")
    assert code == 0 and "no shared tier has been published" in err
    assert json.loads(out)["verdict"] == "not_supported"


def test_cli_bad_input_exit_codes(published_hub, capsys):
    code, out, _ = _run(capsys, "hypothesis", "premises", "--hub", str(published_hub),
                        "--current", "2025-03-31:2025-01-01", "--baseline", BASE, "--json")
    assert code == 2 and json.loads(out)["error"] == "BadInput"
    code, out, _ = _run(capsys, "hypothesis", "premises", "--hub", str(published_hub),
                        "--current", CUR, "--baseline", BASE, "--offences", "violense", "--json")
    assert code == 2 and "Did you mean 'violence'" in json.loads(out)["message"]
    with pytest.raises(SystemExit) as exc:
        main(["hypothesis", "nonsense", "--current", CUR, "--baseline", BASE])
    assert exc.value.code == 2


@pytest.mark.slow
@pytest.mark.parametrize("scenario", [s for s in sc.SCENARIOS if s != "concentrated_premises"])
def test_cli_every_scenario_on_a_published_hub(tmp_path, capsys, scenario):
    """Each remaining scenario (held-out seed 150) through ingest → publish → CLI: planted verdicts."""
    from workbench.hub.ingest import ingest_frame
    from workbench.hub.schema import init_hub
    from workbench.privacy.publish import publish

    hub = init_hub(tmp_path / "hub.duckdb")
    ingest_frame(hub, "ref_postcode", _postcodes(), source_name="ref_postcode.csv")
    for dataset, frame in sc.generate(scenario, 150).items():
        ingest_frame(hub, dataset, frame, source_name=f"{dataset}.csv")
    publish(hub)
    for name, expected in sc.TRUTH[scenario].items():
        code, out, err = _run(capsys, "hypothesis", name, "--hub", str(hub), "--current", CUR,
                              "--baseline", BASE, "--json")
        assert code == 0, err
        doc = json.loads(out)
        assert doc["verdict"] == expected, f"{scenario}/{name}: {doc['reason']}"
