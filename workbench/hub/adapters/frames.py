"""Staging a pandas DataFrame as the adapter interface's TEMP table (all VARCHAR + _file, _line).

Adapters whose source is not a plain CSV (headerless Code-Point files, GeoJSON, XLSX) build
a frame of strings and hand it here, so the staged table looks exactly like a CSV adapter's.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def _one(v):
    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, str):
        return v
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if type(v).__name__ == "time":
        return v.strftime("%H:%M")
    if hasattr(v, "strftime"):
        return v.strftime("%Y-%m-%d")
    return str(v)


def as_text(series) -> pd.Series:
    """Strings for a staged column: None for missing, whole numbers without '.0',
    dates ``YYYY-MM-DD``, times ``HH:MM``.

    Examples
    --------
    >>> import datetime as dt
    >>> as_text(pd.Series([1.0, 2.5, None])).tolist(), as_text([dt.date(2024, 1, 2), dt.time(9, 5), None]).tolist()
    (['1', '2.5', None], ['2024-01-02', '09:05', None])
    """
    s = pd.Series(series)
    if s.dtype.kind in "iub":
        return s.astype(str).astype(object)
    if s.dtype.kind == "f":
        out = pd.Series([None] * len(s), index=s.index, dtype=object)
        ok = s.notna()
        whole = ok & (s % 1 == 0)
        out[whole] = s[whole].astype("int64").astype(str)
        frac = ok & ~whole
        out[frac] = s[frac].astype(str)
        return out
    return pd.Series([_one(v) for v in s.astype(object)], index=s.index, dtype=object)


def stage_frame(con, frame: pd.DataFrame, table: str, *, file: str, first_line: int = 1) -> None:
    """Append ``frame`` (canonical column names) to TEMP ``table`` as VARCHAR columns.

    ``_file`` is ``file``; ``_line`` counts from ``first_line`` (the source line of the
    first record), unless the frame already has a ``_line`` column.

    Examples
    --------
    >>> import duckdb
    >>> con = duckdb.connect()
    >>> stage_frame(con, pd.DataFrame({"postcode": ["NG1 1AA", "NG1 1AB"], "households": [9.0, None]}), "staged",
    ...             file="estimates.csv", first_line=2)
    >>> con.execute("SELECT * FROM staged").fetchall()
    [('NG1 1AA', '9', 'estimates.csv', 2), ('NG1 1AB', None, 'estimates.csv', 3)]
    """
    out = pd.DataFrame({c: as_text(frame[c]) for c in frame.columns if c != "_line"})
    out["_file"] = file
    out["_line"] = (frame["_line"].astype("int64").to_numpy() if "_line" in frame.columns
                    else range(first_line, first_line + len(frame)))
    cols = [c for c in out.columns if c not in ("_file", "_line")]
    select = ", ".join([f'CAST("{c}" AS VARCHAR) AS "{c}"' for c in cols]
                       + ["CAST(_file AS VARCHAR) AS _file", "CAST(_line AS BIGINT) AS _line"])
    con.register("_wb_stage_frame", out)
    try:
        exists = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = ?", [table]
        ).fetchone()[0]
        if exists:
            con.execute(f"INSERT INTO {table} BY NAME SELECT {select} FROM _wb_stage_frame")
        else:
            con.execute(f"CREATE TEMP TABLE {table} AS SELECT {select} FROM _wb_stage_frame")
    finally:
        con.unregister("_wb_stage_frame")


def csv_reader_sql(path: Path, columns: list[str], *, header: bool) -> str:
    r"""A strict DuckDB ``read_csv`` over ``path`` with ``columns`` all VARCHAR, plus ``_file``
    and ``_line`` (the record's line: header = line 1), for adapters that post-process rows.

    Examples
    --------
    >>> import duckdb
    >>> _ = Path("pairs.csv").write_text("a,b\n1,2\n3,4\n")
    >>> duckdb.sql("SELECT * FROM " + csv_reader_sql(Path("pairs.csv"), ["a", "b"], header=True)).fetchall()
    [('1', '2', 'pairs.csv', 2), ('3', '4', 'pairs.csv', 3)]
    """
    from workbench.hub.adapters.csvfiles import sql_str

    cols = "{" + ", ".join(f"{sql_str(c)}: 'VARCHAR'" for c in columns) + "}"
    reader = (f"read_csv({sql_str(str(path))}, columns={cols}, header={'true' if header else 'false'}, "
              f"auto_detect=false, delim=',', quote='\"', escape='\"', strict_mode=true, "
              f"null_padding=false, encoding='utf-8')")
    offset = 1 if header else 0
    return (f"(SELECT *, {sql_str(path.name)} AS _file, row_number() OVER () + {offset} AS _line "
            f"FROM {reader})")
