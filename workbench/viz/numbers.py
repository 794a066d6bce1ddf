"""Numbers as a reader sees them: ordinary notation, never ``8.01e-20`` (issue 18).

One rule for every layer that shows a number (products, dashboards' labels, map popups):
p-values as ``<0.001`` or three decimals (``p < 0.001`` / ``p = 0.034`` in sentences), other
numbers with thousands separators and about three significant figures, tiny non-zero values
as ``<0.001``. Pure functions on plain values; this is the lowest layer that presents
anything, so products and views import it from here.
"""

from __future__ import annotations

import math

#: below this a p-value (or any small non-zero number) is shown as "<0.001"
SMALLEST = 0.001

#: table column names that hold p-values (products and dashboards alike)
P_COLUMNS = frozenset({"p_value", "trend_p", "change_p", "p", "p-value", "p (change)", "p (trend)"})


def p_value(p) -> str:
    """A p-value as a table cell: ``<0.001`` or three decimals; empty when unknown.

    Examples
    --------
    >>> p_value(8.01e-20), p_value(0.03412), p_value(1.0), p_value(None), p_value(float("nan"))
    ('<0.001', '0.034', '1.000', '', '')
    """
    if p is None:
        return ""
    v = float(p)
    if math.isnan(v):
        return ""
    return f"<{SMALLEST:g}" if v < SMALLEST else f"{v:.3f}"


def p_text(p) -> str:
    """A p-value in a sentence: ``p < 0.001`` or ``p = 0.034``.

    Examples
    --------
    >>> p_text(8.01e-20), p_text(0.2)
    ('p < 0.001', 'p = 0.200')
    """
    shown = p_value(p)
    if not shown:
        return "p unknown"
    return f"p < {shown[1:]}" if shown.startswith("<") else f"p = {shown}"


def plain_number(value: float) -> str:
    """About three significant figures in ordinary notation, never ``1.23e+03``.

    Examples
    --------
    >>> plain_number(1234.5), plain_number(12.345), plain_number(0.00123), plain_number(0)
    ('1,234', '12.3', '0.00123', '0')
    """
    v = float(value)
    if v == 0 or not math.isfinite(v):
        return "0" if v == 0 else str(v)
    digits = max(0, 2 - int(math.floor(math.log10(abs(v)))))
    return f"{v:,.{digits}f}"


def small_number(value: float) -> str:
    """A number shown in a table: thousands separators, one decimal from 1 up, about three
    significant figures below 1, and ``<0.001`` (``>-0.001``) for tiny non-zero values.

    Examples
    --------
    >>> small_number(12345.678), small_number(0.1234), small_number(8.01e-20), small_number(-2e-9)
    ('12,345.7', '0.123', '<0.001', '>-0.001')
    """
    v = float(value)
    if v != 0 and abs(v) < SMALLEST:
        return f"<{SMALLEST:g}" if v > 0 else f">-{SMALLEST:g}"
    return f"{v:,.3g}" if abs(v) < 1 else f"{v:,.1f}"


__all__ = ["SMALLEST", "P_COLUMNS", "p_value", "p_text", "plain_number", "small_number"]
