"""Where a hypothesis reads its data: a DuckDB connection (the shared tier) or a dict of DataFrames.

:class:`DataSource` gives every hypothesis the same two questions — *is dataset X here?* and
*give me its rows between two dates* — whatever holds the data, so the built-in hypotheses run
unchanged on the depersonalised shared tier (``workbench.privacy.shared.open_shared_tier``), on the
master hub, or on in-memory scenarios in tests and notebooks (``workbench.demo.scenarios``).
Dataset ids and column names are those of ``DATASETS.md``.
"""

from __future__ import annotations


import pandas as pd

from workbench.sql import quote_identifier as _ident
from workbench.errors import BadInput
from workbench.period import Period  # re-exported: the hypotheses' periods


class DataSource:
    """Uniform read access to datasets held in DuckDB or in a dict of DataFrames.

    Parameters
    ----------
    data : duckdb.DuckDBPyConnection or dict[str, pandas.DataFrame]
    label : str
        Where the data came from, recorded in verdict caveats (e.g. ``"shared tier"``).

    Examples
    --------
    >>> src = DataSource({"police_crime_offence": pd.DataFrame(
    ...     {"crime_ref": ["a", "b"], "committed_from_date": ["2025-01-05", "2025-03-01"]})})
    >>> src.has("police_crime_offence"), src.has("council_asb")
    (True, False)
    >>> len(src.frame("police_crime_offence", "committed_from_date", Period.parse("2025-01-01:2025-01-31")))
    1
    """

    def __init__(self, data, label: str = "in-memory data"):
        self.data = data
        self.label = label
        self._is_frames = isinstance(data, dict)
        if not self._is_frames and not hasattr(data, "execute"):
            raise BadInput("A hypothesis needs a DuckDB connection or a dict of DataFrames keyed by "
                           f"dataset id; received {type(data).__name__}.")

    @classmethod
    def wrap(cls, data) -> "DataSource":
        return data if isinstance(data, DataSource) else cls(data)

    def has(self, dataset: str) -> bool:
        if self._is_frames:
            return dataset in self.data and self.data[dataset] is not None
        rows = self.data.execute(
            "SELECT 1 FROM duckdb_tables() WHERE table_name = ? UNION ALL "
            "SELECT 1 FROM duckdb_views() WHERE view_name = ? AND NOT internal", [dataset, dataset]).fetchall()
        return bool(rows)

    def columns(self, dataset: str) -> list[str]:
        if self._is_frames:
            return list(self.data[dataset].columns)
        return [r[0] for r in self.data.execute(f'DESCRIBE SELECT * FROM {_ident(dataset)}').fetchall()]

    def frame(self, dataset: str, date_column: str | None = None, period: Period | None = None) -> pd.DataFrame:
        """Rows of ``dataset`` (those whose ``date_column`` falls in ``period`` when given)."""
        if not self.has(dataset):
            raise BadInput(f"Dataset '{dataset}' is not in {self.label}.")
        if self._is_frames:
            f = self.data[dataset]
            if date_column and period:
                d = pd.to_datetime(f[date_column], errors="coerce").dt.date
                f = f[(d >= period.start) & (d <= period.end)]
            return f.reset_index(drop=True).copy()
        sql = f'SELECT * FROM {_ident(dataset)}'
        params = []
        if date_column and period:
            sql += f' WHERE TRY_CAST({_ident(date_column)} AS DATE) BETWEEN ? AND ?'
            params = [period.start, period.end]
        f = self.data.execute(sql, params).df()
        return f.drop(columns=[c for c in f.columns if c.startswith("_")])

    def within(self, centre, radius_m: float, datasets=None) -> "DataSource":
        """An in-memory source holding only the records within ``radius_m`` of ``centre`` (BNG).

        Narrows a question to one area (e.g. the city-centre night-time economy). Datasets
        without coordinates (e.g. ``ref_harm_weights``) are kept whole; records without
        coordinates are dropped from the others.

        Examples
        --------
        >>> src = DataSource({"police_crime_offence": pd.DataFrame({"easting": [457000, 470000],
        ...                                                          "northing": [340000, 340000]})})
        >>> len(src.within((457000, 340000), 500).frame("police_crime_offence"))
        1
        """
        import numpy as np

        from workbench.analysis import _validate as check

        radius = check.positive(radius_m, "radius_m")
        cx, cy = (float(v) for v in centre)
        wanted = datasets or ("police_crime_offence", "health_ae_assault", "ambulance_callout",
                              "ref_licensed_premises", "ref_harm_weights")
        frames = {}
        for d in wanted:
            if not self.has(d):
                continue
            f = self.frame(d)
            if {"easting", "northing"} <= set(f.columns):
                e = pd.to_numeric(f["easting"], errors="coerce")
                n = pd.to_numeric(f["northing"], errors="coerce")
                f = f[(np.hypot(e - cx, n - cy) <= radius).fillna(False).to_numpy()].reset_index(drop=True)
            frames[d] = f
        return DataSource(frames, label=f"{self.label}, within {radius:g} m of ({cx:.0f}, {cy:.0f})")


def default_periods(source: DataSource, months: int = 6, quiet: bool = False) -> tuple[Period, Period]:
    """The last ``months`` whole months of police offences, and the same months a year earlier.

    The usual "this period against the same period last year" comparison (it removes
    seasonality). Announced on stderr unless ``quiet``.

    Examples
    --------
    >>> src = DataSource({"police_crime_offence": pd.DataFrame(
    ...     {"committed_from_date": ["2024-02-10", "2025-05-20"]})})
    >>> [str(p) for p in default_periods(src, months=3, quiet=True)]
    ['2025-02-01:2025-04-30', '2024-02-01:2024-04-30']
    """
    from workbench.analysis.defaults import announce

    f = source.frame("police_crime_offence")
    last = pd.to_datetime(f["committed_from_date"], errors="coerce").max()
    if pd.isna(last):
        raise BadInput("police_crime_offence has no dated offences to choose periods from.")
    end = (last + pd.offsets.MonthEnd(0)).normalize()
    if last.normalize() != end:  # the last month is incomplete: stop at the previous month end
        end = (last - pd.offsets.MonthEnd(1)).normalize()
    start = (end - pd.offsets.MonthBegin(months)).normalize()
    current = Period(start.date(), end.date())
    baseline = Period((start - pd.DateOffset(years=1)).date(), (end - pd.DateOffset(years=1)).date())
    announce(f"Periods set automatically: current {current}, baseline {baseline} (same months a year "
             "earlier); pass current=/baseline= to choose them.", quiet)
    return current, baseline
