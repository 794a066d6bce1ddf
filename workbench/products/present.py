"""Notebook-side presentation helpers: every product section is emitted as a display output
tagged ``{"workbench": {...}}`` in its metadata, which :mod:`workbench.products.render` turns
into the HTML/PDF report. Everything shown is escaped here (STYLE: "Escape everything shown in
HTML"); figures are inline PNG (matplotlib, no CDN assets).

Outside a notebook (no IPython kernel) the helpers still return the HTML they would show, so
they are testable as plain functions.
"""

from __future__ import annotations

import base64
import html
import io

import numpy as np
import pandas as pd

from workbench.products.frontsheet import FrontSheet

TAG = "workbench"


def _emit(kind: str, html_text: str, **extra) -> str:
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
    """Emit the front sheet; the renderer draws page 1 from its data."""
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
        return f"{v:,.3g}" if abs(v) < 1 else f"{v:,.1f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def table(frame: pd.DataFrame, *, caption: str | None = None, max_rows: int = 40,
          formats: dict | None = None) -> str:
    """An escaped HTML table of ``frame`` (first ``max_rows`` rows).

    Examples
    --------
    >>> import pandas as pd
    >>> html = table(pd.DataFrame({"area": ["<b>Mansfield</b>"], "count": [12]}), caption="Burglary")
    >>> "&lt;b&gt;Mansfield&lt;/b&gt;" in html and "<caption>Burglary</caption>" in html
    True
    """
    formats = formats or {}
    head = "".join(f"<th>{esc(c)}</th>" for c in frame.columns)
    body = []
    for _, row in frame.head(max_rows).iterrows():
        cells = []
        for c in frame.columns:
            f = formats.get(c)
            v = row[c]
            text = f(v) if f and v is not None and not (isinstance(v, float) and pd.isna(v)) else _fmt(v)
            cells.append(f"<td>{esc(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = (f"<tr><td colspan='{len(frame.columns)}'>… {len(frame) - max_rows:,} more rows</td></tr>"
            if len(frame) > max_rows else "")
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    empty = f"<tr><td colspan='{max(1, len(frame.columns))}'>No rows.</td></tr>" if frame.empty else ""
    return _emit("table", f"<table class='data'>{cap}<thead><tr>{head}</tr></thead>"
                          f"<tbody>{''.join(body)}{empty}{more}</tbody></table>")


def figure(fig, *, caption: str, alt: str | None = None) -> str:
    """A matplotlib figure as an inline PNG (closed after rendering).

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

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return _emit("figure", f"<figure><img alt='{esc(alt or caption)}' src='data:image/png;base64,{data}'>"
                           f"<figcaption>{esc(caption)}</figcaption></figure>", caption=caption)


def pct(x) -> str:
    """A signed whole percentage for a change, or a dash when unknown.

    Examples
    --------
    >>> pct(0.125), pct(-0.3), pct(None)
    ('+12%', '-30%', '—')
    """
    return "—" if x is None or (isinstance(x, float) and pd.isna(x)) else f"{x:+.0%}"
