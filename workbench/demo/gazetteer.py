"""A synthetic gazetteer and address-only records with planted truth (geocoding tests and bench).

The gazetteer imitates a council LLPG extract: UPRN, "number street, locality", postcode and a
point. The records imitate how partners key addresses: abbreviations, lower case, commas, a
missing or present postcode, a misspelt street (one letter changed), and addresses that are not
in the gazetteer at all (numbers beyond the street's last house) whose truth is "no address match".

Examples
--------
>>> gaz, rec = planted(n_addresses=2_000, n_records=500, seed=1)
>>> len(gaz), len(rec), set(rec.columns) >= {"address", "postcode", "true_uprn"}
(2000, 500, True)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

_STREET_WORDS = ("Acacia", "Mill", "Church", "Station", "Park", "Victoria", "Albert", "Queens", "Kings",
                 "Manor", "Orchard", "Meadow", "Forest", "Castle", "Bridge", "Market", "Chapel", "Willow",
                 "Beech", "Oak", "Elm", "Ash", "Hawthorn", "Rose", "Cedar", "Mount", "Grange", "Windsor",
                 "Trent", "Sherwood", "Arnold", "Carlton", "Mapperley", "Bulwell", "Basford", "Lenton")
_TYPES = (("Road", "Rd"), ("Street", "St"), ("Avenue", "Ave"), ("Lane", "Ln"), ("Close", "Cl"),
          ("Drive", "Dr"), ("Crescent", "Cres"), ("Gardens", "Gdns"))
#: first words of streets that are not in the gazetteer
_OTHER_WORDS = ("Walnut", "Holly", "Laurel", "Poplar", "Hazel", "Larch", "Rowan", "Alder", "Juniper")
_LOCALITIES = ("Sneinton", "Radford", "Hyson Green", "Clifton", "Bestwood", "Aspley", "Wollaton", "Bilborough")
_INWARD = "ABDEFGHJLNPQRSTUWXYZ"


def planted(n_addresses: int = 200_000, n_records: int = 1_000_000, seed: int = 0,
            unknown_share: float = 0.05) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(gazetteer, records)``; ``records.true_uprn`` is the planted answer (None: not in it).

    Examples
    --------
    >>> gazetteer, records = planted(n_addresses=400, n_records=100, seed=1)
    >>> len(gazetteer), len(records), gazetteer.loc[0, "address"]
    (400, 100, '1 Acacia Road, Sneinton')
    >>> float(records["true_uprn"].isna().mean())            # the planted share not in the gazetteer
    0.05
    """
    rng = np.random.default_rng(seed)
    # streets of 40 houses, each street in its own postcode per block of 20 houses
    houses = 40
    n_streets = -(-n_addresses // houses)
    words = np.array(_STREET_WORDS)
    w1 = words[np.arange(n_streets) % len(words)]
    w2 = words[(np.arange(n_streets) // len(words)) % len(words)]
    t = np.arange(n_streets) // (len(words) ** 2) % len(_TYPES)
    loc = np.array(_LOCALITIES)[np.arange(n_streets) % len(_LOCALITIES)]
    tier = np.arange(n_streets) // (len(words) ** 2 * len(_TYPES))
    street_full = [f"{a} {b}{' ' + str(k) if k else ''} {_TYPES[ti][0]}" if a != b else
                   f"{a}{' ' + str(k) if k else ''} {_TYPES[ti][0]}" for a, b, ti, k in zip(w1, w2, t, tier)]
    street_abbr = [s.rsplit(" ", 1)[0] + " " + _TYPES[ti][1] for s, ti in zip(street_full, t)]
    sid = np.repeat(np.arange(n_streets), houses)[:n_addresses]
    num = (np.tile(np.arange(1, houses + 1), n_streets)[:n_addresses])
    block = (num - 1) // 20
    pc_id = sid * 2 + block
    district = 1 + (pc_id // 4000) % 20
    sector = (pc_id // 400) % 10
    unit = pc_id % 400
    postcode = [f"NG{d} {s}{_INWARD[u // 20]}{_INWARD[u % 20]}" for d, s, u in zip(district, sector, unit)]
    e = 440_000 + (sid % 300) * 120.0 + num * 6.0
    n = 330_000 + (sid // 300) * 120.0 + rng.normal(0, 3, n_addresses)
    street_arr = np.array(street_full, dtype=object)
    gaz = pd.DataFrame({
        "uprn": [f"10{i:09d}" for i in range(n_addresses)],
        "address": [f"{k} {street_arr[s]}, {loc[s]}" for k, s in zip(num, sid)],
        "street": street_arr[sid], "town": loc[sid], "postcode": postcode,
        "easting": e.round(1), "northing": n.round(1)})
    # records
    pick = rng.integers(0, n_addresses, n_records)
    unknown = rng.random(n_records) < unknown_share
    r_num = num[pick].copy()
    beyond = unknown & (rng.random(n_records) < 0.5)
    r_num[beyond] = houses + 1 + rng.integers(0, 60, beyond.sum())   # a house beyond the street's end
    abbr = rng.random(n_records) < 0.4
    s_text = np.where(abbr, np.array(street_abbr, dtype=object)[sid[pick]], street_arr[sid[pick]])
    typo = rng.random(n_records) < 0.15
    s_text = np.array([_typo(s, rng) if ty else s for s, ty in zip(s_text, typo)], dtype=object)
    # the other unknowns: a real number on a street that is not in the gazetteer, one word away
    # from one that is ("12 Walnut Mill Road" beside "12 Willow Mill Road")
    elsewhere = unknown & ~beyond
    s_text[elsewhere] = [_OTHER_WORDS[k % len(_OTHER_WORDS)] + s[s.find(" "):]
                         for k, s in zip(rng.integers(0, 99, elsewhere.sum()), s_text[elsewhere])]
    with_loc = rng.random(n_records) < 0.5
    with_pc = rng.random(n_records) < 0.6
    lower = rng.random(n_records) < 0.3
    addr = [f"{k} {s}{', ' + loc[sid[p]] if wl else ''}" for k, s, p, wl in zip(r_num, s_text, pick, with_loc)]
    addr = [a.lower() if lo else a for a, lo in zip(addr, lower)]
    pcs = np.array(postcode, dtype=object)[pick]
    rec = pd.DataFrame({"address": addr, "postcode": np.where(with_pc & ~unknown, pcs, None),
                        "true_uprn": np.where(unknown, None, gaz["uprn"].to_numpy()[pick]),
                        "typo": typo})
    return gaz, rec


def _typo(s: str, rng) -> str:
    """One slip in the street's first word: a letter replaced, dropped, or two swapped."""
    word_end = s.find(" ")
    if word_end < 4:
        return s
    i = int(rng.integers(1, word_end - 1))
    kind = int(rng.integers(0, 3))
    if kind == 0:
        return s[:i] + ("e" if s[i] != "e" else "a") + s[i + 1:]
    if kind == 1:
        return s[:i] + s[i + 1:]
    return s[:i] + s[i + 1] + s[i] + s[i + 2:]
