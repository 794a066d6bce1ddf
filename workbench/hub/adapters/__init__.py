"""Adapters: bring a source layout (police.uk, Code-Point Open, agency exports) to canonical form.

An adapter module has

- ``NAME``: a short name (recorded on the supply),
- ``DATASETS``: the dataset ids it serves,
- ``detect(path, dataset_id) -> bool``: True when this file is in the adapter's layout,
- ``stage(con, files, dataset, table) -> None``: create TEMP table ``table`` with ALL-VARCHAR
  columns named as the dataset's canonical columns (absent optional columns allowed) plus
  ``_file VARCHAR`` and ``_line BIGINT`` (the record's line in its source file). ``con`` is
  the supply's :class:`~workbench.hub.staging.Staging`: it behaves as the hub connection and
  carries what ``csvfiles.stage_csv`` records between files.

The ingest core (:mod:`workbench.hub.ingest`) then normalises, validates, derives
coordinates and commits, so every adapter gets the same checks. :func:`choose` picks the
first adapter whose ``detect`` accepts every file; the canonical CSV adapter is last.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from workbench.errors import BadInput

#: adapter modules in the order they are tried; canonical CSV last
MODULES = [
    "workbench.hub.adapters.police_uk",
    "workbench.hub.adapters.stop_search",
    "workbench.hub.adapters.codepoint",
    "workbench.hub.adapters.ons_households",
    "workbench.hub.adapters.imd",
    "workbench.hub.adapters.lsoa",
    "workbench.hub.adapters.areas",
    "workbench.hub.adapters.licensing",
    "workbench.hub.adapters.ecds",
    "workbench.hub.adapters.spreadsheet",
    "workbench.hub.adapters.canonical",
]


#: the datasets each adapter serves (its ``DATASETS``; empty = any), known without importing
#: it, so choosing the adapter for a canonical CSV does not import pandas or the geography
#: stack (``tests/test_adapters_fixtures.py`` keeps this in step with the modules)
SERVES: dict[str, tuple[str, ...]] = {
    "workbench.hub.adapters.police_uk": ("police_uk_street",),
    "workbench.hub.adapters.stop_search": ("police_stop_search",),
    "workbench.hub.adapters.codepoint": ("ref_postcode",),
    "workbench.hub.adapters.ons_households": ("ref_postcode",),
    "workbench.hub.adapters.imd": ("ref_imd",),
    "workbench.hub.adapters.lsoa": ("ref_lsoa",),
    "workbench.hub.adapters.areas": ("ref_area", "ref_ward"),
    "workbench.hub.adapters.licensing": ("ref_licensed_premises",),
    "workbench.hub.adapters.ecds": ("health_ae_assault",),
    "workbench.hub.adapters.spreadsheet": (),
    "workbench.hub.adapters.canonical": (),
}


def _load(name: str):
    return importlib.import_module(name)


def adapters() -> list:
    """Every adapter module, in the order :func:`choose` tries them (the canonical CSV adapter last).

    Examples
    --------
    >>> names = [m.NAME for m in adapters()]
    >>> names[0], names[-1], len(names) == len(MODULES)
    ('police_uk', 'canonical', True)
    """
    return [_load(name) for name in MODULES]


def by_name(name: str):
    """The adapter module called ``name`` (as recorded on a supply).

    Examples
    --------
    >>> by_name("codepoint_open").DATASETS
    ('ref_postcode',)
    >>> by_name("policeuk")
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: Unknown adapter 'policeuk'; known: police_uk, ...
    """
    for mod in adapters():
        if mod.NAME == name:
            return mod
    raise BadInput(f"Unknown adapter '{name}'; known: {', '.join(m.NAME for m in adapters())}.")


def choose(files: list[Path], dataset_id: str):
    r"""The adapter for these files and dataset (the canonical CSV adapter when none claims them).

    Examples
    --------
    >>> _ = Path("street.csv").write_text("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,"
    ...                                   "LSOA code,LSOA name,Crime type,Last outcome category,Context\n")
    >>> _ = Path("imd.csv").write_text("lsoa_code,imd_score,imd_rank,imd_decile\n")
    >>> choose([Path("street.csv")], "police_uk_street").NAME, choose([Path("imd.csv")], "ref_imd").NAME
    ('police_uk', 'canonical')
    """
    for name in MODULES:
        if SERVES[name] and dataset_id not in SERVES[name]:
            continue
        mod = _load(name)
        if all(mod.detect(Path(f), dataset_id) for f in files):
            return mod
    raise BadInput(
        f"No adapter reads {', '.join(str(f) for f in files)} as '{dataset_id}'. A canonical "
        f"supply is a UTF-8 CSV with a header row of the dataset's columns (DATASETS.md)."
    )
