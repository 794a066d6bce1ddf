"""``workbench hub export``: what a user may see of a dataset, marked, described and audited.

* Depersonalised access reads the **shared tier** (``open_shared_tier``: read-only, external access
  off, configuration locked), restricted to the partnerships the user may see
  (:meth:`~workbench.registry.Registry.visible_partnerships`) by the table's ``partnership``
  column, which publish gives every record-level and ``<id>_counts`` table; rows whose supply
  names no partnership are shown only when the user may see every partnership. A case-level
  or aggregate table without that column is refused (exit 3) when the hub holds a partnership
  the user may not see, because its rows could not be separated.
* Personal data comes only from the encrypted copy released under an approved, unexpired
  request (``--request ID``; guidance 4.3) and holds only the fields the request names. Such
  an export must be written inside the restricted folder that holds the hub, and is registered
  with the request, so its purge deletes the file too (DPA principle 5; 4.3.6).
* Every file carries its **protective marking** (guidance 2.1 D; default
  OFFICIAL-SENSITIVE, per-dataset override with ``workbench marking set``) where the tools that
  open it keep it without mistaking it for data: in the **file name** (``street.csv`` is written
  as ``street_OFFICIAL-SENSITIVE.csv`` unless the name already carries the marking), the print
  header/footer and document properties of an XLSX sheet, the schema metadata of a Parquet
  file, the layer metadata of a GeoPackage, and a ``FILE.meta.json`` sidecar. The first line of
  a CSV and the first row of an XLSX sheet are the column names, so pandas, Excel's data import
  and QGIS read the header as it is.
* **Small cells** (guidance 2.4.1.2; issue 13): a user who does not see records
  (:func:`~workbench.privacy.access.sees_records`: viewers, whom the matrix lets export only
  aggregate and reference tables) gets an aggregate table's counts through the dashboards'
  primary and secondary suppression (:func:`suppressed_for`); the sidecar and the audit entry
  say how many cells were hidden, never their values. Reference layers (open data) are
  exported as published.
* CSV and XLSX text cells that begin with ``= + - @``, a tab or a carriage return get a
  leading apostrophe so a spreadsheet shows them as text instead of running them as a
  formula (OWASP "CSV injection").
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from workbench import catalogue
from workbench.hub.supply_files import file_sha256
from workbench.errors import AccessDenied, BadInput
from workbench.privacy import access
from workbench.privacy import requests as personal_requests
from workbench.privacy.disclosure import DEFAULT_THRESHOLD, suppress_long

FORMATS = ("csv", "parquet", "gpkg", "xlsx")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PARTNERSHIP_COLUMNS = ("partnership", "_partnership")
#: the suffix of the suppressed-count table a personal dataset publishes (privacy/publication.py)
COUNTS_SUFFIX = "_counts"


def neutralise_cell(value):
    """Prefix ``'`` to a text cell a spreadsheet would treat as a formula; other values unchanged.

    >>> neutralise_cell("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> neutralise_cell(-5), neutralise_cell("Main St")
    (-5, 'Main St')
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell passed through :func:`neutralise_cell`.

    Numeric columns are left alone: a number cannot carry a formula.

    Examples
    --------
    >>> import pandas as pd
    >>> neutralise_frame(pd.DataFrame({"note": ["=SUM(A1)", "ok"], "n": [1, 2]}))["note"].tolist()
    ["'=SUM(A1)", 'ok']
    """
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col].dtype):
            out[col] = out[col].map(neutralise_cell, na_action="ignore")
    return out


@dataclass
class ExportResult:
    """What :func:`export` wrote: the file, its rows, columns, marking, tier and digest.

    Examples
    --------
    >>> r = ExportResult("police_uk_street", "ana", "out/street_OFFICIAL-SENSITIVE.csv", "csv", 12,
    ...                  ["crime_id"], "OFFICIAL-SENSITIVE", "shared", "0" * 64, None,
    ...                  "out/street_OFFICIAL-SENSITIVE.csv.meta.json")
    >>> r.to_text()[:61]
    "[OFFICIAL-SENSITIVE] Exported 12 row(s) of 'police_uk_street'"
    """

    dataset: str
    user: str
    path: str
    format: str
    rows: int
    columns: list[str]
    marking: str
    tier: str
    sha256: str
    request_id: int | None
    sidecar: str

    def to_dict(self) -> dict:
        return dict(self.__dict__)

    def to_text(self) -> str:
        return (f"[{self.marking}] Exported {self.rows} row(s) of '{self.dataset}' ({self.tier} tier) "
                f"to {self.path}; metadata in {self.sidecar}.")


def _format(out: Path, fmt: str | None) -> str:
    if fmt is None:
        fmt = out.suffix.lstrip(".").lower() or "csv"
    from workbench.checks import choice

    return choice("format", fmt, FORMATS)


def _shared_frame(reg, hub: Path, dataset_id: str, user) -> pd.DataFrame:
    from workbench.privacy.shared import open_shared_tier

    con = open_shared_tier(hub)
    try:
        present = {r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}
        # personal datasets reach the shared tier only as suppressed counts (``<id>_counts``)
        table = next((t for t in (dataset_id, dataset_id + COUNTS_SUFFIX) if t in present), None)
        if table is None:
            raise BadInput(f"'{dataset_id}' is not in the shared (depersonalised) tier; it is published "
                           f"by `workbench hub publish` once supplied, or, for personal data, export it "
                           f"under an approved request with --request.")
        cols = [r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? AND "
            "table_schema = 'main' ORDER BY ordinal_position", [table]).fetchall()]
        part = next((c for c in PARTNERSHIP_COLUMNS if c in cols), None)
        sql, args = f'SELECT * FROM main."{table}"', []
        visible = reg.visible_partnerships(user)
        hidden = {p.name for p in reg.list_partnerships()} - visible
        if part is not None:
            # rows of a supply tagged with no partnership cannot be attributed: shown only to a
            # user who may see every partnership of the hub (deny by default)
            sql += (f' WHERE "{part}" IN (SELECT unnest(?::VARCHAR[]))'
                    + ("" if hidden else f' OR "{part}" IS NULL'))
            args.append(sorted(visible))
        else:
            if hidden and catalogue.get(dataset_id).klass != "reference":
                reg.audit(user.name, "export", dataset_id, {"reason": "cannot separate partnerships",
                                                            "hidden": sorted(hidden)}, outcome="denied")
                raise AccessDenied(
                    f"Access denied: the shared table '{table}' has no partnership column, so the data of "
                    f"{', '.join(sorted(hidden))} (which has not agreed to share with you) cannot be "
                    f"separated out (guidance 2.2.4). This refusal has been recorded.")
        frame = con.execute(sql, args).df()
    finally:
        con.close()
    return frame[[c for c in frame.columns if not c.startswith("_") or c == "_partnership"]]


#: the count column of an aggregate table, and the column its responses/measures are in
COUNT_COLUMNS = ("count", "records")
CATEGORY_COLUMNS = ("response", "measure", "category")


def suppressed_for(frame: pd.DataFrame, threshold: int = DEFAULT_THRESHOLD) -> tuple[pd.DataFrame, int]:
    """An aggregate table as a user who does not see records may download it: each group of
    its other columns (partnership, period, survey, question …) is one areas × categories
    table through :func:`workbench.privacy.disclosure.suppress_long`; hidden counts are empty.

    Returns the table and how many cells were hidden (0 when it has no count column).

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"period_start": "2024-01-01", "area_code": ["A", "A", "B", "B"],
    ...                   "measure": ["assault", "overdose"] * 2, "count": [2, 30, 40, 50]})
    >>> out, hidden = suppressed_for(f)
    >>> hidden, out["count"].tolist()
    (4, [<NA>, <NA>, <NA>, <NA>])
    """
    count = next((c for c in COUNT_COLUMNS if c in frame.columns), None)
    if count is None or frame.empty:
        return frame, 0
    rows = "area_code" if "area_code" in frame.columns else next(c for c in frame.columns if c != count)
    columns = next((c for c in CATEGORY_COLUMNS if c in frame.columns and c != rows), None)
    by = [c for c in frame.columns if c not in (count, rows, columns)]
    out, hidden = suppress_long(frame, count, rows, columns, by=by, threshold=threshold)
    out[count] = out[count].astype("Int64")
    return out, hidden


def _personal_frame(reg, request_id: int, dataset_id: str, user) -> pd.DataFrame:
    req = personal_requests.usable(reg, request_id, user)
    if dataset_id not in req.datasets:
        raise BadInput(f"Request {req.id} does not cover '{dataset_id}'; it covers "
                       f"{', '.join(req.datasets)}.")
    con = personal_requests.open_release(reg, req.id, user)
    try:
        return con.execute(f'SELECT * FROM "{dataset_id}"').df()
    finally:
        con.close()


#: file names the workbench keeps for itself (databases, keys, stores, WALs, temporary files)
OWN_SUFFIXES = (".duckdb", ".key", ".sqlite", ".wal", ".tmp", ".anchor")


def _owned_name(name: str) -> bool:
    return (Path(name).suffix in OWN_SUFFIXES or ".duckdb." in name or ".sqlite-" in name
            or ".key." in name)


def _owned_reason(target: Path, restricted: Path, releases: Path) -> str | None:
    """Why the resolved ``target`` lies among the workbench's own files, or None.

    Inside the restricted tree (the hub's folder, at any depth) an output may not be a
    workbench file name (database, key, store, WAL), nor lie in the releases folder, a hidden
    folder (``.tmp``, the private link folders) or any sub-folder that holds a key.
    """
    if not target.is_relative_to(restricted):
        return None
    if _owned_name(target.name):
        return "a workbench file name (database, key, store or WAL)"
    if target.is_relative_to(releases):
        return f"inside the personal-data releases folder '{releases}'"
    folder = target.parent
    while folder != restricted and folder.is_relative_to(restricted):
        if folder.name.startswith("."):
            return f"inside the workbench's hidden folder '{folder}'"
        if folder.is_dir() and any(p.suffix == ".key" for p in folder.iterdir()):
            return f"inside '{folder}', which holds a key"
        folder = folder.parent
    return None


def _check_out(out: Path, hub: Path, releases: Path | None = None) -> None:
    """Refuse an ``--out`` that is a folder, one of the workbench's own files or folders anywhere
    in the restricted tree (symlinks resolved; issue 11 High 3), or cannot be written, before
    any data is read. Its sidecar (``<out>.meta.json``) is checked the same way."""
    restricted = hub.resolve().parent
    releases = (releases or restricted / "releases").resolve()
    for path in (out, out.with_name(out.name + ".meta.json")):
        reason = _owned_reason(path.resolve(), restricted, releases)
        if reason:
            raise BadInput(f"--out '{path}' is among the workbench's own files ({reason}); exports "
                           f"may never replace or sit beside the hub, its keys or released copies. "
                           f"Choose another file.")
    if out.is_dir():
        raise BadInput(f"--out '{out}' is a folder; give a file name such as '{out / 'export.csv'}'.")
    folder = out.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise BadInput(f"Cannot write --out '{out}': '{folder}' is not a folder you can write to.")


def _publish_file(out: Path, write) -> None:
    """Create ``out`` safely: ``write(path)`` fills a file in a fresh private (0700, O_EXCL)
    folder inside the target folder; the file is made 0600 and renamed onto ``out``. A rename
    replaces whatever name was there (a planted symlink included) and never follows it, so an
    export cannot be redirected onto the hub's key (issue 11 High 4)."""
    import shutil
    import tempfile

    private = Path(tempfile.mkdtemp(prefix=".wb-export-", dir=out.parent))
    try:
        tmp = private / out.name
        write(tmp)
        if tmp.is_symlink() or not tmp.is_file():
            raise OSError(f"the writer did not produce a regular file for '{out.name}'")
        os.chmod(tmp, 0o600)          # an export is for its exporter only (guidance 4.3.6)
        os.replace(tmp, out)
    finally:
        shutil.rmtree(private, ignore_errors=True)


def write_output(out: Path | str, hub: Path | str, write) -> Path:
    """Write a derived file the way an export is written: ``out`` is refused among the
    workbench's own files (the hub, its keys, released copies, hidden folders; symlinks
    resolved), then ``write(path)`` fills it in a private folder and it is renamed into place
    (0600), never through a planted link (issue 11 High 3–4).

    Examples
    --------
    >>> from pathlib import Path
    >>> Path("w").mkdir(); _ = Path("w/hub.duckdb").write_bytes(b"")
    >>> write_output("grid.csv", "w/hub.duckdb", lambda p: p.write_text("n\\n1\\n")).read_text()
    'n\\n1\\n'
    >>> write_output("w/hub.duckdb", "w/hub.duckdb", lambda p: p.write_text(""))
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: --out 'w/hub.duckdb' is among the workbench's own files ...
    """
    out, hub = Path(out), Path(hub)
    _check_out(out, hub)
    _publish_file(out, write)
    return out


def marked_path(out: Path, marking: str) -> Path:
    """``out`` with the protective marking in its file name (unless the name already holds it).

    >>> marked_path(Path("out/street.csv"), "OFFICIAL-SENSITIVE").name
    'street_OFFICIAL-SENSITIVE.csv'
    >>> marked_path(Path("marac.xlsx"), "OFFICIAL-SENSITIVE PERSONAL").name
    'marac_OFFICIAL-SENSITIVE-PERSONAL.xlsx'
    >>> marked_path(Path("official-sensitive-street.csv"), "OFFICIAL-SENSITIVE").name
    'official-sensitive-street.csv'
    """
    token = marking.strip().replace(" ", "-")
    if token.lower() in out.stem.lower():
        return out
    return out.with_name(f"{out.stem}_{token}{out.suffix}")


def _write(frame: pd.DataFrame, out: Path, fmt: str, marking: str, meta: dict, dataset_id: str) -> None:
    out.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    _publish_file(out, lambda tmp: _write_format(frame, tmp, fmt, marking, meta, dataset_id))


def _write_format(frame: pd.DataFrame, out: Path, fmt: str, marking: str, meta: dict, dataset_id: str) -> None:
    stamp = f"PROTECTIVE MARKING: {marking} | {meta['dataset']} | exported by {meta['user']} at {meta['exported_at']}"
    if fmt == "csv":
        with open(out, "w", newline="", encoding="utf-8") as fh:
            neutralise_frame(frame).to_csv(fh, index=False)
    elif fmt == "xlsx":
        _write_xlsx(neutralise_frame(frame), out, marking, stamp, dataset_id)
    elif fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(frame, preserve_index=False)
        md = dict(table.schema.metadata or {})
        md.update({b"protective_marking": marking.encode(), b"workbench_export": json.dumps(meta).encode()})
        pq.write_table(table.replace_schema_metadata(md), out)
    elif fmt == "gpkg":
        _write_gpkg(frame, out, marking, meta, dataset_id)


def _write_xlsx(frame: pd.DataFrame, out: Path, marking: str, stamp: str, dataset_id: str) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = dataset_id[:31]
    ws.append([str(c) for c in frame.columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in frame.itertuples(index=False):
        ws.append([None if (not isinstance(v, str) and pd.isna(v)) else
                   (v.isoformat() if hasattr(v, "isoformat") else v) for v in row])
    for cell_row in ws.iter_rows(min_row=2):
        for cell in cell_row:
            if isinstance(cell.value, str):
                cell.data_type = "s"          # never a formula, whatever the text
    ws.oddHeader.center.text = marking          # printed on every page, above and below
    ws.oddFooter.center.text = marking
    ws.oddHeader.center.color = "C00000"
    ws.print_title_rows = "1:1"                 # the column names repeat on every printed page
    wb.properties.category = marking
    wb.properties.title = f"{marking}: {dataset_id}"
    wb.properties.subject = stamp
    wb.properties.keywords = f"protective marking: {marking}"
    wb.save(out)


def _write_gpkg(frame: pd.DataFrame, out: Path, marking: str, meta: dict, dataset_id: str) -> None:
    import geopandas as gpd

    if not {"easting", "northing"} <= set(frame.columns):
        raise BadInput(f"--format gpkg needs easting/northing columns and '{dataset_id}' has none "
                       f"in this tier; export as csv, parquet or xlsx instead.")
    e = pd.to_numeric(frame["easting"], errors="coerce")
    n = pd.to_numeric(frame["northing"], errors="coerce")
    geometry = gpd.points_from_xy(e, n)
    gdf = gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:27700")
    gdf.loc[e.isna() | n.isna(), "geometry"] = None
    gdf.to_file(out, driver="GPKG", layer=dataset_id,
                metadata={"protective_marking": marking, "workbench_export": json.dumps(meta)})


def export(reg, hub: Path | str, dataset_id: str, user, out: Path | str, fmt: str | None = None,
           request_id: int | None = None) -> ExportResult:
    """Export what ``user`` may see of ``dataset_id`` to ``out``; denied → AccessDenied (exit 3).

    Examples
    --------
    Personal data under an approved, released request (the examples' registry and hub of
    :mod:`workbench.privacy.requests`): written inside the restricted folder, marked PERSONAL.

    >>> from workbench.privacy import requests as pr
    >>> reg = pr._example()
    >>> req = pr._example_request(reg)
    >>> _ = pr.release(reg, req.id, "ana")
    >>> r = export(reg, reg.hub, "police_crime_victim", "ana", reg.hub.parent / "marac.csv", request_id=req.id)
    >>> r.rows, r.tier, Path(r.path).name
    (2, 'personal', 'marac_OFFICIAL-SENSITIVE-PERSONAL.csv')
    """
    hub, out = Path(hub), Path(out)
    fmt = _format(out, fmt)
    disclosure = {"controlled": False}
    _check_out(out, hub, reg.releases_dir)
    catalogue.get(dataset_id)
    user = access.require(reg, user, "export", dataset_id)
    if request_id is None:
        access.require(reg, user, "read_depersonalised", dataset_id)
        frame, tier = _shared_frame(reg, hub, dataset_id, user), "shared"
        marking = reg.marking(dataset_id)
        if not access.sees_records(reg, user) and catalogue.get(dataset_id).klass != "reference":
            from workbench.privacy.outputs import published_threshold

            threshold = published_threshold(hub)
            frame, hidden = suppressed_for(frame, threshold)
            disclosure = {"controlled": True, "threshold": threshold, "cells_hidden": hidden}
    else:
        access.require(reg, user, "read_personal", dataset_id)
        restricted = reg.hub.resolve().parent
        if not out.resolve().is_relative_to(restricted):
            raise BadInput(f"Personal data may only be exported inside the restricted folder "
                           f"'{restricted}' (guidance 4.3.6: hold it on secure systems, avoid removable "
                           f"media); choose --out under that folder.")
        frame, tier = _personal_frame(reg, int(request_id), dataset_id, user), "personal"
        marking = reg.marking(dataset_id)
        if marking in ("OFFICIAL", "OFFICIAL-SENSITIVE"):
            marking = "OFFICIAL-SENSITIVE PERSONAL"
    meta = {"dataset": dataset_id, "title": catalogue.get(dataset_id).title,
            "protective_marking": marking, "tier": tier, "user": user.name, "agency": user.agency,
            "request_id": request_id, "exported_at": reg._now_text(), "format": fmt,
            "rows": int(len(frame)), "columns": [str(c) for c in frame.columns],
            "header_lines": 0,        # lines before the column names: none (the marking is in the name)
            "formula_cells_neutralised": fmt in ("csv", "xlsx"), "disclosure": disclosure,
            "handling": "Handle under the partnership's Information Sharing Protocol; do not pass on "
                        "without the agreement of the supplying agency's DLO (guidance Box 1)."}
    out = marked_path(out, marking)
    _check_out(out, hub, reg.releases_dir)
    try:
        _write(frame, out, fmt, marking, meta, dataset_id)
        digest = file_sha256(out)
        sidecar = out.with_name(out.name + ".meta.json")
        text = json.dumps({**meta, "file": out.name, "sha256": digest}, indent=2) + "\n"
        _publish_file(sidecar, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    except OSError as exc:
        raise BadInput(f"Cannot write the export to '{out}' ({exc.strerror or type(exc).__name__}); "
                       f"choose an --out file in a folder you can write to.") from None
    if request_id is not None:
        personal_requests.record_export(reg, int(request_id), out.resolve(), dataset_id, len(frame), digest,
                                        user.name)
    reg.audit(user.name, "export", dataset_id, {"path": str(out), "format": fmt, "rows": int(len(frame)),
                                                "tier": tier, "marking": marking, "sha256": digest,
                                                "request_id": request_id, "disclosure": disclosure})
    return ExportResult(dataset_id, user.name, str(out), fmt, int(len(frame)), meta["columns"], marking,
                        tier, digest, request_id, str(sidecar))
