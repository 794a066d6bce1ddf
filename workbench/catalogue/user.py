"""User-defined datasets: the coordinator declares a new dataset in YAML, with no code change.

Housing-provider ASB cases, CCTV incidents, interventions or school locations are not in the 2010
guidance's list (3.2), but a partnership needs them in its hub. A **dataset declaration** is a
YAML file that says what a built-in dataset says in code (:class:`~workbench.catalogue.model.Dataset`):

.. code-block:: yaml

    id: housing_asb_case              # lower-case snake_case, not a built-in id
    title: Housing provider ASB cases
    version: 1                        # a later version may only ADD columns
    source: local                     # the guidance/local reference it answers to
    agency: housing_provider          # the supplying agency type
    class: D                          # D, P, SP, aggregate or reference (guidance 2.1)
    tiers: [peripheral]
    cadence: monthly                  # monthly, quarterly, yearly, as_needed
    key: [case_ref]                   # a later supply of the same key supersedes (history kept)
    date_column: report_date
    quasi_identifiers: [age]          # published only in k-anonymous combinations
    columns:
      - {name: case_ref, kind: ref, required: true}
      - {name: report_date, kind: date, required: true}
      - {name: category, kind: code, allowed: [noise, vandalism, harassment]}
      - {name: tenant_name, kind: text, ident: true}   # never leaves the master tier
      - {name: age, kind: age}
      - {name: location, kind: text}
      - {name: postcode, kind: postcode}
      - {name: easting, kind: easting}
      - {name: northing, kind: northing}

:func:`parse` validates a declaration in one place and names every problem (the field, what was
expected, what was found). The hub keeps its declarations beside it (``<hub folder>/datasets/
<id>.yaml``, written by ``workbench datasets add``, audited) and :func:`load` registers them in
the catalogue whenever the hub is opened, so ingest, validation, the quality report, publish
(Appendix 1 for class D, counts for P/SP) and the checker treat them like the built-in ones.

Examples
--------
>>> ds = parse({"id": "cctv_incident", "title": "CCTV incidents", "version": 1, "agency": "local_authority",
...             "class": "D", "tiers": ["peripheral"], "cadence": "monthly", "date_column": "incident_date",
...             "columns": [{"name": "incident_ref", "kind": "ref", "required": True},
...                         {"name": "incident_date", "kind": "date", "required": True}]})
>>> ds.id, ds.klass, [c.name for c in ds.columns]
('cctv_incident', 'D', ['incident_ref', 'incident_date'])
"""

from __future__ import annotations

import re
from pathlib import Path

from workbench.catalogue.model import CADENCES, CLASSES, TIERS, Column, Dataset
from workbench.catalogue.types import KINDS
from workbench.errors import BadInput

#: the folder beside the hub that holds its declarations
FOLDER = "datasets"
_ID = re.compile(r"^[a-z][a-z0-9_]{2,62}$")
_TOP = {"id", "title", "version", "source", "agency", "class", "tiers", "cadence", "key", "partition",
        "date_column", "description", "quasi_identifiers", "sensitive", "columns"}
_COL = {"name", "kind", "ident", "allowed", "strict", "required", "description"}
#: ids declared by this process's hubs (so a built-in id is never replaced)
_USER: dict[str, tuple[int, Dataset]] = {}


def _problem(where: str, expected: str, found) -> str:
    return f"{where}: expected {expected}; found {found!r}"


def parse(doc: dict, *, where: str = "declaration") -> Dataset:
    """A :class:`Dataset` from a declaration; BadInput listing every problem otherwise.

    Examples
    --------
    >>> ds = parse({"id": "cctv_incident", "title": "CCTV incidents", "version": 1, "class": "D",
    ...             "columns": [{"name": "incident_ref", "kind": "ref", "required": True}]})
    >>> ds.tiers, ds.cadence, ds.column("incident_ref").extra
    (('peripheral',), 'monthly', True)
    >>> parse({"id": "police_uk_street", "title": "x", "version": 0, "class": "D", "columns": []})
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: The dataset declaration has problems; nothing was changed:
      declaration, field 'id': expected an id that is not a built-in dataset; found 'police_uk_street'
      declaration, field 'version': expected a whole number from 1; found 0
      declaration, field 'columns': expected a non-empty list of columns; found []
    """
    from workbench import catalogue

    problems: list[str] = []
    if not isinstance(doc, dict):
        raise BadInput(_problem(where, "a YAML mapping with id, title, version, class and columns", type(doc).__name__))
    for k in sorted(set(doc) - _TOP):
        problems.append(_problem(f"{where}, field '{k}'", f"one of {', '.join(sorted(_TOP))}", k))
    did = doc.get("id")
    if not isinstance(did, str) or not _ID.match(did):
        problems.append(_problem(f"{where}, field 'id'", "a lower-case snake_case id of 3-63 characters", did))
    elif did in catalogue.BUILT_IN_IDS:
        problems.append(_problem(f"{where}, field 'id'", "an id that is not a built-in dataset", did))
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        problems.append(_problem(f"{where}, field 'version'", "a whole number from 1", version))
    klass = doc.get("class")
    if klass not in CLASSES:
        problems.append(_problem(f"{where}, field 'class'", f"one of {', '.join(CLASSES)}", klass))
    tiers = doc.get("tiers", ["peripheral"])
    if not isinstance(tiers, list) or any(t not in TIERS for t in tiers):
        problems.append(_problem(f"{where}, field 'tiers'", f"a list of {', '.join(TIERS)}", tiers))
    cadence = doc.get("cadence", "monthly")
    if cadence not in CADENCES:
        problems.append(_problem(f"{where}, field 'cadence'", f"one of {', '.join(CADENCES)}", cadence))
    columns: list[Column] = []
    raw_cols = doc.get("columns")
    if not isinstance(raw_cols, list) or not raw_cols:
        problems.append(_problem(f"{where}, field 'columns'", "a non-empty list of columns", raw_cols))
        raw_cols = []
    for i, c in enumerate(raw_cols, 1):
        at = f"{where}, column {i}"
        if not isinstance(c, dict):
            problems.append(_problem(at, "a mapping with name and kind", c))
            continue
        for k in sorted(set(c) - _COL):
            problems.append(_problem(f"{at}, field '{k}'", f"one of {', '.join(sorted(_COL))}", k))
        name, kind = c.get("name"), c.get("kind", "text")
        if not isinstance(name, str) or not re.match(r"^[a-z][a-z0-9_]{0,62}$", name) or name.startswith("_"):
            problems.append(_problem(f"{at}, field 'name'", "a lower-case snake_case column name", name))
            continue
        if kind not in KINDS:
            problems.append(_problem(f"{at} ('{name}'), field 'kind'", f"one of {', '.join(KINDS)}", kind))
            continue
        allowed = c.get("allowed")
        if allowed is not None and (not isinstance(allowed, list) or not all(isinstance(a, str) for a in allowed)):
            problems.append(_problem(f"{at} ('{name}'), field 'allowed'", "a list of text values", allowed))
            continue
        flags = {k: c.get(k, False) for k in ("ident", "strict", "required")}
        bad = [k for k, v in flags.items() if not isinstance(v, bool)]
        if bad:
            problems.append(_problem(f"{at} ('{name}'), field '{bad[0]}'", "true or false", c.get(bad[0])))
            continue
        columns.append(Column(name, kind, ident=flags["ident"], allowed=tuple(allowed) if allowed else None,
                              strict=flags["strict"], required=flags["required"], extra=True,
                              description=str(c.get("description", ""))))
    if problems:
        raise BadInput("The dataset declaration has problems; nothing was changed:\n  " + "\n  ".join(problems))
    try:
        return Dataset(did, str(doc.get("title") or did), str(doc.get("source", "local")),
                       str(doc.get("agency", "local")), klass, tuple(tiers), cadence, tuple(columns),
                       key=tuple(doc.get("key") or ()), partition=tuple(doc.get("partition") or ()),
                       date_column=doc.get("date_column"), description=str(doc.get("description", "")),
                       quasi_identifiers=tuple(doc.get("quasi_identifiers") or ()),
                       sensitive=tuple(doc.get("sensitive") or ()))
    except ValueError as exc:   # the model's own checks: key/date column not a column, duplicates
        raise BadInput(f"{where}: {exc}") from None


def read(path: Path | str) -> tuple[int, Dataset]:
    """``(version, dataset)`` from a YAML declaration file.

    Examples
    --------
    >>> _ = Path("cctv_incident.yaml").write_text(
    ...     "id: cctv_incident\\ntitle: CCTV incidents\\nversion: 2\\nclass: D\\n"
    ...     "columns:\\n  - {name: incident_ref, kind: ref}\\n", encoding="utf-8")
    >>> version, ds = read("cctv_incident.yaml")
    >>> version, ds.id, ds.column_names
    (2, 'cctv_incident', ['incident_ref'])
    """
    import yaml

    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise BadInput(f"{path.name}: not a readable YAML declaration ({exc}).") from None
    return doc.get("version") if isinstance(doc, dict) else None, parse(doc, where=path.name)


def check_upgrade(old: Dataset, new: Dataset) -> None:
    """A new version may add columns, never remove, rename or retype one (contract: only add).

    Examples
    --------
    >>> doc = {"id": "cctv_incident", "title": "CCTV", "version": 1, "class": "D",
    ...        "columns": [{"name": "incident_ref", "kind": "ref"}, {"name": "camera", "kind": "text"}]}
    >>> v1 = parse(doc)
    >>> check_upgrade(v1, parse({**doc, "version": 2, "columns": doc["columns"] + [{"name": "zone", "kind": "code"}]}))
    >>> check_upgrade(v1, parse({**doc, "version": 2, "columns": doc["columns"][:1]}))
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: Dataset 'cctv_incident': a new version may only add columns; removed ['camera']
    """
    have = {c.name: c for c in new.columns}
    lost = [c.name for c in old.columns if c.name not in have]
    changed = [c.name for c in old.columns if c.name in have and (have[c.name].kind, have[c.name].ident)
               != (c.kind, c.ident)]
    if lost or changed or new.klass != old.klass:
        raise BadInput(f"Dataset '{new.id}': a new version may only add columns; "
                       + "; ".join(filter(None, [f"removed {lost}" if lost else "",
                                                 f"changed kind/ident of {changed}" if changed else "",
                                                 f"class {old.klass} -> {new.klass}" if new.klass != old.klass else ""])))


def register(version: int, ds: Dataset) -> None:
    """Add (or upgrade) a user dataset in this process's catalogue.

    Examples
    --------
    >>> from workbench import catalogue
    >>> register(1, parse({"id": "doc_register_example", "title": "Example", "version": 1, "class": "D",
    ...                    "columns": [{"name": "ref", "kind": "ref"}]}))
    >>> catalogue.get("doc_register_example").title, declared()["doc_register_example"]
    ('Example', 1)
    >>> _forget("doc_register_example")            # leave this process's catalogue as it was
    """
    from workbench import catalogue

    if ds.id in catalogue.BUILT_IN_IDS:
        raise BadInput(f"'{ds.id}' is a built-in dataset.")
    _USER[ds.id] = (version, ds)
    catalogue.BY_ID[ds.id] = ds
    catalogue.DATASETS = tuple(d for d in catalogue.DATASETS if d.id != ds.id) + (ds,)


def load(hub_folder: Path | str) -> list[Dataset]:
    """Register every declaration kept beside a hub (``<folder>/datasets/*.yaml``).

    Examples
    --------
    >>> from workbench import catalogue
    >>> Path("hub", FOLDER).mkdir(parents=True)
    >>> _ = Path("hub", FOLDER, "doc_load_example.yaml").write_text(
    ...     "id: doc_load_example\\ntitle: Loaded\\nversion: 1\\nclass: D\\ncolumns:\\n  - {name: ref, kind: ref}\\n")
    >>> [d.id for d in load("hub")], catalogue.get("doc_load_example").title
    (['doc_load_example'], 'Loaded')
    >>> load("no such folder")
    []
    >>> _forget("doc_load_example")                # leave this process's catalogue as it was
    """
    folder = Path(hub_folder) / FOLDER
    out = []
    if not folder.is_dir():
        return out
    for path in sorted(folder.glob("*.yaml")):
        version, ds = read(path)
        if _USER.get(ds.id, (0, None))[0] != version or ds.id not in _loaded_ids():
            register(version, ds)
        out.append(ds)
    return out


def _loaded_ids() -> set[str]:
    from workbench import catalogue

    return set(catalogue.BY_ID)


def declared() -> dict[str, int]:
    """User dataset ids registered in this process, with their versions.

    Examples
    --------
    >>> register(3, parse({"id": "doc_declared_example", "title": "Example", "version": 3, "class": "D",
    ...                    "columns": [{"name": "ref", "kind": "ref"}]}))
    >>> declared()["doc_declared_example"]
    3
    >>> _forget("doc_declared_example")            # leave this process's catalogue as it was
    """
    return {k: v for k, (v, _) in _USER.items()}


def _forget(dataset_id: str) -> None:
    """Take a user dataset out of this process's catalogue (the examples clean up with it)."""
    from workbench import catalogue

    _USER.pop(dataset_id, None)
    catalogue.BY_ID.pop(dataset_id, None)
    catalogue.DATASETS = tuple(d for d in catalogue.DATASETS if d.id != dataset_id)
