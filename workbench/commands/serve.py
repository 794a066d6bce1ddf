"""``workbench serve``: the dashboards (Panel, :5006) and the partner portal (:5007).

``CONTRACTS.md`` "Serving": both bind 127.0.0.1 unless ``--address`` says otherwise, need a
log-in, and make no request off the machine.

- ``workbench serve dashboards --hub PATH [--port 5006] [--address 127.0.0.1]``
- ``workbench serve portal --hub PATH [--port 5007] [--address 127.0.0.1]``
- ``workbench serve all --hub PATH`` (``make run``): the portal in a child process, the
  transfer worker (``workbench portal transfer --watch 5``, the only process that writes portal
  transfers into the hub: the internet-facing portal never holds the hub key) in another, the
  upload worker (``workbench portal ingest-uploads --watch 5``: supplies uploaded at the portal's
  ``/supply``) in a third, the mail sender (``workbench mail send --queue --watch 60``: audit events
  become notifications and the outbox is sent through ``WORKBENCH_SMTP_HOST``) in a fourth, the
  dashboards in this one; prints both URLs and the demo log-ins.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path

from workbench.commands.common import add_common, hub_path
from workbench.errors import ResourceLocked

#: how often ``serve all`` queues and sends the notification outbox
MAIL_EVERY_SECONDS = 60


def register(subparsers) -> None:
    """Add ``workbench serve dashboards|portal|all`` to the ``workbench`` parser.

    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="workbench")
    >>> register(parser.add_subparsers())
    >>> args = parser.parse_args(["serve", "all", "--portal-port", "18167"])
    >>> args.port, args.portal_port, args.address
    (5006, 18167, '127.0.0.1')
    """
    p = subparsers.add_parser("serve", help="serve the dashboards and the partner portal")
    sub = p.add_subparsers(dest="serve_command", metavar="WHAT")
    for name, port, text in (("dashboards", 5006, "the Panel dashboards"),
                             ("portal", 5007, "the partner intelligence portal"),
                             ("all", 5006, "dashboards and portal together (make run)")):
        s = sub.add_parser(name, help=f"serve {text}")
        add_common(s)
        s.add_argument("--port", type=int, default=port, help=f"port (default {port})")
        s.add_argument("--address", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
        if name == "all":
            s.add_argument("--portal-port", type=int, default=5007, help="portal port (default 5007)")
        if name == "portal":      # `serve all` prints the portal's address itself, once
            s.add_argument("--no-banner", action="store_true", help=argparse.SUPPRESS)
        s.set_defaults(func={"dashboards": _dashboards, "portal": _portal, "all": _all}[name])
    p.set_defaults(func=lambda args: (p.print_help(sys.stderr), 2))


def _check_hub(hub: Path) -> Path:
    from workbench.hub.connect import shared_path

    if not hub.exists() and not shared_path(hub).exists():
        raise ResourceLocked(f"No hub at '{hub}'. Build the demo with `workbench demo build --hub {hub}` "
                             f"or create one with `workbench hub init --hub {hub}`.")
    return hub


def import_dashboards():
    """The dashboards' server module (the ``dashboards`` package, installed beside ``workbench``).

    >>> import_dashboards().__name__
    'dashboards.server'
    """
    import dashboards.server

    return dashboards.server


def _dashboards(args):
    hub = _check_hub(hub_path(args))
    server = import_dashboards()
    print(f"Dashboards: http://{args.address}:{args.port}/ (log in at /login)", file=sys.stderr)
    server.build_server(hub, address=args.address, port=args.port, start=True)


def _portal(args):
    hub = _check_hub(hub_path(args))
    from workbench.portal.server import serve

    if not getattr(args, "no_banner", False):
        print(f"Portal: http://{args.address}:{args.port}/", file=sys.stderr)
    serve(hub, args.address, args.port)


def demo_logins(hub: Path) -> list[tuple[str, str, str, str]]:
    """``(name, password, role, agency)`` of the demo users present in the hub's registry.

    >>> import tempfile
    >>> from workbench.demo.build import DEMO_USERS
    >>> from workbench.registry import open_registry
    >>> hub = Path(tempfile.mkdtemp()) / "hub.duckdb"
    >>> name, agency, role, password = DEMO_USERS[0]
    >>> with open_registry(hub) as reg:
    ...     _ = reg.add_agency(agency, "central")
    ...     _ = reg.add_user(name, agency, role, password)
    >>> demo_logins(hub) == [(name, password, role, agency)]
    True
    """
    from workbench.demo.build import DEMO_USERS
    from workbench.registry import open_registry

    out = []
    with open_registry(hub) as reg:
        known = {u.name for u in reg.list_users()}
    for name, agency, role, password in DEMO_USERS:
        if name in known:
            out.append((name, password, role, agency))
    return out


def _all(args):
    hub = _check_hub(hub_path(args))
    server = import_dashboards()
    env = dict(os.environ)
    # the dashboards' log-in points partner staff to the portal
    os.environ.setdefault("WORKBENCH_PORTAL_URL", f"http://{args.address}:{args.portal_port}/")
    portal = subprocess.Popen([sys.executable, "-m", "workbench", "serve", "portal", "--hub", str(hub),
                               "--port", str(args.portal_port), "--address", args.address, "--no-banner"],
                              env=env)
    worker = subprocess.Popen([sys.executable, "-m", "workbench", "portal", "transfer", "--hub", str(hub),
                               "--watch", "5"], env=env, stdout=subprocess.DEVNULL)
    # supplies uploaded at the portal's /supply page: ingested here, never by the portal itself
    uploads = subprocess.Popen([sys.executable, "-m", "workbench", "portal", "ingest-uploads", "--hub", str(hub),
                                "--watch", "5"], env=env, stdout=subprocess.DEVNULL)
    # e-mail notifications: audit events queued and the outbox sent every minute, in its own process
    mail = subprocess.Popen([sys.executable, "-m", "workbench", "mail", "send", "--queue", "--hub", str(hub),
                             "--watch", str(MAIL_EVERY_SECONDS)], env=env, stdout=subprocess.DEVNULL)
    lines = [f"Dashboards: http://{args.address}:{args.port}/",
             f"Portal:     http://{args.address}:{args.portal_port}/"]
    logins = demo_logins(hub)
    if logins:
        lines.append("Demo log-ins (DEMO ONLY):")
        lines.append(f"  {'user':<10} {'password':<22} {'role':<9} agency")
        lines += [f"  {n:<10} {p:<22} {r:<9} {a}" for n, p, r, a in logins]
    lines.append("Press Ctrl-C to stop both.")
    print("\n".join(lines), flush=True)

    def stop(signum, frame):          # SIGTERM too, so the portal never outlives us
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        server.build_server(hub, address=args.address, port=args.port, start=True)
    finally:
        for child in (portal, worker, uploads, mail):
            child.terminate()
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
