"""Checks on registry input in one place, with messages that say what was expected.

Every fixed choice (roles, agency groups, ISP statuses, purposes, legal bases, protective
markings) is listed here; a wrong value raises :class:`~workbench.errors.BadInput` (exit 2)
naming the argument, what was found, the allowed values and the closest one.
"""

from __future__ import annotations

import difflib

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


def choice(argument: str, value, allowed: tuple[str, ...]) -> str:
    """Return ``value`` if it is one of ``allowed``; otherwise raise BadInput with a hint."""
    if value in allowed:
        return value
    close = difflib.get_close_matches(str(value), allowed, n=1)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    raise BadInput(f"`{argument}` must be one of {', '.join(allowed)}; found {value!r}.{hint}")


def name(argument: str, value) -> str:
    """A non-empty name without leading/trailing spaces or control characters."""
    if not isinstance(value, str) or not value.strip():
        raise BadInput(f"`{argument}` must be a non-empty name; found {value!r}.")
    value = value.strip()
    if any(ord(ch) < 32 for ch in value):
        raise BadInput(f"`{argument}` must not contain control characters; found {value!r}.")
    if len(value) > 200:
        raise BadInput(f"`{argument}` is longer than 200 characters.")
    return value


def password(value) -> str:
    """Passwords: at least 10 characters (NCSC guidance favours length over complexity rules)."""
    if not isinstance(value, str) or len(value) < 10:
        raise BadInput("`password` must be at least 10 characters long; choose a passphrase "
                       "of three or more random words.")
    return value
