"""Small cells everywhere (issue 13): products a viewer may download and viewers' exports go
through the dashboards' primary and secondary suppression, and an independent check refuses
what slips through.

The tables are read back from the rendered HTML by a parser written here (not the one the
product check uses), and secondary suppression is verified against the planted truth by
linear programming: no hidden cell's value is pinned by the row and column totals.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from workbench.errors import AccessDenied, BadInput
from workbench.privacy.disclosure import feasible_intervals
from workbench.privacy.outputs import HIDDEN, check_html, control_frame
from workbench.products import present as show
from workbench.products import render
from workbench.products.frontsheet import DataSource, FrontSheet
from workbench.products.marking import decide_marking

# -- planted tables: (caption, frame, keys) ----------------------------------------------------
WARDS = pd.DataFrame({"ward": ["Arboretum", "Bestwood", "Clifton", "Dales", "Lenton"],
                      "burglary": [14, 3, 22, 9, 30], "robbery": [2, 11, 7, 1, 16],
                      "arson": [6, 8, 4, 12, 10]})
DAYS = pd.DataFrame({"day of week": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
                     "offences": [21, 18, 4, 25, 40, 52, 33],
                     "change": ["+5%", "-2%", "-60%", "+1%", "+9%", "+12%", "0%"]})
LIST_ONE = pd.DataFrame({"issue": ["Burglary", "Robbery", "Arson", "Drugs"], "offences": [120, 3, 40, 66]})
ALREADY = pd.DataFrame({"status": ["custody", "catch and convict", "deregistered", "monitoring"],
                        "offenders": [12.0, np.nan, 9.0, 15.0]})   # NaN: suppressed upstream
RANKED = pd.DataFrame({"rank": [1, 2, 3, 4, 5], "area": list("ABCDE"), "crimes": [90, 70, 50, 2, 30]})
LONG = pd.DataFrame({"lsoa": [f"E0101{i:04d}" for i in range(60)],
                     "crimes": [(i * 7) % 23 for i in range(60)]})
PLANTED = [("Offences by ward and type", WARDS, ()), ("Offences by day", DAYS, ()),
           ("Offences by issue", LIST_ONE, ()), ("Cohort by status", ALREADY, ()),
           ("Areas ranked", RANKED, ()), ("Crimes by LSOA", LONG, ())]


def _sheet():
    return FrontSheet(product="strategic-assessment", title="Planted small cells", commissioning_group=None,
                      questions=["Where?"], author="A. Analyst", date="2025-07-01", as_of="2025-06-30",
                      marking=decide_marking(["police_uk_street"]), handling="Partners only.",
                      sources=[DataSource("police_uk_street", "Street crime", "police.uk", 1, "2025-07-01",
                                          "2025-01-01", "2025-06-30", 10, [])])


def _out(kind, html, **meta):
    return nbformat.v4.new_output("display_data", data={"text/html": html, "text/plain": kind},
                                  metadata={"workbench": {"kind": kind, **meta}})


def _notebook(extra_markdown: str | None = None):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sheet = _sheet()
    front = nbformat.v4.new_code_cell("front")
    front.outputs = [_out("front_sheet", show.front_sheet(sheet), data=sheet.to_dict())]
    body = nbformat.v4.new_code_cell("body")
    for caption, frame, keys in PLANTED:
        body.outputs.append(_out("table", show.table(frame, caption=caption, keys=keys),
                                 table=show.table_data(frame, caption=caption, keys=keys)))
    fig, ax = plt.subplots()
    ax.bar(["a", "b"], [3, 40])
    body.outputs.append(_out("figure", show.figure(fig, caption="Counts by area"), caption="Counts by area"))
    fig, ax = plt.subplots()
    ax.bar(["a", "b"], [0.4, 0.9])
    body.outputs.append(_out("figure", show.figure(fig, caption="Priority scores", safe="scores"),
                             caption="Priority scores", safe="scores"))
    cells = [front, body]
    if extra_markdown:
        cells.append(nbformat.v4.new_markdown_cell(extra_markdown))
    return nbformat.v4.new_notebook(cells=cells)


def _tables(html: str) -> list[dict]:
    """Every <table> of ``html``: caption, header, key columns and body rows as text (a small
    parser independent of the product check's)."""
    out = []
    for m in re.finditer(r"<table[^>]*>(.*?)</table>", html, re.S):
        body = m.group(1)
        cap = re.search(r"<caption>(.*?)</caption>", body, re.S)
        head = re.search(r"<thead>(.*?)</thead>", body, re.S)
        ths = re.findall(r"<th([^>]*)>(.*?)</th>", head.group(1), re.S) if head else []
        tbody = re.search(r"<tbody>(.*?)</tbody>", body, re.S)
        rows = []
        for tr in re.findall(r"<tr>(.*?)</tr>", tbody.group(1) if tbody else "", re.S):
            if "colspan" in tr:
                continue
            rows.append([re.sub(r"<[^>]+>", "", td).strip() for td in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)])
        out.append({"caption": cap.group(1) if cap else "", "header": [t for _, t in ths],
                    "keys": [t for a, t in ths if "data-key" in a], "rows": rows})
    return out


def _small_numbers(table: dict) -> list[str]:
    bad = []
    for row in table["rows"]:
        for name, cell in zip(table["header"], row):
            if name not in table["keys"] and re.fullmatch(r"[1-4](\.0+)?", cell):
                bad.append(f"{table['caption']}: {name}={cell}")
    return bad


@pytest.fixture(scope="module")
def editions(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cells")
    disclosure = render.Disclosure(5)
    controlled = render.render_html(_notebook(), folder / "c.html", product_title="Planted",
                                    disclosure=disclosure).read_text()
    analysts = render.render_html(_notebook(), folder / "a.html", product_title="Planted").read_text()
    return controlled, analysts, disclosure


def test_the_analysts_edition_shows_the_planted_small_counts(editions):
    """The planted tables do carry counts of 1–4 (so the controlled edition's test can fail)."""
    _, analysts, _ = editions
    found = [b for t in _tables(analysts) for b in _small_numbers(t)]
    assert len(found) >= 6 and any(f.startswith("Offences by ward and type") for f in found)


def test_no_count_of_1_to_4_in_any_table_of_the_controlled_edition(editions):
    controlled, _, disclosure = editions
    tables = {t["caption"]: t for t in _tables(controlled)}
    assert {c for c, _, _ in PLANTED} <= set(tables)
    assert [b for t in tables.values() for b in _small_numbers(t)] == []
    assert check_html(controlled) == []
    assert disclosure.tables == len(PLANTED) and disclosure.cells_hidden >= 10
    # the derived "-60%" of Wednesday's 4 offences is hidden with it; ranks 1-4 stay (a key)
    days = tables["Offences by day"]
    wed = days["rows"][2]
    assert wed[1] == HIDDEN and wed[2] == HIDDEN
    assert [r[0] for r in tables["Areas ranked"]["rows"]] == ["1", "2", "3", "4", "5"]
    assert HIDDEN in controlled and "hidden by disclosure control" in controlled


def test_figures_are_left_out_of_the_controlled_edition_unless_safe(editions):
    controlled, analysts, disclosure = editions
    assert controlled.count("data:image/png") == 1 and analysts.count("data:image/png") == 2
    assert "Counts by area" in controlled and "left out of this disclosure-controlled edition" in controlled
    assert disclosure.figures_withheld == 1


def _hidden_mask(table: dict, columns: list[str]) -> np.ndarray:
    idx = [table["header"].index(c) for c in columns]
    return np.array([[row[j] in (HIDDEN, "—") for j in idx] for row in table["rows"]])


@pytest.mark.parametrize("caption, frame, columns", [
    ("Offences by ward and type", WARDS, ["burglary", "robbery", "arson"]),
    ("Offences by day", DAYS, ["offences"]),
    ("Offences by issue", LIST_ONE, ["offences"]),
    ("Areas ranked", RANKED, ["crimes"]),
])
def test_a_hidden_cell_cannot_be_recovered_from_the_totals(editions, caption, frame, columns):
    """Secondary suppression against the planted truth: with every row and column total known
    (a one-column list: its total), linear programming finds no hidden cell pinned to a value."""
    controlled, _, _ = editions
    table = next(t for t in _tables(controlled) if t["caption"] == caption)
    hidden = _hidden_mask(table, columns)
    assert hidden.any()
    truth = frame[columns].to_numpy(dtype=float)
    full = np.zeros((truth.shape[0] + 1, truth.shape[1] + 1))
    full[:-1, :-1] = truth
    full[-1, :-1] = truth.sum(axis=0)
    full[:-1, -1] = truth.sum(axis=1)
    full[-1, -1] = truth.sum()
    mask = np.zeros(full.shape, dtype=bool)
    mask[:-1, :-1] = hidden
    if truth.shape[1] == 1:
        mask[:, -1] = True          # a one-column list's row "totals" are the cells themselves
    for cell, (lo, hi) in feasible_intervals(full, mask).items():
        if cell[0] < truth.shape[0] and cell[1] < truth.shape[1]:
            assert hi - lo >= 1, f"{caption}: cell {cell} pinned to {lo}"


def test_the_check_refuses_a_small_count_or_a_lone_hidden_cell():
    plain = control_frame(LIST_ONE)
    assert check_html(show.table(LIST_ONE)) != []                     # 3 shown
    lone = plain.frame.copy()
    lone.loc[2, "offences"] = 40                                      # complement undone
    from workbench.privacy.outputs import table_html
    problems = check_html(table_html(lone, keys=plain.keys))
    assert problems and "one hidden cell alone" in problems[0]


def test_a_small_count_an_analyst_typed_into_a_markdown_table_stops_the_controlled_edition(tmp_path):
    nb = _notebook("| ward | victims |\n|---|---|\n| Dales | 2 |\n| Clifton | 30 |\n")
    render.render_html(nb, tmp_path / "a.html", product_title="P")            # analysts' edition: fine
    with pytest.raises(BadInput, match="failed the independent check.*victims.*2 is a count"):
        render.render_html(nb, tmp_path / "c.html", product_title="P", disclosure=render.Disclosure(5))
    assert not (tmp_path / "c.html").exists()


def test_a_table_emitted_without_its_data_is_left_out(tmp_path):
    nb = _notebook()
    nb.cells[1].outputs.append(_out("table", "<table class='data'><tbody><tr><td>x</td></tr></tbody></table>"))
    d = render.Disclosure(5)
    render.render_html(nb, tmp_path / "c.html", product_title="P", disclosure=d)
    assert d.tables_withheld == 1


# -- the product library ------------------------------------------------------------------
def _viewers():
    from workbench.dashboard_data.access import Viewer

    return (Viewer("vic", "Council", "viewer", records=False),
            Viewer("ana", "Council", "analyst", records=True))


def _library_product(folder: Path, name: str, html: str, disclosure: dict):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.html").write_text(html)
    (folder / f"{name}.json").write_text(json.dumps({"title": name, "marking": "OFFICIAL-SENSITIVE",
                                                     "disclosure": disclosure}))


def test_the_library_gives_a_viewer_only_the_checked_controlled_edition(tmp_path, editions):
    from workbench.dashboard_data import library

    controlled, analysts, _ = editions
    viewer, analyst = _viewers()
    _library_product(tmp_path, "controlled", controlled, {"controlled": True, "threshold": 5})
    _library_product(tmp_path, "analysts", analysts, {"controlled": False})
    _library_product(tmp_path, "tampered", analysts, {"controlled": True, "threshold": 5})
    assert sorted(p.key for p in library.readable(tmp_path, viewer)) == ["controlled.html", "tampered.html"]
    assert sorted(p.key for p in library.readable(tmp_path, analyst)) == \
        ["analysts.html", "controlled.html", "tampered.html"]
    assert library.open_file(tmp_path, viewer, "controlled.html", ".html").name == "controlled.html"
    with pytest.raises(AccessDenied, match="disclosure-controlled edition"):
        library.open_file(tmp_path, viewer, "analysts.html", ".html")
    with pytest.raises(AccessDenied, match="failed the disclosure check"):
        library.open_file(tmp_path, viewer, "tampered.html", ".html")
    assert library.open_file(tmp_path, analyst, "analysts.html", ".html").name == "analysts.html"


# -- exports ------------------------------------------------------------------------------
HEALTH = pd.DataFrame({"period_start": ["2025-01-01"] * 8, "period_end": ["2025-03-31"] * 8,
                       "area_code": ["A", "A", "B", "B", "C", "C", "D", "D"],
                       "measure": ["assault", "overdose"] * 4, "count": [2, 30, 40, 50, 25, 3, 60, 70],
                       "partnership": ["Nottingham"] * 8})


def test_a_viewers_export_of_an_aggregate_table_is_suppressed_an_analysts_is_not(tmp_path):
    from governance_helpers import Clock, registry_with_people, victim_tables
    from hubs import make_hub
    from workbench.privacy.export import export

    make_hub(tmp_path, init=False, tables=victim_tables([(1, "Notts Police", "Nottingham", {"crime_ref": "C1"})]))
    make_hub(tmp_path, init=False, shared={"health_activity_counts": HEALTH})
    reg = registry_with_people(tmp_path)
    reg.set_clock(Clock())
    out = tmp_path / "out"
    as_viewer = export(reg, reg.hub, "health_activity_counts", "vic", out / "v.csv")
    as_analyst = export(reg, reg.hub, "health_activity_counts", "ana", out / "a.csv")
    seen = pd.read_csv(as_viewer.path)
    assert not seen["count"].between(1, 4).any()
    assert sorted(pd.read_csv(as_analyst.path)["count"]) == sorted(HEALTH["count"])
    # secondary: areas x measures with totals known, no hidden cell pinned
    wide = seen.pivot(index="area_code", columns="measure", values="count")
    truth = HEALTH.pivot(index="area_code", columns="measure", values="count").loc[wide.index, wide.columns]
    full = np.zeros((5, 3))
    full[:-1, :-1] = truth.to_numpy()
    full[-1, :-1], full[:-1, -1], full[-1, -1] = truth.sum(axis=0), truth.sum(axis=1), truth.to_numpy().sum()
    mask = np.zeros((5, 3), dtype=bool)
    mask[:-1, :-1] = wide.isna().to_numpy()
    assert mask.sum() >= 4
    assert all(hi - lo >= 1 for (i, j), (lo, hi) in feasible_intervals(full, mask).items() if i < 4 and j < 2)
    meta = json.loads(Path(as_viewer.sidecar).read_text())
    assert meta["disclosure"]["controlled"] and meta["disclosure"]["cells_hidden"] == int(mask.sum())
    assert json.loads(Path(as_analyst.sidecar).read_text())["disclosure"] == {"controlled": False}
    entry = [e for e in reg.audit_entries(action="export") if e.actor == "vic"][-1]
    assert entry.detail["disclosure"]["cells_hidden"] == int(mask.sum())
    reg.close()


def test_a_count_a_layout_already_wrote_as_lt5_gets_its_complement():
    """The serious violence assessment writes its own small counts as "<5": alone in a column
    with a known total it is recovered, so the check refuses it and the control adds a complement."""
    frame = pd.DataFrame({"ward": ["W1", "W2", "W3", "W4"], "offences": ["1,212", "<5", "40", "33"]})
    assert any("one hidden cell alone" in p for p in check_html(show.table(frame)))
    html, hidden = show.controlled_table(show.table_data(frame))
    assert hidden["secondary"] == 1 and check_html(html) == []
    assert ">33<" not in html and ">1,212<" in html and "&lt;5" in html
