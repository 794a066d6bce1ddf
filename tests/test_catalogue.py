"""The catalogue, DATASETS.md and the hub's real tables stay in step (STYLE rule 9)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from workbench import catalogue
from workbench.errors import BadInput

ROOT = Path(__file__).resolve().parents[1]


def _datasets_md() -> str:
    """The team's contract plus the workbench's documented additions (contract: only add)."""
    shared = ROOT.parent / "shared" / "DATASETS.md"
    base = (shared if shared.exists() else ROOT / "docs" / "contract" / "DATASETS.md").read_text()
    return base + "\n" + _additions_md()


def _additions_md() -> str:
    return (ROOT / "docs" / "contract" / "DATASETS-additions.md").read_text()


def _split_top(text: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in text:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return [p.strip() for p in parts if p.strip()]


def parse_contract(md: str) -> dict[str, list[str]]:
    """Dataset id → canonical column names, parsed from DATASETS.md tables."""
    out: dict[str, list[str]] = {}
    for line in md.splitlines():
        m = re.match(r"^\|\s*`([a-z0-9_]+)`\s*\|(.*)\|\s*$", line)
        if not m:
            continue
        ds_id, rest = m.group(1), m.group(2)
        cols_text = rest.split("|")[-1].strip()
        same = re.search(r"same columns as `([a-z_]+)`", cols_text)
        if same:
            out[ds_id] = list(out[same.group(1)])
            continue
        if cols_text.startswith("adapter input"):
            out[ds_id] = None  # police.uk layout: checked separately
            continue
        cols = []
        for part in _split_top(cols_text):
            part = re.sub(r"\(.*?\)", "", part).strip()
            if "…" in part:  # risk_1 … risk_14
                a, b = [int(x) for x in re.findall(r"_(\d+)", part)]
                stem = part.split("_")[0]
                cols += [f"{stem}_{i}" for i in range(a, b + 1)]
                continue
            if " or " in part:  # "offence_code or crime_type"
                cols += [p.strip() for p in part.split(" or ")]
                continue
            cols.append(part.split()[0])
        out[ds_id] = cols
    return out


def test_every_contract_dataset_is_in_the_catalogue_and_vice_versa():
    contract = parse_contract(_datasets_md())
    assert len(contract) >= 39
    assert set(contract) == set(catalogue.ids())
    added = set(parse_contract(_additions_md()))
    base = set(parse_contract(_datasets_md().replace(_additions_md(), "")))
    assert added and not added & base, "an addition must not redefine a contract dataset"


@pytest.mark.parametrize("ds_id", catalogue.ids())
def test_canonical_columns_match_the_contract(ds_id):
    contract = parse_contract(_datasets_md())
    ds = catalogue.get(ds_id)
    if contract[ds_id] is None:
        from workbench.hub.adapters.police_uk import CANONICAL, HEADER

        assert len(HEADER) == 12 and ds.canonical_columns == CANONICAL
        return
    assert ds.canonical_columns == contract[ds_id]


def test_ident_columns_follow_the_contract():
    md = _datasets_md()
    idents = set()
    for line in md.splitlines():
        m = re.match(r"^\|\s*`([a-z0-9_]+)`", line)
        if m:
            for col in re.findall(r"([a-z_]+) \(\*ident\*", line):
                idents.add((m.group(1), col))
    for ds_id, col in idents:
        assert catalogue.get(ds_id).column(col).ident, (ds_id, col)
    # the same-columns datasets inherit idents
    assert catalogue.get("yoi_release").ident_columns == catalogue.get("prison_release").ident_columns


def test_hub_tables_match_the_catalogue(empty_hub):
    from workbench.hub.connect import open_hub

    con = open_hub(empty_hub, read_only=True)
    for ds in catalogue.DATASETS:
        cols = [r[0] for r in con.execute(f"DESCRIBE archive.{ds.id}").fetchall()]
        assert cols == ds.column_names + ["_supply_id", "_line", "_superseded_by"]
        types = {r[0]: r[1] for r in con.execute(f"DESCRIBE archive.{ds.id}").fetchall()}
        for c in ds.columns:
            assert types[c.name] == c.storage, (ds.id, c.name)
        view = [r[0] for r in con.execute(f"DESCRIBE main.{ds.id}").fetchall()]
        assert view == ds.column_names + ["_supply_id"]
    con.close()


def test_unknown_dataset_suggests_the_closest():
    with pytest.raises(BadInput, match="Did you mean 'police_crime_offence'"):
        catalogue.get("police_crime_offense")


def test_statutory_and_classes_are_recorded():
    assert "statutory" in catalogue.get("health_admission_icd").tiers
    assert catalogue.get("police_ppo").klass == "SP"
    assert catalogue.get("prison_release").klass == "P"
    assert catalogue.get("police_uk_street").partition == ("falls_within", "month")
