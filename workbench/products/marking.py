"""Protective marking of products (guidance 2.1 D and 3.4; regulations appendix H), in the
Government Security Classifications (:mod:`workbench.catalogue.classification`).

Decision, documented in ``docs/products.md``:

- Intelligence products are **OFFICIAL-SENSITIVE** whenever they use depersonalised data
  supplied by partner agencies: guidance 3.4 (last paragraph) says "any use of the information
  in intelligence products requires these products to be marked as 'restricted'", and 2.1 D
  that "intelligence documents should usually be marked as 'RESTRICTED'"; RESTRICTED was
  retired in 2014 and its sensitive part is OFFICIAL-SENSITIVE today.
- Products using personal data (the subject profile) are **OFFICIAL-SENSITIVE PERSONAL**.
- A product built only from open data (police.uk street-level crime) and reference layers is
  **OFFICIAL**: everything in it is already published.

Examples
--------
>>> decide_marking(["police_uk_street", "ref_lsoa"]).label
'OFFICIAL'
>>> decide_marking(["police_uk_street", "council_asb"]).label
'OFFICIAL-SENSITIVE'
>>> decide_marking([], personal=True).banner
'OFFICIAL-SENSITIVE PERSONAL'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

from workbench.catalogue import classification as gsc

#: the marking of anything built from partner data (the 2010 guidance's "RESTRICTED")
DEFAULT = gsc.OFFICIAL_SENSITIVE
MARKINGS = gsc.LEVELS

#: open or reference data that does not come from a partner supply under the ISP
OPEN_DATASETS = frozenset({"police_uk_street", "ref_postcode", "ref_lsoa", "ref_imd",
                           "ref_licensed_premises", "ref_harm_weights", "ref_events"})


@dataclass(frozen=True)
class Marking:
    """A protective marking with the reason it was chosen and the handling line printed on pages.

    Examples
    --------
    >>> m = Marking("OFFICIAL-SENSITIVE", "uses personal data", personal=True)
    >>> m.banner, m.to_dict()["banner"]
    ('OFFICIAL-SENSITIVE PERSONAL', 'OFFICIAL-SENSITIVE PERSONAL')
    """

    label: str
    reason: str
    personal: bool = False

    @property
    def banner(self) -> str:
        """The text printed at the top and bottom of every page."""
        return gsc.banner(self.label, personal=self.personal)

    def to_dict(self) -> dict:
        return {**asdict(self), "banner": self.banner}


def decide_marking(datasets: Iterable[str], *, personal: bool = False) -> Marking:
    """Choose the marking for a product from the datasets it used.

    Parameters
    ----------
    datasets : dataset ids the product drew on (those with rows).
    personal : True when the personal tier was used (subject profiles).

    Examples
    --------
    >>> decide_marking(["police_uk_street", "ref_imd"]).banner                 # open data only
    'OFFICIAL'
    >>> m = decide_marking(["police_crime_offence", "ref_imd"])
    >>> m.banner, m.reason.split(":")[0]
    ('OFFICIAL-SENSITIVE', 'uses depersonalised partner data')
    >>> decide_marking([], personal=True).banner
    'OFFICIAL-SENSITIVE PERSONAL'
    """
    used = sorted(set(datasets))
    if personal:
        return Marking(gsc.OFFICIAL_SENSITIVE, "uses personal data under an approved request "
                       "(guidance 2.1 D; GSC descriptor PERSONAL)", personal=True)
    partner = [d for d in used if d not in OPEN_DATASETS]
    if partner:
        return Marking(gsc.OFFICIAL_SENSITIVE, "uses depersonalised partner data: "
                       + ", ".join(partner[:6]) + ("…" if len(partner) > 6 else "")
                       + " (guidance 3.4, last paragraph: 'restricted', OFFICIAL-SENSITIVE since 2014)")
    return Marking(gsc.OFFICIAL, "open and reference data only: already published")
