"""Small cells in the tables of downloadable outputs: control at render, and an independent check.

Guidance 2.4.1.2; issue 13 "small cells everywhere". A rendered product (HTML, and the PDF
printed from it) reaches viewers through the dashboards' product library, so every table in
its disclosure-controlled edition goes through the dashboards' suppression
(:func:`workbench.privacy.disclosure.suppress_table`), deny by default:

* **Count columns.** Every numeric column whose values are whole and non-negative is taken for
  a count, unless the author declares it a key (``keys``: ranks, years, codes …), its name
  is one of :data:`KEY_NAMES` (``rank``, ``year``, ``easting`` …) or names a statistic
  (:data:`STAT_WORDS`: ``p``, ``rate``, ``share``, ``excess`` …). Counts from 1 to
  ``threshold - 1`` are hidden (**primary**).
* **Secondary suppression.** The count columns form one table whose row and column totals are
  assumed known (a product usually states them somewhere: a headline figure, another
  table), so :func:`~workbench.privacy.disclosure.suppress_table` (``known_totals``) hides
  complements, never totals, until no hidden cell can be worked out by subtraction (checked
  by linear programming). A count already empty (suppressed upstream) counts as hidden.
* **Derived cells.** In a row with a hidden count, every other cell that is a number, or text
  holding a digit (a percentage change, a rate, "3 of 12"), is hidden too, except the row's
  label (the first column, when it is text) and declared keys: a change of "-70%" against a
  shown baseline of 10 gives the 3 back.
* Hidden cells show :data:`HIDDEN` ("[c]", the ONS marker for a confidential cell).

:func:`check_html` is the **independent check** of a rendered edition (it trusts nothing from
the control above except the key columns the HTML declares): no whole number from 1 to
``threshold - 1`` in any non-key cell of any data table, and no row or column of counts with
exactly one hidden cell. The library serves a product to a viewer only when it passes.

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame({"issue": ["Burglary", "Robbery", "Arson"], "offences": [120, 3, 40],
...                   "change": ["+5%", "-70%", "+2%"]})
>>> c = control_frame(t)
>>> c.frame["offences"].tolist(), c.frame["change"].tolist()
([120, '[c]', '[c]'], ['+5%', '[c]', '[c]'])
>>> check_html(table_html(c.frame, keys=c.keys))
[]
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import numpy as np
import pandas as pd

from workbench.errors import BadInput
from workbench.privacy.disclosure import DEFAULT_THRESHOLD, TOTAL, suppress_table

#: what a hidden cell shows (the Office for National Statistics' marker for "confidential")
HIDDEN = "[c]"
#: what a reader sees in a count cell whose value is not shown (hidden, or empty upstream)
UNKNOWN = (HIDDEN, "—", "")
#: the note a controlled table carries under its caption
NOTE = (f"{HIDDEN}: hidden by disclosure control (counts of 1 to 4, and the cells that would let "
        f"them be worked out; guidance 2.4.1.2).")
#: column names that are never counts: the whole name, or (for positions and codes) any word
#: of it (``cell_easting``, ``imd_rank``), or (for periods) its first word (``months of data``)
KEY_NAMES = ("rank", "year", "years", "month", "months", "quarter", "quarters", "week", "weeks", "day",
             "hour", "decile", "quintile", "percentile", "easting", "northing", "x", "y", "latitude",
             "longitude", "lat", "lon", "code", "id", "ref")
POSITION_WORDS = ("rank", "decile", "quintile", "percentile", "easting", "northing", "latitude",
                  "longitude", "code", "id", "ref")
PERIOD_WORDS = ("year", "years", "month", "months", "quarter", "quarters", "week", "weeks", "day", "hour")
#: words of a column name that make it a statistic, not a count: shown unless its row has a
#: hidden count (then hidden with it, as a derived cell)
STAT_WORDS = ("p", "q", "z", "p_value", "p_adjusted", "adjusted", "ratio", "rate", "share", "percent",
              "percentage", "%", "score", "mean", "median", "average", "index", "expected", "excess",
              "change", "difference")
_DIGIT = re.compile(r"\d")
_WHOLE = re.compile(r"^\s*\d{1,3}(,\d{3})*\s*$|^\s*\d+\s*$")
_BELOW = re.compile(r"^\s*<\s*\d+\s*$")
_NEGATIVE = re.compile(r"^\s*[-−]\s*\d")
_WHOLE_FLOAT = re.compile(r"^\s*(\d{1,3}(,\d{3})*|\d+)\.0+\s*$")


def published_threshold(hub) -> int:
    """The small-count threshold the shared tier was published with (``publish_meta``
    ``count_threshold``; never below the dashboards' 5), for the products built from it.

    Examples
    --------
    >>> published_threshold("/nonexistent/hub.duckdb")
    5
    """
    import duckdb

    from workbench.hub.connect import shared_path
    from workbench.privacy.shared import open_shared_tier

    if not shared_path(hub).exists():
        return DEFAULT_THRESHOLD
    con = open_shared_tier(hub)
    try:
        row = con.execute("SELECT max(TRY_CAST(value AS INTEGER)) FROM publish_meta "
                          "WHERE key = 'count_threshold'").fetchone()
    except duckdb.CatalogException:        # a tier published before publish_meta existed
        row = None
    finally:
        con.close()
    return max(DEFAULT_THRESHOLD, int(row[0])) if row and row[0] is not None else DEFAULT_THRESHOLD


def _is_key_name(name) -> bool:
    """Whether a column name says it is not a count (:data:`KEY_NAMES`).

    Examples
    --------
    >>> [_is_key_name(n) for n in ("rank", "cell_easting", "months of data", "last 12 months", "crimes")]
    [True, True, True, False, False]
    """
    text = str(name).strip().lower()
    words = [w for w in re.split(r"[\s_()/-]+", text) if w]
    return (text in KEY_NAMES or any(w in POSITION_WORDS for w in words)
            or bool(words and words[0] in PERIOD_WORDS))


def key_columns(frame: pd.DataFrame, keys=()) -> list:
    """The columns of ``frame`` that are never counts: the row label (the first column, when
    it is not numeric), the declared ``keys`` and those named like a key (:data:`KEY_NAMES`).

    Examples
    --------
    >>> import pandas as pd
    >>> key_columns(pd.DataFrame({"issue": ["x"], "rank": [1], "n": [7], "lsoa": ["E01"]}), keys=["lsoa"])
    ['issue', 'rank', 'lsoa']
    """
    cols = list(frame.columns)
    first = [cols[0]] if cols and not pd.api.types.is_numeric_dtype(frame[cols[0]]) else []
    return [c for c in cols if c in first or c in keys or _is_key_name(c)]


def _is_stat_name(name) -> bool:
    """Whether a column name says it holds a statistic (:data:`STAT_WORDS`), not a count.

    Examples
    --------
    >>> [_is_stat_name(n) for n in ("p_adjusted", "rate ratio", "share (%)", "offences")]
    [True, True, True, False]
    """
    text = str(name).strip().lower()
    words = [w for w in re.split(r"[\s_()/-]+", text) if w]
    return text in STAT_WORDS or any(w in STAT_WORDS for w in words)


def count_columns(frame: pd.DataFrame, keys=()) -> list:
    """The columns of ``frame`` taken for counts (module docstring): numeric, whole, >= 0,
    neither declared a key nor named like one.

    Examples
    --------
    >>> import pandas as pd
    >>> count_columns(pd.DataFrame({"rank": [1, 2], "area": ["A", "B"], "crimes": [3, 9],
    ...                             "rate": [0.5, 1.25], "people": [4.0, None]}))
    ['crimes', 'people']
    """
    out = []
    for col in frame.columns:
        s = frame[col]
        if col in keys or _is_key_name(col) or _is_stat_name(col) or pd.api.types.is_bool_dtype(s) \
                or not pd.api.types.is_numeric_dtype(s):
            continue
        v = pd.to_numeric(s, errors="coerce").dropna()
        if len(v) and bool(((v >= 0) & (v == v.round())).all()):
            out.append(col)
    return out


@dataclass
class ControlledTable:
    """A table after disclosure control: ``frame`` to show (hidden cells hold :data:`HIDDEN`),
    the count and key columns, and how many cells were hidden (never their values).

    Examples
    --------
    >>> import pandas as pd
    >>> c = control_frame(pd.DataFrame({"ward": ["A", "B", "C"], "crimes": [2, 50, 60]}))
    >>> c.counts, c.primary, c.secondary, c.derived
    (['crimes'], 1, 1, 0)
    """

    frame: pd.DataFrame
    counts: list
    keys: list
    primary: int = 0
    secondary: int = 0
    derived: int = 0
    threshold: int = DEFAULT_THRESHOLD
    notes: list = field(default_factory=list)

    @property
    def hidden(self) -> int:
        return self.primary + self.secondary + self.derived

    def to_dict(self) -> dict:
        return {"counts": [str(c) for c in self.counts], "keys": [str(k) for k in self.keys],
                "primary": self.primary, "secondary": self.secondary, "derived": self.derived,
                "threshold": self.threshold}


def control_frame(frame: pd.DataFrame, keys=(), threshold: int = DEFAULT_THRESHOLD) -> ControlledTable:
    """Primary, secondary and derived-cell suppression of one table of a downloadable output.

    Parameters
    ----------
    frame : the table as it would be shown (one row per line).
    keys : columns that are not counts and stay shown (labels, ranks, codes); the first
        column, when it is not numeric, is the row label and always a key.
    threshold : counts from 1 to ``threshold - 1`` are hidden (5; guidance 2.4.1.2).

    Returns
    -------
    ControlledTable

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"day": ["Mon", "Tue", "Wed"], "offences": [12, 4, 30], "share": [0.26, 0.09, 0.65]})
    >>> control_frame(t, keys=["day"]).frame.to_dict("list")
    {'day': ['Mon', 'Tue', 'Wed'], 'offences': ['[c]', '[c]', 30], 'share': ['[c]', '[c]', 0.65]}
    """
    if not isinstance(frame, pd.DataFrame):
        raise BadInput(f"`frame` must be a pandas DataFrame; got {type(frame).__name__}.")
    keys = key_columns(frame, keys)
    counts = count_columns(frame, keys)
    out = frame.astype(object).copy()
    result = ControlledTable(out, counts, keys, threshold=threshold)
    if not counts or frame.empty:
        return result
    block = frame[counts].apply(pd.to_numeric, errors="coerce")
    known = block.notna()
    # a cell with no value is unknown to a reader too: it enters the table as 0 and stays empty
    table = block.fillna(0).astype("int64").reset_index(drop=True)
    table.columns = range(len(counts))
    res = suppress_table(table, threshold, totals=True, known_totals=True, unknown=~known.to_numpy())
    primary = res.primary.drop(index=TOTAL, columns=TOTAL).to_numpy() & known.to_numpy()
    hidden = res.hidden.drop(index=TOTAL, columns=TOTAL).to_numpy() & known.to_numpy()
    result.primary = int(primary.sum())
    result.secondary = int(hidden.sum()) - result.primary
    for j, col in enumerate(counts):
        col_at = out.columns.get_loc(col)
        for i in np.flatnonzero(hidden[:, j]):
            out.iat[i, col_at] = HIDDEN
    others = [c for c in out.columns if c not in counts and c not in keys]
    for i in np.flatnonzero(hidden.any(axis=1)):
        for col in others:
            v = out.iat[i, out.columns.get_loc(col)]
            if v is None or (isinstance(v, float) and np.isnan(v)):
                continue
            if isinstance(v, (int, float, np.number)) or _DIGIT.search(str(v)):
                out.iat[i, out.columns.get_loc(col)] = HIDDEN
                result.derived += 1
    return result


def table_html(frame: pd.DataFrame, *, keys=(), caption: str | None = None, note: str | None = None,
               max_rows: int | None = None) -> str:
    """An escaped ``<table class='data'>`` of ``frame``'s cells as text (the first
    ``max_rows`` rows, then a "… N more rows" line); key columns are declared in the header
    (``data-key``) for :func:`check_html`; ``note`` goes in the table's footer.

    Examples
    --------
    >>> import pandas as pd
    >>> "<th data-key='1'>ward</th>" in table_html(pd.DataFrame({"ward": ["A"], "n": [9]}), keys=["ward"])
    True
    """
    width = max(1, len(frame.columns))
    shown = frame if max_rows is None else frame.head(max_rows)
    head = "".join(f"<th{' data-key=' + chr(39) + '1' + chr(39) if c in keys else ''}>{html.escape(str(c))}</th>"
                   for c in frame.columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape('' if v is None else str(v))}</td>" for v in row)
                   + "</tr>" for row in shown.itertuples(index=False))
    if frame.empty:
        body += f"<tr><td colspan='{width}'>No rows.</td></tr>"
    if len(frame) > len(shown):
        body += f"<tr><td colspan='{width}'>… {len(frame) - len(shown):,} more rows</td></tr>"
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    foot = f"<tfoot><tr><td colspan='{width}'>{html.escape(note)}</td></tr></tfoot>" if note else ""
    return f"<table class='data'>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody>{foot}</table>"


@dataclass
class _Table:
    keys: list = field(default_factory=list)
    header: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    truncated: bool = False
    caption: str = ""


class _Tables(HTMLParser):
    """Collects every ``<table>``: the header row (``<th>`` in ``<thead>``, with ``data-key``),
    the body rows (a ``<th>`` in a body row is a row label: kept as ``None``, never checked),
    and whether a cell spans the table body (a "… N more rows" line)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[_Table] = []
        self._stack: list[_Table] = []
        self._in = None            # "th", "td", "caption"
        self._text = ""
        self._row = None
        self._section = None
        self._span = False

    @property
    def _t(self):
        return self._stack[-1] if self._stack else None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self._stack.append(_Table())
            self._section = None
        elif self._t is None:
            return
        elif tag in ("thead", "tbody", "tfoot"):
            self._section = tag
        elif tag == "tr":
            self._row = []
        elif tag in ("th", "td", "caption"):
            self._in, self._text = tag, ""
            self._span = tag == "td" and int(a.get("colspan") or 1) > 1
            if tag == "th" and self._section == "thead":
                self._t.header.append("")
                if "data-key" in a:
                    self._t.keys.append(len(self._t.header) - 1)

    def handle_data(self, data):
        if self._t is not None and self._in:
            self._text += data

    def handle_endtag(self, tag):
        if self._t is None:
            return
        if tag == "th" and self._in == "th":
            if self._section == "thead":
                self._t.header[-1] = self._text.strip()
            elif self._row is not None:
                self._row.append(None)
        elif tag == "caption":
            self._t.caption = self._text.strip()
        elif tag == "td" and self._row is not None:
            if self._span:
                self._t.truncated = self._t.truncated or self._section != "tfoot"
                self._row = None
            else:
                self._row.append(self._text.strip())
        elif tag == "tr":
            if self._row and self._section not in ("tfoot", "thead"):
                self._t.rows.append(self._row)
            self._row = None
        elif tag == "table":
            self.tables.append(self._stack.pop())
        if tag in ("th", "td", "caption"):
            self._in = None


def _unknown(text: str) -> bool:
    """A count cell that does not show its value: hidden, empty, or written "<5"."""
    return text in UNKNOWN or bool(_BELOW.match(text))


def _whole(text: str, floats: bool = False) -> int | None:
    """The whole number ``text`` shows ("1,234"; with ``floats`` also "12.0"), else None."""
    if _WHOLE.match(text):
        return int(text.replace(",", ""))
    if floats and _WHOLE_FLOAT.match(text):
        return int(text.split(".")[0].replace(",", ""))
    return None


def check_html(text: str, threshold: int = DEFAULT_THRESHOLD) -> list[str]:
    """The independent check of a disclosure-controlled output: what is wrong, or ``[]``.

    Every ``<table>`` is read back from the HTML (the product's own tables and any an analyst
    wrote in a markdown cell). Refused: a whole number from 1 to ``threshold - 1`` in any cell
    outside the columns the table declares keys (``<th data-key>``), row labels (``<th>``
    in a body row), columns whose header names a statistic (:data:`STAT_WORDS`) and columns
    showing a negative number; a column of counts (whole numbers and hidden cells only) with exactly one
    hidden cell, unless the table is cut short; a row with exactly one hidden cell among two
    or more count columns. An empty count cell ("—") or one written "<5" counts as hidden.

    Examples
    --------
    >>> check_html("<table class='data'><thead><tr><th data-key='1'>ward</th><th>n</th></tr></thead>"
    ...            "<tbody><tr><td>A</td><td>3</td></tr><tr><td>B</td><td>40</td></tr></tbody></table>")
    ["table 1, row 1, column 'n': 3 is a count of 1 to 4"]
    """
    parser = _Tables()
    parser.feed(text)
    problems = []
    for t_no, t in enumerate(parser.tables, 1):
        name = f"table {t_no}" + (f" ({t.caption})" if t.caption else "")
        width = len(t.header)
        rows = [r for r in t.rows if len(r) == width]
        # count columns: every cell a whole number ("12" or "12.0") or not shown
        counts = [j for j in range(width) if j not in t.keys and not _is_stat_name(t.header[j]) and rows
                  and all(r[j] is not None and (_unknown(r[j]) or _whole(r[j], True) is not None)
                          for r in rows)
                  and any(_whole(r[j], True) is not None for r in rows)]
        # not counts, whatever their values: a statistic's column (by its name) or a column
        # that shows a negative number (a count never is)
        exempt = set(t.keys) | {j for j in range(width) if _is_stat_name(t.header[j])
                                or any(_NEGATIVE.match(r[j] or "") for r in rows)}
        for r_no, row in enumerate(t.rows, 1):
            for j, cell in enumerate(row):
                n = None if cell is None else _whole(cell, floats=len(row) == width and j in counts)
                if j not in exempt and n is not None and 1 <= n < threshold:
                    column = t.header[j] if j < len(t.header) else str(j + 1)
                    problems.append(f"{name}, row {r_no}, column {column!r}: {n} is a count of 1 to "
                                    f"{threshold - 1}")
        for j in counts:
            if not t.truncated and len(rows) >= 2 and sum(_unknown(r[j]) for r in rows) == 1:
                problems.append(f"{name}, column {t.header[j]!r}: one hidden cell alone, recoverable from "
                                f"the column total")
        if len(counts) >= 2:
            for r_no, row in enumerate(rows, 1):
                if sum(_unknown(row[j]) for j in counts) == 1:
                    problems.append(f"{name}, row {r_no}: one hidden count alone, recoverable from the row total")
    return problems
