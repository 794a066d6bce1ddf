"""``workbench hypothesis NAME`` (CONTRACTS.md, "Analysis").

The acting user (``--as``, ``WORKBENCH_USER`` or the OS user; :func:`~workbench.commands.common.acting_user`)
is checked as a product render is (:func:`workbench.products.authorise.authorise`: ``read_depersonalised``
on record-level data, audited allowed and denied; unknown users exit 3), and the hypothesis reads
only that user's partnerships' rows of the shared tier (:func:`workbench.privacy.shared.open_shared`).
On a registry with no user yet, the operator holding the keys acts as a bootstrap, as for products.

When no shared tier has been published, the master hub (personal data) is read only by a user
the permission matrix allows to read personal case-level data *and* who sees every partnership
(or the bootstrap operator); it says so on stderr and is audited (``hypothesis.master_fallback``).
Everyone else is refused (exit 3, audited) and told to publish. Every run is audited as
``hypothesis.run`` with the source it read.

Examples
--------
>>> import argparse
>>> parser = argparse.ArgumentParser(prog="workbench")
>>> register(parser.add_subparsers())
>>> parser.parse_args(["hypothesis", "premises", "--as", "ann", "--current", "2024-01-01:2024-06-30",
...                    "--baseline", "2023-01-01:2023-06-30"]).as_user
'ann'
"""

from __future__ import annotations

import sys

from workbench.commands.common import acting_user, add_common, hub_path

#: the dataset whose class decides who may run a hypothesis (record-level, class D), as for products
RECORDS = "police_crime_offence"


def register(subparsers) -> None:
    """Add ``workbench hypothesis NAME --current FROM:TO --baseline FROM:TO``.

    Examples
    --------
    >>> from argparse import ArgumentParser
    >>> parser = ArgumentParser(prog="workbench")
    >>> register(parser.add_subparsers(dest="command"))
    >>> args = parser.parse_args(["hypothesis", "concentration", "--current", "2024-01-01:2024-06-30",
    ...                           "--baseline", "2023-01-01:2023-06-30"])
    >>> args.name, args.current, args.offences
    ('concentration', '2024-01-01:2024-06-30', None)
    """
    from workbench.analysis.hypotheses import names
    from workbench.analysis.offence_groups import GROUPS

    p = subparsers.add_parser(
        "hypothesis", help="test a hypothesis about an increase in violence (supported / not / inconclusive)",
        description="Test a built-in hypothesis between a baseline and a current period. "
                    "Decision rules: docs/analysis.md.")
    p.add_argument("name", choices=names(), help="which hypothesis")
    add_common(p)
    p.add_argument("--current", required=True, metavar="FROM:TO", help="current period, YYYY-MM-DD:YYYY-MM-DD")
    p.add_argument("--baseline", required=True, metavar="FROM:TO", help="baseline period, YYYY-MM-DD:YYYY-MM-DD")
    p.add_argument("--offences", default=None, metavar="CODES|GROUP",
                   help=f"Home Office codes (105A,8N,5D) or a group: {', '.join(sorted(GROUPS))} (default violence)")
    p.add_argument("--as", dest="as_user", metavar="USER",
                   help="acting user (default WORKBENCH_USER, else the OS user); reads only their partnerships")
    p.set_defaults(func=_hypothesis)


def _master_fallback(hub, user: str, registered: bool) -> None:
    """Allow reading the master hub when no tier is published only to a user the matrix lets read
    personal case-level data and who sees every partnership (or the bootstrap operator); audited
    allowed and denied; a refusal raises AccessDenied (exit 3) telling the user to publish."""
    from workbench.errors import AccessDenied
    from workbench.privacy import access
    from workbench.registry import open_registry

    with open_registry(hub) as reg:
        detail = {"reason": "no shared tier published", "bootstrap": not registered}
        why = None
        if registered:
            unseen = {p.name for p in reg.list_partnerships()} - set(reg.visible_partnerships(reg.get_user(user)))
            if not access.can(reg, user, "read_personal", RECORDS):
                why = "may not read personal data (the permission matrix, docs/governance.md section 4)"
            elif unseen:
                why = f"may not see every partnership the master hub holds ({', '.join(sorted(unseen))})"
        if why:
            reg.audit(user, "hypothesis.master_fallback", "hub", {**detail, "refused": why}, outcome="denied")
            raise AccessDenied(f"No shared tier has been published beside {hub}, and '{user}' {why}, so the "
                               "master hub is not read instead. Run `workbench hub publish`, then test the "
                               "hypothesis on the shared tier. This refusal has been recorded.")
        reg.audit(user, "hypothesis.master_fallback", "hub", detail)


def _open_source(hub, user: str):
    """A DataSource holding only what ``user`` may analyse: their partnerships' rows of the shared
    tier, or the master hub when none is published and :func:`_master_fallback` allows it."""
    from workbench.analysis.hypotheses.data import DataSource
    from workbench.hub.connect import open_hub, shared_path
    from workbench.privacy.shared import open_shared, open_shared_tier
    from workbench.products.authorise import authorise

    grant = authorise(hub, user, "render")          # unknown/unpermitted: AccessDenied (exit 3), audited
    if shared_path(hub).exists():
        if grant.registered:
            return DataSource(open_shared(hub, user=user), label=f"the shared (depersonalised) tier, scoped to {user}'s partnerships")
        return DataSource(open_shared_tier(hub), label="the shared (depersonalised) tier")
    _master_fallback(hub, user, grant.registered)
    print(f"workbench: WARNING: no shared tier has been published beside {hub}; reading the MASTER HUB "
          f"(personal data) read-only as '{user}'. This has been audited. Run `workbench hub publish` to test "
          "on the depersonalised tier.", file=sys.stderr)
    return DataSource(open_hub(hub, read_only=True), label="the master hub (no shared tier published)")


def _audit_run(hub, user: str, args, source: str, outcome: str, detail: dict | None = None) -> None:
    from workbench.registry import open_registry

    with open_registry(hub) as reg:
        reg.audit(user, "hypothesis.run", args.name,
                  {"source": source, "current": args.current, "baseline": args.baseline,
                   "offences": args.offences, **(detail or {})}, outcome=outcome)


def _hypothesis(args):
    from workbench.analysis.hypotheses import run
    from workbench.analysis.hypotheses.data import Period

    current = Period.parse(args.current, "--current")
    baseline = Period.parse(args.baseline, "--baseline")
    from workbench.errors import AccessDenied

    hub, user = hub_path(args), acting_user(args)
    try:
        source = _open_source(hub, user)
    except AccessDenied as refused:
        _audit_run(hub, user, args, "none", "denied", {"reason": str(refused)})
        raise
    try:
        verdict = run(args.name, source, current, baseline, args.offences)
    finally:
        source.data.close()
    _audit_run(hub, user, args, source.label, "ok")
    return verdict
