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


#: NCSC's advice for a password people can remember and others cannot guess
NCSC_ADVICE = ("Use three random words (NCSC advice), e.g. 'otter-lantern-gravel': long, "
               "easy to remember, and not on any list of common or breached passwords.")
#: zxcvbn scores 0-4; below this a password is refused as guessable
MIN_STRENGTH = 3


def weak_password(value: str, user_inputs=()) -> str | None:
    """Why ``value`` is too easy to guess, or None when it is not.

    Checked offline against zxcvbn's lists of common and breached passwords, English words,
    names and keyboard patterns (and ``user_inputs``: the person's own user name, agency),
    the guidance NCSC gives instead of complexity rules.

    >>> weak_password("password1234") is not None, weak_password("otter-lantern-gravel") is None
    (True, True)
    >>> weak_password("ann.analyst2024", user_inputs=["ann.analyst"]) is not None
    True
    """
    from zxcvbn import zxcvbn

    result = zxcvbn(value[:100], user_inputs=[str(u) for u in user_inputs if u])
    if result["score"] >= MIN_STRENGTH:
        return None
    warning = result["feedback"].get("warning") or "it is close to a common password or pattern"
    return f"this password is too easy to guess ({warning.rstrip('.').lower()})"


def password(value, user_inputs=()) -> str:
    """Passwords: at least 10 characters and not guessable (NCSC guidance favours length and
    a block list of common passwords over complexity rules).

    Examples
    --------
    >>> password("otter-lantern-gravel")
    'otter-lantern-gravel'
    >>> password("short")
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: `password` must be at least 10 characters long; choose a passphrase of three or more random words.
    """
    if not isinstance(value, str) or len(value) < 10:
        raise BadInput("`password` must be at least 10 characters long; choose a passphrase "
                       "of three or more random words.")
    if len(value) > 256:
        raise BadInput("`password` must be at most 256 characters long.")
    reason = weak_password(value, user_inputs)
    if reason:
        raise BadInput(f"`password`: {reason}. {NCSC_ADVICE}")
    return value
