"""Who may commission and render products (deny by default, as the registry CLI does).

On a registry with no active user yet (a fresh hub, set-up, tests) the operator who holds the
hub's keys acts as a bootstrap and is audited as such. Once users exist, the acting user must
be registered and the permission matrix (:mod:`workbench.privacy.access`) must allow the
operation: ``commission`` to register, assign or close commissions; ``read_depersonalised`` on
record-level (class D) data to render a product; feedback may come from any active user (the
commissioning group's members are often viewers). Sensitive-personal-derived sections (PPO
cohort counts, partner intelligence) appear only for users who may read SP data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from workbench.errors import AccessDenied


@dataclass(frozen=True)
class Grant:
    """Who may run a products operation: the user, whether the registry knows them, and whether sensitive partner intelligence may be included.

    Examples
    --------
    >>> Grant("ann", registered=True, include_sensitive=False).registered
    True
    """

    user: str
    registered: bool
    include_sensitive: bool


def _registry(hub: Path):
    from workbench.registry import open_registry

    return open_registry(hub)


#: stands for rows whose supply named no partnership (``workbench.products.build.tier_partnerships``);
#: no partnership's users may claim them, so only a user who sees every partnership gets them
UNATTRIBUTED = "(no partnership named)"


def authorise(hub: Path | str, actor: str, operation: str, *, partnerships=None) -> Grant:
    """Check ``operation`` ('commission', 'render', 'feedback') for ``actor``; audit refusals.

    ``partnerships`` (render): the partnerships whose data the product will hold; the actor
    must be allowed to see every one of them (guidance 2.2.4), and every partnership of the
    registry when :data:`UNATTRIBUTED` rows are among them.

    Examples
    --------
    >>> from workbench.registry import open_registry
    >>> reg = open_registry("authorise/hub.duckdb")
    >>> for p in ("Rushcliffe", "Gedling"):
    ...     _ = reg.add_partnership(p)
    >>> _ = reg.add_agency("Rushcliffe BC", "central", partnerships=["Rushcliffe"])
    >>> _ = reg.add_user("ann", "Rushcliffe BC", "analyst", "badger-kettle-meadow")
    >>> reg.close()
    >>> authorise("authorise/hub.duckdb", "ann", "render", partnerships=["Rushcliffe"]).registered
    True
    >>> authorise("authorise/hub.duckdb", "ann", "render", partnerships=["Gedling"])
    Traceback (most recent call last):
    ...
    workbench.errors.AccessDenied: Access denied: partnership 'Gedling' has not agreed to share with Rushcliffe (guidance 2.2.4). This refusal has been recorded; ask the CSP coordinator if you need this access.
    """
    from workbench.privacy import access

    reg = _registry(Path(hub))
    try:
        active = reg.con.execute("SELECT count(*) FROM users WHERE active = 1").fetchone()[0]
        if not active:
            reg.audit(actor, f"products.{operation}", None, {"reason": "bootstrap: no registered users yet"})
            return Grant(actor, False, True)
        if operation == "commission":
            access.require(reg, actor, "commission", "*")
        elif operation == "render":
            access.require(reg, actor, "read_depersonalised", "police_crime_offence", audit_ok=True)
            wanted = list(partnerships or ())
            if UNATTRIBUTED in wanted:   # rows no partnership claims: only for who sees them all
                wanted = [p for p in wanted if p != UNATTRIBUTED] + [
                    x.name for x in reg.list_partnerships()]
            for partnership in dict.fromkeys(wanted):
                access.require(reg, actor, "read_depersonalised", "police_crime_offence",
                               partnership=partnership)
        elif operation == "feedback":
            user = reg.get_user(actor)
            if not user.active:
                reg.audit(actor, "products.feedback", None, {"reason": "deactivated"}, outcome="denied")
                raise AccessDenied("Access denied: the account is deactivated.")
        else:
            raise ValueError(f"unknown products operation {operation!r}")
        sensitive = access.can(reg, actor, "read_depersonalised", "partner_intelligence")
        return Grant(actor, True, sensitive)
    except AccessDenied:
        raise
    finally:
        reg.close()
