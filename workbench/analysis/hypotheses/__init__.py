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

    Examples
    --------
    >>> from workbench.demo.build import _example_demo
    >>> hub = _example_demo()                              # the smallest demo, built once (about 9 s)
    >>> from workbench.privacy.shared import open_shared_tier
    >>> v = run("concentration", open_shared_tier(hub), "2024-04-01:2024-06-30", "2023-04-03:2023-07-02")
    >>> v.verdict, v.reason                                # the fitness gate says why
    ('inconclusive', 'too few events to test (baseline 16, current 30; at least 30 needed in each period)')
    >>> run("nope", open_shared_tier(hub), "2024-04-01:2024-06-30", "2023-04-03:2023-07-02")
    Traceback (most recent call last):
    workbench.errors.BadInput: `hypothesis` must be one of 'concentration', 'premises', 'reporting', 'seriousness'; received 'nope'.
    """
    source = DataSource.wrap(data)
    cur, base = Period.parse(current, "current"), Period.parse(baseline, "baseline")
    codes = tuple(offences) if isinstance(offences, (list, tuple)) else parse_offences(offences)
    return get(name).evaluate(source, cur, base, codes, **options)
