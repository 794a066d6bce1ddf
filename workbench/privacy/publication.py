"""What each dataset publishes to the shared tier, and in what form (guidance 3.2, J.9–J.10).

One table-driven policy, so the rules are read in one place and documented from it
(``docs/privacy.md``):

* **record** – depersonalised (class D) datasets are published record by record with the
  fields guidance 3.2 allows: ident columns dropped, dates of birth turned into age at the
  event, person references pseudonymised, addresses and coordinates sanitised (Appendix 1).
* **outward** – health admissions under regulations J.9–J.10 keep only the outward
  postcode (``postcode_outward``); any full postcode is cut to its outward part.
* **as_published** – ``police_uk_street`` is already anonymised by police.uk (map points,
  month precision) and is kept exactly as police.uk published it.
* **aggregate** – aggregate datasets (J.11 counts, survey responses) are copied.
* **reference** – context layers are copied, their address strings depersonalised.
* **master** – kept in the master tier only, never published: the address gazetteer
  (``ref_gazetteer``), licensed data and a list of every address, used for geocoding at ingest.
* **counts** – personal (P) and sensitive personal (SP) datasets are never published record
  by record; the shared tier holds ``<id>_counts``: one cross-classification of records by
  partnership, quarter and the breakdown :data:`COUNT_BREAKDOWNS` names (postcode district
  by default), with counts below the disclosure threshold suppressed (guidance 2.1, 2.4.1.2).

Every record-level table (modes record, outward, as_published, aggregate) also carries the
``partnership`` its supply was made for and its ``_supply_id``, so a user's view can be cut to
the partnerships they may see (guidance 2.2.4); the shared ``supplies`` table
(:mod:`workbench.privacy.provenance`) carries each supply's caveats (guidance 3.4).
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench import catalogue
from workbench.catalogue.model import Dataset

#: references that identify a person across records: replaced by a keyed hash (HMAC-SHA256
#: with a secret held only in the master tier) so repeat analysis (repeat victims, repeat
#: offenders, re-assessment) still works on the shared tier but the agency's number is not
#: revealed (guidance 3.2.1 lists the offender reference among the shareable fields).
PERSON_REFS = ("patient_ref", "client_ref", "offender_ref")
#: datasets under regulations J.9–J.10: outward postcode only
OUTWARD_ONLY = ("health_admission_icd", "health_admission_domestic_abuse")
AS_PUBLISHED = ("police_uk_street",)
#: reference layers kept in the master tier only
MASTER_ONLY = ("ref_gazetteer",)
COUNTS_SUFFIX = "_counts"
MODES = ("record", "outward", "as_published", "aggregate", "reference", "counts", "master")
#: modes whose tables are one row per supplied record and so carry ``partnership``/``_supply_id``
RECORD_LEVEL = ("record", "outward", "as_published", "aggregate")
#: what each personal dataset's ``<id>_counts`` is broken down by (besides partnership and
#: quarter). One table per dataset, one cross-classification, no totals: no published figure
#: is the sum of others, so a hidden cell cannot be recovered by subtraction. The postcode
#: district is left out where a breakdown would make nearly every cell small.
COUNT_BREAKDOWNS = {
    "police_ppo": ("current_status",),
    "partner_intelligence": ("category", "partner_agency_group"),
}
DEFAULT_BREAKDOWN = ("postcode_district",)
#: the date that places a record in a quarter, where the catalogue names no date column
#: (otherwise the dataset's date column; failing both, the end of the supply's period, e.g.
#: the PPO cohort snapshot)
COUNT_DATES = {"partner_intelligence": "submitted_at"}


@dataclass(frozen=True)
class Publication:
    """How one dataset reaches the shared tier.

    Examples
    --------
    >>> p = publication("police_ppo")                      # a personal dataset: counts only
    >>> p.mode, p.table, p.record_level
    ('counts', 'police_ppo_counts', False)
    """

    dataset: Dataset
    mode: str

    @property
    def table(self) -> str:
        """The table name in the shared tier."""
        return self.dataset.id + (COUNTS_SUFFIX if self.mode == "counts" else "")

    @property
    def record_level(self) -> bool:
        """One row per supplied record (carries ``partnership`` and ``_supply_id``)."""
        return self.mode in RECORD_LEVEL

    @property
    def breakdown(self) -> tuple[str, ...]:
        """Columns of ``<id>_counts`` besides partnership, quarter and the counts."""
        return COUNT_BREAKDOWNS.get(self.dataset.id, DEFAULT_BREAKDOWN) if self.mode == "counts" else ()

    @property
    def count_date(self) -> str | None:
        """The column dating a record for ``<id>_counts`` (None: the supply's period end)."""
        return self.dataset.date_column or COUNT_DATES.get(self.dataset.id)

    def to_dict(self) -> dict:
        out = {"dataset": self.dataset.id, "class": self.dataset.klass, "mode": self.mode,
               "table": self.table}
        if self.mode == "counts":
            out["breakdown"] = list(self.breakdown)
        return out


def mode_for(dataset: Dataset) -> str:
    """The publication mode of ``dataset`` (module docstring).

    Examples
    --------
    >>> from workbench import catalogue
    >>> [mode_for(catalogue.get(d)) for d in ("police_uk_street", "police_crime_offence", "ref_imd", "police_ppo")]
    ['as_published', 'record', 'reference', 'counts']
    """
    if dataset.id in AS_PUBLISHED:
        return "as_published"
    if dataset.id in MASTER_ONLY:
        return "master"
    if dataset.id in OUTWARD_ONLY:
        return "outward"
    if dataset.personal:
        return "counts"
    if dataset.klass == "aggregate":
        return "aggregate"
    if dataset.klass == "reference":
        return "reference"
    return "record"


def publication(dataset_id: str) -> Publication:
    """The :class:`Publication` of one dataset id.

    Examples
    --------
    >>> publication("police_crime_offence").table
    'police_crime_offence'
    """
    d = catalogue.get(dataset_id)
    return Publication(d, mode_for(d))


def publications() -> list[Publication]:
    """Every dataset's publication, in ``DATASETS.md`` order.

    Examples
    --------
    >>> from workbench import catalogue
    >>> ps = publications()
    >>> len(ps) == len(catalogue.DATASETS), ps[0].dataset.id
    (True, 'police_crime_offence')
    """
    return [Publication(d, mode_for(d)) for d in catalogue.DATASETS]
