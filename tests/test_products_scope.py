"""Products for one partnership (guidance 2.2.4): the product context reads that partnership's
rows only, a user must be allowed to see every partnership a product holds, and the sidecar says
which partnerships those are. Uses the two-partnership tier of ``dashboards_scope_fixture``."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import dashboards_scope_fixture as scope  # noqa: E402
from hubs import make_hub  # noqa: E402

from workbench.errors import AccessDenied, BadInput  # noqa: E402
from workbench.products.authorise import UNATTRIBUTED, authorise  # noqa: E402
from workbench.products.build import tier_partnerships  # noqa: E402
from workbench.products.context import product_context  # noqa: E402


@pytest.fixture(scope="module")
def tier(tmp_path_factory):
    frames = scope.truth()
    return make_hub(tmp_path_factory.mktemp("products_scope"), **scope.hub_parts(frames)), frames


def _count(ctx, table):
    return ctx.source.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_a_partnership_context_reads_that_partnerships_rows_only(tier):
    hub, frames = tier
    crimes = scope.crimes()
    for partnership in (scope.A, scope.B):
        ctx = product_context("tactical-assessment", hub, partnership=partnership)
        try:
            assert _count(ctx, "police_crime_offence") == int((crimes["partnership"] == partnership).sum())
            assert _count(ctx, "main.police_crime_offence") == _count(ctx, "police_crime_offence")
            assert {r[0] for r in ctx.source.execute("SELECT DISTINCT partnership FROM supplies").fetchall()} == {partnership}
            assert _count(ctx, "police_uk_street") == 0          # no partnership column: nothing
            assert ctx.title.endswith(f"— {partnership}")
        finally:
            ctx.source.close()
    whole = product_context("tactical-assessment", hub)
    try:
        assert _count(whole, "police_crime_offence") == len(crimes)
    finally:
        whole.source.close()


def test_a_partnership_the_tier_does_not_hold_is_refused(tier):
    hub, _ = tier
    with pytest.raises(BadInput, match="holds no data of partnership 'Derby'"):
        product_context("tactical-assessment", hub, partnership="Derby")


def test_render_needs_every_partnership_the_product_holds(tier):
    hub, _ = tier
    held = tier_partnerships(hub)
    assert held == sorted([scope.A, scope.B]) + [UNATTRIBUTED]
    assert authorise(hub, "a_ana", "render", partnerships=[scope.A]).registered
    with pytest.raises(AccessDenied):
        authorise(hub, "a_ana", "render", partnerships=[scope.B])
    with pytest.raises(AccessDenied):                 # the whole tier: Bassetlaw's rows too
        authorise(hub, "a_ana", "render", partnerships=held)
    with pytest.raises(AccessDenied):                 # sees A and B, but not every partnership
        authorise(hub, "both", "render", partnerships=held)
    assert authorise(hub, "county", "render", partnerships=held).registered
