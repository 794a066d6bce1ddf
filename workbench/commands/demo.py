"""``workbench demo build``: build (or reuse) the demo hub (used by ``make run``)."""

from __future__ import annotations

import argparse

from workbench.commands.common import add_common, hub_path


def _build(args):
    from workbench.demo.build import build_demo

    result = build_demo(hub_path(args), seed=args.seed, start=args.start, end=args.end, scale=args.scale,
                        quiet=args.json or args.quiet, publish=not args.no_publish,
                        products=args.with_products)
    failed = result.published.startswith("FAILED")
    return (result, 1) if failed else result


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``workbench demo build`` (seed, dates and scale default to :mod:`workbench.demo.effects`).

    Examples
    --------
    >>> from workbench.demo import effects
    >>> parser = argparse.ArgumentParser(prog="workbench")
    >>> register(parser.add_subparsers())
    >>> args = parser.parse_args(["demo", "build", "--seed", "7", "--no-publish"])
    >>> args.seed, args.no_publish, args.with_products, args.start == effects.DEFAULT_START
    (7, True, False, True)
    """
    from workbench.demo import effects as fx

    demo = sub.add_parser("demo", help="the Nottingham and Nottinghamshire demo hub")
    ds = demo.add_subparsers(dest="demo_command", metavar="ACTION")
    p = ds.add_parser("build", help="build the demo hub from data/sample + seeded synthetic data (idempotent)")
    add_common(p)
    p.add_argument("--seed", type=int, default=fx.SEED, help=f"random seed (default {fx.SEED})")
    p.add_argument("--start", default=fx.DEFAULT_START, help=f"first day YYYY-MM-DD (default {fx.DEFAULT_START})")
    p.add_argument("--end", default=fx.DEFAULT_END, help=f"last day YYYY-MM-DD (default {fx.DEFAULT_END})")
    p.add_argument("--scale", type=float, default=fx.DEFAULT_SCALE,
                   help=f"volume relative to Nottingham City's real crime (default {fx.DEFAULT_SCALE})")
    p.add_argument("--no-publish", action="store_true", help="do not publish the shared tier")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.add_argument("--with-products", action="store_true",
                   help="also render a problem profile, strategic and tactical assessment for the "
                        "product library (about 30 s each; make run does)")
    p.set_defaults(func=_build)
