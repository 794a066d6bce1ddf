"""The fitness gate: what a method needs of its data, checked against the data's measured fitness.

Guidance 4.2.3 asks whether information is *fit for the purpose* it is put to: its precision
(a date to the day, or only to the month?), completeness (is the time of day recorded?),
accuracy and currency. The workbench measures those qualities once, in the quality report
(:func:`workbench.hub.quality.field_fitness`); this module makes every method, hypothesis and
product section *declare* what it needs and checks the declaration against those measured
figures **before it runs**:

* :class:`Needs` — the declaration: the datasets read (required and optional), the date
  precision (``'day'`` or ``'month'``), the time of day (``'required'`` or ``'preferred'``),
  coordinates, coverage of both compared periods, and a minimum number of records.
* :meth:`Needs.check` — measures the data the method will read (the compared periods only)
  and returns a :class:`Fitness`: ``ok``, the ``failures`` (each naming the dataset, the field
  and the measured figure, e.g. "committed_from_time known for 0% of 36,671 records"), the
  parts usable only in part (``uses``, e.g. ``{"time_of_day": False}`` when the day is known
  but the time is not) with a ``notes`` line saying so, and the ``measured`` figures.

Data that fail give ``inconclusive`` with the reason (:meth:`Fitness.reason`); where part of
the answer is honest the method uses only that part and says so. Month-precision dates never
feed a days-scale method (:func:`require_day_precision`, used by Knox and the near-repeat
table).

Examples
--------
>>> import pandas as pd
>>> from workbench.analysis.hypotheses.data import DataSource, Period
>>> rows = pd.DataFrame({"committed_from_date": ["2025-01-01"] * 40 + ["2025-02-01"] * 40,
...                      "committed_from_time": [None] * 80})
>>> needs = Needs(datasets=("police_crime_offence",), date="day", time_of_day="preferred")
>>> fit = needs.check(DataSource({"police_crime_offence": rows}),
...                   [Period.parse("2025-01-01:2025-02-28")])
>>> fit.ok
False
>>> print(fit.reason())
data not fit for this test: police_crime_offence.committed_from_date is month-only: 100% of 80 dated records fall on the 1st of a month (day known for about 0%), so days cannot be used; committed_from_time known for 0% of 80 records
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import threading
import weakref

import numpy as np
import pandas as pd

from workbench.sql import quote_identifier as _ident
from workbench.errors import BadInput
from workbench.hub.quality import KNOWN_SHARE, date_precision, field_fitness, time_known_share

DATE_PRECISIONS = ("day", "month")
TIME_NEEDS = ("required", "preferred")
#: a place-based method is unfit when more than this share of records lack coordinates
MAX_MISSING_COORDINATES = 0.2

#: what to say when a required dataset is absent but a weaker stand-in is loaded
_STAND_INS = {
    "police_crime_offence": ("police_uk_street",
                             "police_uk_street (police.uk street-level crime) is loaded, but it carries crime types rather than Home "
                             "Office offence codes, months rather than dates and no times; supply the force's "
                             "recorded crime (police_crime_offence)"),
}


def _fields(dataset: str) -> tuple[str | None, str | None, bool, str]:
    """(date column, time column, has coordinates, title) of a catalogue dataset."""
    from workbench import catalogue

    try:
        ds = catalogue.get(dataset)
    except Exception:  # a dataset of the user's own (notebook) outside the catalogue
        return None, None, False, dataset
    times = [c.name for c in ds.columns if c.kind == "time"]
    return (ds.date_column, times[0] if times else None,
            {"easting", "northing"} <= set(ds.column_names), ds.title)


def _months(period) -> list[str]:
    y, m = period.start.year, period.start.month
    out = []
    while (y, m) <= (period.end.year, period.end.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _month_aligned(period) -> bool:
    nxt = period.end + dt.timedelta(days=1)
    return period.start.day == 1 and nxt.day == 1


@dataclasses.dataclass
class Fitness:
    """The outcome of a fitness check (see :meth:`Needs.check`).

    Examples
    --------
    >>> fit = Fitness(ok=False, failures=["committed_from_time known for 0% of 80 records"])
    >>> fit.reason()
    'data not fit for this test: committed_from_time known for 0% of 80 records'
    >>> Fitness(ok=True).reason()
    'data fit for this test'
    """

    ok: bool
    failures: list = dataclasses.field(default_factory=list)
    notes: list = dataclasses.field(default_factory=list)
    uses: dict = dataclasses.field(default_factory=dict)
    measured: dict = dataclasses.field(default_factory=dict)

    def reason(self) -> str:
        """One sentence for an ``inconclusive`` verdict: every failure, each with its figure."""
        return "data not fit for this test: " + "; ".join(self.failures) if self.failures else "data fit for this test"

    def to_dict(self) -> dict:
        from workbench.analysis.results import jsonable

        return {"ok": self.ok, "failures": list(self.failures), "notes": list(self.notes),
                "uses": dict(self.uses), "measured": jsonable(self.measured)}


@dataclasses.dataclass(frozen=True)
class Needs:
    """What a method, hypothesis or product section needs of its data (guidance 4.2.3).

    Parameters
    ----------
    datasets : dataset ids that must hold records in the compared periods.
    optional : dataset ids read when present (measured and noted, never required).
    date : ``'day'`` (a days-scale method: day of week, near repeats) or ``'month'`` (only
        counts per period: month-only dates serve when the periods are whole months); None
        when dates do not matter.
    time_of_day : ``'required'`` (no answer without it) or ``'preferred'`` (used when known,
        else the method answers without it and says so); None when not read.
    coordinates : the method places records (at most 20% may lack coordinates).
    coverage : every calendar month of each compared period must hold records.
    min_events : records needed in each compared period (before any offence filter).

    Examples
    --------
    >>> import pandas as pd
    >>> from workbench.analysis.hypotheses.data import DataSource, Period
    >>> rows = pd.DataFrame({"committed_from_date": ["2025-01-03", "2025-01-17", "2025-02-11"],
    ...                      "committed_from_time": ["10:00", None, "23:30"]})
    >>> needs = Needs(datasets=("police_crime_offence",), date="day", time_of_day="preferred", min_events=1)
    >>> fit = needs.check(DataSource({"police_crime_offence": rows}), [Period.parse("2025-01-01:2025-02-28")])
    >>> fit.ok, fit.uses
    (True, {'time_of_day': False, 'day': True})
    >>> print(fit.notes[0])
    committed_from_time known for 67% of 3 records: time of day is not used; the answer rests on days of the week only
    """

    datasets: tuple = ()
    optional: tuple = ()
    date: str | None = None
    time_of_day: str | None = None
    coordinates: bool = False
    coverage: bool = False
    min_events: int = 0

    def __post_init__(self):
        from workbench.analysis import _validate as check

        if self.date is not None:
            check.one_of(self.date, DATE_PRECISIONS, "date")
        if self.time_of_day is not None:
            check.one_of(self.time_of_day, TIME_NEEDS, "time_of_day")

    def check(self, source, periods=(), label: str | None = None) -> Fitness:
        """Measure the data ``source`` holds for ``periods`` and compare with these needs.

        ``source`` is a :class:`~workbench.analysis.hypotheses.data.DataSource` (or what
        :meth:`DataSource.wrap` accepts); ``periods`` the :class:`Period` objects compared.
        """
        from workbench.analysis.hypotheses.data import DataSource

        source = DataSource.wrap(source)
        where = label or source.label
        fit = Fitness(ok=True, uses={"time_of_day": self.time_of_day is not None, "day": self.date == "day"})
        for d in self.datasets:
            self._check_one(source, d, periods, where, fit, required=True)
        for d in self.optional:
            if source.has(d):
                self._check_one(source, d, periods, where, fit, required=False)
        fit.ok = not fit.failures
        return fit

    def _check_one(self, source, d, periods, where, fit, *, required):
        date_col, time_col, has_xy, title = _fields(d)
        fail = fit.failures.append if required else (lambda m: fit.notes.append(f"{m} (optional {d}: read as is)"))
        # on DuckDB the data version's one query also shows the dataset is there (hub, shared tier)
        version = None if source._is_frames else data_version(source, d)
        if version is None and not source.has(d):
            stand_in = _STAND_INS.get(d)
            msg = f"needs {d} ({title}), which is not in {where}"
            if stand_in and source.has(stand_in[0]):
                msg += f"; {stand_in[1]}"
            fail(msg)
            return
        m = measure(source, d, periods, date_column=date_col if self.date or self.coverage else None,
                    time_column=time_col if self.time_of_day else None,
                    coordinates=self.coordinates and has_xy and date_col is not None,
                    _version=_UNKNOWN if source._is_frames else version)
        fit.measured[d] = m
        n = m["rows"]
        day_failed = False
        if n == 0:
            if m["rows_total"]:
                msg = (f"needs {d} ({title}), which holds no records in the periods compared ("
                       + ", ".join(map(str, periods)) + ")")
            else:
                msg = f"needs {d} ({title}), which is empty in {where}"
            stand_in = _STAND_INS.get(d)
            if stand_in and source.has(stand_in[0]) and not m["rows_total"]:
                msg += f"; {stand_in[1]}"
            fail(msg)
            return
        if self.date and date_col:
            prec, first, known = m["date_precision"], m["date_on_first_of_month"], m["date_known"]
            if self.date == "day" and prec != "day":
                msg = (f"{d}.{date_col} is {'month-only' if prec == 'month' else 'of mixed precision'}: "
                       f"{first / known:.0%} of {known:,} dated records fall on the 1st of a month (day known "
                       f"for about {m['day_known_share']:.0%}), so days cannot be used" if known else
                       f"{d}.{date_col} is empty for all {n:,} records")
                if self.time_of_day and time_col:
                    msg += f"; {time_col} known for {m['time_known_share']:.0%} of {n:,} records"
                fail(msg)
                fit.uses["day"] = False
                day_failed = True
            elif self.date == "month" and prec == "month":
                ragged = [str(p) for p in periods if not _month_aligned(p)]
                if ragged:
                    fail(f"{d}.{date_col} is month-only ({first / known:.0%} of {known:,} dated records on the "
                         f"1st of a month) but the period(s) {', '.join(ragged)} are not whole months")
                else:
                    fit.notes.append(f"{d}.{date_col} is month-only ({first / known:.0%} of {known:,} records on "
                                     "the 1st): used for counts per whole month only")
        if self.time_of_day and time_col and not day_failed:
            share = m["time_known_share"]
            if share < KNOWN_SHARE:
                fit.uses["time_of_day"] = False
                msg = f"{time_col} known for {share:.0%} of {n:,} records"
                if m["time_at_midnight"]:
                    msg += f" ({m['time_at_midnight']:,} at 00:00, the usual stand-in for 'no time')"
                if self.time_of_day == "required":
                    fail(f"{d}.{msg}")
                else:
                    fit.notes.append(f"{msg}: time of day is not used; the answer rests on days of the week only")
        if self.coordinates and has_xy and date_col:  # event data; registers are placed by the method
            missing = 1 - m["coordinates_known_share"]
            if missing > MAX_MISSING_COORDINATES:
                fail(f"{missing:.0%} of {n:,} {d} records lack coordinates (easting/northing; at most "
                     f"{MAX_MISSING_COORDINATES:.0%}), so a place-based answer would be biased")
        if self.coverage and periods and date_col:
            by_month = m.get("rows_by_month", {})
            for p in periods:
                gaps = [mo for mo in _months(p) if not by_month.get(mo)]
                if gaps:
                    fail(f"{d} has no records for {', '.join(gaps)} (period {p}): the periods are not both "
                         "fully covered")
        if self.min_events and periods and date_col:
            low = {str(p): c for p, c in zip(periods, m["rows_by_period"]) if c < self.min_events}
            if low:
                fail(f"too few events in {d}: " + ", ".join(f"{c:,} in {p}" for p, c in low.items())
                     + f" (at least {self.min_events} needed in each period)")


_LOCAL = threading.local()


def _scratch():
    """This thread's in-memory DuckDB connection for measuring DataFrames (opening one per check
    would cost more than the measurement)."""
    import duckdb

    con = getattr(_LOCAL, "con", None)
    if con is None:
        con = _LOCAL.con = duckdb.connect()
    return con


#: measurements per DuckDB connection (weakly held: the entries go with the connection), each
#: keyed on the data version (:func:`data_version`) so that an ingest or a publish is re-measured
_MEASURED: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
#: measurements of DataFrames, keyed on a digest of the very values measured (content-addressed)
_MEASURED_FRAMES: dict = {}
_MEASURED_LOCK = threading.Lock()
_UNKNOWN = object()  # measure(): the data version has not been read yet
#: entries kept per connection, and for DataFrames (distinct datasets × periods × fields measured)
_MEASURED_MAX = 256


def data_version(source, dataset: str, columns=None, read=()) -> tuple | None:
    """A token that changes whenever the rows of ``dataset`` change, or None when there is none.

    * Hub and shared tier: every row (of the hub's current-rows views and of the tier's tables)
      carries the supply it came in (``_supply_id``); rows change only by a supply (an ingest
      adds rows under a new id and supersedes old ones; publish rebuilds the tier from the
      supplies), so the count, sum and extremes of ``_supply_id`` change with them, and the
      database file is part of the token. One small query over one integer column.
    * DataFrames (mutable in place, so no identity can be trusted): a digest of the values of
      the columns ``read`` (``pandas.util.hash_pandas_object``, BLAKE2b): a few milliseconds,
      several times cheaper than measuring.
    * A DuckDB table without ``_supply_id`` (a notebook's own table): None, measured every call.

    ``columns`` are the dataset's columns when already read.

    Examples
    --------
    >>> import duckdb, pandas as pd
    >>> from workbench.analysis.hypotheses.data import DataSource
    >>> con = duckdb.connect()
    >>> _ = con.execute("CREATE TABLE t AS SELECT 1 AS _supply_id, DATE '2024-01-05' AS d")
    >>> v1 = data_version(DataSource(con), "t")
    >>> _ = con.execute("INSERT INTO t VALUES (2, DATE '2024-01-06')")
    >>> data_version(DataSource(con), "t") != v1
    True
    >>> f = pd.DataFrame({"d": ["2024-01-05"]})
    >>> v2 = data_version(DataSource({"t": f}), "t", read=["d"])
    >>> f.loc[0, "d"] = "2024-01-01"
    >>> data_version(DataSource({"t": f}), "t", read=["d"]) != v2
    True
    """
    from workbench.analysis.hypotheses.data import DataSource

    source = DataSource.wrap(source)
    if source._is_frames:
        import hashlib

        frame = source.data[dataset]
        present = [c for c in read if c in frame.columns]
        digest = hashlib.blake2b(repr((dataset, len(frame), present,
                                       [str(frame[c].dtype) for c in present])).encode())
        if present:
            digest.update(pd.util.hash_pandas_object(frame[present], index=False).to_numpy().tobytes())
        return ("frame", digest.hexdigest())
    if columns is not None and "_supply_id" not in columns:
        return None
    import duckdb

    try:
        row = source.data.execute(
            f"SELECT count(*), count(_supply_id), min(_supply_id), max(_supply_id), sum(_supply_id), "
            f"(SELECT path FROM duckdb_databases() WHERE database_name = current_database()) "
            f"FROM {_ident(dataset)}").fetchone()
    except (duckdb.BinderException, duckdb.CatalogException):  # no _supply_id column (or no such table)
        return None
    return (dataset,) + tuple(row)


def measure(source, dataset: str, periods=(), *, date_column=None, time_column=None,
            coordinates: bool = False, _version=_UNKNOWN) -> dict:
    """:func:`workbench.hub.quality.field_fitness` over the rows of ``dataset`` in ``periods``.

    Adds ``rows_total`` (all rows held) and ``rows_by_period``. Runs in DuckDB whatever holds
    the data: the columns read of a dict of DataFrames are registered on a scratch in-memory
    connection. The figures are kept and reused while :func:`data_version` is unchanged (a
    hypothesis, a product and a dashboard ask the same question of the same rows many times):
    per connection on a hub or shared tier, where any supply re-measures, and by a digest of
    the values read for DataFrames, where any change to them re-measures.

    Examples
    --------
    >>> import pandas as pd
    >>> from workbench.analysis.hypotheses.data import DataSource, Period
    >>> rows = pd.DataFrame({"d": ["2025-01-03", "2025-01-09", "2025-02-01"]})
    >>> m = measure(DataSource({"x": rows}), "x", [Period.parse("2025-01-01:2025-01-31")], date_column="d")
    >>> m["rows"], m["rows_total"], m["date_precision"]
    (2, 3, 'day')
    """
    from workbench.analysis.hypotheses.data import DataSource

    source = DataSource.wrap(source)
    spans = tuple((p.start, p.end) for p in periods)
    cols = [c for c in (date_column, time_column) if c] + (["easting", "northing"] if coordinates else [])
    version = data_version(source, dataset, read=cols) if _version is _UNKNOWN else _version
    key = (version, date_column, time_column, bool(coordinates), spans)
    store = None
    if version is not None:
        with _MEASURED_LOCK:
            store = _MEASURED_FRAMES if source._is_frames else _MEASURED.setdefault(source.data, {})
            hit = store.get(key)
        if hit is not None:
            return copy.deepcopy(hit)
    m = _measure(source, dataset, spans, cols, date_column, time_column, coordinates)
    if store is not None:
        with _MEASURED_LOCK:
            if len(store) >= _MEASURED_MAX:
                store.pop(next(iter(store)))
            store[key] = copy.deepcopy(m)
    return m


def _measure(source, dataset, spans, cols, date_column, time_column, coordinates) -> dict:
    if source._is_frames:
        frame = source.data[dataset]
        present = [c for c in cols if c in frame.columns]
        con, table = _scratch(), "_fitness_rows"
        con.register(table, frame[present] if present else frame.iloc[:, :0].assign(_row=0))
    else:
        con, table = source.data, _ident(dataset)
        held = set(source.columns(dataset))
        present = [c for c in cols if c in held]
    absent = [c for c in cols if c not in present]  # an absent field is measured as never known
    src = (f"(SELECT *, {', '.join(f'NULL AS {_ident(c)}' for c in absent)} FROM {table})" if absent else table)
    try:
        m = field_fitness(con, src, date_column=date_column, time_column=time_column,
                          coordinates=coordinates, periods=list(spans))
    finally:
        if source._is_frames:
            con.unregister(table)
    if "rows_by_period" not in m:
        m["rows_by_period"] = [m["rows"] for _ in spans]
    return m


def require_day_precision(times, what: str, *, days: float, date_precision_given: str = "auto") -> None:
    """Refuse month-precision dates for a days-scale method (guidance 4.2.3).

    ``times`` are the dates given to ``what`` (e.g. ``"near_repeat"``); ``days`` is the finest
    time scale the method reports (a band edge or τ). Numbers (days since an origin) carry no
    calendar and are taken as day-precise; ``date_precision_given='day'`` asserts the days
    are real, ``'month'`` declares them month-only. A scale finer than a year on month-only
    dates raises :class:`~workbench.errors.BadInput` with the measured figure.

    Examples
    --------
    >>> require_day_precision([f"2024-{m:02d}-01" for m in range(1, 13)], "near_repeat", days=7)
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: `times` for near_repeat are month-only: 100% of 12 dates fall on the 1st of a month (police.uk publishes months, not days), so a 7-day scale would really mean 'same month'. Supply dates recorded to the day, or pass date_precision='day' if the 1sts are real days.
    """
    from workbench.analysis import _validate as check

    check.one_of(date_precision_given, ("auto", "day", "month"), "date_precision")
    if date_precision_given == "day":
        return
    arr = np.asarray(times)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if date_precision_given == "auto" and np.issubdtype(arr.dtype, np.number):
        return
    if date_precision_given == "month":
        precision, share, known = "month", 1.0, arr.size
    else:
        ts = pd.to_datetime(pd.Series(arr), errors="coerce").dropna()
        known = len(ts)
        first = int((ts.dt.day == 1).sum())
        precision, _ = date_precision(known, first)
        share = first / known if known else 0.0
    if precision == "month" and days < 365:
        raise BadInput(
            f"`times` for {what} are month-only: {share:.0%} of {known:,} dates fall on the 1st of a month "
            f"(police.uk publishes months, not days), so a {days:g}-day scale would really mean 'same month'. "
            "Supply dates recorded to the day, or pass date_precision='day' if the 1sts are real days.")


def require_time_of_day(times, what: str) -> None:
    """Refuse timestamps whose time of day is not known (guidance 4.2.3): a method that bins by
    hour must not read midnights that stand in for "no time" as offences at midnight.

    The share known is :func:`workbench.hub.quality.time_known_share` (midnights beyond 1 in
    24 count as unknown); under 80% raises :class:`~workbench.errors.BadInput` with the figure.

    Examples
    --------
    >>> require_time_of_day(["2024-01-05 00:00", "2024-01-06 00:00"], "day_hour_matrix")
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: `start` for day_hour_matrix: the time of day is known for 0% of 2 records (2 at 00:00, the usual stand-in for 'no time'); an hour-by-hour table would put them all at midnight. Supply recorded times, or use days of the week only.
    """
    ts = pd.to_datetime(pd.Series(np.asarray(times).ravel()), errors="coerce")
    present = int(ts.notna().sum())
    t = ts.dropna()
    midnight = int(((t.dt.hour == 0) & (t.dt.minute == 0) & (t.dt.second == 0)).sum())
    share = time_known_share(len(ts), present, midnight)
    if share < KNOWN_SHARE:
        raise BadInput(f"`start` for {what}: the time of day is known for {share:.0%} of {len(ts):,} records "
                       f"({midnight:,} at 00:00, the usual stand-in for 'no time'); an hour-by-hour table would "
                       "put them all at midnight. Supply recorded times, or use days of the week only.")
