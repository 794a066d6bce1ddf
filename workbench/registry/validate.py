"""Checks on registry input in one place, with messages that say what was expected.

Every fixed choice (roles, agency groups, ISP statuses, purposes, legal bases, protective
markings) is listed here; a wrong value raises :class:`~workbench.errors.BadInput` (exit 2)
naming the argument, what was found, the allowed values and the closest one. The checks
themselves (:func:`choice`, :func:`name`) live in :mod:`workbench.checks` for every layer.
"""

from __future__ import annotations

from workbench.checks import choice, name  # noqa: F401 (the registry checks through these)
from workbench.errors import BadInput

#: roles (issue 3): admin is the CSP coordinator who authorises log-ins (guidance Box 2)
ROLES = ("admin", "analyst", "viewer", "dlo", "reviewer", "partner")
#: guidance 2.2.4 box: a central group that may receive personal data case by case, and a
#: second group that shares occasionally and sees depersonalised information only
AGENCY_GROUPS = ("central", "second")
#: the agency's Information Sharing Protocol status (guidance 2.2 "Information sharing protocols")
ISP_STATUSES = ("signed", "pending", "withdrawn")
#: Government Security Classifications (the successor to GPMS, guidance 2.1 D)
MARKINGS = ("OFFICIAL", "OFFICIAL-SENSITIVE", "OFFICIAL-SENSITIVE PERSONAL", "SECRET")
DEFAULT_MARKING = "OFFICIAL-SENSITIVE"


def password(value) -> str:
    """Passwords: at least 10 characters (NCSC guidance favours length over complexity rules)."""
    if not isinstance(value, str) or len(value) < 10:
        raise BadInput("`password` must be at least 10 characters long; choose a passphrase "
                       "of three or more random words.")
    return value
