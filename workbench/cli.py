"""The ``workbench`` command (``CONTRACTS.md``): thin; each group lives in :mod:`workbench.commands`.

A command group is a module with ``register(subparsers)`` that adds an argparse parser
whose handler is set with ``parser.set_defaults(func=handler)``. A handler takes the parsed
``args`` and returns a JSON-able result (printed as one JSON document under ``--json``, or
as readable text otherwise) or ``None``. Errors map to exit codes in :func:`main` only
(:mod:`workbench.errors`): 2 bad input, 3 access denied, 4 locked resource, 1 a bug.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import traceback

from workbench.commands.common import acting_user, add_common, hub_path  # noqa: F401 (re-exported)
from workbench.errors import WorkbenchError

#: modules that register command groups, in help order
GROUPS = (
    "workbench.commands.hub",
    "workbench.commands.registry",
    "workbench.commands.hypothesis",
    "workbench.commands.products",
    "workbench.commands.portal",
    "workbench.commands.demo",
    "workbench.commands.serve",
)


#: command → the module that registers it, so running one command imports only its module
#: (a test keeps this map in step with what the modules register)
COMMANDS = {
    "hub": "workbench.commands.hub",
    "agencies": "workbench.commands.registry",
    "datasets": "workbench.commands.registry",
    "mail": "workbench.commands.registry",
    "users": "workbench.commands.registry",
    "partnerships": "workbench.commands.registry",
    "marking": "workbench.commands.registry",
    "audit": "workbench.commands.registry",
    "request": "workbench.commands.registry",
    "hypothesis": "workbench.commands.hypothesis",
    "commission": "workbench.commands.products",
    "action": "workbench.commands.products",
    "product": "workbench.commands.products",
    "portal": "workbench.commands.portal",
    "demo": "workbench.commands.demo",
    "serve": "workbench.commands.serve",
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; with ``command``, only the module that registers it is imported.

    Examples
    --------
    >>> args = build_parser("hub").parse_args(["hub", "status", "--hub", "data/restricted/hub.duckdb"])
    >>> args.command, args.hub
    ('hub', PosixPath('data/restricted/hub.duckdb'))
    """
    parser = argparse.ArgumentParser(
        prog="workbench",
        description="CSP analyst workbench: information hub, privacy tiers, analysis, products, portal.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    names = [COMMANDS[command]] if command in COMMANDS else GROUPS
    for name in names:
        importlib.import_module(name).register(sub)
    return parser


def _print_text(result) -> None:
    if result is None:
        return
    if isinstance(result, str):
        print(result)
    elif hasattr(result, "to_text"):
        print(result.to_text())
    else:
        print(json.dumps(_jsonable(result), indent=2, default=str))


def _jsonable(result):
    if hasattr(result, "to_dict"):
        return result.to_dict()
    return result


def main(argv: list[str] | None = None) -> int:
    """Run one ``workbench`` command; returns its exit code (CONTRACTS.md "Exit codes").

    Examples
    --------
    >>> main(["hub", "status", "--hub", "nowhere/hub.duckdb", "--json"])       # no hub: exit 4, the error as JSON
    {"error": "ResourceLocked", "message": "No hub at 'nowhere/hub.duckdb'. Create one with `workbench hub init --hub nowhere/hub.duckdb`.", "exit_code": 4}
    4
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv[0] if argv else None)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    as_json = getattr(args, "json", False)
    # every file a command creates (hub, keys, registry, releases, exports) is private to
    # its owner unless the command widens it (guidance Box 2 on secure storage)
    umask = os.umask(0o077)
    try:
        result = args.func(args)
    except WorkbenchError as exc:
        print(f"workbench: {exc}", file=sys.stderr)
        if as_json:
            print(json.dumps(exc.to_dict(), default=str))
        return exc.exit_code
    except KeyboardInterrupt:
        print("workbench: interrupted; nothing half-written was kept", file=sys.stderr)
        return 1
    except Exception as exc:  # a bug: say so, with the trace, exit 1
        traceback.print_exc()
        print(f"workbench: unexpected failure (a bug): {exc}", file=sys.stderr)
        if as_json:
            print(json.dumps({"error": type(exc).__name__, "message": str(exc), "exit_code": 1}))
        return 1
    finally:
        os.umask(umask)
    code = 0
    if isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], int):
        result, code = result
    if as_json:
        print(json.dumps(_jsonable(result), default=str))
    else:
        _print_text(result)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
