"""Free text on its way to the shared tier: personal details detected and replaced by their kind.

Guidance 3.2 lists which fields a depersonalised dataset may carry; free text ("method of
entry", "offence description", survey responses) is not one of the ident fields, but people
write names, dates of birth and telephone numbers into it (issue 13: a name, a date of birth
and a phone number written into ``method_of_entry`` were published verbatim). Every free-text
column of a record, aggregate or reference table is therefore scrubbed on its way to the shared
tier: each detected detail is replaced by a marker naming its kind (``[name]``, ``[phone]``…),
full postcodes become their outward code and house and flat numbers go (the free-text rule of
:mod:`workbench.privacy.addresses`, Appendix 1). Columns mapped to a controlled vocabulary are
catalogue ``code`` columns (validated against their list at ingest) and are not free text.

Kinds (:data:`KINDS`), in the order they are applied:

``email``    an e-mail address
``phone``    a UK telephone number (``0115 496 0123``, ``+44 7700 900123``, ``07700900123``)
``ni``       a National Insurance number (``QQ 12 34 56 C``)
``dob``      a date written as a day (``15/06/1990``, ``1990-06-15``, ``15 June 1990``,
             ``June 15th 1990``), whether or not "DOB" or "born" precedes it
``vehicle``  a vehicle registration (current ``AB12 CDE`` in either case; prefix ``A123 BCD``
             and suffix ``ABC 123D`` in capitals, as registrations are written)
``name``     a title and name (``Mr Smith``, ``Mrs J. Brown``), or a common forename followed by a
             capitalised word (``John Smith``), or "named/called" and a capitalised word
``postcode`` a full postcode (becomes its outward code)
``house``    a house number before a street name, a flat/unit number

Address columns (``location``, ``*address``) go through the address rule instead, and then the
detectors other than ``name`` (street names are often people's names: "Albert Road").

The publish report gives, per table, how many values had each kind removed, never the values.
The independent checker runs its own detector over every published text column
(:mod:`workbench.privacy.checker`, rule ``personal-detail``).

Examples
--------
>>> import duckdb
>>> duckdb.sql("SELECT " + scrub_sql("'rear door, Mr Smith DOB 15/06/1990 tel 0115 496 0123'")).fetchone()[0]
'rear door, [name] DOB [dob] tel [phone]'
"""

from __future__ import annotations

from workbench.privacy import addresses
from workbench.sql import quote_identifier as addresses_q
from workbench.sql import quote_literal as _lit

#: common forenames in England and Wales (ONS baby names, several decades), lower case; a
#: forename followed by a capitalised word is taken for a name
FORENAMES = (
    "aaron adam adrian aidan alan albert alex alexander alfie alice alison amanda amber amelia amy "
    "andrea andrew angela ann anna anne anthony arthur ashley barbara barry ben benjamin beth "
    "bethany betty bradley brenda brian callum carl carol caroline catherine charles charlie "
    "charlotte chloe chris christine christopher claire colin connor craig daniel danielle darren "
    "david dawn dean deborah debra dennis derek diane donna dorothy douglas dylan edward eileen "
    "eleanor elizabeth ella ellie emily emma eric ethan evie frank freya gary gavin george georgia "
    "geoffrey gillian glen gordon grace graham hannah harry hayley heather helen henry holly ian "
    "isabella isla jack jacob jacqueline jade james jamie jane janet jason jayden jean jennifer "
    "jessica joan joanne joe john jonathan joseph joshua joyce julie karen kate katherine kathleen "
    "kayleigh keith kelly kenneth kerry kevin kieran kirsty laura lauren leah lee leon lewis liam "
    "lily linda lisa logan louise lucy luke lynne margaret maria marie mark martin mary matthew "
    "maureen megan melanie michael michelle mohammed muhammad natalie nathan neil nicholas nicola "
    "noah oliver olivia owen patricia paul pauline peter philip rachel raymond rebecca reece "
    "richard robert robyn roger ronald rose ruby ryan sally samantha samuel sandra sarah scott "
    "sean sharon shaun sheila shirley simon sophie stacey stephanie stephen steven stuart susan "
    "teresa terence thomas tina tony tracey tracy trevor vanessa victoria wayne william zoe"
).split()
_TITLES = r"(?:mr|mrs|ms|miss|mx|dr|sir|lady|rev)"
_MONTHS = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
           r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
#: kind → (RE2 pattern, replacement); applied in this order
PATTERNS: dict[str, tuple[str, str]] = {
    "email": (r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}", "[email]"),
    "phone": (r"(?:\+44\s?\(?0?\)?\s?|\b0)\d{2,4}[\s-]?\d{3,4}[\s-]?\d{3,4}\b", "[phone]"),
    "ni": (r"(?i)\b[a-ceghj-pr-tw-z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[a-d]\b", "[ni]"),
    "dob": (r"(?i)\b(?:\d{1,2}[/.-]\d{1,2}[/.-](?:19|20)?\d{2}|(?:19|20)\d{2}-\d{1,2}-\d{1,2}|"
            r"\d{1,2}(?:st|nd|rd|th)?\s+" + _MONTHS + r"\.?,?\s+(?:19|20)\d{2}|"
            + _MONTHS + r"\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+(?:19|20)\d{2})\b", "[dob]"),
    "vehicle": (r"\b(?:(?i:[a-z]{2}\d{2}\s?[a-z]{3})|[A-Z]\d{1,3}\s?[A-Z]{3}|[A-Z]{3}\s?\d{1,3}[A-Z])\b",
                "[vehicle]"),
    "name": (r"(?i:\b" + _TITLES + r"\.?\s+(?:[a-z]\.?\s+)?)[A-Z][A-Za-z'-]+|\b(?i:" + "|".join(FORENAMES)
             + r")\s+[A-Z][A-Za-z'-]+|\b(?i:named|called)\s+[A-Z][A-Za-z'-]+(?:\s+[A-Z][A-Za-z'-]+)?", "[name]"),
}
KINDS = tuple(PATTERNS) + ("postcode", "house")
#: kinds checked in address columns (after the address rule)
ADDRESS_KINDS = tuple(k for k in PATTERNS if k != "name")


def scrub_sql(column: str, *, address: bool = False) -> str:
    """SQL replacing every personal detail in free text ``column`` by its kind's marker.

    Examples
    --------
    >>> import duckdb
    >>> duckdb.sql("SELECT " + scrub_sql("'call 07700 900123 about Mr Smith'")).fetchone()[0]
    'call [phone] about [name]'
    """
    x = f"CAST({column} AS VARCHAR)"
    for kind, (pattern, marker) in PATTERNS.items():
        if address and kind == "name":
            continue
        x = f"regexp_replace({x}, {_lit(pattern)}, {_lit(marker)}, 'g')"
    return x if address else addresses.free_text_sql(x)


def kind_flags_sql(column: str, *, address: bool = False) -> list[str]:
    """SQL booleans, one per kind of :data:`KINDS`, true where ``column`` holds that kind.

    Examples
    --------
    >>> import duckdb
    >>> flags = duckdb.sql("SELECT " + ", ".join(kind_flags_sql("'call 07700 900123 about Mr Smith'"))).fetchone()
    >>> [k for k, found in zip(KINDS, flags) if found]
    ['phone', 'name']
    """
    v = f"CAST({column} AS VARCHAR)"
    out = []
    for kind, (pattern, _) in PATTERNS.items():
        out.append("false" if address and kind == "name" else f"regexp_matches({v}, {_lit(pattern)})")
    out.append(f"regexp_matches({v}, {_lit('(?i)' + addresses.FULL_POSTCODE)})")
    out.append("false" if address else
               f"regexp_matches({v}, {_lit('(?i)' + addresses.SUB_PREMISE_TEXT)}) OR "
               f"regexp_matches({v}, {_lit(addresses.NUMBER_BEFORE_STREET)})")
    return out


def scrub_dictionary(con, name: str, source: str, column: str, *, address: bool = False) -> str:
    """Scrub each distinct value of ``column`` once into TEMP table ``name``.

    Columns: ``_a`` (value), ``_v`` (scrubbed), ``_f`` (rows holding it) and one boolean per
    kind (``k_email`` …) for :func:`removed_counts`. Returns the table's qualified name.

    Examples
    --------
    >>> import duckdb
    >>> con = duckdb.connect()
    >>> _ = con.execute("CREATE TABLE notes AS SELECT * FROM (VALUES ('call 07700 900123'), ('call 07700 900123'), "
    ...                 "('quiet night'), (NULL)) v(note)")
    >>> d = scrub_dictionary(con, "note_dictionary", "notes", "note")
    >>> con.execute(f"SELECT _a, _v, _f FROM {d} ORDER BY _a").fetchall()     # each distinct value once
    [('call 07700 900123', 'call [phone]', 2), ('quiet night', 'quiet night', 1)]
    """
    flags = ", ".join(f"{f} AS k_{k}" for f, k in zip(kind_flags_sql("_a", address=address), KINDS))
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT _a, {scrub_sql('_a', address=address)} AS _v, "
                f"_f, {flags} FROM (SELECT s.{addresses_q(column)} AS _a, count(*) AS _f FROM {source} s "
                f"WHERE s.{addresses_q(column)} IS NOT NULL GROUP BY 1)")
    return f"temp.main.{name}"


def removed_counts(con, tables: list[str]) -> dict[str, int]:
    """Rows per kind of personal detail removed, summed over scrub dictionaries (no values).

    Examples
    --------
    >>> import duckdb
    >>> con = duckdb.connect()
    >>> _ = con.execute("CREATE TABLE notes AS SELECT * FROM (VALUES ('call 07700 900123'), ('mail jo@example.org'), "
    ...                 "('call 07700 900124')) v(note)")
    >>> removed_counts(con, [scrub_dictionary(con, "note_dictionary", "notes", "note")])
    {'email': 1, 'phone': 2}
    """
    out: dict[str, int] = {}
    for t in tables:
        sums = ", ".join(f"coalesce(sum(_f) FILTER (WHERE k_{k}), 0)" for k in KINDS)
        row = con.execute(f"SELECT {sums} FROM {t}").fetchone()
        for k, n in zip(KINDS, row):
            if n:
                out[k] = out.get(k, 0) + int(n)
    return out
