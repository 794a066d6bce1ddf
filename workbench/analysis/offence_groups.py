"""Named groups of Home Office offence codes, for ``--offences CODES|GROUP``.

Codes and groups follow the ONS offence hierarchy for Home Office codes (2017/18), the real
reference file ``reference/ons_crime_offence_hierarchy_home_office_codes_2017-18.csv`` of the
data pack (homicide is the combined code ``1-4.1-4.10-4.2`` there; its parts are listed here).
"""

from __future__ import annotations

from workbench.analysis import _validate as check

HOMICIDE = ("1", "4.1", "4.2", "4.10")
VIOLENCE_WITH_INJURY = ("2", "4.3", "4.4", "4.6", "4.7", "4.8", "4.9", "5D", "5E", "8N", "8P", "8S", "37.1")
VIOLENCE_WITHOUT_INJURY = ("3A", "3B", "11A", "13", "14", "36", "104", "105A", "105B", "106", "8Q", "8M")
HARASSMENT = ("8L", "8R")

GROUPS: dict[str, tuple[str, ...]] = {
    "homicide": HOMICIDE,
    "violence_with_injury": VIOLENCE_WITH_INJURY,
    "violence_without_injury": VIOLENCE_WITHOUT_INJURY,
    "violence": HOMICIDE + VIOLENCE_WITH_INJURY + VIOLENCE_WITHOUT_INJURY,
    "assault": ("105A", "105B", "104", "8N", "8P", "8S", "5D"),
    "serious_violence": HOMICIDE + ("2", "5D", "5E"),
    "harassment": HARASSMENT,
}

#: the default offence selection of the violence hypotheses
DEFAULT_GROUP = "violence"


def parse_offences(spec: str | None) -> tuple[str, ...]:
    """``'105A,8N,5D'`` → codes; ``'violence'`` → the group's codes; ``None`` → the default group.

    Examples
    --------
    >>> parse_offences("105A, 8n")
    ('105A', '8N')
    >>> "5D" in parse_offences("serious_violence")
    True
    """
    if spec is None or not str(spec).strip():
        return GROUPS[DEFAULT_GROUP]
    text = str(spec).strip()
    if text.lower() in GROUPS:
        return GROUPS[text.lower()]
    codes = tuple(c.strip().upper() for c in text.split(",") if c.strip())
    if not codes:
        raise check.BadInput(f"`--offences` is empty; give codes like 105A,8N or one of {sorted(GROUPS)}.")
    if len(codes) == 1 and not any(ch.isdigit() for ch in codes[0]):
        check.one_of(text.lower(), sorted(GROUPS), "--offences")
    return codes
