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
* **counts** – personal (P) and sensitive personal (SP) datasets are never published record
  by record; the shared tier holds ``<id>_counts``: records per quarter and postcode
  district, with counts below the disclosure threshold suppressed (guidance 2.1, 2.4.1.2).
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
COUNTS_SUFFIX = "_counts"
MODES = ("record", "outward", "as_published", "aggregate", "reference", "counts")


@dataclass(frozen=True)
class Publication:
    """How one dataset reaches the shared tier."""

    dataset: Dataset
    mode: str

    @property
    def table(self) -> str:
        """The table name in the shared tier."""
        return self.dataset.id + (COUNTS_SUFFIX if self.mode == "counts" else "")

    def to_dict(self) -> dict:
        return {"dataset": self.dataset.id, "class": self.dataset.klass, "mode": self.mode,
                "table": self.table}


def mode_for(dataset: Dataset) -> str:
    """The publication mode of ``dataset`` (module docstring)."""
    if dataset.id in AS_PUBLISHED:
        return "as_published"
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
    """The :class:`Publication` of one dataset id."""
    d = catalogue.get(dataset_id)
    return Publication(d, mode_for(d))


def publications() -> list[Publication]:
    """Every dataset's publication, in ``DATASETS.md`` order."""
    return [Publication(d, mode_for(d)) for d in catalogue.DATASETS]
