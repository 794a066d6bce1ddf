"""Disclosure control for wider audiences: small-number and secondary suppression, rounding.

Guidance 2.4.1.2: outputs for the public, scrutiny committees and viewer-role dashboards
must not let anyone identify a person from a small count. Rules:

* **Primary suppression**: a count from ``low`` (1) up to ``threshold - 1`` (4) is hidden.
  Zero is not hidden by default (``low=0`` hides it too).
* **Secondary suppression**: when row and column totals are published, a hidden cell that is
  alone in its row or column is recovered by subtraction; so every row and column of the
  table *with its totals* must hold either no hidden cell or at least two. Complementary
  cells are chosen smallest first (non-zero interior cells before zeros, totals last).
* **Audit**: for tables up to ``audit_cells`` cells the pattern is then verified by linear
  programming: for each hidden cell the smallest and largest values consistent with
  everything published are computed (``scipy.optimize.linprog``); a hidden cell whose value
  is pinned exactly gets a further complement, until none is.
* **Rounding** (optional): every published value, totals included, is rounded to a multiple
  of ``round_to`` (e.g. 5), so totals no longer add exactly.

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame({"A": [3, 10], "B": [12, 20]}, index=["ward1", "ward2"])
>>> r = suppress_table(t)
>>> int(r.frame().loc["ward1"].isna().sum())   # 3 hidden, and its row partner 12 too
2
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.errors import BadInput

DEFAULT_THRESHOLD = 5
TOTAL = "Total"


def _validate(table, threshold: int, low: int, round_to: int | None) -> pd.DataFrame:
    if not isinstance(table, pd.DataFrame):
        raise BadInput(f"`table` must be a pandas DataFrame of counts; got {type(table).__name__}.")
    if table.empty:
        raise BadInput("`table` has zero rows or columns. Has a previous step removed every row?")
    values = table.apply(pd.to_numeric, errors="coerce")
    if values.isna().any().any():
        raise BadInput("`table` must hold counts only (no empty or non-numeric cells).")
    if (values < 0).any().any() or (values != values.round()).any().any():
        raise BadInput("`table` must hold whole, non-negative counts.")
    if threshold < 1 or low < 0 or low >= threshold:
        raise BadInput(f"Need 0 <= `low` < `threshold`; got low={low}, threshold={threshold}.")
    if round_to is not None and round_to < 1:
        raise BadInput(f"`round_to` must be a positive whole number or None; got {round_to}.")
    return values.astype(np.int64)


@dataclass
class SuppressedTable:
    """A count table after disclosure control, with its totals and what was hidden.

    ``values`` is the table with totals (last row and column named ``Total`` when
    ``totals``); ``primary`` and ``secondary`` are boolean masks of the same shape.

    Examples
    --------
    >>> import pandas as pd
    >>> r = suppress_table(pd.DataFrame({"Jan": [12, 3], "Feb": [9, 15]}, index=["Burglary", "Robbery"]))
    >>> type(r).__name__, r.threshold, r.totals
    ('SuppressedTable', 5, True)
    """

    values: pd.DataFrame
    primary: pd.DataFrame
    secondary: pd.DataFrame
    threshold: int
    round_to: int | None
    totals: bool

    @property
    def hidden(self) -> pd.DataFrame:
        return self.primary | self.secondary

    def frame(self) -> pd.DataFrame:
        """The publishable table: hidden cells are NaN, values rounded if asked."""
        out = self.values.astype(float).mask(self.hidden)
        if self.round_to:
            out = (out / self.round_to).round() * self.round_to
        return out

    def to_dict(self) -> dict:
        f = self.frame()
        return {"threshold": self.threshold, "round_to": self.round_to, "totals": self.totals,
                "rows": [str(i) for i in f.index], "columns": [str(c) for c in f.columns],
                "values": [[None if pd.isna(v) else int(v) for v in row] for row in f.to_numpy()],
                "primary": int(self.primary.to_numpy().sum()),
                "secondary": int(self.secondary.to_numpy().sum())}


def _with_totals(values: pd.DataFrame) -> pd.DataFrame:
    out = values.copy()
    out[TOTAL] = out.sum(axis=1)
    out.loc[TOTAL] = out.sum(axis=0)
    return out


def _lines(shape, known: bool = False) -> list[list[tuple[int, int]]]:
    """The rows and columns of a table with totals. With ``known`` totals (published whatever
    is hidden) a line is its interior cells, and only lines whose total says something: rows
    when there are two or more columns, columns when two or more rows."""
    r, c = shape
    if not known:
        return [[(i, j) for j in range(c)] for i in range(r)] + [[(i, j) for i in range(r)] for j in range(c)]
    rows = [[(i, j) for j in range(c - 1)] for i in range(r - 1)] if c - 1 >= 2 else []
    cols = [[(i, j) for i in range(r - 1)] for j in range(c - 1)] if r - 1 >= 2 else []
    return rows + cols


def _complement(v: np.ndarray, hidden: np.ndarray, line, totals: bool, known: bool = False
                ) -> tuple[int, int] | None:
    r, c = v.shape
    best, best_key = None, None
    for (i, j) in line:
        is_total = totals and (i == r - 1 or j == c - 1)
        if hidden[i, j] or (known and is_total):
            continue
        key = (is_total, v[i, j] == 0, v[i, j])
        if best_key is None or key < best_key:
            best, best_key = (i, j), key
    return best


def _line_pass(v: np.ndarray, hidden: np.ndarray, totals: bool, known: bool = False) -> np.ndarray:
    """Hide complements until no line of the table (with totals) has exactly one hidden cell."""
    added = np.zeros_like(hidden)
    if not totals:
        return added
    changed = True
    while changed:
        changed = False
        for line in _lines(v.shape, known):
            if sum(hidden[i, j] for i, j in line) == 1:
                cell = _complement(v, hidden, line, totals, known)
                if cell is not None:
                    hidden[cell] = added[cell] = True
                    changed = True
    return added


def feasible_intervals(values: np.ndarray, hidden: np.ndarray) -> dict[tuple[int, int], tuple[float, float]]:
    """For a table whose last row/column are totals, the range each hidden cell can take.

    What an attacker can work out from the published cells: every row and column adds up
    to its total, every count is >= 0. Solved with ``scipy.optimize.linprog``.

    Examples
    --------
    >>> import numpy as np
    >>> v = np.array([[3, 10, 13], [12, 20, 32], [15, 30, 45]])     # last row and column: totals
    >>> alone = np.zeros((3, 3), dtype=bool); alone[0, 0] = True
    >>> feasible_intervals(v, alone)                  # the 3 alone: pinned by its row total
    {(0, 0): (3.0, 3.0)}
    >>> four = alone.copy(); four[0, 1] = four[1, 0] = four[1, 1] = True
    >>> feasible_intervals(v, four)[(0, 0)]           # with three complements: anything 0..13
    (0.0, 13.0)
    """
    from scipy.optimize import linprog

    cells = [(int(i), int(j)) for i, j in np.argwhere(hidden)]
    if not cells:
        return {}
    index = {cell: k for k, cell in enumerate(cells)}
    r, c = values.shape
    rows_eq, rhs = [], []
    for i in range(r - 1):
        eq, b = np.zeros(len(cells)), 0.0
        for j in range(c - 1):
            if hidden[i, j]:
                eq[index[(i, j)]] += 1
            else:
                b -= values[i, j]
        if hidden[i, c - 1]:
            eq[index[(i, c - 1)]] -= 1
        else:
            b += values[i, c - 1]
        rows_eq.append(eq)
        rhs.append(b)
    for j in range(c):
        eq, b = np.zeros(len(cells)), 0.0
        for i in range(r - 1):
            if hidden[i, j]:
                eq[index[(i, j)]] += 1
            else:
                b -= values[i, j]
        if hidden[r - 1, j]:
            eq[index[(r - 1, j)]] -= 1
        else:
            b += values[r - 1, j]
        rows_eq.append(eq)
        rhs.append(b)
    a_eq, b_eq = np.array(rows_eq), np.array(rhs)
    out = {}
    for cell, k in index.items():
        obj = np.zeros(len(cells))
        obj[k] = 1
        lo = linprog(obj, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        hi = linprog(-obj, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        out[cell] = (float(lo.fun) if lo.success else 0.0,
                     float(-hi.fun) if hi.status == 0 else float("inf"))
    return out


def suppress_table(table: pd.DataFrame, threshold: int = DEFAULT_THRESHOLD, *, low: int = 1,
                   totals: bool = True, round_to: int | None = None,
                   audit_cells: int = 900, known_totals: bool = False,
                   unknown: pd.DataFrame | None = None) -> SuppressedTable:
    """Primary and secondary suppression of a two-way count table (guidance 2.4.1.2).

    Parameters
    ----------
    table : counts, rows × columns (e.g. wards × crime types).
    threshold : counts from ``low`` to ``threshold - 1`` are hidden (default 5: 1–4 hidden).
    low : the smallest count hidden (1; 0 hides zeros too).
    totals : row and column totals are published (so secondary suppression is needed).
    round_to : also round every published value to this base (e.g. 5); None for exact.
    audit_cells : verify with linear programming for tables up to this many cells.
    known_totals : the totals are published whatever is hidden (stated elsewhere in a
        product, say), so they are never hidden nor chosen as complements; a row total counts
        only when there are two or more columns (a one-column table's row "total" is the cell).
    unknown : cells the reader does not know already (e.g. suppressed upstream), same shape as
        ``table``; they count as hidden for secondary suppression but are not reported.

    Returns
    -------
    SuppressedTable

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"Jan": [12, 3, 20], "Feb": [9, 15, 2]}, index=["Burglary", "Robbery", "Theft"])
    >>> r = suppress_table(t)
    >>> bool(r.primary.loc["Robbery", "Jan"]), bool(r.primary.loc["Theft", "Feb"])     # counts 1-4 hidden
    (True, True)
    >>> bool(r.secondary.loc["Robbery", "Feb"]), bool(r.secondary.loc["Theft", "Jan"])  # totals cannot reveal them
    (True, True)
    >>> int(r.values.loc["Total", "Total"])
    61
    """
    values = _validate(table, threshold, low, round_to)
    full = _with_totals(values) if totals else values
    v = full.to_numpy()
    known = known_totals and totals
    primary = (v >= low) & (v < threshold)
    before = np.zeros_like(primary)
    if unknown is not None:
        before[: values.shape[0], : values.shape[1]] = np.asarray(unknown, dtype=bool)
        primary &= ~before
    if known:
        primary[-1, :] = primary[:, -1] = False
    hidden = primary | before
    secondary = _line_pass(v, hidden, totals, known)
    if totals and v.size <= audit_cells:
        # what the reader cannot see: hidden cells, and with known totals the row totals of a
        # one-column table and the column totals of a one-row table (they are the cells)
        dark = np.zeros_like(hidden)
        if known and v.shape[1] - 1 < 2:
            dark[:, -1] = True
        if known and v.shape[0] - 1 < 2:
            dark[-1, :] = True
        for _ in range(v.size):
            pinned = [cell for cell, (lo, hi) in feasible_intervals(v, hidden | dark).items()
                      if hi - lo < 0.5 and hidden[cell] and not before[cell]]
            if not pinned:
                break
            i, j = pinned[0]
            cell = _complement(v, hidden | dark, [(i, jj) for jj in range(v.shape[1])], totals, known) \
                or _complement(v, hidden | dark, [(ii, j) for ii in range(v.shape[0])], totals, known)
            if cell is None:
                break
            hidden[cell] = secondary[cell] = True
            secondary |= _line_pass(v, hidden, totals, known)
    mask = lambda m: pd.DataFrame(m, index=full.index, columns=full.columns)  # noqa: E731
    return SuppressedTable(full, mask(primary), mask(secondary & ~primary & ~before), threshold, round_to, totals)


def suppress_counts(counts, threshold: int = DEFAULT_THRESHOLD, *, low: int = 1) -> pd.Series:
    """Primary suppression of a list of counts published without totals: small counts -> NA.

    >>> suppress_counts(pd.Series([0, 3, 7])).tolist()
    [0, <NA>, 7]
    """
    s = pd.Series(counts).astype("Int64")
    if threshold < 1 or low < 0 or low >= threshold:
        raise BadInput(f"Need 0 <= `low` < `threshold`; got low={low}, threshold={threshold}.")
    return s.mask((s >= low) & (s < threshold))


def suppress_crosstab(frame: pd.DataFrame, index: str, columns: str, values: str | None = None,
                      threshold: int = DEFAULT_THRESHOLD, **options) -> SuppressedTable:
    """Cross-tabulate long records (or counts) and apply :func:`suppress_table` to the result.

    Parameters
    ----------
    frame : one row per record, or one row per cell with a count in ``values``.
    index, columns : the columns that become the table's rows and columns (e.g. ``lsoa_code``
        and ``crime_type``).
    values : a count column to add up; None counts rows.
    threshold, options : as :func:`suppress_table`.

    >>> df = pd.DataFrame({"ward": ["A"] * 3 + ["B"] * 9, "type": ["x"] * 8 + ["y"] * 4})
    >>> r = suppress_crosstab(df, "ward", "type")
    >>> r.values.loc["A", "x"], bool(r.hidden.loc["A", "x"])
    (np.int64(3), True)
    """
    if not isinstance(frame, pd.DataFrame):
        raise BadInput(f"`frame` must be a pandas DataFrame; got {type(frame).__name__}.")
    missing = [c for c in (index, columns, values) if c is not None and c not in frame.columns]
    if missing:
        raise BadInput(f"`frame` has no column(s) {missing}; it has {list(frame.columns)}.")
    if values is None:
        table = pd.crosstab(frame[index], frame[columns])
    else:
        table = frame.pivot_table(index=index, columns=columns, values=values, aggfunc="sum",
                                  fill_value=0)
    table.index.name = table.columns.name = None
    return suppress_table(table, threshold, **options)


def suppress_long(frame: pd.DataFrame, count: str, rows: str, columns: str | None = None, by=(),
                  threshold: int = DEFAULT_THRESHOLD) -> tuple[pd.DataFrame, int]:
    """Suppress a long table of counts (one row per cell) as the two-way tables it holds.

    Each group of ``by`` (e.g. survey, period, question) is one table, ``rows`` × ``columns``
    (e.g. areas × responses), put through :func:`suppress_table` with its totals assumed
    known, so a hidden cell is never recovered by subtraction. With ``columns=None`` each group
    is one list of counts over ``rows`` whose total is assumed known. A cell already empty
    (NULL) stays empty and is treated as unknown; missing cells count as zero.

    Parameters
    ----------
    frame : one row per cell, with a ``count`` column.
    count : the column of counts.
    rows, columns : the columns that become each table's rows and columns.
    by : the columns that split the frame into separate tables.
    threshold : counts from 1 to ``threshold - 1`` are hidden (guidance 2.4.1.2).

    Returns
    -------
    (frame, hidden) : a copy of ``frame`` with hidden counts set to NaN, and how many were
    hidden (primary and secondary); never their values.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"period": "2024Q1", "area_code": ["A", "B", "C"], "count": [3, 40, 25]})
    >>> out, hidden = suppress_long(f, "count", "area_code", by=["period"])
    >>> hidden, out["count"].tolist()        # the 3, and 25 so the total cannot give it back
    (2, [nan, 40.0, nan])
    """
    if not isinstance(frame, pd.DataFrame):
        raise BadInput(f"`frame` must be a pandas DataFrame; got {type(frame).__name__}.")
    by = [by] if isinstance(by, str) else list(by)
    missing = [c for c in [count, rows, columns, *by] if c is not None and c not in frame.columns]
    if missing:
        raise BadInput(f"`frame` has no column(s) {missing}; it has {list(frame.columns)}.")
    out = frame.copy()
    values = pd.to_numeric(out[count], errors="coerce")
    bad = values.notna() & ((values < 0) | (values != values.round()))
    if bad.any():
        first = bad[bad].index[0]
        raise BadInput(f"`{count}` must hold whole, non-negative counts; row {first} has {frame.at[first, count]!r}.")
    hide = pd.Series(False, index=out.index)
    work = out.assign(_wb_count=values, _wb_row=out[rows].astype(object).where(out[rows].notna(), "(none)"),
                      _wb_col="(all)" if columns is None else
                      out[columns].astype(object).where(out[columns].notna(), "(none)"))
    groups = work.groupby(by, dropna=False, sort=False) if by else [(None, work)]
    for _, part in groups:
        part = part[part["_wb_count"].notna()]
        if part.empty:
            continue
        wide = part.pivot_table(index="_wb_row", columns="_wb_col", values="_wb_count", aggfunc="sum",
                                fill_value=0).astype("int64")
        hidden = suppress_table(wide, threshold, totals=True).hidden.drop(index=TOTAL, columns=TOTAL)
        hide.loc[part.index] = [bool(hidden.at[r, c]) for r, c in zip(part["_wb_row"], part["_wb_col"])]
    out[count] = values.mask(hide)
    return out, int(hide.sum())
