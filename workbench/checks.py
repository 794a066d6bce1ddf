"""Argument checks shared by every layer, with messages that say what was expected (STYLE.md 3).

The bottom of the stack (it imports only :mod:`workbench.errors`), so the registry, privacy
and the command line check fixed choices and names the same way: a wrong value raises
:class:`~workbench.errors.BadInput` (exit 2) naming the argument, what was found, the
allowed values and the closest one. Each package keeps its own vocabularies (roles,
purposes, formats …) beside the code that owns them; only the checking lives here.

Examples
--------
>>> choice("format", "csv", ("csv", "xlsx"))
'csv'
>>> choice("format", "xslx", ("csv", "xlsx"))
Traceback (most recent call last):
...
workbench.errors.BadInput: `format` must be one of csv, xlsx; found 'xslx'. Did you mean 'xlsx'?
>>> name("agency", "  Police ")
'Police'
"""

from __future__ import annotations

import difflib

from workbench.errors import BadInput


def choice(argument: str, value, allowed: tuple[str, ...]) -> str:
    """Return ``value`` if it is one of ``allowed``; otherwise raise BadInput with a hint.

    Parameters
    ----------
    argument : str
        The argument's name, as the user typed it (shown in the message).
    value : object
        What was given.
    allowed : tuple of str
        The fixed choices.

    Returns
    -------
    str
        ``value`` unchanged.

    Raises
    ------
    BadInput
        Naming the argument, the allowed values, what was found and the closest choice.

    Examples
    --------
    >>> choice("role", "analyst", ("admin", "analyst"))
    'analyst'
    >>> try:
    ...     choice("role", "analist", ("admin", "analyst"))
    ... except BadInput as exc:
    ...     print(exc)
    `role` must be one of admin, analyst; found 'analist'. Did you mean 'analyst'?
    """
    if value in allowed:
        return value
    close = difflib.get_close_matches(str(value), allowed, n=1)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    raise BadInput(f"`{argument}` must be one of {', '.join(allowed)}; found {value!r}.{hint}")


def name(argument: str, value) -> str:
    """A non-empty name without leading/trailing spaces or control characters (at most 200).

    Examples
    --------
    >>> name("partnership", " Mansfield ")
    'Mansfield'
    >>> try:
    ...     name("partnership", "")
    ... except BadInput as exc:
    ...     print(exc)
    `partnership` must be a non-empty name; found ''.
    """
    if not isinstance(value, str) or not value.strip():
        raise BadInput(f"`{argument}` must be a non-empty name; found {value!r}.")
    value = value.strip()
    if any(ord(ch) < 32 for ch in value):
        raise BadInput(f"`{argument}` must not contain control characters; found {value!r}.")
    if len(value) > 200:
        raise BadInput(f"`{argument}` is longer than 200 characters.")
    return value
