"""Column mappings that learn: proposed from a supply's header, confirmed once, reused monthly.

Each agency exports with its own headings ("Ref No", "Date Reported", "Post Code"). Writing the
one-to-one mapping YAML by hand (:mod:`workbench.hub.adapters.spreadsheet`) for every agency and
dataset is the step that stops partners supplying. Here:

1. :func:`propose` reads the header and the first rows, and matches every heading to a canonical
   column of the dataset: name similarity (rapidfuzz ``token_set_ratio`` on normalised words, with
   the synonyms agencies use, :data:`SYNONYMS`) plus whether the sample values fit the column's
   kind (a date column's samples parse as dates, a postcode's look like postcodes). Headings and
   columns are paired one to one by the best total score (the assignment problem,
   ``scipy.optimize.linear_sum_assignment``); pairs below :data:`MIN_SCORE` are left unmapped.
2. The supplier (or coordinator) confirms it once: :func:`save` keeps it beside the hub under
   ``mappings/<agency>/<dataset>.yaml`` with the header it was made for.
3. Next month's supply from that agency and dataset reuses it (:func:`for_supply`); if the header
   has changed, the supply is refused naming the headings added and removed, so a changed layout
   is seen rather than silently mis-mapped.

Examples
--------
>>> p = propose("council_asb", ["Ref No", "Date Reported", "Post Code", "Category"],
...             [["A1", "01/03/2024", "NG1 5AW", "Noise"]])
>>> p.columns["Ref No"], p.columns["Date Reported"], p.columns["Post Code"]
('incident_ref', 'incident_date', 'postcode')
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from workbench import catalogue
from workbench.errors import BadInput, Problem, SupplyRejected

FOLDER = "mappings"
#: the lowest combined score (0-100) at which a heading is proposed for a column
MIN_SCORE = 60.0
#: words agencies use for the canonical words
SYNONYMS = {"no": "ref", "number": "ref", "reference": "ref", "id": "ref", "num": "ref", "postcode": "postcode",
            "pc": "postcode", "reported": "date", "dated": "date", "dob": "date of birth", "sex": "gender",
            "eth": "ethnicity", "x": "easting", "y": "northing", "addr": "location", "address": "location",
            "type": "type", "category": "type", "cat": "type", "desc": "description"}
_SAMPLE_ROWS = 20


def _words(name: str) -> str:
    s = re.sub(r"([a-z])([A-Z])", r"\1 \2", str(name))
    s = re.sub(r"[^A-Za-z0-9]+", " ", s).lower().strip()
    s = s.replace("post code", "postcode")
    return " ".join(SYNONYMS.get(w, w) for w in s.split())


def _fits(kind: str, values: list[str]) -> float | None:
    """Share of non-empty samples that fit ``kind`` (None when the kind says nothing)."""
    vals = [v.strip() for v in values if v and v.strip()]
    if not vals:
        return None
    tests = {
        "date": r"^(\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}|\d{8})( .*)?$",
        "time": r"^\d{1,2}[:.]\d{2}(:\d{2})?$",
        "postcode": r"^[A-Za-z]{1,2}\d[A-Za-z\d]? ?\d[A-Za-z]{2}$",
        "easting": r"^\d{5,6}(\.\d+)?$", "northing": r"^\d{5,7}(\.\d+)?$",
        "integer": r"^-?\d+$", "number": r"^-?\d+(\.\d+)?$", "flag": r"^(?i:y|n|yes|no)$",
    }
    pattern = tests.get(kind)
    if pattern is None:
        return None
    return sum(bool(re.match(pattern, v)) for v in vals) / len(vals)


@dataclass
class Proposal:
    """A proposed (or confirmed) column mapping for one header, with each pairing's score (0-100).

    >>> p = propose("council_asb", ["Ref No", "Date Reported", "Notes"], [["A1", "01/03/2024", "x"]])
    >>> p.unmapped, p.formats
    (['Notes'], {'incident_date': '%d/%m/%Y'})
    >>> print(p.to_yaml().splitlines()[0])
    dataset: council_asb
    """

    dataset: str
    header: list[str]
    columns: dict[str, str]                      # heading -> canonical column
    scores: dict[str, float]
    unmapped: list[str] = field(default_factory=list)          # headings not used
    missing_required: list[str] = field(default_factory=list)  # required columns nobody maps to
    formats: dict[str, str] = field(default_factory=dict)      # canonical date column -> strptime format

    def to_dict(self) -> dict:
        return dict(self.__dict__)

    def to_yaml(self) -> str:
        import yaml

        doc = {"dataset": self.dataset, "columns": self.columns, "header": self.header}
        if self.formats:
            doc["formats"] = self.formats
        return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


def propose(dataset_id: str, header: list[str], rows: list[list[str]]) -> Proposal:
    """The best one-to-one mapping of ``header`` onto ``dataset_id``'s columns (see module docs).

    >>> p = propose("council_asb", ["Post Code", "Ref No", "Date Reported"], [["NG1 5AW", "A1", "2024-03-01"]])
    >>> p.columns
    {'Post Code': 'postcode', 'Ref No': 'incident_ref', 'Date Reported': 'incident_date'}
    >>> p.missing_required
    []
    """
    import numpy as np
    from rapidfuzz import fuzz
    from scipy.optimize import linear_sum_assignment

    ds = catalogue.get(dataset_id)
    cols = [c for c in ds.columns if not c.extra]
    score = np.zeros((len(header), len(cols)))
    for i, h in enumerate(header):
        hw = _words(h)
        samples = [r[i] if i < len(r) else "" for r in rows]
        for j, c in enumerate(cols):
            name = fuzz.token_set_ratio(hw, _words(c.name))
            fit = _fits(c.kind, samples)
            score[i, j] = name if fit is None else 0.75 * name + 25 * fit
    ri, ci = linear_sum_assignment(-score)
    mapping, scores = {}, {}
    for i, j in zip(ri, ci):
        if score[i, j] >= MIN_SCORE:
            mapping[header[i]] = cols[j].name
            scores[header[i]] = round(float(score[i, j]), 1)
    used = set(mapping.values())
    kinds = {c.name: c.kind for c in cols}
    formats = {}
    for h, col in mapping.items():
        if kinds[col] == "date":
            fmt = _date_format([r[header.index(h)] for r in rows if header.index(h) < len(r)])
            if fmt:
                formats[col] = fmt
    return Proposal(dataset_id, list(header), mapping, scores,
                    [h for h in header if h not in mapping],
                    [c.name for c in cols if c.required and c.name not in used], formats)


def _date_format(values: list[str]) -> str | None:
    """The strptime format of text dates in British exports (ISO needs none)."""
    vals = [v.strip() for v in values if v and v.strip()]
    if vals and all(re.match(r"^\d{1,2}/\d{1,2}/\d{4}$", v) for v in vals):
        return "%d/%m/%Y"
    if vals and all(re.match(r"^\d{8}$", v) for v in vals):
        return "%Y%m%d"
    return None


def read_header(path: Path | str, *, sheet: str | None = None) -> tuple[list[str], list[list[str]]]:
    r"""A CSV's or XLSX sheet's headings and first rows, as text.

    >>> import tempfile
    >>> f = Path(tempfile.mkdtemp()) / "asb.csv"
    >>> _ = f.write_text("Ref No,Date Reported\nA1,01/03/2024\n")
    >>> read_header(f)
    (['Ref No', 'Date Reported'], [['A1', '01/03/2024']])
    """
    path = Path(path)
    with open(path, "rb") as fh:
        return read_header_from(fh, path.suffix, sheet=sheet)


def read_header_from(fh, suffix: str, *, sheet: str | None = None) -> tuple[list[str], list[list[str]]]:
    r""":func:`read_header` of an open binary file (``suffix`` ``.csv`` or ``.xlsx``): the upload page
    reads the header from its encrypted inbox without writing the plain file anywhere.

    >>> import io
    >>> read_header_from(io.BytesIO("\ufeffRef No, Date Reported\nA1,01/03/2024\n".encode()), ".csv")
    (['Ref No', 'Date Reported'], [['A1', '01/03/2024']])
    """
    import io

    if suffix.lower() == ".xlsx":
        import openpyxl

        wb = openpyxl.load_workbook(fh, read_only=True, data_only=True)
        ws = wb[sheet] if sheet else wb.worksheets[0]
        it = ws.iter_rows(values_only=True)
        header = [str(v).strip() if v is not None else "" for v in next(it, [])]
        rows = [["" if v is None else (v.strftime("%Y-%m-%d") if hasattr(v, "strftime") else str(v)) for v in r]
                for _, r in zip(range(_SAMPLE_ROWS), it)]
        wb.close()
        return header, rows
    reader = csv.reader(io.TextIOWrapper(fh, encoding="utf-8-sig", errors="replace", newline=""))
    header = [h.strip() for h in next(reader, [])]
    rows = [r for _, r in zip(range(_SAMPLE_ROWS), reader)]
    return header, rows


def confirm(dataset_id: str, header: list[str], rows: list[list[str]], columns: dict[str, str]) -> Proposal:
    """The mapping a person confirmed (``columns``: heading -> canonical column, possibly edited
    from :func:`propose`), checked: every heading is in ``header``, every column is the dataset's
    and used once; British date formats are inferred from ``rows`` as :func:`propose` does.

    >>> p = confirm("council_asb", ["Ref", "When", "PC"], [["A1", "01/03/2024", "NG1 5AW"]],
    ...             {"Ref": "incident_ref", "When": "incident_date", "PC": "postcode"})
    >>> p.formats, p.unmapped
    ({'incident_date': '%d/%m/%Y'}, [])
    >>> confirm("council_asb", ["Ref", "No"], [], {"Ref": "incident_ref", "No": "incident_ref"})
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: Column 'incident_ref' is chosen for more than one heading (Ref, No); choose it once.
    """
    ds = catalogue.get(dataset_id)
    cols = {c.name: c for c in ds.columns if not c.extra}
    chosen = {h: c for h, c in columns.items() if c}
    for h, c in chosen.items():
        if h not in header:
            raise BadInput(f"Heading '{h}' is not in the file's header ({', '.join(header)}).")
        if c not in cols:
            raise BadInput(f"Column '{c}' (for heading '{h}') is not a column of {ds.id}; expected one of "
                           f"{', '.join(cols)}.")
    for c in dict.fromkeys(chosen.values()):
        heads = [h for h, x in chosen.items() if x == c]
        if len(heads) > 1:
            raise BadInput(f"Column '{c}' is chosen for more than one heading ({', '.join(heads)}); choose it once.")
    formats = {}
    for h, c in chosen.items():
        if cols[c].kind == "date":
            i = header.index(h)
            fmt = _date_format([r[i] for r in rows if i < len(r)])
            if fmt:
                formats[c] = fmt
    used = set(chosen.values())
    return Proposal(ds.id, list(header), dict(chosen), {h: 100.0 for h in chosen},
                    [h for h in header if h not in chosen],
                    [c.name for c in cols.values() if c.required and c.name not in used], formats)


def saved_header(hub: Path | str, agency: str, dataset_id: str) -> list[str] | None:
    """The header the agency's saved mapping for ``dataset_id`` was confirmed for (None: none saved).

    >>> import tempfile
    >>> hub = Path(tempfile.mkdtemp()) / "hub.duckdb"
    >>> saved_header(hub, "City Council", "council_asb") is None
    True
    >>> _ = save(hub, "City Council", propose("council_asb", ["Ref No", "Date Reported"], [["A1", "2024-03-01"]]))
    >>> saved_header(hub, "City Council", "council_asb")
    ['Ref No', 'Date Reported']
    """
    import yaml

    saved = path_for(hub, agency, dataset_id)
    if not saved.exists():
        return None
    doc = yaml.safe_load(saved.read_text(encoding="utf-8")) or {}
    return list(doc.get("header") or [])


def _slug(agency: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", agency.lower()).strip("-") or "agency"


def path_for(hub: Path | str, agency: str, dataset_id: str) -> Path:
    """Where the agency's mapping for the dataset is kept, beside the hub.

    >>> path_for("/srv/csp/hub.duckdb", "Riverside Housing", "council_asb").as_posix()
    '/srv/csp/mappings/riverside-housing/council_asb.yaml'
    """
    return Path(hub).parent / FOLDER / _slug(agency) / f"{catalogue.get(dataset_id).id}.yaml"


def save(hub: Path | str, agency: str, proposal: Proposal) -> Path:
    """Keep a confirmed mapping for this agency and dataset (the previous one goes to history).

    >>> import tempfile
    >>> hub = Path(tempfile.mkdtemp()) / "hub.duckdb"
    >>> p = propose("council_asb", ["Ref No", "Date Reported"], [["A1", "2024-03-01"]])
    >>> save(hub, "City Council", p).name
    'council_asb.yaml'
    >>> save(hub, "City Council", propose("council_asb", ["Notes"], [["x"]]))
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: The mapping leaves required column(s) ... unmapped; map a heading to each before confirming.
    """
    import os
    import tempfile

    if proposal.missing_required:
        raise BadInput(f"The mapping leaves required column(s) {', '.join(proposal.missing_required)} "
                       f"unmapped; map a heading to each before confirming.")
    out = path_for(hub, agency, proposal.dataset)
    out.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, suffix=".yaml")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(proposal.to_yaml())
    if out.exists():
        hist = out.parent / "history"
        hist.mkdir(mode=0o700, exist_ok=True)
        n = len(list(hist.glob(f"{out.stem}.*.yaml"))) + 1
        os.replace(out, hist / f"{out.stem}.{n}.yaml")
    os.replace(tmp, out)
    return out


def for_supply(hub: Path | str, agency: str | None, dataset_id: str, files) -> Path | None:
    r"""The saved mapping to use for these files, or None when there is none (or the files are
    canonical). A header that differs from the saved one is refused, naming what changed.

    >>> import tempfile
    >>> hub = Path(tempfile.mkdtemp()) / "hub.duckdb"
    >>> march = hub.with_name("march.csv")
    >>> _ = march.write_text("Ref No,Date Reported\nA1,2024-03-01\n")
    >>> for_supply(hub, "City Council", "council_asb", [march]) is None       # nothing saved yet
    True
    >>> _ = save(hub, "City Council", propose("council_asb", *read_header(march)))
    >>> for_supply(hub, "City Council", "council_asb", [march]).name
    'council_asb.yaml'
    >>> _ = march.write_text("Ref No,Reported\nA1,2024-03-01\n")
    >>> for_supply(hub, "City Council", "council_asb", [march])
    Traceback (most recent call last):
    ...
    workbench.errors.SupplyRejected: ...
    """
    import yaml

    if not agency:
        return None
    saved = path_for(hub, agency, dataset_id)
    data = [Path(f) for f in files if Path(f).suffix.lower() in (".csv", ".xlsx")]
    if not saved.exists() or not data:
        return None
    doc = yaml.safe_load(saved.read_text(encoding="utf-8")) or {}
    want = list(doc.get("header") or [])
    canonical = set(catalogue.get(dataset_id).column_names)
    for f in data:
        header, _ = read_header(f)
        if set(header) <= canonical:
            return None                      # canonical headings: no mapping needed
        if header != want:
            added = [h for h in header if h not in want]
            removed = [h for h in want if h not in header]
            raise SupplyRejected(dataset_id, [Problem(
                f.name, 1, None, f"the layout confirmed for {agency} ({len(want)} headings)",
                "a changed layout: " + "; ".join(filter(None, [f"added {added}" if added else "",
                                                             f"removed {removed}" if removed else "",
                                                             "same headings in another order" if not (added or removed) else ""]))
                + " — check it with `workbench hub map FILE --dataset … --agency …` and confirm again")])
    return saved
