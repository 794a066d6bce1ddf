"""Context layers for the demo (guidance 3.3): events calendar, surveys, harm weights, and the
synthetic households / population that the open data lacks (flagged or caveated as synthetic).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.demo import effects as fx


def _first_weekday(year: int, month: int, weekday: int) -> pd.Timestamp:
    d = pd.Timestamp(year=year, month=month, day=1)
    return d + pd.Timedelta(days=(weekday - d.weekday()) % 7)


def events(world, period) -> pd.DataFrame:
    """Goose Fair (10 days from the first Friday of October: demo dates), Bonfire Night,
    the Christmas market, and Nottingham Forest home matches (alternate Saturdays,
    mid-August to mid-May; demo fixtures).

    Examples
    --------
    >>> from workbench.demo.timing import BuildPeriod
    >>> from workbench.demo.world import World
    >>> e = events(World(), BuildPeriod.of("2023-01-01", "2024-12-31"))
    >>> "Bonfire Night" in set(e["event_name"]), str(e["event_date"].min()) >= "2023-01-01"
    (True, True)
    """
    rows = []
    years = range(int(str(period.start)[:4]), int(str(period.end)[:4]) + 1)
    for y in years:
        gf = _first_weekday(y, 10, 4)
        for k in range(10):
            rows.append((gf + pd.Timedelta(days=k), "Goose Fair (demo dates)", "Forest Recreation Ground",
                         *fx.GOOSE_FAIR_SITE))
        rows.append((pd.Timestamp(y, 11, 5), "Bonfire Night", "Victoria Embankment", 457_600.0, 337_700.0))
        for k in range(0, 35, 7):
            rows.append((pd.Timestamp(y, 11, 20) + pd.Timedelta(days=k), "Christmas market (weekly entry)",
                         "Old Market Square", *fx.CITY_CENTRE))
        for season_start in (y - 1, y):
            first = _first_weekday(season_start, 8, 5) + pd.Timedelta(days=7)
            for k in range(0, 280, 14):
                d = first + pd.Timedelta(days=k)
                if d.year == y:
                    rows.append((d, "Nottingham Forest home match (demo fixture)", "City Ground", *fx.CITY_GROUND))
    f = pd.DataFrame(rows, columns=["event_date", "event_name", "location", "easting", "northing"])
    f = f[(f["event_date"] >= pd.Timestamp(str(period.start))) & (f["event_date"] <= pd.Timestamp(str(period.end)))]
    f = f.drop_duplicates(["event_date", "event_name"]).sort_values("event_date").reset_index(drop=True)
    f["event_date"] = f["event_date"].dt.strftime("%Y-%m-%d")
    return f


SURVEY_QUESTIONS = {
    "How safe do you feel walking alone after dark?": ["very safe", "fairly safe", "fairly unsafe", "very unsafe"],
    "Is anti-social behaviour a problem in your area?": ["big problem", "fairly big problem", "not a problem"],
    "Do the police and council deal with the issues that matter here?": ["agree", "neither", "disagree"],
}


def surveys(world, period, scale) -> pd.DataFrame:
    """Quarterly neighbourhood survey counts per outward district; a yearly place survey.

    Examples
    --------
    >>> from workbench.demo.timing import BuildPeriod
    >>> from workbench.demo.world import World
    >>> s = surveys(World(), BuildPeriod.of("2023-01-01", "2024-12-31"), 0.05)
    >>> sorted(s["survey"].unique()), list(s.columns)
    (['neighbourhood', 'place'], ['survey', 'period', 'area_code', 'question', 'response', 'count'])
    """
    rng = np.random.default_rng(world.seed + 1001)
    areas = sorted(world.city["outward"].unique())
    quarters = pd.period_range(pd.Timestamp(str(period.start)), pd.Timestamp(str(period.end)), freq="Q")
    rows = []
    for q in quarters:
        for a in areas:
            for question, answers in SURVEY_QUESTIONS.items():
                base = np.linspace(1.5, 0.5, len(answers))
                if a == "NG1":
                    base = base[::-1]  # the centre feels least safe after dark
                counts = rng.multinomial(max(int(40 * max(scale, 0.2)), 10), base / base.sum())
                for ans, cnt in zip(answers, counts):
                    rows.append(("neighbourhood", str(q), a, question, ans, int(cnt)))
    for y in sorted({q.year for q in quarters}):
        for ans, share in (("very satisfied", 0.2), ("fairly satisfied", 0.45), ("dissatisfied", 0.35)):
            rows.append(("place", str(y), "E06000018", "How satisfied are you with your local area?", ans,
                         int(round(800 * share))))
    return pd.DataFrame(rows, columns=["survey", "period", "area_code", "question", "response", "count"])


def harm_weights() -> pd.DataFrame:
    """The analysis package's documented weights table (with provenance).

    Examples
    --------
    >>> harm_weights()["weight_name"].value_counts().to_dict()
    {'cchi': 24, 'ons_css': 5}
    """
    from workbench.analysis.harm import reference_table

    t = reference_table()
    return t[["offence_code", "crime_type", "weight_name", "weight", "source"]]


def postcode_households(world) -> pd.DataFrame:
    """``ref_postcode`` rows for every sample postcode with synthetic households (flag 'Y').

    Examples
    --------
    >>> from workbench.demo.world import World
    >>> h = postcode_households(World())
    >>> len(h), set(h["households_synthetic"]), int(h["households"].min()) >= 1   # every real postcode, synthetic counts flagged
    (33401, {'Y'}, True)
    """
    pc = world.all_postcodes
    return pd.DataFrame({"postcode": pc["postcode"], "easting": pc["easting"], "northing": pc["northing"],
                         "households": world.households.reindex(pc["postcode"]).to_numpy(),
                         "lsoa_code": pc["lsoa_code"], "households_synthetic": "Y",
                         # this supply supersedes the Code-Point rows: keep their real ward codes
                         "ward_code": _sample_ward_codes().reindex(pc["postcode"]).to_numpy()})


def _sample_ward_codes() -> pd.Series:
    """Code-Point Open's ``Admin_ward_code`` of every committed sample postcode."""
    from workbench.demo.world import CODEPOINT

    parts = [pd.read_csv(CODEPOINT / name, header=None, usecols=[0, 9], names=["postcode", "ward_code"], dtype=str)
             for name in ("ng.csv", "dl_de_dn_s_rows_in_cleveland_nottinghamshire_districts.csv")]
    return pd.concat(parts).drop_duplicates("postcode").set_index("postcode")["ward_code"]


def lsoa_with_population(world) -> pd.DataFrame:
    """``ref_lsoa`` rows: real polygons and names, synthetic population (households × 2.3).

    Examples
    --------
    >>> from workbench.demo.world import World
    >>> lsoas = lsoa_with_population(World())
    >>> len(lsoas), bool(lsoas["population"].notna().all())
    (679, True)
    """
    ls = world.lsoas
    pop = world.lsoa_population.reindex(ls["lsoa_code"]).fillna(0).astype(int)
    return pd.DataFrame({"lsoa_code": ls["lsoa_code"], "lsoa_name": ls["lsoa_name"],
                         "geometry": ls["geometry"], "population": pop.to_numpy()})


#: houses per postcode in the demo gazetteer
GAZETTEER_HOUSES = 4


def gazetteer(world) -> pd.DataFrame:
    """``ref_gazetteer``: a synthetic LLPG for the demo city, :data:`GAZETTEER_HOUSES` address
    points per postcode on a real street name of its LSOA (numbers unique per street).

    Its own random generator, so adding it changes no other demo dataset (the seed's output is
    fixed); the addresses are synthetic, the postcodes and streets real (data/sample).

    Examples
    --------
    >>> from workbench.demo.world import World
    >>> g = gazetteer(World())
    >>> bool(g["uprn"].is_unique), list(g.columns[:3])
    (True, ['uprn', 'address', 'street'])
    """
    rng = np.random.default_rng(20_260_406)
    c = world.city.reset_index(drop=True)
    rows = []
    next_number: dict[str, int] = {}
    for i, pc in enumerate(c.itertuples(index=False)):
        names = world.streets.get(pc.lsoa_code)
        street = str(names[int(rng.integers(0, len(names)))]) if names is not None and len(names) else "High Street"
        for _ in range(GAZETTEER_HOUSES):
            n = next_number.get(street, 0) + 1 + int(rng.integers(0, 2))
            next_number[street] = n
            rows.append((f"9{len(rows):011d}", f"{n} {street}, Nottingham", street, "Nottingham", pc.postcode,
                         round(pc.easting + rng.normal(0, 12)), round(pc.northing + rng.normal(0, 12))))
    return pd.DataFrame(rows, columns=["uprn", "address", "street", "town", "postcode", "easting", "northing"])


def wards(world) -> pd.DataFrame:
    """``ref_ward``: the wards of the demo city's postcodes (their real Code-Point ward codes)
    with SYNTHETIC names ("Ward 1" …), since no ward-name lookup is committed in data/sample.

    Examples
    --------
    >>> from workbench.demo.world import World
    >>> w = wards(World())
    >>> len(w), set(w["ward_code"].str[:3])
    (21, {'E05'})
    """
    wards_of = _sample_ward_codes()
    codes = sorted(set(wards_of.reindex(world.city["postcode"]).dropna()))
    return pd.DataFrame({"ward_code": codes, "ward_name": [f"Ward {i}" for i in range(1, len(codes) + 1)],
                         "geometry": None})


def policing_areas(world) -> pd.DataFrame:
    """``ref_area``: four SYNTHETIC neighbourhood policing areas (set ``npa``), the quarters of the
    demo city's extent around its median point, as BNG polygons.

    Examples
    --------
    >>> from workbench.demo.world import World
    >>> policing_areas(World())[["area_set", "area_code"]].values.tolist()
    [['npa', 'NW'], ['npa', 'NE'], ['npa', 'SW'], ['npa', 'SE']]
    """
    c = world.city
    x0, y0, x1, y1 = c["easting"].min(), c["northing"].min(), c["easting"].max(), c["northing"].max()
    mx, my = c["easting"].median(), c["northing"].median()
    boxes = {"NW": (x0, my, mx, y1), "NE": (mx, my, x1, y1), "SW": (x0, y0, mx, my), "SE": (mx, y0, x1, my)}
    rows = []
    for code, (a, b, cc, d) in boxes.items():
        a, b, cc, d = a - 1, b - 1, cc + 1, d + 1
        rows.append(("npa", code, f"{code} neighbourhood", f"POLYGON (({a} {b}, {cc} {b}, {cc} {d}, {a} {d}, {a} {b}))"))
    return pd.DataFrame(rows, columns=["area_set", "area_code", "area_name", "geometry"])
