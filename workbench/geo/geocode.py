"""Offline address geocoding against a local land and property gazetteer (LLPG / AddressBase-style).

Council ASB, fire, housing and ambulance records often carry only an address ("14 Acacia Ave,
Sneinton"). Guidance 3.2.3 and Appendix 1 need a postcode (and coordinates) to place and then
depersonalise them. :class:`Gazetteer` matches free-text addresses against the council's own
gazetteer extract, offline, in four steps, and says for every record how it was placed:

1. ``exact`` (score 100): the normalised address equals a gazetteer address (abbreviations
   expanded, punctuation and case folded, flat/unit words unified) — a hash lookup.
2. ``fuzzy`` (at most one edit in the street, see :data:`MAX_EDITS`): the best gazetteer
   address *with the same house number* among the candidates sharing the record's postcode (or, without one, the same first
   letter and thoroughfare type), the streets scored with rapidfuzz's ``ratio`` (normalised
   Indel similarity; ``token_sort_ratio`` was tried and loses a misspelt word that sorts
   elsewhere). Two candidates sharing the best score are ambiguous and not matched. A house number never matches a different
   number: "14 Acacia Avenue" is not "41 Acacia Avenue" however similar the strings.
3. ``street`` : no address accepted, but the street is known (in the postcode, or uniquely in
   the gazetteer): the mean point of the street's addresses and its most common postcode.
4. ``postcode`` : only a postcode in the text: left to the postcode centroid (the caller's
   ``ref_postcode`` step); reported here so the match report counts it.

Everything else is ``unmatched``. Why rapidfuzz: a C++ implementation of Levenshtein-family
ratios with batched ``process.extractOne``; matching is blocked by postcode/street so a record
is compared with tens of candidates, not the whole gazetteer. Exact matching is vectorised
(pandas string operations and a merge), so large supplies are fast: ``make bench`` measures
1M addresses against a 200k-address gazetteer.

Examples
--------
>>> import pandas as pd
>>> gaz = Gazetteer(pd.DataFrame({
...     "uprn": ["1", "2", "3"],
...     "address": ["14 Acacia Avenue", "16 Acacia Avenue", "3 Mill Road"],
...     "postcode": ["NG2 4AB", "NG2 4AB", "NG7 1AB"],
...     "easting": [457000.0, 457010.0, 455000.0], "northing": [339000.0, 339005.0, 340000.0]}))
>>> r = gaz.match(pd.Series(["14 acacia ave", "16 Accacia Avenue, NG2 4AB", "99 Mill Rd", "NG7 1AB"]))
>>> list(r["method"]), list(r["uprn"].fillna("-"))
(['exact', 'fuzzy', 'street', 'postcode'], ['1', '2', '-', '-'])
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from workbench.geo.postcode import normalise_postcodes

#: a fuzzy address match needs the same house number, a street at most MAX_EDITS away
#: (Damerau-Levenshtein: one wrong, missing, extra or swapped letter) and a similarity score
#: (rapidfuzz ``ratio``, 0-100) of at least ACCEPT_SCORE. On the planted-truth set of
#: ``bench/geocode_bench.py`` a score alone let "ALDER MANOR ROAD" match "ASH MANOR ROAD" (91)
#: and two edits let "ALDER SHERWOOD LANE" match "ALBERT SHERWOOD LANE"; with one edit no false
#: match is accepted.
ACCEPT_SCORE = 85.0
MAX_EDITS = 1
METHODS = ("exact", "fuzzy", "street", "place", "postcode", "unmatched")

#: common abbreviations in British addresses (Royal Mail PAF thoroughfare descriptors)
ABBREVIATIONS = {
    "RD": "ROAD", "ST": "STREET", "AVE": "AVENUE", "AV": "AVENUE", "LN": "LANE", "DR": "DRIVE",
    "CL": "CLOSE", "CT": "COURT", "CRES": "CRESCENT", "CRS": "CRESCENT", "GDNS": "GARDENS",
    "GRN": "GREEN", "GR": "GROVE", "GRO": "GROVE", "PL": "PLACE", "SQ": "SQUARE", "TER": "TERRACE",
    "TERR": "TERRACE", "WY": "WAY", "PK": "PARK", "BLVD": "BOULEVARD", "HSE": "HOUSE",
    "APT": "FLAT", "APARTMENT": "FLAT", "UNIT": "FLAT", "NTH": "NORTH", "STH": "SOUTH",
}
_POSTCODE_IN_TEXT = r"\b([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})\b"
_LEAD_NUMBER = r"^(?:FLAT [0-9A-Z]+ )?(?P<number>\d+[A-Z]?)\b"
_ABBR_KEYS = pa.array(list(ABBREVIATIONS))
_ABBR_VALUES = pa.array(list(ABBREVIATIONS.values()))


def _arrow(text: pd.Series) -> pa.Array:
    return pa.array(text.astype(object).where(text.notna(), "").astype(str).to_numpy(dtype=object),
                    type=pa.string())


def _series(arr: pa.Array) -> pd.Series:
    return pd.Series(arr.to_numpy(zero_copy_only=False), dtype=object)


def normalise_addresses(text: pd.Series) -> pd.Series:
    """Upper case, punctuation to spaces, abbreviations expanded, postcode removed, spaces folded.

    Vectorised with Arrow compute (RE2 regexes in C++; a word-level dictionary lookup for the
    abbreviations), so a million addresses normalise in about a second.

    >>> list(normalise_addresses(pd.Series(["14, Acacia Ave.", "Flat 2 / 9 High St NG1 5AW"])))
    ['14 ACACIA AVENUE', 'FLAT 2 9 HIGH STREET']
    """
    arr = pc.utf8_upper(_arrow(text))
    arr = pc.replace_substring_regex(arr, _POSTCODE_IN_TEXT, " ")
    arr = pc.replace_substring_regex(arr, r"[^A-Z0-9 ]+", " ")
    arr = pc.utf8_trim_whitespace(pc.replace_substring_regex(arr, r" {2,}", " "))
    words = pc.split_pattern(arr, " ")
    flat = pc.list_flatten(words)
    found = pc.index_in(flat, value_set=_ABBR_KEYS)
    mapped = pc.if_else(pc.is_null(found), flat, pc.take(_ABBR_VALUES, pc.fill_null(found, 0)))
    rebuilt = pa.ListArray.from_arrays(words.offsets, mapped)
    return _series(pc.binary_join(rebuilt, " "))


def postcodes_in(text: pd.Series) -> pd.Series:
    """The unit postcode written in each address text (normalised ``NG1 5AW``), else None.

    Examples
    --------
    >>> postcodes_in(pd.Series(["2 High St, ng1 5aw", "Flat 3, NG75AB", "no postcode"])).tolist()
    ['NG1 5AW', 'NG7 5AB', None]
    """
    arr = pc.utf8_upper(_arrow(text))
    found = pc.extract_regex(arr, r"\b(?P<out>[A-Z]{1,2}[0-9][A-Z0-9]?) ?(?P<inw>[0-9][A-Z]{2})\b")
    joined = pc.binary_join_element_wise(pc.struct_field(found, "out"), pc.struct_field(found, "inw"), " ")
    return _series(joined)


def _parts(norm: pd.Series, towns: list[str]) -> pd.DataFrame:
    """House number and street of normalised addresses; a trailing locality/town is removed."""
    arr = _arrow(norm)
    number = pc.struct_field(pc.extract_regex(arr, _LEAD_NUMBER), "number")
    street = pc.replace_substring_regex(arr, r"^(?:FLAT [0-9A-Z]+ )?\d+[A-Z]?\s+", "", max_replacements=1)
    if towns:
        tail = r"(?: (?:" + "|".join(re.escape(t) for t in sorted(towns, key=len, reverse=True)) + r"))+$"
        street = pc.replace_substring_regex(street, tail, "")
    return pd.DataFrame({"number": _series(number), "street": _series(pc.utf8_trim_whitespace(street))})


def _block(street: pd.Series) -> pd.Series:
    """A blocking key for records without a postcode: first letter and last word of the street."""
    return street.str[:1] + "|" + street.str.rsplit(" ", n=1).str[-1]


@dataclass
class Gazetteer:
    """A gazetteer extract prepared for matching.

    ``frame`` columns: ``uprn, address, postcode, easting, northing`` and, as LLPG extracts
    carry them, optionally ``street`` and ``town`` (localities are then recognised and ignored
    at the end of a record's address).

    Examples
    --------
    >>> gaz = Gazetteer(pd.DataFrame({"uprn": ["1", "2"], "address": ["14 Acacia Avenue", "3 Mill Road"],
    ...                               "postcode": ["NG2 4AB", "NG7 1AB"],
    ...                               "easting": [457000.0, 455000.0], "northing": [339000.0, 340000.0]}))
    >>> r = gaz.match(pd.Series(["14 ACACIA AVENUE", "7 Nowhere Lane"]))
    >>> r["method"].tolist(), r["uprn"].fillna("-").tolist(), r["easting"].tolist()
    (['exact', 'unmatched'], ['1', '-'], [457000.0, nan])
    """

    frame: pd.DataFrame
    accept: float = ACCEPT_SCORE

    def __post_init__(self):
        need = {"uprn", "address", "postcode", "easting", "northing"}
        missing = need - set(self.frame.columns)
        if missing:
            raise ValueError(f"gazetteer needs columns {sorted(need)}; missing {sorted(missing)}")
        f = self.frame
        self.towns = (sorted(set(normalise_addresses(f["town"].dropna().drop_duplicates())) - {""})
                      if "town" in f.columns else [])
        g = pd.DataFrame({"uprn": f["uprn"].astype(str).to_numpy(),
                          "postcode": normalise_postcodes(f["postcode"].astype(object)).to_numpy(),
                          "easting": f["easting"].astype(float).to_numpy(),
                          "northing": f["northing"].astype(float).to_numpy()})
        parts = _parts(normalise_addresses(f["address"]), self.towns)
        if "street" in f.columns:
            parts["street"] = normalise_addresses(f["street"]).to_numpy()
        g["number"], g["street"] = parts["number"].to_numpy(), parts["street"].to_numpy()
        g["key"] = g["number"].fillna("") + " " + g["street"]
        self.g = g
        count = g.groupby("key")["uprn"].transform("size")
        self._unique_key = g[count == 1].set_index("key")
        self._key_pc = g[count > 1].drop_duplicates(["key", "postcode"]).set_index(["key", "postcode"])
        streets = g.groupby(["street", "postcode"], sort=False).agg(
            s_easting=("easting", "mean"), s_northing=("northing", "mean"), n=("uprn", "size")).reset_index()
        self._street_pc = streets.set_index(["street", "postcode"])
        # a street name alone places a record only when its addresses lie within 2 km (one
        # street, not the same name in several towns); its most common postcode goes with it
        whole = g.groupby("street").agg(s_easting=("easting", "mean"), s_northing=("northing", "mean"),
                                        e_min=("easting", "min"), e_max=("easting", "max"),
                                        n_min=("northing", "min"), n_max=("northing", "max"))
        whole["spread"] = np.maximum(whole["e_max"] - whole["e_min"], whole["n_max"] - whole["n_min"])
        best_pc = streets.sort_values("n", ascending=False).drop_duplicates("street").set_index("street")
        self._street_any = whole[whole["spread"] <= 2_000].join(best_pc[["postcode"]])
        g["block"] = _block(g["street"])

    def __len__(self) -> int:
        return len(self.g)

    def match(self, addresses: pd.Series, postcodes: pd.Series | None = None) -> pd.DataFrame:
        """Match addresses; one row per input (same index) with the method and its evidence.

        Parameters
        ----------
        addresses : free-text addresses.
        postcodes : the records' own postcodes where supplied (else read from the text).

        Returns
        -------
        DataFrame with ``method`` (one of :data:`METHODS`), ``score`` (0-100), ``uprn``,
        ``postcode``, ``easting``, ``northing`` (None/NaN where the method gives no point).
        """
        from rapidfuzz import fuzz, process
        from rapidfuzz.distance import DamerauLevenshtein

        idx = addresses.index
        addresses = addresses.reset_index(drop=True)
        pcs = postcodes_in(addresses)
        if postcodes is not None:
            own = normalise_postcodes(pd.Series(postcodes).reset_index(drop=True).astype(object))
            pcs = own.where(own.notna(), pcs)
        norm = normalise_addresses(addresses)
        rec = _parts(norm, self.towns)
        rec["postcode"] = pcs.to_numpy()
        rec["key"] = rec["number"].fillna("") + " " + rec["street"]
        n = len(rec)
        out = pd.DataFrame({"method": np.full(n, "unmatched", dtype=object), "score": np.zeros(n),
                            "uprn": np.full(n, None, dtype=object), "postcode": pcs.to_numpy(dtype=object),
                            "easting": np.full(n, np.nan), "northing": np.full(n, np.nan)})
        cols = ["uprn", "postcode", "easting", "northing"]

        def take(mask, rows, method, score):
            out.loc[mask, cols] = rows[cols].to_numpy()
            out.loc[mask, "method"] = method
            out.loc[mask, "score"] = score

        has_num = rec["number"].notna().to_numpy()
        # 1. exact: a number + street that is unique in the gazetteer, or unique within the postcode
        u = rec["key"].map(self._unique_key["uprn"])
        m1 = (u.notna().to_numpy() & has_num)
        if m1.any():
            take(m1, self._unique_key.loc[rec.loc[m1, "key"]].reset_index(), "exact", 100.0)
        pair = pd.MultiIndex.from_arrays([rec["key"], rec["postcode"]])
        m2 = ~m1 & has_num & pair.isin(self._key_pc.index)
        if m2.any():
            take(m2, self._key_pc.loc[pair[m2]].reset_index(), "exact", 100.0)
        # 2. fuzzy: candidates with the same house number in the record's postcode, or (no
        # postcode) in the same block; the street is scored, the best above ACCEPT_SCORE wins
        todo = np.flatnonzero((out["method"] == "unmatched").to_numpy() & has_num)
        if len(todo):
            r = rec.iloc[todo].assign(_i=todo)
            with_pc = r[r["postcode"].notna()].merge(
                self.g.reset_index()[["index", "postcode", "number", "street"]], on=["postcode", "number"],
                suffixes=("", "_g"))
            r_nopc = r[r["postcode"].isna()].assign(block=lambda d: _block(d["street"]))
            no_pc = r_nopc.merge(self.g.reset_index()[["index", "block", "number", "street"]],
                                 on=["block", "number"], suffixes=("", "_g"))
            cand = pd.concat([with_pc[["_i", "index", "street", "street_g"]],
                              no_pc[["_i", "index", "street", "street_g"]]], ignore_index=True)
            if len(cand):
                a, b = cand["street"].tolist(), cand["street_g"].tolist()
                cand["score"] = process.cpdist(a, b, scorer=fuzz.ratio, workers=-1)
                edits = process.cpdist(a, b, scorer=DamerauLevenshtein.distance, workers=-1)
                cand = cand[(edits <= MAX_EDITS) & (cand["score"].to_numpy() >= self.accept)]
                best = cand.sort_values(["_i", "score"], ascending=[True, False])
                # two gazetteer addresses scoring the same best: ambiguous, not a match
                top = best.groupby("_i")["score"].transform("max")
                tied = best[best["score"] == top].groupby("_i")["index"].transform("size") > 1
                best = best[(best["score"] == top).to_numpy() & ~tied.reindex(best.index, fill_value=False).to_numpy()]
                best = best.drop_duplicates("_i")
                if len(best):
                    mask = np.zeros(n, dtype=bool)
                    mask[best["_i"].to_numpy()] = True
                    order = np.argsort(best["_i"].to_numpy())
                    rows = self.g.iloc[best["index"].to_numpy()[order]]
                    take(mask, rows, "fuzzy", 0.0)
                    out.loc[mask, "score"] = best["score"].to_numpy()[order].astype(float)
        # 3. street: the street in the record's postcode, else a street that is one place
        todo = (out["method"] == "unmatched").to_numpy() & (rec["street"] != "").to_numpy()
        if todo.any():
            spair = pd.MultiIndex.from_arrays([rec["street"], rec["postcode"]])
            m = todo & spair.isin(self._street_pc.index)
            if m.any():
                rows = self._street_pc.loc[spair[m]]
                out.loc[m, ["easting", "northing"]] = rows[["s_easting", "s_northing"]].to_numpy()
                out.loc[m, "method"] = "street"
            m = todo & ~m & rec["postcode"].isna().to_numpy() & rec["street"].isin(self._street_any.index).to_numpy()
            if m.any():
                rows = self._street_any.loc[rec.loc[m, "street"]]
                out.loc[m, ["easting", "northing"]] = rows[["s_easting", "s_northing"]].to_numpy()
                out.loc[m, "postcode"] = rows["postcode"].to_numpy()
                out.loc[m, "method"] = "street"
        # 4. a postcode alone
        out.loc[(out["method"] == "unmatched") & out["postcode"].notna(), "method"] = "postcode"
        out.index = idx
        return out


#: a named place is found in a text only when it is this long (normalised) or longer
MIN_PLACE_NAME = 8
#: partial-match score needed for a named place (100: the name appears verbatim)
PLACE_SCORE = 95.0


@dataclass
class PlaceNames:
    """Named places (licensed premises, event sites) recognised inside free-text locations.

    ISTV locations read "outside the Rose and Crown, Market St": no house number, but a name.
    A name counts when it appears in the text (rapidfuzz ``partial_ratio`` >= PLACE_SCORE) and
    is at least MIN_PLACE_NAME characters; a name held by places more than 200 m apart, or two
    different names scoring the same, is ambiguous and not used.

    >>> places = PlaceNames(pd.DataFrame({"name": ["Rose and Crown", "The Bell Inn"],
    ...     "postcode": ["NG1 6AB", "NG1 6AD"], "easting": [457000.0, 457300.0],
    ...     "northing": [340000.0, 340100.0]}))
    >>> places.match(pd.Series(["outside the rose & crown", "bus stop"]))["method"].tolist()
    ['place', 'unmatched']
    """

    frame: pd.DataFrame

    def __post_init__(self):
        f = self.frame.dropna(subset=["name", "easting", "northing"]).copy()
        f["norm"] = normalise_addresses(f["name"].str.replace("&", " AND ", regex=False)).to_numpy()
        f = f[f["norm"].str.len() >= MIN_PLACE_NAME]
        spread = f.groupby("norm").agg(e0=("easting", "min"), e1=("easting", "max"),
                                       n0=("northing", "min"), n1=("northing", "max"))
        ok = spread[((spread["e1"] - spread["e0"]) <= 200) & ((spread["n1"] - spread["n0"]) <= 200)].index
        self.places = f[f["norm"].isin(ok)].drop_duplicates("norm").reset_index(drop=True)

    def match(self, texts: pd.Series) -> pd.DataFrame:
        """One row per text: ``method`` ('place' or 'unmatched'), name, postcode, easting, northing."""
        from rapidfuzz import fuzz, process

        n = len(texts)
        out = pd.DataFrame({"method": np.full(n, "unmatched", dtype=object), "name": np.full(n, None, dtype=object),
                            "postcode": np.full(n, None, dtype=object), "easting": np.full(n, np.nan),
                            "northing": np.full(n, np.nan)}, index=texts.index)
        if self.places.empty or n == 0:
            return out
        names = self.places["norm"].tolist()
        norm = normalise_addresses(texts.astype(object).str.replace("&", " AND ", regex=False))
        for i, t in enumerate(norm):
            if not t:
                continue
            found = process.extract(t, names, scorer=fuzz.partial_ratio, limit=2, score_cutoff=PLACE_SCORE)
            if not found or (len(found) > 1 and found[1][1] == found[0][1]):
                continue
            row = self.places.iloc[found[0][2]]
            out.iloc[i, 0:5] = ["place", row["name"], row.get("postcode"), row["easting"], row["northing"]]
        return out


def match_report(result: pd.DataFrame, addresses: pd.Series, *, examples: int = 5) -> dict:
    """Match rate by method and unmatched examples *without personal data*.

    An example keeps the street words only: house numbers, flat numbers and postcodes are
    removed, so a report can be shared with the supplier (guidance 4.2.3 "fitness for purpose").

    >>> res = pd.DataFrame({"method": ["exact", "unmatched"]})
    >>> match_report(res, pd.Series(["1 A Road", "22b Nowhere Lane NG9 9ZZ"]))["unmatched_examples"]
    ['NOWHERE LANE']
    """
    counts = result["method"].value_counts()
    total = int(len(result))
    by = {m: int(counts.get(m, 0)) for m in METHODS}
    un = addresses[(result["method"] == "unmatched").to_numpy()]
    shown = (_parts(normalise_addresses(un), [])["street"].str.replace(r"\b\d+[A-Z]?\b", "", regex=True)
             .str.replace(r"\s+", " ", regex=True).str.strip())
    shown = [s for s in dict.fromkeys(shown) if s][:examples]
    return {"records": total, "by_method": by,
            "address_match_rate": round((by["exact"] + by["fuzzy"]) / total, 4) if total else None,
            "unmatched_examples": shown, "accept_score": ACCEPT_SCORE,
            "accept_rule": f"same house number; street within {MAX_EDITS} edit(s) and score >= {ACCEPT_SCORE}"}
