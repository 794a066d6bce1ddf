"""``workbench hypothesis NAME`` (CONTRACTS.md, "Analysis").

Reads the depersonalised shared tier (``shared.duckdb`` beside the hub, opened read-only and
locked by :func:`workbench.privacy.shared.open_shared_tier`). Only when no shared tier has been
published yet does it fall back to the master hub (read-only), and it says so on stderr.
"""

from __future__ import annotations

import sys

from workbench.commands.common import add_common, hub_path


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
    p.set_defaults(func=_hypothesis)


def _open_source(hub):
    """A DataSource on the shared tier of ``hub`` (or the master hub when none is published)."""
    from workbench.analysis.hypotheses.data import DataSource
    from workbench.hub.connect import open_hub, shared_path
    from workbench.privacy.shared import open_shared_tier

    if shared_path(hub).exists():
        return DataSource(open_shared_tier(hub), label="the shared (depersonalised) tier")
    print(f"workbench: no shared tier has been published beside {hub} yet; reading the master hub "
          "read-only instead (run `workbench hub publish` to test on the depersonalised tier)", file=sys.stderr)
    return DataSource(open_hub(hub, read_only=True), label="the master hub (no shared tier published)")


def _hypothesis(args):
    from workbench.analysis.hypotheses import run
    from workbench.analysis.hypotheses.data import Period

    current = Period.parse(args.current, "--current")
    baseline = Period.parse(args.baseline, "--baseline")
    source = _open_source(hub_path(args))
    try:
        verdict = run(args.name, source, current, baseline, args.offences)
    finally:
        source.data.close()
    return verdict
