"""Quoting for SQL text that cannot be a parameter: identifiers, and literals in DDL.

DuckDB takes values as parameters (``?``) wherever it can; these two helpers are for the
places it cannot: table and column names, and the file paths and keys of ``ATTACH``,
``COPY`` and ``SET``. Product code quotes through this module only. The independent
disclosure checker (:mod:`workbench.privacy.checker`) keeps its own copies on purpose, so a
fault here cannot hide a fault in what it checks.

Examples
--------
>>> print(quote_identifier('crime "type" code'))
"crime ""type"" code"
>>> print(quote_literal("O'Brien's"))
'O''Brien''s'
"""

from __future__ import annotations

from pathlib import PurePath


def quote_identifier(name: str) -> str:
    """Quote ``name`` as a SQL identifier: wrapped in double quotes, inner ones doubled.

    Parameters
    ----------
    name : str
        A table, view or column name (converted with ``str``).

    Returns
    -------
    str
        The quoted identifier, safe to splice into SQL text.

    Examples
    --------
    >>> quote_identifier("police_crime_offence")
    '"police_crime_offence"'
    >>> import duckdb
    >>> name = 'a"; DROP TABLE x; --'
    >>> duckdb.sql(f"SELECT 1 AS {quote_identifier(name)}").columns == [name]
    True
    """
    return '"' + str(name).replace('"', '""') + '"'


def quote_literal(value: str | PurePath) -> str:
    """Quote ``value`` as a SQL string literal: wrapped in single quotes, inner ones doubled.

    For text that cannot be a parameter (``ATTACH`` paths, encryption keys, ``IN`` lists in
    view definitions); pass values as parameters everywhere else.

    Parameters
    ----------
    value : str or path
        The text (converted with ``str``).

    Returns
    -------
    str
        The quoted literal.

    Examples
    --------
    >>> quote_literal("Mansfield")
    "'Mansfield'"
    >>> import duckdb
    >>> duckdb.sql(f"SELECT {quote_literal(chr(39) + '; DROP TABLE x; --')} AS v").fetchone()[0]
    "'; DROP TABLE x; --"
    """
    return "'" + str(value).replace("'", "''") + "'"
