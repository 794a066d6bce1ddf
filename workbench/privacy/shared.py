"""The one reader of the shared tier: :func:`open_shared` (a person, scoped by their grant) and
:func:`open_shared_tier` (workbench code that scopes each query itself; guidance 2.2.4).

Every consumer opens the tier here: the dashboards' figures (``dashboard_data/source.py``), products,
exports, the hypothesis command and notebooks; the access decisions they apply (the grant,
partnership scoping) are in :mod:`workbench.privacy.access` and :mod:`workbench.privacy.scope`.

A partner analyst runs their own SQL on the depersonalised shared tier in a notebook. The
dashboards cut every query to the partnerships the viewer may see
(:mod:`workbench.privacy.scope`); free SQL cannot be cut query by query (a shadowing view is
bypassed by naming the tier's catalog), so :func:`open_shared` gives a user who may not see
every partnership a connection that **holds only their partnerships' rows**: the tier's tables
are copied, filtered, into the connection's own in-memory database, the tier is detached, and
the connection is locked (no files, no network, no settings; :func:`workbench.hub.connect.lock_down`).
Reference tables (``ref_*``) and ``publish_meta`` are copied whole; tables that cannot be
attributed to a partnership are left empty (deny by default, as on the dashboards).

A user who may see every partnership gets the locked tier itself. Unknown, deactivated or
unpermitted users (``read_depersonalised``) are refused with :class:`~workbench.errors.AccessDenied`
and audited, as is every opening. The key file is the real boundary: whoever can read the
shared tier's key can open the whole tier (docs/security.md, "Keys apart").

Examples
--------
>>> from workbench.privacy.shared import open_shared           # doctest: +SKIP
>>> con = open_shared("data/restricted/hub.duckdb", user="ann.analyst")   # doctest: +SKIP
>>> con.sql("select partnership, count(*) from police_crime_offence group by 1")  # doctest: +SKIP
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path

import duckdb

from workbench.errors import AccessDenied, ResourceLocked
from workbench.sql import quote_identifier

ACTION = "shared.open"


def acting_user() -> str:
    """The user a notebook acts as when none is named: ``WORKBENCH_USER`` or the OS user.

    Examples
    --------
    >>> import os
    >>> saved = os.environ.get("WORKBENCH_USER")
    >>> os.environ["WORKBENCH_USER"] = "ann.analyst"
    >>> acting_user()
    'ann.analyst'
    >>> if saved is None: del os.environ["WORKBENCH_USER"]
    ... else: os.environ["WORKBENCH_USER"] = saved
    """
    return os.environ.get("WORKBENCH_USER") or getpass.getuser()


def open_shared_tier(hub: Path | str | None = None, *, spatial: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the depersonalised shared tier that belongs to ``hub``, read-only and locked, **unscoped**.

    Every partnership's rows: for workbench code that scopes each query itself with
    :mod:`workbench.privacy.scope` (the dashboards' :class:`~workbench.dashboard_data.source.Source`,
    exports, products). A person's notebook uses :func:`open_shared`, which holds only the
    partnerships the acting user may see and refuses unknown users (security review, issue 11).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from workbench.hub.connect import create_key, new_connection, shared_path
    >>> hub = pathlib.Path(tempfile.mkdtemp()) / "hub.duckdb"
    >>> key = create_key(shared_path(hub))
    >>> con = new_connection()
    >>> _ = con.execute(f"ATTACH '{shared_path(hub)}' AS s (ENCRYPTION_KEY '{key}')")
    >>> _ = con.execute("CREATE TABLE s.ref_imd AS SELECT 'E01000001' AS lsoa_code, 3 AS imd_decile")
    >>> con.close()
    >>> tier = open_shared_tier(hub)
    >>> tier.execute("SELECT imd_decile FROM ref_imd").fetchall()
    [(3,)]
    >>> tier.close()
    """
    from workbench.hub.connect import default_hub, open_locked, shared_path

    return open_locked(shared_path(Path(hub) if hub else default_hub()), spatial=spatial)


def open_shared(hub: Path | str | None = None, *, user: str | None = None,
                spatial: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the shared tier of ``hub`` for ``user``, holding only the partnerships they may see.

    Parameters
    ----------
    hub : the master hub's path (the tier is the ``shared.duckdb`` that belongs to it);
        default ``WORKBENCH_HUB`` or ``data/restricted/hub.duckdb``.
    user : the registry user; default ``WORKBENCH_USER`` or the OS user. Unknown users are refused.
    spatial : also load DuckDB's spatial extension.

    Returns
    -------
    A read-only, locked DuckDB connection whose unqualified table names are the tier's tables,
    cut to the user's partnerships (guidance 2.2.4, Box 3; reference 003).

    Raises
    ------
    AccessDenied (exit 3) for an unknown, deactivated or unpermitted user, or one who may see
    no partnership the tier holds (audited); ResourceLocked (exit 4) when nothing is published
    or the key is missing.

    Examples
    --------
    A tier holding two partnerships' rows, opened for an analyst of one of them:

    >>> import tempfile, pathlib
    >>> from workbench.hub.connect import create_key, new_connection, shared_path
    >>> from workbench.registry import open_registry
    >>> hub = pathlib.Path(tempfile.mkdtemp()) / "hub.duckdb"
    >>> key = create_key(shared_path(hub))
    >>> w = new_connection()
    >>> _ = w.execute(f"ATTACH '{shared_path(hub)}' AS s (ENCRYPTION_KEY '{key}')")
    >>> _ = w.execute("CREATE TABLE s.police_crime_offence AS SELECT * FROM (VALUES "
    ...               "('a', 'Ashfield'), ('b', 'Bassetlaw')) t(crime_ref, partnership)")
    >>> w.close()
    >>> with open_registry(hub) as reg:
    ...     for p in ("Ashfield", "Bassetlaw"):
    ...         _ = reg.add_partnership(p)
    ...     _ = reg.add_agency("Ashfield DC", "central", partnerships=("Ashfield",))
    ...     _ = reg.add_user("a_ana", "Ashfield DC", "analyst", "correct horse battery staple")
    >>> con = open_shared(hub, user="a_ana")
    >>> con.execute("SELECT crime_ref, partnership FROM police_crime_offence").fetchall()
    [('a', 'Ashfield')]
    >>> con.close()
    >>> open_shared(hub, user="nobody")
    Traceback (most recent call last):
    ...
    workbench.errors.AccessDenied: Unknown user 'nobody': the shared tier opens only for a registered user ...
    """
    from workbench.hub.connect import (_attach, default_hub, lock_down, new_connection, open_locked,
                                       read_key, shared_path)
    from workbench.privacy.access import require
    from workbench.privacy.scope import read_layout
    from workbench.registry import open_registry

    hub = Path(hub) if hub else default_hub()
    name = user or acting_user()
    tier = shared_path(hub)
    with open_registry(hub) as reg:
        try:
            account = reg.get_user(name)
        except AccessDenied:
            reg.audit(name, ACTION, "shared", {"reason": "unknown user"}, outcome="denied")
            raise AccessDenied(f"Unknown user '{name}': the shared tier opens only for a registered user "
                               "(pass user=NAME or set WORKBENCH_USER; ask the CSP coordinator to "
                               "register you).") from None
        require(reg, account, "read_depersonalised", "*")       # deactivated/unpermitted: refused, audited
        visible = frozenset(reg.visible_partnerships(account))
        every = {p.name for p in reg.list_partnerships()}
        if not tier.exists():
            raise ResourceLocked(f"No shared tier at '{tier}'. Has `workbench hub publish` been run?")
        if every <= visible:
            reg.audit(name, ACTION, "shared", {"partnerships": "all"})
            return open_locked(tier, spatial=spatial)
        key = read_key(tier)
        con = new_connection(spatial=spatial)
        try:
            _attach(con, tier, key, read_only=True, alias="tier")
            layout = read_layout(con)
            scope = layout.effective(visible)
            if scope is not None and not scope:
                reg.audit(name, ACTION, "shared", {"reason": "no partnership of the user in the tier",
                                                   "may_see": sorted(visible)}, outcome="denied")
                raise AccessDenied(f"'{name}' may see none of the partnerships the shared tier holds "
                                   f"({', '.join(sorted(layout.partnerships)) or 'none'}).")
            con.execute("USE memory")
            for table in layout.columns:
                where = layout.predicate(table, scope) or "true"
                con.execute(f"CREATE TABLE memory.main.{quote_identifier(table)} AS SELECT * FROM "
                            f"tier.main.{quote_identifier(table)} WHERE {where}")
            con.execute("DETACH tier")
            lock_down(con)
        except BaseException:
            con.close()
            raise
        reg.audit(name, ACTION, "shared", {"partnerships": sorted(scope) if scope is not None else "all"})
        return con
