"""The dataset contract (``DATASETS.md``) in code.

>>> from workbench import catalogue
>>> catalogue.get("police_crime_offence").key
('crime_ref',)
"""

from __future__ import annotations

import difflib

from workbench.catalogue.datasets import DATASETS
from workbench.catalogue.model import CLASSES, TIERS, Column, Dataset
from workbench.errors import BadInput

BY_ID: dict[str, Dataset] = {d.id: d for d in DATASETS}
#: the datasets defined in code; user-defined ones (:mod:`workbench.catalogue.user`) are added
#: to ``DATASETS``/``BY_ID`` when a hub that declares them is opened
BUILT_IN_IDS = frozenset(BY_ID)


def ids() -> list[str]:
    """Every dataset id, in ``DATASETS.md`` order.

    Examples
    --------
    >>> ids()[:2], "police_uk_street" in ids()
    (['police_crime_offence', 'police_crime_offender'], True)
    """
    return [d.id for d in DATASETS]


def get(dataset_id: str) -> Dataset:
    """Return the dataset with this id, or raise :class:`BadInput` suggesting the closest id.

    Examples
    --------
    >>> get("police_uk_street").partition
    ('falls_within', 'month')
    >>> get("police_uk_stret")
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: Unknown dataset 'police_uk_stret'. Did you mean 'police_uk_street'?
    """
    try:
        return BY_ID[dataset_id]
    except KeyError:
        close = difflib.get_close_matches(str(dataset_id), BY_ID, n=1)
        hint = f" Did you mean '{close[0]}'?" if close else " Run `workbench hub status` for the list."
        raise BadInput(f"Unknown dataset '{dataset_id}'.{hint}") from None


__all__ = ["DATASETS", "BY_ID", "BUILT_IN_IDS", "CLASSES", "TIERS", "Column", "Dataset", "get", "ids"]
