"""Depersonalising address strings: house numbers, house names and flat numbers go (Appendix 1).

Guidance Appendix 1 (2): "the address string [is] corrected so that it does not contain the
house number, house name, or flat/apartment number"; guidance 3.2 lets the street, locality
and full postcode stay. The rules are DuckDB SQL expressions (RE2 regular expressions and
list lambdas) so publish runs them vectorised over millions of rows;
:func:`depersonalise_address` runs the very same SQL on one string for tests and notebooks.

The rule, step by step, for an *address column* (``location``, ``address``, ``*_address``):

1. Every full postcode in the string is replaced by the record's published postcode (the
   one Appendix 1 moved it to), or removed when the record has none.
2. The string is split into comma-separated segments. In each segment, sub-premise
   designations go: ``Flat 3``, ``Flat A``, ``Apartment 2B``, ``Apt 4``, ``Unit 4``,
   ``Room 12``, ``Suite 5``, ``Maisonette 1``, ``Studio 2``, ``Plot 7``, ``No. 5``.
3. A segment *holds a house number* when a number token (``12``, ``12A``, ``12-14``,
   ``12/14``) is followed by more text; everything up to and including that number goes
   ("Rose Cottage 5 Main Street" -> "Main Street").
4. The *street segment* is the first segment that held a house number; failing that, the
   first whose last word is a street type (Street, Road, Avenue, Lane, Close, …). Every
   segment before it is a house or building name and goes ("Rose Cottage, Main Street,
   Bingham" -> "Main Street, Bingham"). When no segment is recognisable as a street and the
   string has two or more segments, the first segment goes (it may be a house name).
5. Any remaining segment whose last word names a dwelling (Cottage, House, Lodge, Villa,
   Bungalow, Farmhouse, Barn, Manor, Grange, Vicarage, Rectory) goes, and so does any
   remaining number token.

Limits (docs/privacy.md): a single-segment string with no number and no dwelling word is
kept as it is, because a place name ("Market Square", "Forest Recreation Ground") cannot be
told from an unusual house name ("Windyridge"); a building name after the street segment
without a dwelling word is kept; road numbers (A610, M1) and ordinals (1st Avenue) are not
house numbers and stay.

*Free-text columns* (offence descriptions, property stolen, …) keep their words, but a
number followed within three words by a street type ("5 Acacia Avenue") loses the number,
sub-premise numbers (``Flat 3``) go and full postcodes are cut to their outward part.

Examples
--------
>>> depersonalise_address("Flat 3, Riverside House, 12A Acacia Avenue, Sneinton, NG2 4AA",
...                       postcode="NG2 4AB")
'Acacia Avenue, Sneinton, NG2 4AB'
"""

from __future__ import annotations

import duckdb
from workbench.sql import quote_literal as _lit

#: a house number: 12, 12A, 12-14, 12 - 14, 12/14
NUMBER = r"\d+[a-z]?(?:\s*[-/]\s*\d+[a-z]?)?"
#: sub-premise designations and their number or letter
SUB_PREMISE = (r"\b(?:flat|apartment|apt|unit|room|suite|maisonette|studio|plot|no|number)"
               r"\.?\s*(?:\d+[a-z]?|[a-z])\b")
#: sub-premise numbers as they appear in free text (numbers only, to spare ordinary words)
SUB_PREMISE_TEXT = r"\b(?:flat|apartment|apt|unit|maisonette)\.?\s*\d+[a-z]?\b"
#: a full unit postcode anywhere in a string (outward, inward)
FULL_POSTCODE = r"\b([a-z]{1,2}\d[a-z\d]?)\s*(\d[a-z]{2})\b"

STREET_WORDS = (
    "street", "st", "road", "rd", "avenue", "ave", "lane", "ln", "close", "drive", "dr", "way",
    "crescent", "cres", "gardens", "grove", "place", "terrace", "walk", "hill", "row", "square",
    "rise", "view", "mews", "court", "parade", "green", "boulevard", "gate", "wharf", "yard",
    "path", "croft", "fields", "meadow", "vale", "approach", "chase", "embankment", "passage",
    "circus", "bank", "end",
)
DWELLING_WORDS = (
    "cottage", "cottages", "house", "lodge", "villa", "bungalow", "farmhouse", "barn", "manor",
    "grange", "vicarage", "rectory",
)


def _words(words) -> str:
    return "(?:" + "|".join(words) + ")"


STREET_END = r"(?i)\b" + _words(STREET_WORDS) + r"\.?$"
DWELLING_END = r"(?i)\b" + _words(DWELLING_WORDS) + r"$"
NUMBER_BEFORE_STREET = (r"(?i)\b" + NUMBER + r"(\s+(?:[a-z']+\s+){0,3}" + _words(STREET_WORDS)
                        + r"\b)")


def address_stages(column: str, postcode_sql: str = "NULL") -> tuple[str, str, str]:
    """The three SQL stages of :func:`address_sql`: (``x`` from ``column``, ``y`` from ``x``,
    result from ``y``), so a caller can materialise each stage once as a column.

    Examples
    --------
    >>> import duckdb
    >>> x, y, result = address_stages("a")
    >>> duckdb.sql(f"SELECT {result} FROM (SELECT {y} AS y FROM (SELECT {x} AS x FROM "
    ...            "(SELECT 'Flat 3, 12A Acacia Avenue, Sneinton' AS a)))").fetchone()[0]
    'Acacia Avenue, Sneinton'
    """
    b, s_ = "\\b", "\\s"
    num_then_text = b + NUMBER + s_ + "+([^" + s_ + ",])"
    street_seg = "[^,]*" + b + _words(STREET_WORDS) + "\\.?" + s_ + "*(?:,|$)"
    x = (f"regexp_replace(regexp_replace(CAST({column} AS VARCHAR), {_lit('(?i)' + FULL_POSTCODE)}, "
         f"coalesce({postcode_sql}, ''), 'g'), {_lit('(?i)' + SUB_PREMISE)}, '', 'g')")
    numbered = (f"regexp_replace(regexp_replace(x, {_lit('(?i)^.*?' + num_then_text)}, '\\1'), "
                f"{_lit('(?i)(,)[^,]*?' + num_then_text)}, '\\1 \\2', 'g')")
    streeted = f"regexp_replace(x, {_lit('(?i)^(?:[^,]*,)*?(' + street_seg + ')')}, '\\1')"
    y = (f"CASE WHEN regexp_matches(x, {_lit('(?i)' + num_then_text)}) THEN {numbered} "
         f"WHEN regexp_matches(x, {_lit('(?i)' + street_seg)}) THEN {streeted} "
         f"WHEN contains(x, ',') THEN regexp_replace(x, '^[^,]*,', '') ELSE x END")
    z = f"regexp_replace(y, {_lit('(?i)' + b + NUMBER + b)}, '', 'g')"
    z = f"regexp_replace({z}, {_lit('(?i)[^,]*' + b + _words(DWELLING_WORDS) + s_ + '*(?:,|$)')}, '', 'g')"
    z = f"regexp_replace({z}, '{s_}+', ' ', 'g')"
    z = f"regexp_replace({z}, '{s_}*,[{s_},]*', ', ', 'g')"
    z = f"nullif(regexp_replace({z}, '^[{s_},]+|[{s_},]+$', '', 'g'), '')"
    return x, y, z


def address_sql(column: str, postcode_sql: str = "NULL") -> str:
    """SQL expression that depersonalises the address held in ``column`` (module rule 1–5).

    Regular expressions only (RE2); DuckDB runs list lambdas an order of magnitude slower.
    Publish materialises the stages of :func:`address_stages` once per distinct address.

    Parameters
    ----------
    column : SQL expression of the address string.
    postcode_sql : SQL expression of the record's published postcode, which replaces any
        full postcode found in the string (Appendix 1: "corrected with the postcode to which
        the records have been repositioned"); ``NULL`` removes it.

    Examples
    --------
    >>> import duckdb
    >>> duckdb.sql("SELECT " + address_sql("'Flat 3, 12A Acacia Avenue, Sneinton, NG2 4AA'", "'NG2 4AB'")).fetchone()[0]
    'Acacia Avenue, Sneinton, NG2 4AB'
    """
    x, y, z = address_stages("_addr_in", postcode_sql)
    return (f"(SELECT {z} FROM (SELECT {y} AS y FROM (SELECT {x} AS x FROM "
            f"(SELECT {column} AS _addr_in))))")


def free_text_sql(column: str) -> str:
    """SQL expression that removes address detail from a free-text column (module docstring).

    Examples
    --------
    >>> import duckdb
    >>> duckdb.sql("SELECT " + free_text_sql("'entry via rear door of 5 Acacia Avenue NG2 4AA'")).fetchone()[0]
    'entry via rear door of Acacia Avenue NG2'
    """
    x = f"regexp_replace(CAST({column} AS VARCHAR), {_lit('(?i)' + FULL_POSTCODE)}, '\\1', 'g')"
    x = f"regexp_replace({x}, {_lit('(?i)' + SUB_PREMISE_TEXT)}, '', 'g')"
    x = f"regexp_replace({x}, {_lit(NUMBER_BEFORE_STREET)}, '\\1', 'g')"
    return f"trim(regexp_replace({x}, '\\s+', ' ', 'g'))"


def is_address_column(name: str) -> bool:
    """True for columns that hold an address or location string (``location``, ``*address``).

    Examples
    --------
    >>> is_address_column("location"), is_address_column("vehicle_registered_address"), is_address_column("postcode")
    (True, True, False)
    """
    return name == "location" or name.endswith("address")


_CON: duckdb.DuckDBPyConnection | None = None


def _con() -> duckdb.DuckDBPyConnection:
    global _CON
    if _CON is None:
        _CON = duckdb.connect(":memory:")
    return _CON


def depersonalise_address(address: str | None, postcode: str | None = None) -> str | None:
    """Depersonalise one address string with the SQL publish uses (guidance Appendix 1).

    Parameters
    ----------
    address : the address or location string.
    postcode : the record's published postcode, which replaces any full postcode in the string.

    Examples
    --------
    >>> depersonalise_address("12-14 High Street, Bingham")
    'High Street, Bingham'
    >>> depersonalise_address("Rose Cottage, Main Street, Bingham")
    'Main Street, Bingham'
    """
    return _con().execute(f"SELECT {address_sql('$a', '$p')}",
                          {"a": address, "p": postcode}).fetchone()[0]


def depersonalise_free_text(text: str | None) -> str | None:
    """Remove house numbers, flat numbers and full postcodes from free text (see module doc).

    >>> depersonalise_free_text("entry via rear door of 5 Acacia Avenue NG2 4AA")
    'entry via rear door of Acacia Avenue NG2'
    """
    return _con().execute(f"SELECT {free_text_sql('$t')}", {"t": text}).fetchone()[0]
