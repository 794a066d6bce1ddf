"""The command-line groups of ``workbench`` (``CONTRACTS.md``), one module per group.

Each module has ``register(subparsers)`` and thin handlers that parse arguments, call the
library and return a result; :mod:`workbench.cli` is the entry point that maps errors to exit
codes. Library packages (``hub``, ``privacy``, ``registry``, ``analysis``, ``products`` …)
never import this package or :mod:`workbench.cli`: command-line code sits above them.

=================  ==========================================================
module             commands
=================  ==========================================================
``hub``            ``hub init|ingest|status|quality``
``privacy``        ``hub publish``, ``hub places``, ``hub export``
``registry``       ``agencies``, ``users``, ``partnerships``, ``marking``, ``audit``
``requests``       ``request`` (personal-data requests, guidance 4.3)
``hypothesis``     ``hypothesis``
``products``       ``commission``, ``action``, ``product``
``portal``         ``portal``
``demo``           ``demo``
``serve``          ``serve``
``common``         shared options: ``--hub``, ``--json``, the acting user
=================  ==========================================================
"""
