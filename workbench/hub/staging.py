"""One supply's staging area: the hub connection and what has been staged on it.

An ingest stages its files into TEMP tables and views of the hub connection before anything
is committed (:mod:`workbench.hub.ingest`). What the staging step needs to remember between
files — the SELECTs making up each staged view, which views were normalised while staging,
which files are pure ASCII and how many physical lines each holds — lives on this object,
made for one supply and dropped with it, instead of in module-level dictionaries keyed by
connection id (issue 14: no hidden module state).

A :class:`Staging` behaves as the DuckDB connection it wraps (``execute``, ``register`` and
every other method pass through), so an adapter's ``stage(con, files, dataset, table)``
receives it as its connection; the CSV mechanics (:mod:`workbench.hub.adapters.csvfiles`)
read and record their state on it.
"""

from __future__ import annotations

from pathlib import Path

from workbench.sql import quote_identifier


def path_key(path: Path | str) -> str:
    """The key a file's facts are kept under: its resolved path.

    Examples
    --------
    >>> path_key("/tmp/../tmp/a.csv")
    '/tmp/a.csv'
    """
    return str(Path(path).resolve())


class Staging:
    """The staging area of one supply on ``con`` (the hub connection).

    Used as a context manager: the connection's TEMP tables and views are dropped on entry
    and on exit, whatever happens in between (a rejected supply leaves nothing behind).

    Attributes
    ----------
    con : the DuckDB connection (every attribute not defined here is the connection's).
    parts : dict[str, list[str]]
        The SELECTs (one per staged file) whose UNION ALL is each staged view.
    normalised : set[str]
        Staged views whose every part was normalised while staging.
    ascii : set[str]
        Files (:func:`path_key`) with no byte above 0x7F: trimmed the cheaper ASCII way.
    layout : dict[str, tuple[int, bool]]
        (physical lines, holds '"') of each scanned file, so records are numbered exactly.
    dataset : workbench.catalogue.Dataset or None
        The supply's catalogue entry: given by the ingest, which has looked it up already, or
        looked up by :meth:`dataset_of` on first use; once per supply, not once per file.

    Examples
    --------
    >>> import duckdb
    >>> with Staging(duckdb.connect()) as st:
    ...     _ = st.execute("CREATE TEMP TABLE _stage AS SELECT 1 AS x")
    ...     st.execute("SELECT count(*) FROM _stage").fetchone()
    (1,)
    >>> st.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone()
    (0,)
    """

    #: which engine reads the CSV files (:func:`workbench.hub.adapters.csvfiles.stage_csv`);
    #: ``ingest --engine spark`` stages through :class:`workbench.hub.ingest_spark.SparkStaging`
    engine = "duckdb"

    def __init__(self, con, dataset=None):
        self.con = con
        self.dataset = dataset
        self.parts: dict[str, list[str]] = {}
        self.normalised: set[str] = set()
        self.ascii: set[str] = set()
        self.layout: dict[str, tuple[int, bool]] = {}

    def __getattr__(self, name):
        return getattr(self.con, name)

    def __enter__(self) -> "Staging":
        self.reset()
        return self

    def __exit__(self, *exc) -> None:
        import duckdb

        try:
            self.reset()
        except duckdb.Error:   # a connection the failure left unusable: nothing more to drop
            pass

    def dataset_of(self, dataset_id: str):
        """The catalogue entry of the supply's dataset ``dataset_id``: the one this staging area
        was made with, else looked up once and kept for the supply's later files.

        Examples
        --------
        >>> import duckdb
        >>> from workbench import catalogue
        >>> st = Staging(duckdb.connect())
        >>> st.dataset is None, st.dataset_of("ref_imd").id, st.dataset.id
        (True, 'ref_imd', 'ref_imd')
        >>> given = catalogue.get("ref_imd")
        >>> Staging(duckdb.connect(), given).dataset_of("ref_imd") is given   # no second look-up
        True
        """
        if self.dataset is None or self.dataset.id != dataset_id:
            from workbench import catalogue

            self.dataset = catalogue.get(dataset_id)
        return self.dataset

    def declare_files(self, scans) -> None:
        """Record what the scan learnt of each file (``supply_files.FileScan``): whether it is
        pure ASCII and its physical line count, and whether it holds '"'.

        Forgetting to declare costs time (general trimming), never correctness.

        Examples
        --------
        >>> from types import SimpleNamespace as Scan
        >>> import duckdb
        >>> st = Staging(duckdb.connect())
        >>> st.declare_files([Scan(path=Path("/tmp/a.csv"), ascii=True, lines=3, quotes=False)])
        >>> st.ascii, st.layout
        ({'/tmp/a.csv'}, {'/tmp/a.csv': (3, False)})
        """
        for s in scans:
            key = path_key(s.path)
            if s.ascii:
                self.ascii.add(key)
            self.layout[key] = (s.lines, s.quotes)

    def reset(self) -> None:
        """Forget everything staged and drop the connection's TEMP tables and views.

        Examples
        --------
        >>> import duckdb
        >>> st = Staging(duckdb.connect())
        >>> _ = st.execute("CREATE TEMP VIEW v AS SELECT 1")
        >>> st.parts["v"] = ["SELECT 1"]
        >>> st.reset()
        >>> st.parts, st.execute("SELECT count(*) FROM duckdb_views() WHERE temporary AND NOT internal").fetchone()
        ({}, (0,))
        """
        self.parts.clear()
        self.normalised.clear()
        self.ascii.clear()
        self.layout.clear()
        for name, kind in self.con.execute(
            "SELECT table_name, 'TABLE' FROM duckdb_tables() WHERE temporary "
            "UNION ALL SELECT view_name, 'VIEW' FROM duckdb_views() WHERE temporary AND NOT internal"
        ).fetchall():
            self.con.execute(f"DROP {kind} IF EXISTS temp.{quote_identifier(name)}")
