"""UK postcodes: normalisation, validation, outward code and sector.

A full unit postcode is an *outward* code (area + district, e.g. ``NG1``, ``NG10``, ``EC1A``)
and an *inward* code (sector digit + unit letters, e.g. ``5AW``). The hub stores the
normal form ``"NG1 5AW"``: upper case, one space before the inward code (DATASETS.md
conventions). Health supplies under regulations J.9–J.10 may carry only the outward part.

The pattern is the UK Government Data Standards postcode format (letters that never occur in
a position are excluded), plus the special ``GIR 0AA``.

Examples
--------
>>> normalise_postcode(" ng15aw ")
'NG1 5AW'
>>> outward("ng10 1aa")
'NG10'
>>> normalise_postcode("NG1 5A") is None
True
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

_OUTWARD = r"(?:[A-PR-UWYZ](?:[0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKPSTUW]|[A-HK-Y][0-9][ABEHMNPRVWXY]))"
_INWARD = r"(?:[0-9][ABD-HJLNP-UW-Z]{2})"

#: a normalised full unit postcode ("NG1 5AW")
POSTCODE_RE = re.compile(rf"^(?:{_OUTWARD} {_INWARD}|GIR 0AA)$")
#: a normalised outward code ("NG1")
OUTWARD_RE = re.compile(rf"^(?:{_OUTWARD}|GIR)$")
#: the same pattern for DuckDB ``regexp_full_match`` on normalised values
POSTCODE_SQL_PATTERN = rf"{_OUTWARD} {_INWARD}|GIR 0AA"
OUTWARD_SQL_PATTERN = rf"{_OUTWARD}|GIR"

_SPACE = re.compile(r"\s+")


def _compact(value) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    text = _SPACE.sub("", str(value)).upper()
    return text or None


def normalise_postcode(value) -> str | None:
    """Return the normal form ``"NG1 5AW"`` of a full unit postcode, or None.

    Case and spacing are corrected (``"ng15aw"``, ``"NG1  5AW"`` → ``"NG1 5AW"``). A blank
    value or one that is not a valid UK unit postcode gives None; use
    :func:`is_valid_postcode` to tell the two apart.

    Examples
    --------
    >>> normalise_postcode("ng15aw"), normalise_postcode("NG1  5AW"), normalise_postcode("NG1 5"), normalise_postcode("")
    ('NG1 5AW', 'NG1 5AW', None, None)
    """
    text = _compact(value)
    if text is None or len(text) < 5 or len(text) > 7:
        return None
    candidate = f"{text[:-3]} {text[-3:]}"
    return candidate if POSTCODE_RE.match(candidate) else None


def is_valid_postcode(value) -> bool:
    """True when ``value`` normalises to a valid full unit postcode.

    Examples
    --------
    >>> is_valid_postcode("sw1a 1aa"), is_valid_postcode("SW1A")
    (True, False)
    """
    return normalise_postcode(value) is not None


def outward(value) -> str | None:
    """The outward code (``"NG1"``) of a full postcode or of an outward code alone; else None.

    Regulations J.9–J.10: only the outward part of a patient's postcode may be shared.

    Examples
    --------
    >>> outward("ng1 5aw"), outward("NG10"), outward("not a postcode")
    ('NG1', 'NG10', None)
    """
    full = normalise_postcode(value)
    if full is not None:
        return full.split(" ")[0]
    text = _compact(value)
    if text is not None and OUTWARD_RE.match(text):
        return text
    return None


def sector(value) -> str | None:
    """The postcode sector (``"NG1 5"``): outward code plus the inward digit; else None.

    Examples
    --------
    >>> sector("NG1 5AW"), sector("NG1")
    ('NG1 5', None)
    """
    full = normalise_postcode(value)
    return full[:-2] if full is not None else None


def normalise_postcodes(values) -> pd.Series:
    """Vectorised :func:`normalise_postcode`: a Series of normal forms, None where invalid/blank.

    Examples
    --------
    >>> normalise_postcodes(["ng15aw", None, "bad"]).tolist()
    ['NG1 5AW', None, None]
    """
    s = pd.Series(values, dtype=object)
    compact = s.astype("string").str.replace(r"\s+", "", regex=True).str.upper()
    spaced = compact.str[:-3] + " " + compact.str[-3:]
    ok = spaced.str.fullmatch(POSTCODE_RE.pattern[1:-1]).fillna(False).astype(bool)
    out = pd.Series([None] * len(s), index=s.index, dtype=object)
    out[ok] = spaced[ok].astype(object)
    return out


def outwards(values) -> pd.Series:
    """Vectorised :func:`outward`.

    Examples
    --------
    >>> outwards(["NG7 2RD", "S1"]).tolist()
    ['NG7', 'S1']
    """
    return pd.Series(values, dtype=object).map(outward)


def normalise_postcode_sql(expr: str) -> str:
    """A DuckDB SQL expression giving the normal form of ``expr`` (NULL when not a postcode).

    Examples
    --------
    >>> import duckdb
    >>> duckdb.sql("select " + normalise_postcode_sql("' ng15aw'")).fetchone()[0]
    'NG1 5AW'
    """
    compact = f"upper(regexp_replace(CAST({expr} AS VARCHAR), '\\s+', '', 'g'))"
    spaced = f"(left({compact}, length({compact}) - 3) || ' ' || right({compact}, 3))"
    return (f"(CASE WHEN length({compact}) BETWEEN 5 AND 7 AND regexp_full_match({spaced}, "
            f"'{POSTCODE_SQL_PATTERN}') THEN {spaced} END)")
