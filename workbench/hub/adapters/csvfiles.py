"""Reading CSV files into a staged VARCHAR table: the shared mechanics of every CSV adapter."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import duckdb

from workbench.sql import quote_identifier as _qi
from workbench.sql import quote_literal as sql_str
from workbench.errors import Problem, SupplyRejected
from workbench.hub.staging import Staging, path_key


def read_header(path: Path) -> list[str]:
    r"""The header row of a CSV file (UTF-8, BOM tolerated), as written.

    Examples
    --------
    >>> _ = Path("bom.csv").write_text("\ufeffCrime ID,Month\nx,2024-01\n", encoding="utf-8")
    >>> read_header(Path("bom.csv"))                         # a byte-order mark is tolerated
    ['Crime ID', 'Month']
    """
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return next(csv.reader(fh), [])


#: CSV read buffer (bytes). DuckDB's reader hands each buffer's records on as one ordered
#: batch; with the default buffer the batches are smaller than a row group and keeping the
#: file's order (which gives ``_line``) means merging them: a 5M-row staging took 4.2 s,
#: with 64 MiB buffers 2.9 s, the same as not keeping order at all (bench/ingest_bench.py).
READ_BUFFER = 64 * 1024 * 1024


def stage_csv(con, path: Path, table: str, source_columns: list[str],
              select: str, *, dataset: str, header: bool = True) -> None:
    """Append one CSV file to TEMP ``table`` (created on first use), normalised while staged.

    ``con`` is the supply's :class:`~workbench.hub.staging.Staging` (the hub connection, what
    has been staged on it and the supply's catalogue entry, looked up once per supply).
    ``source_columns`` are the file's columns in order (all read as VARCHAR, quoted with '"');
    ``select`` is a SELECT list over them producing the staged columns (renames only).
    ``_file`` and ``_line`` are added: ``_line`` is the record's line number in the file
    (header = line 1), exact when no field spans several lines.

    Examples
    --------
    >>> import duckdb, tempfile, pathlib
    >>> from workbench.hub.staging import Staging
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "imd.csv"
    >>> _ = f.write_text("lsoa_code,imd_score\\n E01000001 ,12.5\\n")
    >>> with Staging(duckdb.connect()) as st:
    ...     stage_csv(st, f, "_stage", ["lsoa_code", "imd_score"],
    ...               '"lsoa_code" AS "lsoa_code", "imd_score" AS "imd_score"', dataset="ref_imd")
    ...     st.execute("SELECT lsoa_code, _line FROM _stage").fetchall(), "_stage" in st.normalised
    ([('E01000001', 2)], True)
    """
    if not isinstance(con, Staging):
        raise TypeError("stage_csv needs the supply's staging area: "
                        "workbench.hub.staging.Staging(connection), not a bare connection.")
    if con.engine != "duckdb":      # ingest --engine spark: the staging area reads the files itself
        con.stage_csv(path, table, source_columns, select, dataset=dataset, header=header)
        return
    cols = "{" + ", ".join(f"{sql_str(c)}: 'VARCHAR'" for c in source_columns) + "}"
    from workbench.hub.supply_files import max_line_bytes

    # the bound on a record (quoted newlines included) is the scan's bound on a line: a record
    # too large for the reader's buffer used to vanish silently (issue 11)
    reader = (f"read_csv({sql_str(str(path))}, columns={cols}, header={'true' if header else 'false'}, "
              f"auto_detect=false, delim=',', quote='\"', escape='\"', strict_mode=true, "
              f"null_padding=false, encoding='utf-8', buffer_size={READ_BUFFER}, "
              f"max_line_size={max_line_bytes()})")
    offset = 1 if header else 0
    parts = con.parts.setdefault(table, [])
    part = f"{table}__f{len(parts)}"
    # Each file is read in parallel into its own table: DuckDB keeps the file's order in a
    # CREATE TABLE AS (preserve_insertion_order), so a record's line is its rowid + offset.
    # (row_number() OVER () gives the same numbers at twice the cost.)
    body = f"SELECT {select} FROM {reader}"
    # Normalise while staging (the table is materialised anyway), so validation and
    # insert read tidy values instead of recomputing them (workbench.hub.validate).
    trimmed, tidied = tidy_lists(con.dataset_of(dataset), select, ascii_only=path_key(path) in con.ascii)
    body = f"SELECT {', '.join(tidied)} FROM (SELECT {', '.join(trimmed)} FROM ({body}))"
    con.normalised.add(table)
    try:
        con.execute(f"CREATE TEMP TABLE {part} AS {body}")
    except duckdb.Error as exc:
        raise SupplyRejected(dataset, [csv_error_problem(path, exc)]) from None
    lines = _record_lines(con, path, part, header)
    if lines is None:
        parts.append(f"SELECT *, {sql_str(path.name)} AS _file, rowid + {offset + 1} AS _line FROM {part}")
    else:
        parts.append(f"SELECT * EXCLUDE (_wb_line), {sql_str(path.name)} AS _file, _wb_line AS _line "
                     f"FROM {lines}")
    con.execute(f"CREATE OR REPLACE TEMP VIEW {table} AS " + " UNION ALL ".join(parts))


def tidy_lists(ds, select: str, *, ascii_only: bool) -> tuple[list[str], list[str]]:
    """The staged columns of ``select`` (a SELECT list of renames), trimmed and then tidied as
    :func:`stage_csv` normalises them while staging: (trimmed, tidied) SELECT lists.

    Examples
    --------
    >>> from workbench import catalogue
    >>> trimmed, tidied = tidy_lists(catalogue.get("ref_imd"), '"c0" AS "lsoa_code", "c9" AS "x"',
    ...                              ascii_only=False)
    >>> print(trimmed[0]); print(trimmed[1])   # "x" is no column of the dataset: kept as it is
    NULLIF(TRIM("lsoa_code"), '') AS "lsoa_code"
    "x"
    """
    from workbench.hub.validate import tidy_expr, trim_expr

    outputs = [c.strip().rsplit(" AS ", 1)[-1].strip().strip('"') for c in _split_select(select)]
    cols = {c.name: c for c in ds.columns}
    trimmed = [f"{trim_expr(cols[o], ascii_only=ascii_only)} AS {_qi(o)}" if o in cols else _qi(o)
               for o in outputs]
    tidied = [f"{tidy_expr(cols[o])} AS {_qi(o)}" if o in cols else _qi(o) for o in outputs]
    return trimmed, tidied


def _record_lines(con, path: Path, part: str, header: bool) -> str | None:
    """When quoted fields span lines, a record's line is not its row number plus the header:
    number the records of ``part`` by the physical line each starts on (issue 11: line numbers
    were wrong after quoted newlines) and return the numbered table; None when row numbers are
    already exact (no '"' in the file, or as many records as lines: the usual case, free).
    """
    import pandas as pd

    from workbench.hub.supply_files import max_line_bytes

    layout = con.layout.get(path_key(path))
    if layout is None or not layout[1]:
        return None
    rows = con.execute(f"SELECT count(*) FROM {part}").fetchone()[0]
    if layout[0] == rows + (1 if header else 0):
        return None
    csv.field_size_limit(max(csv.field_size_limit(), max_line_bytes()))
    starts, prev = [], 0
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        for i, record in enumerate(reader):
            start, prev = prev + 1, reader.line_num
            if (header and i == 0) or not record:
                continue
            starts.append(start)
    if len(starts) != rows:      # the two readers disagree: keep row numbers rather than guess
        return None
    con.register("_wb_lines", pd.DataFrame({"_wb_line": starts}))
    try:
        con.execute(f"CREATE TEMP TABLE {part}_lines AS SELECT p.*, l._wb_line FROM {part} p "
                    f"POSITIONAL JOIN _wb_lines l")
    finally:
        con.unregister("_wb_lines")
    con.execute(f"DROP TABLE {part}")
    return f"{part}_lines"


def _split_select(select: str) -> list[str]:
    """Split a SELECT list of simple renames ("c0" AS "crime_ref", …) on top-level commas."""
    parts, depth, cur, quoted = [], 0, "", False
    for ch in select:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in "([":
            depth += 1
        elif not quoted and ch in ")]":
            depth -= 1
        if ch == "," and depth == 0 and not quoted:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return [p for p in parts if p.strip()]


def csv_error_problem(path: Path | None, exc: Exception) -> Problem:
    """Turn a DuckDB CSV reader error into a Problem naming the file and line.

    Examples
    --------
    >>> print(csv_error_problem(None, Exception('Error in file "bad.csv" on line: 7 Expected Number of Columns: 3 Found: 2')))
    bad.csv, line 7: expected 3 fields in every record; found '2 fields (a truncated or malformed record)'
    """
    msg = str(exc)
    if path is None:
        m = re.search(r"[Ff]ile:? ['\"]?([^'\"\n]+?\.(?:csv|txt))", msg)
        path = Path(m.group(1)) if m else Path("supply")
    m = re.search(r"[Ll]ine:? (\d+)", msg)
    line = int(m.group(1)) if m else None
    size = re.search(r"[Mm]aximum line size of (\d+) bytes", msg)
    if size:
        return Problem(path.name, line, None,
                       f"records of at most {int(size.group(1)):,} bytes (WORKBENCH_MAX_LINE_BYTES)",
                       "a larger record (a quoted field running over many lines: is a quote unclosed?)")
    found = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", msg)
    if found:
        return Problem(path.name, line, None, f"{found.group(1)} fields in every record",
                       f"{found.group(2)} fields (a truncated or malformed record)")
    if "unicode" in msg.lower() or "utf" in msg.lower():
        return Problem(path.name, line, None, "UTF-8 text", "bytes that are not valid UTF-8")
    if "quote" in msg.lower():
        return Problem(path.name, line, None, "balanced double quotes", "an unterminated quoted field")
    first = msg.strip().splitlines()[0][:200]
    return Problem(path.name, line, None, "a well-formed CSV record", first)
