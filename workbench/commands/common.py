"""Options and look-ups every command group shares: ``--hub``, ``--json``, the acting user.

Examples
--------
>>> import argparse
>>> parser = argparse.ArgumentParser()
>>> add_common(parser)
>>> args = parser.parse_args(["--hub", "/tmp/x.duckdb", "--json"])
>>> str(hub_path(args)), args.json
('/tmp/x.duckdb', True)
>>> acting_user(argparse.Namespace(as_user="analyst"))
'analyst'
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path


def add_common(parser: argparse.ArgumentParser, *, hub: bool = True) -> None:
    """Add the options every command shares: ``--hub PATH`` and ``--json``.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The (sub)command parser.
    hub : bool, default True
        Whether the command takes ``--hub`` (default: ``WORKBENCH_HUB`` or the repository hub).

    Examples
    --------
    >>> import argparse
    >>> p = argparse.ArgumentParser()
    >>> add_common(p, hub=False)
    >>> p.parse_args(["--json"]).json
    True
    """
    if hub:
        from workbench.hub.connect import default_hub

        parser.add_argument("--hub", type=Path, default=None,
                            help=f"hub file (default {default_hub()})")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON document on stdout; messages go to stderr")


def hub_path(args) -> Path:
    """The hub file a command works on: ``--hub`` when given, else the default hub.

    Examples
    --------
    >>> import argparse
    >>> hub_path(argparse.Namespace(hub="a/hub.duckdb")).name
    'hub.duckdb'
    """
    from workbench.hub.connect import default_hub

    return Path(args.hub) if getattr(args, "hub", None) else default_hub()


def acting_user(args) -> str:
    """Who is running the command, for the audit log: ``--as``, ``WORKBENCH_USER`` or the OS user.

    Examples
    --------
    >>> import argparse
    >>> acting_user(argparse.Namespace(as_user="coordinator"))
    'coordinator'
    """
    import getpass

    return getattr(args, "as_user", None) or os.environ.get("WORKBENCH_USER") or getpass.getuser()
