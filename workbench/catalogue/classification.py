"""Government Security Classifications: one marking scheme for dashboards, products and exports.

The 2010 guidance (2.1 D, 3.4) asks that intelligence products be marked "RESTRICTED", a
Government Protective Marking Scheme level retired in April 2014. Its successor, the
Government Security Classifications (GSC, Cabinet Office 2014, updated 2023), has three
levels (OFFICIAL, SECRET, TOP SECRET); OFFICIAL information whose loss would do particular
harm carries the **OFFICIAL-SENSITIVE** marking, and the **PERSONAL** descriptor where it
holds personal data. A community safety partnership's hub works within OFFICIAL:

- ``OFFICIAL``: open and reference data only (police.uk street-level crime, Code-Point Open,
  IMD): information already published.
- ``OFFICIAL-SENSITIVE``: anything built from partner supplies under the ISP, the shared tier,
  dashboards and intelligence products (the 2010 guidance's "RESTRICTED"; GSC's transition
  guidance maps most RESTRICTED material to OFFICIAL and its sensitive part to
  OFFICIAL-SENSITIVE, and partner crime and disorder data is the sensitive part).
- ``OFFICIAL-SENSITIVE PERSONAL``: personal data (the master tier, personal-data releases,
  subject profiles).

Old markings found on disk (products rendered before this scheme) are read through
:func:`normalise`, so a "RESTRICTED — PERSONAL DATA" subject profile is still recognised as
personal and is never listed on a dashboard.

Examples
--------
>>> banner(OFFICIAL_SENSITIVE, personal=True)
'OFFICIAL-SENSITIVE PERSONAL'
>>> normalise("RESTRICTED — PERSONAL DATA")
('OFFICIAL-SENSITIVE', True)
>>> normalise("official")
('OFFICIAL', False)
>>> normalise("SECRET") is None
True
"""

from __future__ import annotations

import re

OFFICIAL = "OFFICIAL"
OFFICIAL_SENSITIVE = "OFFICIAL-SENSITIVE"
#: the GSC descriptor for personal data
PERSONAL = "PERSONAL"
#: the markings a partnership hub uses (lowest first)
LEVELS = (OFFICIAL, OFFICIAL_SENSITIVE)
#: markings of the retired Government Protective Marking Scheme and what they read as now
LEGACY = {"RESTRICTED": OFFICIAL_SENSITIVE, "PROTECT": OFFICIAL, "UNCLASSIFIED": OFFICIAL}

_LABEL_RE = re.compile(r"\b(OFFICIAL-SENSITIVE|OFFICIAL|RESTRICTED|PROTECT|UNCLASSIFIED)\b")
_PERSONAL_RE = re.compile(r"\bPERSONAL\b")


def banner(label: str, *, personal: bool = False) -> str:
    """The text printed at the top and bottom of a page or file: label plus descriptor.

    Examples
    --------
    >>> banner(OFFICIAL_SENSITIVE), banner(OFFICIAL_SENSITIVE, personal=True)
    ('OFFICIAL-SENSITIVE', 'OFFICIAL-SENSITIVE PERSONAL')
    """
    return f"{label} {PERSONAL}" if personal else label


def normalise(text: str | None) -> tuple[str, bool] | None:
    """``(label, personal)`` for a marking as written, legacy markings mapped; None if none.

    Anything outside the partnership's levels (``SECRET``, free text) gives None, so a reader
    that lists only recognised markings denies it by default.

    Examples
    --------
    >>> normalise("RESTRICTED"), normalise("official-sensitive personal"), normalise("SECRET"), normalise("")
    (('OFFICIAL-SENSITIVE', False), ('OFFICIAL-SENSITIVE', True), None, None)
    """
    if not text:
        return None
    upper = str(text).upper()
    m = _LABEL_RE.search(upper)
    if m is None:
        return None
    label = LEGACY.get(m.group(1), m.group(1))
    return label, bool(_PERSONAL_RE.search(upper))


def find_in_text(text: str) -> list[tuple[str, bool]]:
    """Every marking printed in a document's text (banner lines, upper case), each normalised.

    Only upper-case words count, as banners print them: "official statistics" in a sentence
    is not a marking.

    >>> find_in_text("<div>OFFICIAL-SENSITIVE PERSONAL</div><p>official figures</p>")
    [('OFFICIAL-SENSITIVE', True)]
    """
    out = []
    for line in re.findall(r"[^\n<>]*\b(?:OFFICIAL|RESTRICTED|PROTECT)\b[^\n<>]*", text):
        found = normalise(line)
        if found:
            out.append(found)
    return out
