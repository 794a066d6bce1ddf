"""Checks for the products package in one place, with messages that teach (STYLE rule 3).

Every function raises :class:`workbench.errors.BadInput` (exit 2) naming the argument, what
was expected, what was found, and a hint.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable

from workbench.errors import BadInput
from workbench.period import as_date


def choice(name: str, value: str, allowed: Iterable[str]) -> str:
    """Return ``value`` normalised (case, ``-``/``_`` as spaces) if it is one of ``allowed``.

    >>> choice("status", "In-Progress", ["requested", "in progress"])
    'in progress'
    """
    allowed = list(allowed)

    def _norm(x: str) -> str:
        return " ".join(str(x).strip().lower().replace("-", " ").replace("_", " ").split())

    norm = _norm(value)
    for a in allowed:
        if norm == _norm(a):
            return a
    close = difflib.get_close_matches(str(value), allowed, n=1)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    raise BadInput(f"`{name}` must be one of {', '.join(repr(a) for a in allowed)}; "
                   f"found {value!r}.{hint}")


def date(name: str, value: str | dt.date | None, *, required: bool = False) -> dt.date | None:
    """Parse a ``YYYY-MM-DD`` date (``None``/empty allowed unless ``required``).

    Examples
    --------
    >>> date("start", "2024-04-01")
    datetime.date(2024, 4, 1)
    >>> date("start", None) is None
    True
    """
    if value is None or value == "":
        if required:
            raise BadInput(f"`{name}` is required: give a date as YYYY-MM-DD.")
        return None
    return as_date(value, name)


def period(name: str, value: str | tuple | None) -> tuple[dt.date, dt.date] | None:
    """Parse ``FROM:TO`` (both ``YYYY-MM-DD``, FROM <= TO) into a pair of dates.

    >>> period("current", "2025-01-01:2025-03-31")
    (datetime.date(2025, 1, 1), datetime.date(2025, 3, 31))
    """
    if value is None or value == "":
        return None
    if isinstance(value, tuple | list):
        start, end = value
    else:
        parts = str(value).split(":")
        if len(parts) != 2:
            raise BadInput(f"`{name}` must be FROM:TO with dates YYYY-MM-DD "
                           f"(e.g. 2025-01-01:2025-03-31); found {value!r}.")
        start, end = parts
    a, b = date(f"{name} (from)", start, required=True), date(f"{name} (to)", end, required=True)
    if a > b:
        raise BadInput(f"`{name}` starts after it ends ({a} > {b}); swap FROM and TO.")
    return a, b


def text(name: str, value: str | None, *, required: bool = False, max_len: int = 4000) -> str | None:
    """A trimmed free-text value; ``required`` rejects empty text.

    Examples
    --------
    >>> text("title", "  Burglary in Mansfield  ")
    'Burglary in Mansfield'
    >>> text("title", "", required=True)
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: ...
    """
    value = None if value is None else str(value).strip()
    if not value:
        if required:
            raise BadInput(f"`{name}` is required and was empty.")
        return None
    if len(value) > max_len:
        raise BadInput(f"`{name}` is {len(value)} characters long; the limit is {max_len}. "
                       f"Put long material in the product itself.")
    return value


def texts(name: str, values: Iterable[str] | str | None, *, required: bool = False) -> list[str]:
    """A list of non-empty texts (a single string becomes a one-item list).

    Examples
    --------
    >>> texts("questions", "Why has burglary risen?")
    ['Why has burglary risen?']
    >>> texts("questions", ["Who?", "  ", "Where?"])
    ['Who?', 'Where?']
    """
    if values is None:
        values = []
    elif isinstance(values, str):
        values = [values]
    out = [t for v in values if (t := text(name, v))]
    if required and not out:
        raise BadInput(f"`{name}` needs at least one entry; a commission without questions gives "
                       f"the analyst no direction (guidance Box 4).")
    return out


def flag(name: str, value) -> bool | None:
    """Yes/no answers: ``y``/``yes``/``true``/``1`` and ``n``/``no``/``false``/``0``; None stays None.

    Examples
    --------
    >>> flag("repeat", "Yes"), flag("repeat", "0"), flag("repeat", None)
    (True, False, None)
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    v = str(value).strip().lower()
    if v in ("y", "yes", "true", "1"):
        return True
    if v in ("n", "no", "false", "0"):
        return False
    raise BadInput(f"`{name}` must be yes or no; found {value!r}.")


def positive_int(name: str, value, *, maximum: int = 520) -> int:
    """A whole number from 1 to ``maximum`` (weeks, counts asked for on the command line).

    Examples
    --------
    >>> positive_int("weeks", "12")
    12
    >>> positive_int("weeks", 0)
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: `weeks` must be between 1 and 520; found 0.
    """
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise BadInput(f"`{name}` must be a whole number; found {value!r}.") from None
    if not 1 <= n <= maximum:
        raise BadInput(f"`{name}` must be between 1 and {maximum}; found {n}.")
    return n
