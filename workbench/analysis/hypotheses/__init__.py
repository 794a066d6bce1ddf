"""Hypothesis testing for analysts (guidance 4.3.1, Appendix 2): built-in violence hypotheses
and the base class for your own. See :mod:`.base` for how to define and register one.

>>> from workbench.analysis.hypotheses import names
>>> names()
['concentration', 'premises', 'reporting', 'seriousness']
"""

from __future__ import annotations

from workbench.analysis.hypotheses import concentration as _concentration  # noqa: F401  (registers)
from workbench.analysis.hypotheses import premises as _premises  # noqa: F401
from workbench.analysis.hypotheses import reporting as _reporting  # noqa: F401
from workbench.analysis.hypotheses import seriousness as _seriousness  # noqa: F401
from workbench.analysis.hypotheses.base import VERDICTS, Hypothesis, Verdict, evidence, get, names, register
from workbench.analysis.hypotheses.data import DataSource, Period
from workbench.analysis.offence_groups import parse_offences

__all__ = ["Hypothesis", "Verdict", "DataSource", "Period", "VERDICTS", "evidence", "get", "names",
           "register", "run"]


def run(name: str, data, current, baseline, offences=None, **options) -> Verdict:
    """Test hypothesis ``name`` on ``data`` (DuckDB connection, dict of DataFrames or DataSource).

    ``current``/``baseline`` are ``'YYYY-MM-DD:YYYY-MM-DD'`` strings or :class:`Period`;
    ``offences`` is codes (``'105A,8N'``), a group name, a tuple of codes, or None (violence).
    The hypothesis' fitness gate runs first (:meth:`Hypothesis.evaluate`, guidance 4.2.3).
    """
    source = DataSource.wrap(data)
    cur, base = Period.parse(current, "current"), Period.parse(baseline, "baseline")
    codes = tuple(offences) if isinstance(offences, (list, tuple)) else parse_offences(offences)
    return get(name).evaluate(source, cur, base, codes, **options)
