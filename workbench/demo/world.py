"""The demo area's geography, built from the committed open data in ``data/sample/``.

:class:`World` holds what every synthetic generator needs: the Nottingham City postcodes
(Code-Point Open centroids) with their LSOA (by polygon), IMD 2019 decile and synthetic
households; the LSOA polygons; where each police.uk crime type really happened in
2018–19 (so synthetic offences follow the real geography of crime); real street names per
LSOA (from police.uk ``Location``); and a random generator seeded once.

Everything is deterministic for a given seed (guidance Appendix 1 needs households, which
Code-Point Open lacks: they are synthesised here and flagged ``households_synthetic='Y'``).
"""

from __future__ import annotations

import glob
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from workbench.demo import effects as fx
from workbench.geo.boundaries import assign_polygons, read_lsoa_geojson

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
CODEPOINT = SAMPLE / "postcodes" / "codepoint_open_2025-10"
LSOA_FILE = SAMPLE / "lsoa" / "lsoa2011_nottinghamshire_gen_clipped.geojson"
IMD_FILE = SAMPLE / "lsoa" / "imd2019_lsoa2011_nottinghamshire.csv"
POLICE_UK = SAMPLE / "police_uk"
CODEPOINT_COLUMNS = ["postcode", "pq", "easting", "northing", "country", "nhs_region", "nhs_ha",
                     "county", "district", "ward"]


def sample_files() -> dict[str, list[Path]]:
    """The committed open-data files the demo ingests, by dataset id.

    Examples
    --------
    >>> files = sample_files()
    >>> sorted(files), [p.name for p in files["ref_imd"]]
    (['police_uk_street', 'ref_imd', 'ref_lsoa', 'ref_postcode'], ['imd2019_lsoa2011_nottinghamshire.csv'])
    """
    return {
        "ref_lsoa": [LSOA_FILE],
        "ref_postcode": [CODEPOINT / "Code-Point_Open_Column_Headers.csv", CODEPOINT / "ng.csv",
                         CODEPOINT / "dl_de_dn_s_rows_in_cleveland_nottinghamshire_districts.csv"],
        "ref_imd": [IMD_FILE],
        "police_uk_street": sorted(Path(p) for p in glob.glob(str(POLICE_UK / "*" / "*.csv"))),
    }


def check_sample() -> None:
    """Raise FileNotFoundError naming the first missing sample file.

    Examples
    --------
    >>> check_sample() is None                      # every committed sample file is present
    True
    """
    for files in sample_files().values():
        if not files:
            raise FileNotFoundError(f"No police.uk files under {POLICE_UK}; is data/sample complete?")
        for f in files:
            if not Path(f).exists():
                raise FileNotFoundError(f"Sample file '{f}' is missing; data/sample/ ships with the repository.")


@dataclass
class World:
    """The demo geography and a seeded random generator (see module docstring).

    Examples
    --------
    >>> w = World(seed=3)
    >>> len(w.lsoas), list(w.lsoas.columns[:2])
    (679, ['lsoa_code', 'lsoa_name'])
    """

    seed: int = fx.SEED
    rng: np.random.Generator = field(init=False, repr=False)

    def __post_init__(self):
        check_sample()
        self.rng = np.random.default_rng(self.seed)

    # ------------------------------------------------------------------ geography
    @cached_property
    def lsoas(self) -> pd.DataFrame:
        """All 679 Nottinghamshire LSOAs: lsoa_code, lsoa_name, geometry (BNG WKT), imd_decile, imd_rank, la."""
        frame = read_lsoa_geojson(LSOA_FILE)
        imd = pd.read_csv(IMD_FILE, dtype=str)
        imd.columns = ["lsoa_code", "lsoa_name_imd", "la_code", "la_name", "imd_rank", "imd_decile"]
        frame = frame.merge(imd[["lsoa_code", "la_code", "la_name", "imd_rank", "imd_decile"]],
                            on="lsoa_code", how="left")
        frame["imd_rank"] = frame["imd_rank"].astype(int)
        frame["imd_decile"] = frame["imd_decile"].astype(int)
        return frame

    @cached_property
    def all_postcodes(self) -> pd.DataFrame:
        """Every sample Code-Point postcode with coordinates: postcode, easting, northing, lsoa_code."""
        parts = []
        for f in sample_files()["ref_postcode"][1:]:
            parts.append(pd.read_csv(f, header=None, names=CODEPOINT_COLUMNS, dtype=str,
                                     keep_default_na=False))
        pc = pd.concat(parts, ignore_index=True)
        pc = pc[pc["pq"] != "90"].copy()
        pc["easting"] = pc["easting"].astype(float)
        pc["northing"] = pc["northing"].astype(float)
        pc["lsoa_code"] = assign_polygons(pc["easting"], pc["northing"], self.lsoas["lsoa_code"],
                                          self.lsoas["geometry"])
        return pc[["postcode", "easting", "northing", "lsoa_code", "district"]].reset_index(drop=True)

    @cached_property
    def households(self) -> pd.Series:
        """Synthetic households per postcode (every sample postcode), indexed by postcode.

        Residential postcodes average about 15 households (negative binomial); city-centre
        (NG1) postcodes are mostly commercial with fewer; about 7 % have fewer than 4,
        which the Appendix 1 rule must then avoid. A dedicated generator keeps these
        counts the same whatever period is built.
        """
        rng = np.random.default_rng(self.seed + 101)
        pc = self.all_postcodes
        centre = pc["postcode"].str.startswith("NG1 ").to_numpy()
        hh = rng.negative_binomial(n=2.2, p=2.2 / (2.2 + fx.HOUSEHOLDS_MEAN), size=len(pc)) + 1
        hh_centre = rng.negative_binomial(n=1.0, p=1.0 / (1.0 + 5.0), size=len(pc)) + 1
        hh = np.where(centre, hh_centre, hh)
        return pd.Series(np.minimum(hh, 120), index=pc["postcode"].to_numpy(), name="households")

    @cached_property
    def lsoa_population(self) -> pd.Series:
        """Synthetic LSOA population = synthetic households in the LSOA × 2.3 (demo only)."""
        pc = self.all_postcodes.assign(households=self.households.to_numpy())
        pop = pc.groupby("lsoa_code")["households"].sum() * fx.PERSONS_PER_HOUSEHOLD
        return pop.round().astype(int)

    @cached_property
    def city(self) -> pd.DataFrame:
        """Nottingham City postcodes (in its 182 LSOAs) with IMD decile and households."""
        codes = set(self.lsoas.loc[self.lsoas["la_name"] == "Nottingham", "lsoa_code"])
        pc = self.all_postcodes[self.all_postcodes["lsoa_code"].isin(codes)].copy()
        pc = pc.merge(self.lsoas[["lsoa_code", "imd_decile"]], on="lsoa_code", how="left")
        pc["households"] = self.households.reindex(pc["postcode"]).to_numpy()
        pc["outward"] = pc["postcode"].str.split(" ").str[0]
        return pc.reset_index(drop=True)

    @cached_property
    def city_lsoas(self) -> pd.DataFrame:
        return self.lsoas[self.lsoas["la_name"] == "Nottingham"].reset_index(drop=True)

    @cached_property
    def tree(self) -> cKDTree:
        """KD-tree over the city postcodes (BNG metres)."""
        return cKDTree(self.city[["easting", "northing"]].to_numpy())

    @cached_property
    def centre_idx(self) -> np.ndarray:
        """Indices of NG1 (city-centre district) postcodes within the city-centre radius of
        Old Market Square: where the night-time economy is."""
        near = np.array(self.tree.query_ball_point(fx.CITY_CENTRE, fx.CITY_CENTRE_RADIUS_M), dtype=int)
        ng1 = self.city["postcode"].str.startswith("NG1 ").to_numpy()[near]
        return np.sort(near[ng1])

    @cached_property
    def residential_idx(self) -> np.ndarray:
        """City postcodes outside NG1 with at least one household."""
        c = self.city
        return np.flatnonzero(~c["postcode"].str.startswith("NG1 ").to_numpy())

    # ------------------------------------------------------------------ police.uk geography
    @cached_property
    def police_uk(self) -> pd.DataFrame:
        """The committed 2018–19 police.uk rows for Nottingham City (crime type, LSOA, location)."""
        files = [f for f in sample_files()["police_uk_street"] if "2018-10_to_2019-02" in str(f.parent)]
        frames = [pd.read_csv(f, dtype=str, keep_default_na=False,
                              usecols=["Crime type", "LSOA code", "Location"]) for f in files]
        d = pd.concat(frames, ignore_index=True)
        return d.rename(columns={"Location": "location", "LSOA code": "lsoa_code", "Crime type": "crime_type"})

    @cached_property
    def lsoa_weights(self) -> dict[str, pd.Series]:
        """police.uk crime type → share of its 2018–19 rows in each city LSOA (+1 smoothing)."""
        d = self.police_uk
        codes = self.city_lsoas["lsoa_code"]
        out = {}
        for ct, grp in d.groupby("crime_type"):
            counts = grp["lsoa_code"].value_counts().reindex(codes, fill_value=0) + 1
            out[ct] = counts / counts.sum()
        return out

    @cached_property
    def streets(self) -> dict[str, np.ndarray]:
        """Real street names per LSOA from police.uk ``Location`` ("On or near X" → X)."""
        d = self.police_uk
        s = d["location"].str.replace(r"^On or near\s+", "", regex=True).str.strip()
        ok = s.str.contains(r"(?:Road|Street|Avenue|Lane|Drive|Close|Way|Gardens|Grove|Place|Crescent|Terrace|Walk|Court|Square|Row|Hill|Gate|Rise|View)$")
        d = d.assign(street=s)[ok]
        return {k: np.unique(v.to_numpy()) for k, v in d.groupby("lsoa_code")["street"]}

    # ------------------------------------------------------------------ sampling helpers
    def postcodes_in_lsoas(self, lsoa_codes: np.ndarray) -> np.ndarray:
        """For each LSOA code, a random city postcode index inside it."""
        c = self.city
        groups = c.groupby("lsoa_code").indices
        out = np.empty(len(lsoa_codes), dtype=int)
        for code, where in pd.Series(np.arange(len(lsoa_codes))).groupby(np.asarray(lsoa_codes)).indices.items():
            pool = groups.get(code)
            if pool is None:
                pool = np.arange(len(c))
            out[where] = pool[self.rng.integers(0, len(pool), size=len(where))]
        return out

    def postcodes_for_crime_type(self, crime_type: str, n: int) -> np.ndarray:
        """``n`` city postcode indices placed like police.uk's real ``crime_type`` (2018–19)."""
        w = self.lsoa_weights.get(crime_type)
        if w is None:
            w = pd.Series(1.0, index=self.city_lsoas["lsoa_code"]) / len(self.city_lsoas)
        lsoa = self.rng.choice(w.index.to_numpy(), size=n, p=w.to_numpy())
        return self.postcodes_in_lsoas(lsoa)

    def postcodes_by_deprivation(self, n: int, exponent: float = 1.0) -> np.ndarray:
        """``n`` residential postcode indices, LSOA chosen with weight (11 − IMD decile)^exponent."""
        ls = self.city_lsoas
        w = (11 - ls["imd_decile"].to_numpy()) ** exponent
        lsoa = self.rng.choice(ls["lsoa_code"].to_numpy(), size=n, p=w / w.sum())
        return self.postcodes_in_lsoas(lsoa)

    def street_for(self, idx: np.ndarray) -> np.ndarray:
        """A real street name in each postcode's LSOA (or a placeholder road name)."""
        lsoa = self.city["lsoa_code"].to_numpy()[idx]
        out = np.empty(len(idx), dtype=object)
        for code, where in pd.Series(np.arange(len(idx))).groupby(lsoa).indices.items():
            names = self.streets.get(code)
            if names is None or len(names) == 0:
                names = np.array(["High Street"])
            out[where] = names[self.rng.integers(0, len(names), size=len(where))]
        return out

    def addresses(self, idx: np.ndarray) -> np.ndarray:
        """House-number addresses ("12 Mansfield Road") in each postcode's LSOA (ident)."""
        streets = self.street_for(idx)
        numbers = self.rng.integers(1, 180, size=len(idx))
        return np.array([f"{n} {s}" for n, s in zip(numbers, streets)], dtype=object)

    def jitter(self, idx: np.ndarray, sd: float = 20.0) -> tuple[np.ndarray, np.ndarray]:
        """Coordinates near each postcode centroid (address points), rounded to 1 m."""
        c = self.city
        e = c["easting"].to_numpy()[idx] + self.rng.normal(0, sd, len(idx))
        n = c["northing"].to_numpy()[idx] + self.rng.normal(0, sd, len(idx))
        return np.round(e), np.round(n)

    def nearest_postcode(self, e: np.ndarray, n: np.ndarray) -> np.ndarray:
        return self.tree.query(np.column_stack([e, n]))[1]
