"""Which products read which datasets: the effect of a late or missing supply.

The strategic and tactical assessments count the issues of :mod:`workbench.products.issues`;
a dataset that feeds an issue feeds both (the tactical assessment looks at the same issues over
weeks). The problem profile reads whatever its commission names, so every dataset may feed it.

Examples
--------
>>> effect = products_needing("council_asb")
>>> effect["products"][:2], bool(effect["issues"])
(['strategic-assessment', 'tactical-assessment'], True)
>>> products_needing("ref_events")["products"]
['problem-profile']
"""

from __future__ import annotations

from workbench.products.issues import ISSUES


def products_needing(dataset_id: str) -> dict:
    """``{"products": [...], "issues": [labels]}`` for one dataset.

    Examples
    --------
    >>> products_needing("ref_imd")
    {'products': ['problem-profile'], 'issues': []}
    >>> need = products_needing("police_crime_offence")
    >>> need["products"], "Burglary (police records)" in need["issues"]
    (['strategic-assessment', 'tactical-assessment', 'problem-profile'], True)
    """
    labels = [i.label for i in ISSUES if i.dataset == dataset_id]
    products = (["strategic-assessment", "tactical-assessment"] if labels else []) + ["problem-profile"]
    return {"products": products, "issues": labels}
