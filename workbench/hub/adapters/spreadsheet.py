"""Agency spreadsheets (XLSX, or CSV with a mapping) through a column-mapping YAML.

Partner agencies export from their own systems with their own headings (guidance 3.4,
"coding systems"). A mapping file says which source heading is which canonical column and,
optionally, how coded values translate::

    dataset: council_asb            # optional; checked against the supply's dataset
    sheet: ASB log                  # optional; default the first sheet
    header_row: 1                   # optional; the row holding the headings (1-based)
    columns:                        # source heading -> canonical column (DATASETS.md)
      Ref No: incident_ref
      Date Reported: incident_date
      Time: incident_time
      Category: incident_type
      Post Code: postcode
    values:                         # optional: canonical column -> {source value: canonical}
      incident_type: {"Noise - Domestic": noise, "Rowdy Behaviour": rowdy}
    formats:                        # optional: strptime format of text dates in a column
      incident_date: "%d/%m/%Y"

The mapping is found (first match): a ``.yaml``/``.yml`` file supplied with the data (so it is
part of the supply and its hash), ``<data file stem>.mapping.yaml`` beside the data file, or
``mapping.yaml`` in the same folder. An XLSX without any mapping must use canonical headings.
Excel dates and times become ``YYYY-MM-DD`` and ``HH:MM``; ``_line`` is the spreadsheet row.
Formulas are read as their saved results; a formula saved without a result is read as its text
(``=HYPERLINK(…)``), which a typed column rejects and a text column flags as formula-like.
Unmapped source columns are not read (data minimisation, guidance 4.2.2).
"""

from __future__ import annotations

import csv
import difflib
from datetime import date, datetime, time
from pathlib import Path

from workbench.catalogue.model import Dataset
from workbench.errors import Problem, SupplyRejected

NAME = "spreadsheet_mapping"
DATASETS: tuple[str, ...] = ()  # any dataset
DATA_SUFFIXES = (".xlsx", ".csv")
MAPPING_SUFFIXES = (".yaml", ".yml")
#: ``header``: the headings a saved mapping was confirmed for (workbench.hub.mappings)
MAPPING_KEYS = {"dataset", "sheet", "header_row", "columns", "values", "formats", "header"}


def sidecar(path: Path) -> Path | None:
    r"""The mapping file that belongs to a data file, if one sits beside it.

    Examples
    --------
    >>> Path("sidecar").mkdir()
    >>> _ = Path("sidecar/asb.csv").write_text("Ref No\nR1\n")
    >>> sidecar(Path("sidecar/asb.csv")) is None
    True
    >>> _ = Path("sidecar/asb.mapping.yaml").write_text("columns: {Ref No: incident_ref}\n")
    >>> sidecar(Path("sidecar/asb.csv")).name
    'asb.mapping.yaml'
    """
    for cand in (path.with_name(path.stem + ".mapping.yaml"), path.with_name(path.stem + ".mapping.yml"),
                 path.with_name("mapping.yaml"), path.with_name("mapping.yml")):
        if cand.exists():
            return cand
    return None


def detect(path: Path, dataset_id: str) -> bool:
    r"""True for an XLSX file, a mapping file, or a CSV with a mapping beside it.

    Examples
    --------
    >>> Path("detect").mkdir()
    >>> _ = Path("detect/asb.csv").write_text("Ref No\nR1\n")
    >>> detect(Path("detect/log.xlsx"), "council_asb"), detect(Path("detect/asb.csv"), "council_asb")
    (True, False)
    """
    suffix = path.suffix.lower()
    if suffix in (".xlsx", *MAPPING_SUFFIXES):
        return True
    return suffix == ".csv" and sidecar(path) is not None


def load_mapping(path: Path, ds: Dataset) -> dict:
    r"""Read and check a mapping file; raise SupplyRejected naming what is wrong.

    Examples
    --------
    >>> from workbench import catalogue
    >>> _ = Path("asb.yaml").write_text("columns:\n  Ref No: incident_rf\n")
    >>> load_mapping(Path("asb.yaml"), catalogue.get("council_asb"))
    Traceback (most recent call last):
    ...
    workbench.errors.SupplyRejected: Supply for 'council_asb' rejected: 1 problem(s); nothing was changed.
      asb.yaml, column 'Ref No': expected a column of 'council_asb' (did you mean 'incident_ref'?); found "'incident_rf'"
    """
    import yaml

    def bad(expected, found):
        return SupplyRejected(ds.id, [Problem(path.name, None, None, expected, found)])

    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise bad("a YAML column mapping", str(exc)[:160]) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("columns"), dict) or not doc["columns"]:
        raise bad("a mapping with 'columns: {source heading: canonical column}'", repr(doc)[:160])
    unknown = sorted(set(doc) - MAPPING_KEYS, key=str)
    if unknown:
        raise bad(f"only the keys {sorted(MAPPING_KEYS)}", f"unknown key(s) {unknown}")
    hr = doc.get("header_row")
    if hr is not None and (isinstance(hr, bool) or not isinstance(hr, int) or hr < 1):
        raise bad("'header_row' a whole number from 1 (the row holding the headings)", repr(hr)[:40])
    if doc.get("sheet") is not None and not isinstance(doc["sheet"], str):
        raise bad("'sheet' the name of a sheet (text)", repr(doc["sheet"])[:40])
    for key in ("values", "formats"):
        part = doc.get(key)
        if part is not None and not isinstance(part, dict):
            raise bad(f"'{key}' a mapping of canonical column -> …", type(part).__name__)
    for target, vmap in (doc.get("values") or {}).items():
        if vmap is not None and not isinstance(vmap, dict):
            raise bad(f"'values: {target}' a mapping of source value -> canonical value", type(vmap).__name__)
    for target, fmt in (doc.get("formats") or {}).items():
        if not isinstance(fmt, str) or not fmt.strip():
            raise bad(f"'formats: {target}' a strptime format such as '%d/%m/%Y'", repr(fmt)[:40])
    if doc.get("dataset") not in (None, ds.id):
        raise bad(f"dataset '{ds.id}'", f"a mapping for '{doc['dataset']}'")
    problems = []
    targets = list(doc["columns"].values())
    for source, target in doc["columns"].items():
        if target not in ds.column_names:
            close = difflib.get_close_matches(str(target), ds.column_names, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append(Problem(path.name, None, str(source), f"a column of '{ds.id}'{hint}",
                                    f"'{target}'"))
    for t in {t for t in targets if isinstance(t, str) and targets.count(t) > 1}:
        problems.append(Problem(path.name, None, t, "each canonical column mapped once",
                                f"'{t}' mapped {targets.count(t)} times"))
    for key in ("values", "formats"):
        for target in (doc.get(key) or {}):
            if target not in targets:
                problems.append(Problem(path.name, None, str(target),
                                        f"'{key}' only for mapped columns", f"'{target}' is not mapped"))
    if problems:
        raise SupplyRejected(ds.id, problems)
    return doc


def _read_xlsx(path: Path, sheet: str | None, header_row: int) -> tuple[list[str], list[tuple[int, list]]]:
    """Headings and records of one sheet: saved values, or a formula's text when the workbook
    holds no saved result for it (so nothing vanishes silently: typed columns then reject it
    and text columns flag it as formula-like)."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
        wf = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:
        raise SupplyRejected("spreadsheet", [Problem(path.name, None, None, "an XLSX workbook",
                                                     str(exc)[:160])]) from None
    try:
        if sheet is not None and sheet not in wb.sheetnames:
            raise SupplyRejected("spreadsheet", [Problem(path.name, None, None,
                                                         f"a sheet named '{sheet}'",
                                                         f"sheets {wb.sheetnames}")])
        ws = wb[sheet] if sheet is not None else wb.worksheets[0]
        wsf = wf[sheet] if sheet is not None else wf.worksheets[0]
        header: list[str] = []
        rows: list[tuple[int, list]] = []
        pairs = zip(ws.iter_rows(values_only=True), wsf.iter_rows(values_only=True))
        for i, (values, formulas) in enumerate(pairs, start=1):
            if i < header_row:
                continue
            if i == header_row:
                header = ["" if v is None else str(v).strip() for v in values]
                continue
            values = [f if v is None and isinstance(f, str) and f.startswith("=") else v
                      for v, f in zip(values, formulas)]
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue  # blank spreadsheet rows are formatting, not records
            rows.append((i, values))
        return header, rows
    finally:
        wb.close()
        wf.close()


def _read_csv(path: Path, header_row: int) -> tuple[list[str], list[tuple[int, list]]]:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        header: list[str] = []
        rows = []
        for i, values in enumerate(reader, start=1):
            if i < header_row:
                continue
            if i == header_row:
                header = [v.strip() for v in values]
                continue
            if values and any(v.strip() for v in values):
                rows.append((i, values))
    return header, rows


def _text(value, kind: str, fmt: str | None):
    if value is None:
        return None
    if isinstance(value, datetime):
        if kind == "time":
            return value.strftime("%H:%M")
        if kind == "timestamp":
            return value.strftime("%Y-%m-%d %H:%M:%S")
        return value.strftime("%Y-%m-%d")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    if fmt and text.strip():
        try:
            parsed = datetime.strptime(text.strip(), fmt)
        except ValueError:
            return text  # left as found: validation rejects it naming the row
        return parsed.strftime({"time": "%H:%M", "timestamp": "%Y-%m-%d %H:%M:%S"}.get(kind, "%Y-%m-%d"))
    return text


def stage(con, files: list[Path], ds: Dataset, table: str) -> None:
    r"""Stage spreadsheets (or CSVs) through their column mapping: headings renamed, coded values translated, text dates read with their format.

    Examples
    --------
    >>> import duckdb
    >>> from workbench import catalogue
    >>> Path("stage").mkdir()
    >>> _ = Path("stage/asb.csv").write_text("Ref No,Date Reported,Category,Officer\nR1,05/01/2024,Noise - Domestic,PC 123\n")
    >>> _ = Path("stage/asb.mapping.yaml").write_text(
    ...     "columns:\n  Ref No: incident_ref\n  Date Reported: incident_date\n  Category: incident_type\n"
    ...     "values:\n  incident_type: {'Noise - Domestic': noise}\nformats:\n  incident_date: '%d/%m/%Y'\n")
    >>> con = duckdb.connect()
    >>> stage(con, [Path("stage/asb.csv")], catalogue.get("council_asb"), "staged")
    >>> con.execute("SELECT * FROM staged").fetchall()          # the unmapped Officer column is not read
    [('R1', '2024-01-05', 'noise', 'asb.csv', 2)]
    """
    supplied_maps = [f for f in files if f.suffix.lower() in MAPPING_SUFFIXES]
    data = [f for f in files if f.suffix.lower() not in MAPPING_SUFFIXES]
    if len(supplied_maps) > 1:
        raise SupplyRejected(ds.id, [Problem(", ".join(f.name for f in supplied_maps), None, None,
                                             "at most one mapping file per supply",
                                             f"{len(supplied_maps)} mapping files")])
    if not data:
        raise SupplyRejected(ds.id, [Problem(supplied_maps[0].name, None, None,
                                             "spreadsheet or CSV files with the mapping", "only a mapping")])
    for f in data:
        mpath = supplied_maps[0] if supplied_maps else sidecar(f)
        if mpath is not None:
            mapping = load_mapping(mpath, ds)
        elif f.suffix.lower() == ".xlsx":
            mapping = {"columns": None}
        else:
            raise SupplyRejected(ds.id, [Problem(f.name, None, None, "a column mapping (.yaml)",
                                                 "no mapping supplied or beside the file")])
        header_row = int(mapping.get("header_row") or 1)
        if f.suffix.lower() == ".xlsx":
            header, rows = _read_xlsx(f, mapping.get("sheet"), header_row)
        else:
            header, rows = _read_csv(f, header_row)
        columns = mapping["columns"] or {h: h.lower() for h in header if h}
        if mapping["columns"] is None:
            from workbench.hub.adapters.canonical import check_header

            problems = check_header(f, ds, header)
            if problems:
                raise SupplyRejected(ds.id, problems)
        missing = [s for s in columns if s not in header]
        if missing:
            raise SupplyRejected(ds.id, [Problem(f.name, header_row, str(s),
                                                 f"a heading '{s}' (from the mapping)",
                                                 f"headings {[h for h in header if h]}") for s in missing])
        values = mapping.get("values") or {}
        formats = mapping.get("formats") or {}
        frame = {"_line": [i for i, _ in rows]}
        for source, target in columns.items():
            j = header.index(source)
            kind = ds.column(target).kind
            vmap = {str(k): (None if v is None else str(v)) for k, v in (values.get(target) or {}).items()}
            col = []
            for _, vals in rows:
                v = _text(vals[j] if j < len(vals) else None, kind, formats.get(target))
                if v is not None and vmap:
                    v = vmap.get(v.strip(), v)
                col.append(v)
            frame[target] = col
        import pandas as pd  # only here: choosing an adapter must not import pandas

        from workbench.hub.adapters.frames import stage_frame

        stage_frame(con, pd.DataFrame(frame), table, file=f.name)
