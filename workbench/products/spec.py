"""The four NIM intelligence products (regulations appendix H 1.8) and their notebooks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


@dataclass(frozen=True)
class ProductSpec:
    """One product the workbench renders: its name, title, notebook, audience and purpose (regulations appendix H 1.8).

    Examples
    --------
    >>> spec = PRODUCTS["problem-profile"]
    >>> spec.title, spec.notebook, spec.audience
    ('Problem profile', '03_problem_profile.ipynb', 'the commissioning group')
    """

    name: str
    title: str
    notebook: str | None          # notebooks/<file>; None: rendered without a notebook
    audience: str                 # the group the product drives (appendix H 1.8)
    purpose: str


PRODUCTS = {
    "problem-profile": ProductSpec(
        "problem-profile", "Problem profile", "03_problem_profile.ipynb",
        "the commissioning group",
        "Establishes a greater understanding of an identified problem and a record of activity "
        "for tactical opportunities to resolve it (regulations appendix H 1.8)."),
    "strategic-assessment": ProductSpec(
        "strategic-assessment", "Strategic assessment", "04_strategic_assessment.ipynb",
        "strategy group",
        "Informs the strategy group of the issues likely to affect the partnership in the coming "
        "year and recommends which should be a priority (regulations appendix H 1.8)."),
    "tactical-assessment": ProductSpec(
        "tactical-assessment", "Tactical assessment", "05_tactical_assessment.ipynb",
        "partnership tasking group",
        "Informs the tasking and co-ordination group of the current problems that link to the "
        "priority areas and proposes continued prevention and reduction activity "
        "(regulations appendix H 1.8)."),
    "serious-violence-sna": ProductSpec(
        "serious-violence-sna", "Serious violence strategic needs assessment", "07_serious_violence_sna.ipynb",
        "the serious violence partnership (specified authorities)",
        "Sets out the nature and extent of serious violence in the area, who is affected, where and "
        "when, its drivers and the data gaps, to inform the partnership's serious violence strategy "
        "(Serious Violence Duty, Police, Crime, Sentencing and Courts Act 2022)."),
    "subject-profile": ProductSpec(
        "subject-profile", "Subject profile", "06_subject_profile.ipynb",
        "the commissioning group",
        "Establishes a greater understanding of a person or group in relation to an identified "
        "problem, with a record of activity for tactical opportunities (regulations appendix H 1.8)."),
}
PRODUCT_NAMES = tuple(PRODUCTS)
