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
    """Bootstrap (no registered user yet: the operator holds the keys): the fallback is loud and audited."""
    from workbench.registry import open_registry

    for name in ("hub.duckdb", "hub.duckdb.key"):
        shutil.copy(published_hub.parent / name, tmp_path / name)
    (tmp_path / "hub.duckdb.key").chmod(0o600)
    code, out, err = _run(capsys, "hypothesis", "reporting", "--hub", str(tmp_path / "hub.duckdb"),
                          "--current", CUR, "--baseline", BASE, "--json")
    assert code == 0 and "no shared tier has been published" in err and "MASTER HUB" in err
    assert json.loads(out)["verdict"] == "not_supported"
    with open_registry(tmp_path / "hub.duckdb") as reg:
        fallback = [e for e in reg.audit_entries() if e.action == "hypothesis.master_fallback"]
    assert [e.outcome for e in fallback] == ["ok"]


# --- the acting user and their partnerships (security: hypothesis read every partnership) ----------

A, B = "Ashfield", "Bassetlaw"


def _ingest(hub, scenario, partnership=None):
    """A scenario's case data as ``partnership``'s supplies; reference data (the whole county's,
    supplied once, unattributed) from the planted scenario, so both hubs share one premises list."""
    from workbench.hub.ingest import ingest_frame

    for dataset, frame in sc.generate(scenario, 142).items():
        if dataset.startswith("ref_"):
            continue
        ingest_frame(hub, dataset, frame, source_name=f"{dataset}-{partnership}.csv",
                     agency=partnership and f"{partnership} Police", partnership=partnership)


@pytest.fixture(scope="module")
def two_partnership_hub(tmp_path_factory):
    """Partnership A: a diffuse rise (nothing concentrated). Partnership B: the planted +30% at three
    premises on Friday/Saturday nights, in the same streets. Users: a_ana (A), b_ana (B), county (both).
    Beside it, ``a_only``: a hub holding A's supplies alone (the result A's analyst must get)."""
    from workbench.hub.ingest import ingest_frame
    from workbench.hub.schema import init_hub
    from workbench.privacy.publish import publish
    from workbench.registry import open_registry

    hub = init_hub(tmp_path_factory.mktemp("hyp2") / "hub.duckdb")
    a_only = init_hub(tmp_path_factory.mktemp("hyp2a") / "hub.duckdb")
    with open_registry(hub) as reg:
        for p in (A, B):
            reg.add_partnership(p)
            reg.add_agency(f"{p} Police", "central", partnerships=(p,))
        reg.add_agency("County Council", "central", partnerships=(A, B))
    for h in (hub, a_only):
        ingest_frame(h, "ref_postcode", _postcodes(), source_name="ref_postcode.csv")
        for dataset, frame in sc.generate("concentrated_premises", 142).items():
            if dataset.startswith("ref_"):
                ingest_frame(h, dataset, frame, source_name=f"{dataset}.csv")
    _ingest(hub, "diffuse_proportional", A)
    _ingest(hub, "concentrated_premises", B)
    _ingest(a_only, "diffuse_proportional")
    with open_registry(hub) as reg:
        for name, agency in (("a_ana", f"{A} Police"), ("b_ana", f"{B} Police"), ("county", "County Council")):
            reg.add_user(name, agency, "analyst", "correct horse battery staple")
    publish(hub)
    publish(a_only)
    return hub, a_only


def _verdict(capsys, hub, name, *extra):
    code, out, err = _run(capsys, "hypothesis", name, "--hub", str(hub), "--current", CUR,
                          "--baseline", BASE, "--json", *extra)
    return code, json.loads(out) if out.strip() else None, err


def test_a_partnership_analyst_never_sees_another_partnerships_pattern(two_partnership_hub, capsys, monkeypatch):
    from workbench.registry import open_registry

    hub, a_only = two_partnership_hub
    for name in ("premises", "concentration"):
        code, doc, err = _verdict(capsys, hub, name, "--as", "b_ana")          # B's planted pattern
        assert code == 0 and doc["verdict"] == "supported", err
        code, both, err = _verdict(capsys, hub, name, "--as", "county")       # every row, read unscoped
        assert code == 0, err
        monkeypatch.setenv("WORKBENCH_USER", "a_ana")                         # the environment names her
        code, doc, err = _verdict(capsys, hub, name)
        monkeypatch.delenv("WORKBENCH_USER")
        assert code == 0 and doc["verdict"] == "not_supported", (name, doc and doc["reason"], err)
        code, alone, err = _verdict(capsys, a_only, name)                      # A's supplies alone
        assert code == 0, err
        doc.pop("caveats"), alone.pop("caveats")                               # may name the source read
        assert doc == alone, f"{name}: a_ana's result is not A's rows alone"
        assert doc["statistic"] != both["statistic"] or doc["effect"] != both["effect"]
    with open_registry(hub) as reg:
        runs = [(e.actor, e.outcome) for e in reg.audit_entries() if e.action == "hypothesis.run"]
        sources = {e.detail["source"] for e in reg.audit_entries() if e.action == "hypothesis.run"
                   and e.actor == "a_ana"}
        opened = [e.actor for e in reg.audit_entries() if e.action == "shared.open" and e.outcome == "ok"]
    assert runs.count(("a_ana", "ok")) == 2 and runs.count(("b_ana", "ok")) == 2
    assert opened.count("a_ana") == 2
    assert sources == {"the shared (depersonalised) tier, scoped to a_ana's partnerships"}


def test_an_unknown_user_is_refused_and_audited(two_partnership_hub, capsys, monkeypatch):
    from workbench.registry import open_registry

    hub, _ = two_partnership_hub
    monkeypatch.delenv("WORKBENCH_USER", raising=False)
    code, doc, _ = _verdict(capsys, hub, "premises", "--as", "mallory")
    assert code == 3 and doc["error"] == "AccessDenied"
    with open_registry(hub) as reg:
        denied = [e for e in reg.audit_entries() if e.actor == "mallory" and e.outcome == "denied"]
    assert {"hypothesis.run", "read_depersonalised"} <= {e.action for e in denied}


def test_no_silent_master_fallback_for_a_user_who_may_not_read_it_all(two_partnership_hub, tmp_path, capsys):
    """No shared tier: a_ana (sees only A) is refused (exit 3, audited); county (personal data
    allowed by the matrix, every partnership) reads the master hub, warned on stderr and audited."""
    from workbench.registry import open_registry

    for name in ("hub.duckdb", "hub.duckdb.key", "registry.sqlite", "registry.sqlite.anchor"):
        shutil.copy(two_partnership_hub[0].parent / name, tmp_path / name)
    hub = tmp_path / "hub.duckdb"
    code, doc, err = _verdict(capsys, hub, "premises", "--as", "a_ana")
    assert code == 3 and doc["error"] == "AccessDenied" and "workbench hub publish" in doc["message"]
    assert "MASTER HUB" not in err
    code, doc, err = _verdict(capsys, hub, "premises", "--as", "county")
    assert code == 0 and doc["verdict"] == "supported" and "MASTER HUB" in err
    with open_registry(hub) as reg:
        fallback = [(e.actor, e.outcome) for e in reg.audit_entries() if e.action == "hypothesis.master_fallback"]
    assert fallback == [("a_ana", "denied"), ("county", "ok")]


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
