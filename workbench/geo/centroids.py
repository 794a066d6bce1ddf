"""Postcode centroid lookup: full unit postcode → BNG easting/northing.

Where a supply has only a postcode, the hub derives the point from the postcode's
centroid (DATASETS.md conventions); Appendix 1 of the guidance depersonalises addresses to
postcode centroids the same way. The lookup table is ``ref_postcode`` (OS Code-Point Open).

Examples
--------
>>> import pandas as pd
>>> table = PostcodeCentroids(pd.DataFrame({"postcode": ["NG1 1AA"], "easting": [457804],
...                                         "northing": [340087]}))
>>> table.lookup(["ng11aa", "NG9 9ZZ"])[0].tolist()
[457804.0, nan]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.geo.postcode import normalise_postcodes


@dataclass
class PostcodeCentroids:
    """An in-memory postcode → (easting, northing) table.

    Parameters
    ----------
    table : DataFrame with columns ``postcode``, ``easting``, ``northing`` (BNG metres);
        postcodes are normalised on load, rows without coordinates are dropped.

    Examples
    --------
    >>> t = PostcodeCentroids(pd.DataFrame({"postcode": ["ng1 1aa", "NG7 2RD", "not one"],
    ...                                     "easting": [457804, 455000, 1], "northing": [340087, None, 1]}))
    >>> len(t)                                   # the row without a northing and the bad postcode are dropped
    1
    >>> e, n = t.lookup(["NG1 1AA", "NG7 2RD"])
    >>> e.tolist(), n.tolist()
    ([457804.0, nan], [340087.0, nan])
    """

    table: pd.DataFrame

    def __post_init__(self):
        missing = {"postcode", "easting", "northing"} - set(self.table.columns)
        if missing:
            raise ValueError(f"PostcodeCentroids: table lacks column(s) {sorted(missing)}; "
                             "expected postcode, easting, northing.")
        t = pd.DataFrame({
            "postcode": normalise_postcodes(self.table["postcode"]).to_numpy(),
            "easting": pd.to_numeric(self.table["easting"], errors="coerce").to_numpy(),
            "northing": pd.to_numeric(self.table["northing"], errors="coerce").to_numpy(),
        }).dropna().drop_duplicates("postcode", keep="last")
        self.table = t.set_index("postcode")

    @classmethod
    def from_hub(cls, con) -> "PostcodeCentroids":
        """Load the current ``ref_postcode`` rows of an open hub connection."""
        frame = con.sql("SELECT postcode, easting, northing FROM ref_postcode "
                        "WHERE easting IS NOT NULL AND northing IS NOT NULL").df()
        return cls(frame)

    def __len__(self) -> int:
        return len(self.table)

    def lookup(self, postcodes) -> tuple[np.ndarray, np.ndarray]:
        """Centroids for ``postcodes`` (any case/spacing): ``(easting, northing)``, NaN when unknown."""
        keys = normalise_postcodes(postcodes)
        found = self.table.reindex(keys.to_numpy())
        return (found["easting"].to_numpy(dtype="float64", na_value=np.nan),
                found["northing"].to_numpy(dtype="float64", na_value=np.nan))

    def sample(self, n: int, rng: np.random.Generator) -> pd.DataFrame:
        """``n`` postcodes drawn uniformly with replacement (used by the demo generator)."""
        idx = rng.integers(0, len(self.table), size=n)
        return self.table.iloc[idx].reset_index()
