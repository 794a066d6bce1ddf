"""The notebook API to the shared tier is scoped by the acting user (security review, issue 11).

``workbench.privacy.shared.open_shared`` gives a connection that holds only the partnerships the
user may see (free SQL cannot reach the others, even by naming the tier's catalog), refuses
unknown users, and the explore notebook never falls back to the master hub.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import dashboards_scope_fixture as sfx  # noqa: E402
from hubs import make_hub  # noqa: E402
from workbench.errors import AccessDenied  # noqa: E402
from workbench.privacy.shared import open_shared  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def scoped(tmp_path_factory):
    frames = sfx.truth()
    return make_hub(tmp_path_factory.mktemp("nbscope"), **sfx.hub_parts(frames)), frames


def _partnerships(con, table):
    return {r[0] for r in con.execute(f"select distinct partnership from {table}").fetchall()}


def test_a_partnership_analyst_sees_only_their_partnership(scoped):
    hub, frames = scoped
    con = open_shared(hub, user="a_ana")
    try:
        assert _partnerships(con, "police_crime_offence") == {sfx.A}
        assert _partnerships(con, "police_ppo") == {sfx.A}
        assert _partnerships(con, "supplies") == {sfx.A}
        crime = frames["crime"]
        assert con.execute("select count(*) from police_crime_offence").fetchone()[0] == int(
            (crime.partnership == sfx.A).sum())
        assert con.execute("select count(*) from police_uk_street").fetchone()[0] == 0   # unattributable
        assert con.execute("select count(*) from ref_lsoa").fetchone()[0] > 0            # reference: whole
        for attack in ("select count(*) from tier.main.police_crime_offence",
                       "select count(*) from hub.main.police_crime_offence",
                       f"attach '{hub.with_name('shared.duckdb')}' as t2 (read_only)",
                       "set lock_configuration = false"):
            with pytest.raises(duckdb.Error):
                con.execute(attack)
    finally:
        con.close()


def test_a_user_of_every_partnership_sees_everything(scoped):
    hub, frames = scoped
    con = open_shared(hub, user="county")
    try:
        assert con.execute("select count(*) from police_crime_offence").fetchone()[0] == len(frames["crime"])
    finally:
        con.close()


def test_unknown_users_and_users_of_no_partnership_in_the_tier_are_refused_and_audited(scoped, monkeypatch):
    hub, _ = scoped
    with pytest.raises(AccessDenied, match="Unknown user"):
        open_shared(hub, user="mallory")
    monkeypatch.setenv("WORKBENCH_USER", "nobody.here")
    with pytest.raises(AccessDenied, match="Unknown user"):
        open_shared(hub)                       # the acting user by default, not "everyone"
    with pytest.raises(AccessDenied):
        open_shared(hub, user="derby")
    from workbench.registry import open_registry

    with open_registry(hub) as reg:
        denied = {e.actor for e in reg.audit_entries() if e.action == "shared.open" and e.outcome == "denied"}
    assert {"mallory", "nobody.here", "derby"} <= denied


def _notebook_code(name: str) -> str:
    nb = json.loads((ROOT / "notebooks" / name).read_text())
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")


@pytest.mark.parametrize("name", ["01_explore_hub.ipynb", "02_hypothesis_testing.ipynb"])
def test_the_notebooks_on_the_shared_tier_never_fall_back_to_the_master(name):
    code = _notebook_code(name)
    assert "open_hub" not in code and "read_only=True" not in code and "open_source" not in code
    assert "from workbench.privacy.shared import open_shared" in code and "open_shared(hub, user=user)" in code


@pytest.mark.slow
def test_the_explore_notebook_stops_without_a_shared_tier(tmp_path):
    import papermill as pm

    from workbench.hub.schema import init_hub

    hub = init_hub(tmp_path / "hub.duckdb")
    with pytest.raises(pm.PapermillExecutionError, match="No shared tier"):
        pm.execute_notebook(str(ROOT / "notebooks" / "01_explore_hub.ipynb"), str(tmp_path / "out.ipynb"),
                            parameters={"hub": str(hub), "user": "analyst"}, kernel_name="python3",
                            progress_bar=False, cwd=str(ROOT))
