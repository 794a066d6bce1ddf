"""What a product notebook starts from: the source, the commission, and the front sheet.

A product notebook's first cell calls :func:`product_context`; once the data are gathered it
calls :meth:`ProductContext.front_sheet` with the datasets used, which decides the marking
(:mod:`workbench.products.marking`) and reads supply dates and caveats
(:mod:`workbench.products.frontsheet`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from workbench.products import commissioning as cm
from workbench.products.area import scope_to_area
from workbench.products.frontsheet import FrontSheet, data_sources
from workbench.products.marking import decide_marking
from workbench.products.spec import PRODUCTS

DEFAULT_QUESTIONS = {
    "problem-profile": [
        "How big is the problem and is it changing?",
        "Where, when and to whom does it happen, and who is involved?",
        "Why does it persist, and which explanations do the data support?",
    ],
    "strategic-assessment": [
        "What are the levels and patterns of crime, disorder, anti-social behaviour and substance misuse?",
        "What has changed since the last assessment, and which three-year trends are significant?",
        "Which issues should be the partnership's priorities for the coming year?",
        "How is the partnership performing against its plan, and what do communities say?",
    ],
    "serious-violence-sna": [
        "How much serious violence is there, in each source that sees it, and is it changing?",
        "Who is affected (cohorts), where and when does it happen?",
        "What drives it locally, and what protects against it?",
        "What data are missing, and what should the serious violence strategy prioritise?",
    ],
    "tactical-assessment": [
        "Which issues are emerging against the baseline?",
        "Where are the hotspots and how have they changed?",
        "Which locations and victims are repeatedly affected?",
        "What is the status of the offender cohort, partner intelligence and last meeting's actions?",
    ],
    "subject-profile": [
        "What is known about the subject in relation to the problem, and what activity has been taken?",
    ],
}


@dataclass
class ProductContext:
    """What a product is built from: the shared tier, the commission if any, the partnership and area it keeps to.

    Examples
    --------
    >>> from workbench.demo.build import _example_demo
    >>> hub = _example_demo()                              # the smallest demo, built once (about 9 s)
    >>> ctx = product_context("tactical-assessment", hub)
    >>> ctx.title, ctx.group, ctx.questions[0]
    ('Tactical assessment', 'partnership tasking group', 'Which issues are emerging against the baseline?')
    """
    product: str
    hub: Path
    source: object
    author: str
    commission: cm.Commission | None = None
    extra_questions: list[str] = field(default_factory=list)
    #: the one partnership whose data the product reads (None: the whole shared tier)
    partnership: str | None = None
    #: the commissioned area every figure keeps to (:class:`workbench.products.area.AreaScope`)
    area: object = None

    @property
    def title(self) -> str:
        title = self.commission.title if self.commission else PRODUCTS[self.product].title
        return f"{title} — {self.partnership}" if self.partnership else title

    @property
    def questions(self) -> list[str]:
        if self.commission:
            return self.commission.questions
        return self.extra_questions or DEFAULT_QUESTIONS[self.product]

    @property
    def group(self) -> str:
        if self.commission and self.commission.requested_by:
            return self.commission.requested_by
        if self.commission is None and self.product in ("problem-profile", "subject-profile"):
            return "not commissioned (analyst-initiated)"
        return PRODUCTS[self.product].audience

    def front_sheet(self, datasets: list[str], *, as_of: dt.date, periods: dict | None = None,
                    title: str | None = None, personal: bool = False) -> FrontSheet:
        marking = decide_marking(datasets, personal=personal)
        handling = (self.commission.handling if self.commission and self.commission.handling
                    else cm.DEFAULT_HANDLING)
        if personal:
            handling += (" Contains personal data released under an approved request: store only "
                         "in the restricted area and destroy when the request is completed "
                         "(guidance 4.3).")
        title = title or self.title
        if self.partnership and self.partnership not in title:   # say whose data it is
            title = f"{title} — {self.partnership}"
        return FrontSheet(
            product=self.product, title=title, commissioning_group=self.group,
            questions=self.questions, author=self.author,
            date=dt.date.today().isoformat(), as_of=str(as_of), marking=marking, handling=handling,
            sources=data_sources(self.source, datasets),
            commission_id=self.commission.id if self.commission else None,
            purpose=(self.commission.purpose or self.commission.aim) if self.commission
            else PRODUCTS[self.product].purpose,
            periods={k: [str(a), str(b)] for k, (a, b) in (periods or {}).items()})


def product_context(product: str, hub: Path | str, *, commission_id: int | None = None,
                    author: str | None = None, source=None, partnership: str | None = None) -> ProductContext:
    """Open the shared tier of ``hub`` (read-only, locked) and load the commission, if any.

    ``partnership``: read only that partnership's rows (guidance 2.2.4). Every tier table with
    a partnership column is shadowed, on this connection only, by a view of its rows; reference
    layers are read whole and any other table reads as empty (deny by default; the same rule
    as the dashboards, :mod:`workbench.privacy.scope`).

    Examples
    --------
    >>> from workbench.demo.build import _example_demo
    >>> hub = _example_demo()                              # the smallest demo, built once (about 9 s)
    >>> ctx = product_context("tactical-assessment", hub, partnership="Nottingham and Nottinghamshire")
    >>> ctx.title, ctx.source.execute("SELECT count(*) FROM police_crime_offence").fetchone()[0]
    ('Tactical assessment — Nottingham and Nottinghamshire', 639)
    """
    from workbench.hub.connect import ALIAS
    from workbench.privacy.shared import open_shared_tier

    hub = Path(hub)
    commission = cm.get_commission(hub, int(commission_id)) if commission_id not in (None, "") else None
    con = source if source is not None else open_shared_tier(hub)
    if partnership:
        scope_to_partnership(con, partnership, catalog=ALIAS)
    area = None
    if commission is not None and commission.commissioned_area is not None:
        area = scope_to_area(con, commission.commissioned_area, catalog=ALIAS,
                             base_predicate=_partnership_predicate(con, partnership))
    return ProductContext(product, hub, con, author or "CSP analyst", commission,
                          partnership=partnership or None, area=area)


def _partnership_predicate(con, partnership: str | None):
    """The partnership condition of each table (kept inside the area's views), or None."""
    if not partnership:
        return None
    from workbench.privacy.scope import read_layout

    layout = read_layout(con)
    return lambda table: layout.predicate(table, frozenset({partnership}))


def scope_to_partnership(con, partnership: str, *, catalog: str) -> None:
    """Shadow the tier tables of ``con`` so that its queries read ``partnership``'s rows only.

    Examples
    --------
    >>> from workbench.demo.build import _example_demo
    >>> hub = _example_demo()                              # the smallest demo, built once (about 9 s)
    >>> from workbench.hub.connect import ALIAS
    >>> from workbench.privacy.shared import open_shared_tier
    >>> scope_to_partnership(open_shared_tier(hub), "Derby", catalog=ALIAS)
    Traceback (most recent call last):
    workbench.errors.BadInput: The shared tier holds no data of partnership 'Derby'; it holds Nottingham and Nottinghamshire.
    """
    from workbench.errors import BadInput
    from workbench.privacy.scope import read_layout, shadows

    layout = read_layout(con)
    if partnership not in layout.partnerships:
        raise BadInput(f"The shared tier holds no data of partnership '{partnership}'; it holds "
                       f"{', '.join(sorted(layout.partnerships)) or 'none named'}.")
    for statement in shadows(layout, frozenset({partnership}), None, catalog):
        con.execute(statement)
