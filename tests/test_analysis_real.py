"""The analysis library on real police.uk data (Nottinghamshire, 2018-10 … 2019-02)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer

from workbench.analysis.concentration import gini
from workbench.analysis.gistar import hotspot_gistar
from workbench.analysis.kde import hotspot_kde
from workbench.analysis.rates import lsoa_rates, rates_by_imd_decile

OLD_MARKET_SQUARE = (457220.0, 339850.0)


@pytest.fixture(scope="module")
def violence(real_data_dir):
    folder = real_data_dir / "police_uk" / "nottinghamshire_2018-10_to_2019-02"
    frames = [pd.read_csv(p) for p in sorted(folder.glob("*-street.csv"))]
    f = pd.concat(frames, ignore_index=True)
    f = f[(f["Crime type"] == "Violence and sexual offences") & f["Longitude"].notna()].copy()
    to_bng = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    f["easting"], f["northing"] = to_bng.transform(f["Longitude"].to_numpy(), f["Latitude"].to_numpy())
    return f


def test_hotspots_find_nottingham_city_centre(violence):
    xy = violence[["easting", "northing"]].to_numpy()
    inside = np.hypot(xy[:, 0] - OLD_MARKET_SQUARE[0], xy[:, 1] - OLD_MARKET_SQUARE[1]) < 15000
    g = hotspot_gistar(xy[inside], cell_size=250, quiet=True)
    f = g.to_frame()
    top = f.sort_values("z", ascending=False).iloc[0]
    assert top["hotspot"] == "hot"
    assert np.hypot(top["x"] - OLD_MARKET_SQUARE[0], top["y"] - OLD_MARKET_SQUARE[1]) < 1500
    k = hotspot_kde(xy[inside], cell_size=100, bandwidth=300, quiet=True)
    peak = k.to_frame().sort_values("density_per_km2").iloc[-1]
    assert np.hypot(peak["x"] - OLD_MARKET_SQUARE[0], peak["y"] - OLD_MARKET_SQUARE[1]) < 1500


def test_violence_is_concentrated_across_lsoas_and_deprivation(violence, real_data_dir):
    imd = pd.read_csv(real_data_dir / "lsoa" / "imd2019_lsoa2011_england_ranks_deciles.csv")
    imd = imd.rename(columns={"LSOA code (2011)": "lsoa_code",
                              "Index of Multiple Deprivation (IMD) Decile": "imd_decile"})
    notts = imd[imd["lsoa_code"].isin(violence["LSOA code"].unique())][["lsoa_code", "imd_decile"]]
    counts = violence["LSOA code"].value_counts().reindex(notts["lsoa_code"], fill_value=0)
    assert 0.3 < gini(counts).gini < 0.9
    # rates need a population: 1,600 residents per LSOA (the 2011 design mean) stands in here
    pop = notts.assign(population=1600)[["lsoa_code", "population"]]
    by = rates_by_imd_decile(lsoa_rates(violence["LSOA code"], pop, notts)).set_index("imd_decile")
    assert by.loc[1, "rate"] > 2 * by.loc[10, "rate"]  # the most deprived decile carries far more

