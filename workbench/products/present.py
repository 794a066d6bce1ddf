"""Notebook-side presentation helpers: every product section is emitted as a display output
tagged ``{"workbench": {...}}`` in its metadata, which :mod:`workbench.products.render` turns
into the HTML/PDF report. Everything shown is escaped here (STYLE: "Escape everything shown in
HTML"); figures are inline PNG (matplotlib, no CDN assets).

Outside a notebook (no IPython kernel) the helpers still return the HTML they would show, so
they are testable as plain functions.
"""

from __future__ import annotations

import base64
import contextlib
import contextvars
import html
import io

import numpy as np
import pandas as pd

from workbench.privacy import outputs
from workbench.products.frontsheet import FrontSheet
from workbench.viz import numbers

TAG = "workbench"
#: the list collecting emitted parts inside :func:`captured` (None: not collecting)
_CAPTURE: contextvars.ContextVar = contextvars.ContextVar("workbench_present_capture", default=None)


@contextlib.contextmanager
def captured():
    """Collect the ``(kind, html)`` parts that product sections emit, in order (outside a
    notebook too): how a layout's sections are shown and tested as plain functions.

    Examples
    --------
    >>> with captured() as parts:
    ...     _ = heading("Timeline")
    ...     _ = para("No events & no gaps.")
    >>> parts
    [('heading', "<h2 id='timeline'>Timeline</h2>"), ('para', '<p>No events &amp; no gaps.</p>')]
    """
    parts: list = []
    token = _CAPTURE.set(parts)
    try:
        yield parts
    finally:
        _CAPTURE.reset(token)


def _emit(kind: str, html_text: str, **extra) -> str:
    parts = _CAPTURE.get()
    if parts is not None:
        parts.append((kind, html_text))
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython ships with ipykernel
        return html_text
    if get_ipython() is not None:
        display({"text/html": html_text, "text/plain": f"[{kind}]"}, raw=True,
                metadata={TAG: {"kind": kind, **extra}})
    return html_text


def esc(value) -> str:
    """HTML-escape ``value`` (None becomes the empty string): everything a product shows passes here.

    Examples
    --------
    >>> esc("<script>alert('x')</script>")
    '&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;'
    >>> esc(None)
    ''
    """
    return html.escape("" if value is None else str(value))


def front_sheet(sheet: FrontSheet) -> str:
    """Emit the front sheet; the renderer draws page 1 from its data.

    Examples
    --------
    >>> from workbench.products.frontsheet import FrontSheet
    >>> from workbench.products.marking import decide_marking
    >>> sheet = FrontSheet("strategic-assessment", "Strategic assessment 2025", "Strategy group", [],
    ...                    "A. Analyst", "2025-07-01", "2025-06-30", decide_marking(["police_uk_street"]),
    ...                    "Partners only.", [])
    >>> "<td>Strategic assessment 2025</td>" in front_sheet(sheet)
    True
    """
    rows = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in (
        ("Title", sheet.title), ("Commissioning group", sheet.commissioning_group or "—"),
        ("Author", sheet.author), ("Date", sheet.date), ("Protective marking", sheet.marking.banner)))
    return _emit("front_sheet", f"<table class='front'>{rows}</table>", data=sheet.to_dict())


def heading(text: str, level: int = 2, *, anchor: str | None = None) -> str:
    """An escaped HTML heading (levels 1-4) with an anchor id for the contents list.

    Examples
    --------
    >>> heading("Findings & actions")
    "<h2 id='findings-&amp;-actions'>Findings &amp; actions</h2>"
    """
    level = max(1, min(4, int(level)))
    a = esc(anchor or text.lower().replace(" ", "-"))
    return _emit("heading", f"<h{level} id='{a}'>{esc(text)}</h{level}>", level=level, text=text, anchor=a)


def para(text: str, *, css: str | None = None) -> str:
    """An escaped HTML paragraph, with an optional CSS class.

    Examples
    --------
    >>> "<p class='lead'>Counts &lt; 5 hidden.</p>" in para("Counts < 5 hidden.", css="lead")
    True
    """
    cls = f" class='{esc(css)}'" if css else ""
    return _emit("para", f"<p{cls}>{esc(text)}</p>")


def note(text: str) -> str:
    """A highlighted analyst's note or caveat.

    Examples
    --------
    >>> "&lt;5" in note("Counts <5 are suppressed.")
    True
    """
    return _emit("note", f"<div class='note'>{esc(text)}</div>")


def bullets(items, *, css: str | None = None) -> str:
    """An escaped HTML list; an empty list says "None.".

    Examples
    --------
    >>> "<li>a &amp; b</li>" in bullets(["a & b"]), "<li>None.</li>" in bullets([])
    (True, True)
    """
    cls = f" class='{esc(css)}'" if css else ""
    lis = "".join(f"<li>{esc(i)}</li>" for i in items)
    return _emit("bullets", f"<ul{cls}>{lis or '<li>None.</li>'}</ul>")


def labelled(items: list[tuple[str, str]]) -> str:
    """A definition list: (label, text) pairs.

    Examples
    --------
    >>> "<dt>Period</dt><dd>Apr–Jun 2024</dd>" in labelled([("Period", "Apr–Jun 2024")])
    True
    """
    body = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in items)
    return _emit("labelled", f"<dl>{body}</dl>")


def _fmt(v) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return "—"
    if isinstance(v, bool | np.bool_):
        return "yes" if v else "no"
    if isinstance(v, np.integer):
        v = int(v)
    elif isinstance(v, np.floating):
        v = float(v)
    if isinstance(v, float):
        return numbers.small_number(v)
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def _cell_value(v):
    """A cell as JSON for the notebook's metadata: numbers stay numbers, the rest is text."""
    if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, bool | np.bool_):
        return _fmt(v)
    if isinstance(v, np.integer | int):
        return int(v)
    if isinstance(v, np.floating | float):
        return float(v)
    return str(v)


def table(frame: pd.DataFrame, *, caption: str | None = None, max_rows: int = 40,
          formats: dict | None = None, keys=()) -> str:
    """An escaped HTML table of ``frame`` (first ``max_rows`` rows).

    ``keys`` names the columns that are not counts (labels, ranks, codes; the first text
    column is always one). The output's metadata keeps every row's values and shown text, so
    the disclosure-controlled edition of the product (:func:`controlled_table`) can hide small
    counts, their complements and the figures derived from them.

    Examples
    --------
    >>> import pandas as pd
    >>> html = table(pd.DataFrame({"area": ["<b>Mansfield</b>"], "count": [12]}), caption="Burglary")
    >>> "&lt;b&gt;Mansfield&lt;/b&gt;" in html and "<caption>Burglary</caption>" in html
    True
    """
    data = table_data(frame, caption=caption, max_rows=max_rows, formats=formats, keys=keys)
    texts = pd.DataFrame(data["texts"], columns=frame.columns) if len(frame) else \
        pd.DataFrame(columns=frame.columns)
    text = outputs.table_html(texts, keys=outputs.key_columns(frame, data["keys"]), caption=caption,
                              max_rows=max_rows)
    return _emit("table", text, table=data)


def table_data(frame: pd.DataFrame, *, caption: str | None = None, max_rows: int = 40,
               formats: dict | None = None, keys=()) -> dict:
    """What :func:`table` keeps in the output's metadata: every row's values (numbers stay
    numbers) and shown text, the declared key columns, caption and row limit.

    Examples
    --------
    >>> import pandas as pd
    >>> d = table_data(pd.DataFrame({"ward": ["A"], "crimes": [1234]}), caption="Burglary")
    >>> d["values"], d["texts"]
    ([['A', 1234]], [['A', '1,234']])
    """
    # p-value columns read "<0.001" or three decimals, never 8.01e-20 (issue 18)
    formats = {**{c: numbers.p_value for c in frame.columns if str(c) in numbers.P_COLUMNS}, **(formats or {})}
    texts = [[(formats[c](v) if formats.get(c) and v is not None and not (isinstance(v, float) and pd.isna(v))
               else _fmt(v)) for c, v in zip(frame.columns, row)] for row in frame.itertuples(index=False)]
    return {"columns": [str(c) for c in frame.columns], "keys": [str(k) for k in keys if k in frame.columns],
            "caption": caption, "max_rows": max_rows,
            "values": [[_cell_value(v) for v in row] for row in frame.itertuples(index=False)],
            "texts": [[str(t) for t in row] for row in texts]}


def controlled_table(data: dict, threshold: int = outputs.DEFAULT_THRESHOLD) -> tuple[str, dict]:
    """The disclosure-controlled HTML of a table :func:`table` emitted (its metadata ``data``)
    and what was hidden (:func:`workbench.privacy.outputs.control_frame`).

    Examples
    --------
    >>> import pandas as pd
    >>> meta = {"columns": ["ward", "crimes"], "keys": [], "caption": "Burglary", "max_rows": 40,
    ...         "values": [["A", 3], ["B", 40], ["C", 25]], "texts": [["A", "3"], ["B", "40"], ["C", "25"]]}
    >>> html, hidden = controlled_table(meta)
    >>> ">3<" in html, html.count("[c]") >= 2, hidden["primary"], hidden["secondary"]
    (False, True, 1, 1)
    """
    raw = pd.DataFrame(data["values"], columns=data["columns"])
    for col in raw.columns:
        # counts a layout already wrote as text ("1,234"; "<5" for a count it suppressed itself)
        text = raw[col].astype("string").str.replace(",", "", regex=False)
        small = text.str.fullmatch(r"<\d+").fillna(False).astype(bool)
        converted = pd.to_numeric(text.mask(small), errors="coerce")
        if raw[col].notna().any() and converted.notna().sum() + small.sum() == raw[col].notna().sum():
            raw[col] = converted
    controlled = outputs.control_frame(raw, keys=data.get("keys", []), threshold=threshold)
    texts = pd.DataFrame(data["texts"], columns=data["columns"]) if data["texts"] else \
        pd.DataFrame(columns=data["columns"])
    shown = texts.mask(controlled.frame.eq(outputs.HIDDEN).reindex(texts.index).fillna(False), outputs.HIDDEN)
    note = outputs.NOTE if controlled.hidden else None
    return (outputs.table_html(shown, keys=controlled.keys, caption=data.get("caption"), note=note,
                               max_rows=data.get("max_rows")), controlled.to_dict())


def plain_axes(fig) -> None:
    """Numeric axes of ``fig`` in ordinary notation: no ``1e6`` multiplier and no ``+4.57e5``
    offset above the ticks (issue 18); category and date axes are left as they are.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([457000, 457010], [2e7, 3e7])
    >>> plain_axes(fig); fig.canvas.draw()
    >>> ax.yaxis.get_offset_text().get_text(), ax.xaxis.get_offset_text().get_text()
    ('', '')
    >>> plt.close(fig)
    """
    from matplotlib.ticker import ScalarFormatter

    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            formatter = axis.get_major_formatter()
            if isinstance(formatter, ScalarFormatter):
                formatter.set_scientific(False)
                formatter.set_useOffset(False)


def figure(fig, *, caption: str, alt: str | None = None, safe: str | None = None) -> str:
    """A matplotlib figure as an inline PNG (closed after rendering).

    A picture cannot be suppressed cell by cell, so the disclosure-controlled edition of a
    product leaves a figure out (saying so) unless ``safe`` says why it shows no count of 1 to
    4 (e.g. "priority scores, not counts"; "smoothed density surface").

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> html = figure(fig, caption="Burglary by month")
    >>> "data:image/png;base64," in html and "<figcaption>Burglary by month</figcaption>" in html
    True
    """
    import matplotlib.pyplot as plt

    plain_axes(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return _emit("figure", f"<figure><img alt='{esc(alt or caption)}' src='data:image/png;base64,{data}'>"
                           f"<figcaption>{esc(caption)}</figcaption></figure>", caption=caption, safe=safe)


def pct(x) -> str:
    """A signed whole percentage for a change, or a dash when unknown.

    Examples
    --------
    >>> pct(0.125), pct(-0.3), pct(None)
    ('+12%', '-30%', '—')
    """
    return "—" if x is None or (isinstance(x, float) and pd.isna(x)) else f"{x:+.0%}"
