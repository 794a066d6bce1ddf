"""Small registries built from code for the runnable examples of the docstrings (STYLE.md 6).

One builder, so each module's examples name only what they need: the partnership, the agencies
and the users with their roles. Passwords are fixed passphrases (the registry refuses weak
ones); a ``clock`` fixes the registry's "now" for examples about dates.
"""

from __future__ import annotations

from pathlib import Path

#: passphrases given to the example users in turn (each passes the registry's password check)
PASSPHRASES = ("otter-lantern-gravel", "badger-kettle-meadow", "heron-fiddle-quartz", "walrus-pepper-canyon")


def example_registry(folder: Path | str, users, *, agencies=None, partnership: str = "Rushcliffe",
                     groups=None, clock=None):
    """A registry for ``<folder>/hub.duckdb`` with one partnership, its agencies and ``users``.

    Parameters
    ----------
    folder : where the registry is created (beside a hub that need not exist).
    users : ``(name, agency, role)`` triples; their agencies are created in the partnership.
    agencies : further agency names to create (with no users).
    groups : ``{agency: 'central' | 'second'}`` (default central).
    clock : a callable returning the registry's "now" (``Registry.set_clock``).

    Examples
    --------
    >>> reg = example_registry("example", [("coord", "Notts Police", "admin"), ("jo", "School", "partner")],
    ...                        groups={"School": "second"})
    >>> [(u.name, u.agency_group, u.role) for u in reg.list_users()]
    [('coord', 'central', 'admin'), ('jo', 'second', 'partner')]
    >>> reg.authenticate("jo", PASSPHRASES[1]).name
    'jo'
    >>> reg.close()
    """
    from workbench.registry import open_registry

    reg = open_registry(Path(folder) / "hub.duckdb")
    if clock is not None:
        reg.set_clock(clock)
    groups = dict(groups or {})
    reg.add_partnership(partnership)
    for agency in dict.fromkeys([a for _, a, _ in users] + list(agencies or ())):
        reg.add_agency(agency, groups.get(agency, "central"), partnerships=[partnership])
    for k, (name, agency, role) in enumerate(users):
        reg.add_user(name, agency, role, PASSPHRASES[k % len(PASSPHRASES)])
    return reg
