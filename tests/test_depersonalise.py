"""Depersonalisation (guidance Appendix 1, 3.2; regulations J.9–J.10): known values and invariants."""

from __future__ import annotations

import hashlib
import hmac

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench import catalogue
from workbench.privacy import addresses, checker
from workbench.privacy.addresses import depersonalise_address, depersonalise_free_text
from workbench.privacy.depersonalise import (age_sql, depersonalise_dataset, geography_from_frame,
                                             hmac_sql, install_geography, outward_sql)


@pytest.mark.parametrize("address, postcode, expected", [
    ("12 Acacia Avenue, Sneinton, NG2 4AA", "NG2 4AA", "Acacia Avenue, Sneinton, NG2 4AA"),
    ("12A Acacia Avenue", None, "Acacia Avenue"),
    ("12-14 High Street, Bingham", None, "High Street, Bingham"),
    ("12 - 14 High Street", None, "High Street"),
    ("12/14 High Street", None, "High Street"),
    ("Flat 3, 12 Acacia Avenue", None, "Acacia Avenue"),
    ("Flat 3 12 Acacia Avenue", None, "Acacia Avenue"),
    ("Flat A, 5 Canal Street", None, "Canal Street"),
    ("Apartment 2B, Riverside House, 5 Canal Street", None, "Canal Street"),
    ("Unit 4, Radford Road", None, "Radford Road"),
    ("Rose Cottage, Main Road, Bingham", None, "Main Road, Bingham"),
    ("Rose Cottage 5 Main Road", None, "Main Road"),
    ("The Old Vicarage, Church Lane, Gedling", None, "Church Lane, Gedling"),
    ("Main Road, Rose Cottage", None, "Main Road"),
    ("Windyridge, Sneinton", None, "Sneinton"),          # no street: first segment may be a name
    ("Market Square", None, "Market Square"),            # one segment, no number: a place
    ("On or near Trent Bridge", None, "On or near Trent Bridge"),
    ("A610 Nuthall Road", None, "A610 Nuthall Road"),    # road numbers stay
    ("1st Avenue", None, "1st Avenue"),                  # ordinals stay
    ("12 Acacia Avenue, NG2 4AA", "NG2 4AB", "Acacia Avenue, NG2 4AB"),  # moved postcode
    ("12 Acacia Avenue, NG2 4AA", None, "Acacia Avenue"),
    ("Flat 3", None, None),
    ("", None, None),
    (None, None, None),
])
def test_address_rule_table(address, postcode, expected):
    assert depersonalise_address(address, postcode) == expected


@pytest.mark.parametrize("text, expected", [
    ("entry via rear door of 5 Acacia Avenue", "entry via rear door of Acacia Avenue"),
    ("2 bikes and 3 phones", "2 bikes and 3 phones"),
    ("seen at flat 3 on the estate", "seen at on the estate"),
    ("lives in NG2 4AA", "lives in NG2"),
    ("12-14 Long Eaton Road shops", "Long Eaton Road shops"),
])
def test_free_text_rule_table(text, expected):
    assert depersonalise_free_text(text) == expected


def test_checker_word_lists_cover_no_more_than_the_transformer():
    """The checker may only flag what the transformer removes, or publish would always fail."""
    assert set(checker.STREET_WORDS) <= set(addresses.STREET_WORDS)
    assert set(checker.DWELLING_WORDS) <= set(addresses.DWELLING_WORDS)


def test_hmac_sql_matches_rfc2104():
    key = bytes(range(32))
    got = duckdb.sql(f"SELECT {hmac_sql(chr(39) + 'CL00042' + chr(39), key)}").fetchone()[0]
    assert got == hmac.new(key, b"CL00042", hashlib.sha256).hexdigest()[:32]
    assert duckdb.sql(f"SELECT {hmac_sql('NULL', key)}").fetchone()[0] is None


@pytest.mark.parametrize("value, expected", [("NG1 5AW", "NG1"), ("ng15aw", "NG1"), ("NG10", "NG10"),
                                             ("EC1A 1BB", "EC1A"), ("nonsense", None), (None, None)])
def test_outward_sql(value, expected):
    assert duckdb.execute(f"SELECT {outward_sql('$v')}", {"v": value}).fetchone()[0] == expected


@pytest.mark.parametrize("dob, event, age", [("1990-06-15", "2024-06-14", "33"),
                                             ("1990-06-15", "2024-06-15", "34"),
                                             ("2000-02-29", "2023-02-28", "22")])
def test_age_at_event(dob, event, age):
    sql = age_sql(f"DATE '{dob}'", f"DATE '{event}'")
    assert duckdb.sql(f"SELECT {sql}").fetchone()[0] == age


# ---------------------------------------------------------------- geography (hand-checkable)
REF = pd.DataFrame({"postcode": ["NG1 1AA", "NG1 1AB", "NG1 1AD", "NG1 1AE"],
                    "easting": [0.0, 100.0, 1000.0, 130.0], "northing": [0.0, 0.0, 0.0, 0.0],
                    "households": [10, 2, 5, None]})


def test_geography_maps_small_postcodes_to_nearest_qualifying():
    geo = geography_from_frame(REF)
    m = geo.pc_map.set_index("postcode")
    assert m.loc["NG1 1AA", "out_postcode"] == "NG1 1AA"
    assert m.loc["NG1 1AB", "out_postcode"] == "NG1 1AA"          # 100 m vs 900 m
    assert m.loc["NG1 1AE", "out_postcode"] == "NG1 1AA"          # unknown households: not qualifying
    assert (m.loc["NG1 1AB", "out_easting"], m.loc["NG1 1AB", "out_northing"]) == (0.0, 0.0)
    assert sorted(geo.postcodes) == ["NG1 1AA", "NG1 1AD"]


def _run(frame: pd.DataFrame, dataset_id: str, ref=REF, places=None):
    con = duckdb.connect()
    con.register("src_df", frame)
    con.execute("CREATE TABLE src AS SELECT * FROM src_df")
    geo = geography_from_frame(ref, places)
    install_geography(con, geo)
    depersonalise_dataset(con, catalogue.get(dataset_id), "src", "out", geo, b"k" * 32)
    return con.execute("SELECT * FROM out ORDER BY 1").df()


def _offences(**cols) -> pd.DataFrame:
    ds = catalogue.get("police_crime_offence")
    n = len(next(iter(cols.values())))
    base = {c.name: [None] * n for c in ds.columns}
    base.update(crime_ref=[f"CR{i:05d}" for i in range(n)], offence_code=["105A"] * n)
    base.update(cols)
    frame = pd.DataFrame(base)
    for c in ("easting", "northing"):
        frame[c] = frame[c].astype(float)
    return frame


def test_records_move_to_qualifying_centroids_and_places_stay():
    places = pd.DataFrame({"place_id": ["park:x"], "name": ["X Park"], "kind": ["park"],
                           "easting": [500.0], "northing": [40.0]})
    frame = _offences(postcode=["NG1 1AA", "NG1 1AB", "NG99 9ZZ", None, None, None, "NG1 1AD"],
                      easting=[3.0, 104.0, 900.0, 620.0, 500.0, None, 500.4],
                      northing=[1.0, 2.0, 5.0, 1.0, 40.0, None, 39.6],
                      location=["5 Acacia Avenue"] * 7)
    out = _run(frame, "police_crime_offence", places=places)
    assert out.postcode.tolist()[:4] == ["NG1 1AA", "NG1 1AA", "NG1 1AD", "NG1 1AD"]
    assert list(zip(out.easting, out.northing))[:4] == [(0.0, 0.0), (0.0, 0.0), (1000.0, 0.0), (1000.0, 0.0)]
    assert (out.easting[4], out.northing[4]) == (500.0, 40.0)          # registered park
    assert out.postcode[4] == "NG1 1AA"                                   # nearest qualifying to it
    assert pd.isna(out.postcode[5]) and pd.isna(out.easting[5])           # nothing to anchor
    assert (out.easting[6], out.northing[6]) == (500.0, 40.0)            # within the metre: the park
    assert set(out.location) == {"Acacia Avenue"}
    assert "longitude" not in out.columns


def test_ident_columns_dropped_and_person_refs_hashed():
    ds = catalogue.get("health_ae_assault")
    frame = pd.DataFrame({c.name: [None, None] for c in ds.columns})
    frame["patient_ref"] = ["NHS1", "NHS1"]
    frame["age"] = ["1", "2"]
    frame["patient_address"] = ["1 Elm Close", "1 Elm Close"]
    frame["easting"] = frame["northing"] = [0.0, 0.0]
    out = _run(frame, "health_ae_assault")
    assert "patient_address" not in out.columns
    assert out.patient_ref[0] == out.patient_ref[1] != "NHS1"
    assert out.patient_ref[0] == hmac.new(b"k" * 32, b"NHS1", hashlib.sha256).hexdigest()[:32]


# ---------------------------------------------------------------- property tests
NUMBERS = st.builds(lambda n, s, r: f"{n}{s}{r}", st.integers(1, 999),
                    st.sampled_from(["", "A", "b"]),
                    st.sampled_from(["", "-14", " - 16", "/2"]))
SUB = st.builds(lambda w, n: f"{w} {n}", st.sampled_from(["Flat", "Apartment", "Apt", "Unit", "flat",
                                                          "Room", "Suite", "Maisonette", "Studio"]),
                st.one_of(st.integers(1, 99).map(str), st.sampled_from(["A", "2B", "c"])))
NAME = st.sampled_from(["Rose Cottage", "Riverside House", "The Old Vicarage", "Oak Lodge",
                        "Windyridge", "Hill Farmhouse", "The Grange", "Castle Retail Park"])
STREET = st.builds(lambda a, b: f"{a} {b}", st.sampled_from(["Acacia", "Church", "Mill", "Canal", "High"]),
                   st.sampled_from(list(addresses.STREET_WORDS[:20]) + ["Street", "Road"]))
LOCALITY = st.sampled_from(["Sneinton", "Bingham", "Nottingham", "West Bridgford"])
POSTCODE = st.sampled_from(["NG2 4AA", "ng7 1ab", "NG10 1AA", "DE7 5QR"])


@st.composite
def address_strings(draw):
    parts = []
    if draw(st.booleans()):
        parts.append(draw(SUB))
    if draw(st.booleans()):
        parts.append(draw(NAME))
    street = draw(STREET)
    parts.append(draw(NUMBERS) + " " + street if draw(st.booleans()) else street)
    parts += draw(st.lists(LOCALITY, max_size=2))
    if draw(st.booleans()):
        parts.append(draw(POSTCODE))
    sep = draw(st.sampled_from([", ", ",", " ,  "]))
    return sep.join(parts), street


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(address_strings(), st.sampled_from([None, "NG5 5ZZ"]))
def test_property_addresses_pass_the_checker_patterns(case, postcode):
    import re

    address, street = case
    out = depersonalise_address(address, postcode) or ""
    no_pc = re.sub(checker.RE_FULL_POSTCODE[4:], "", out, flags=re.I)
    assert not re.search(checker.RE_NUMBER_TOKEN[4:], no_pc, re.I), (address, out)
    assert not re.search(checker.RE_FLAT[4:], out, re.I), (address, out)
    for seg in out.split(","):
        assert not re.search(checker.RE_DWELLING_SEGMENT[4:], seg.strip(), re.I), (address, out)
    assert street.lower() in out.lower(), (address, out)          # the street stays
    if postcode and re.search(checker.RE_FULL_POSTCODE[4:], address, re.I):
        assert postcode in out                                      # moved postcode written in


@st.composite
def geography_and_points(draw):
    n = draw(st.integers(2, 25))
    xs = draw(st.lists(st.integers(0, 2000), min_size=n, max_size=n))
    ys = draw(st.lists(st.integers(0, 2000), min_size=n, max_size=n))
    hh = draw(st.lists(st.integers(0, 8), min_size=n, max_size=n))
    hh[0] = max(hh[0], 4)                     # at least one qualifying postcode
    ref = pd.DataFrame({"postcode": [f"NG{1 + i // 20} {i % 10}A{'ABDEFGHJLN'[i % 10]}" for i in range(n)],
                        "easting": np.array(xs, float), "northing": np.array(ys, float),
                        "households": hh}).drop_duplicates("postcode")
    m = draw(st.integers(1, 30))
    pcs = draw(st.lists(st.one_of(st.sampled_from(list(ref.postcode)), st.none(),
                                  st.just("ZZ9 9ZZ")), min_size=m, max_size=m))
    e = draw(st.lists(st.one_of(st.none(), st.floats(-500, 2500)), min_size=m, max_size=m))
    nn = draw(st.lists(st.floats(-500, 2500), min_size=m, max_size=m))
    return ref, pcs, e, nn


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(geography_and_points())
def test_property_every_output_is_a_qualifying_postcode_and_centroid(case):
    ref, pcs, e, n = case
    frame = _offences(postcode=pcs, easting=[x for x in e],
                      northing=[None if x is None else y for x, y in zip(e, n)])
    out = _run(frame, "police_crime_offence", ref=ref)
    qual = ref[ref.households >= 4]
    centroids = set(zip(qual.easting, qual.northing))
    assert set(out.postcode.dropna()) <= set(qual.postcode)
    for pc, x, y in zip(out.postcode, out.easting, out.northing):
        if pd.isna(x):
            assert pd.isna(y)
        else:
            assert (x, y) in centroids
            assert pc in set(qual.postcode)


@pytest.mark.real
def test_real_codepoint_geography(real_data_dir):
    """Code-Point Open NG (headerless) with synthesised households: every record lands well."""
    path = real_data_dir / "postcodes" / "codepoint_open_2025-10" / "ng.csv"
    if not path.exists():
        pytest.skip(f"{path} not present")
    cp = pd.read_csv(path, header=None, usecols=[0, 2, 3], names=["postcode", "easting", "northing"])
    rng = np.random.default_rng(11)
    cp["households"] = rng.choice([0, 1, 2, 3, 5, 9, 14, 30], len(cp))
    cp["postcode"] = cp.postcode.str.upper().str.replace(r"\s+", " ", regex=True)
    sample = cp.sample(2000, random_state=3)
    frame = _offences(postcode=list(sample.postcode[:1000]) + [None] * 1000,
                      easting=list(sample.easting + rng.uniform(-30, 30, 2000)),
                      northing=list(sample.northing + rng.uniform(-30, 30, 2000)),
                      location=["Flat 2, 7 Mansfield Road, Sherwood"] * 2000)
    out = _run(frame, "police_crime_offence", ref=cp)
    qual = cp[cp.households >= 4]
    q_idx = qual.set_index(["easting", "northing"]).index
    assert out.postcode.isin(set(qual.postcode)).all()
    assert pd.MultiIndex.from_arrays([out.easting, out.northing]).isin(q_idx).all()
    small = sample.postcode[:1000][sample.households[:1000] < 4]
    moved = out.postcode[:1000][sample.households[:1000].to_numpy() < 4]
    assert len(small) and not set(moved) & set(small)
    # moved records go to a nearby qualifying postcode (NG postcodes are dense: well under 1 km)
    d = np.hypot(out.easting[:1000].to_numpy() - sample.easting[:1000].to_numpy(),
                 out.northing[:1000].to_numpy() - sample.northing[:1000].to_numpy())
    assert np.median(d) < 300
    assert set(out.location) == {"Mansfield Road, Sherwood"}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(geography_and_points(), st.data())
def test_property_transformer_output_passes_the_independent_checker(case, data):
    """Whatever the records, what the transformer writes the checker finds nothing in."""
    ref, pcs, e, n = case
    m = len(pcs)
    frame = _offences(postcode=pcs, easting=e, northing=[None if x is None else y for x, y in zip(e, n)],
                      location=[data.draw(address_strings())[0] for _ in range(m)],
                      method_of_entry=[data.draw(st.sampled_from(
                          ["rear door of 12 Acacia Avenue", "Flat 3 window", "2 bikes", None]))
                          for _ in range(m)])
    con = duckdb.connect()
    con.execute("ATTACH ':memory:' AS hub")
    con.execute("ATTACH ':memory:' AS shared")
    con.register("ref_df", ref)
    con.execute("CREATE TABLE hub.main.ref_postcode AS SELECT * FROM ref_df")
    con.register("src_df", frame)
    con.execute("CREATE TABLE hub.main.police_crime_offence AS SELECT * FROM src_df")
    geo = geography_from_frame(ref)
    install_geography(con, geo)
    depersonalise_dataset(con, catalogue.get("police_crime_offence"), "hub.main.police_crime_offence",
                          "shared.main.police_crime_offence", geo, b"k" * 32)
    report = checker.check_tier(con, "shared", "hub")
    assert report.ok, report.to_dict()
