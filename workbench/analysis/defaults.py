"""Defaults announce themselves (STYLE.md 4; sfhotspot ``set_cell_size.R``).

When the library chooses a cell size, a bandwidth or a period for the analyst it says so
once on stderr, e.g. ``Cell size set to 100 m automatically``; ``quiet=True`` silences it.
"""

from __future__ import annotations

import sys


def announce(message: str, quiet: bool = False) -> None:
    """Print ``message`` to stderr unless ``quiet``.

    Examples
    --------
    >>> import contextlib, sys
    >>> with contextlib.redirect_stderr(sys.stdout):
    ...     announce("Cell size set to 100 m automatically")
    ...     announce("not shown", quiet=True)
    workbench.analysis: Cell size set to 100 m automatically
    """
    if not quiet:
        print(f"workbench.analysis: {message}", file=sys.stderr)


def nice_number(value: float) -> float:
    """Round ``value`` to 1, 2, 2.5 or 5 times a power of ten (for cell sizes and bandwidths).

    Examples
    --------
    >>> [float(nice_number(v)) for v in (0.9, 23, 270, 380, 4200)]
    [1.0, 20.0, 250.0, 500.0, 5000.0]
    """
    import math

    if value <= 0:
        return value
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power * 1.2:
            return step * power
    return 10 * power
