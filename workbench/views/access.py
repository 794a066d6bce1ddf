"""Who may see what on the dashboards (guidance 3.2, 4.2.4; DESIGN.md "Tiers are files").

Deny by default; the decisions come from :mod:`workbench.privacy.access`. Three levels of detail exist on a dashboard:

- **aggregates** — counts per area, period or category, passed through disclosure
  control (:mod:`workbench.privacy.disclosure`, small-number suppression) before they are
  shown. Every role that may open a dashboard gets these.
- **depersonalised records** — rows of the shared tier (locations at postcode centroids,
  no identifying columns), for users the access matrix grants ``read_depersonalised``.
- **personal data** — never on a dashboard, for anyone: the dashboards read only the
  shared tier, which holds none.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from workbench.errors import AccessDenied

#: the protective marking of everything the dashboards show (guidance 2.1 D)
MARKING = "OFFICIAL-SENSITIVE"
#: the datasets whose aggregates or records the dashboards show
DASHBOARD_DATASETS = ("police_crime_offence", "police_ppo", "partner_intelligence")
#: the dataset whose depersonalised rows decide whether a viewer "sees records"
RECORDS_DATASET = "police_crime_offence"


@dataclass(frozen=True)
class Viewer:
    """The person looking at a dashboard, with what :mod:`workbench.privacy.access` grants them.

    ``records`` is True when the access matrix grants ``read_depersonalised`` on the crime
    records (analysts, DLOs, administrators); ``panels`` are the datasets whose
    (disclosure-controlled) aggregates may be shown: a D-class dataset's counts are
    aggregate-class outputs anyone with dashboard access may see, but SP datasets (PPOs,
    partner intelligence) are shown only where the matrix grants ``view_dashboard`` on
    them (guidance 2.1 C: a PPO count by status still points at known people).
    """

    name: str
    agency: str
    role: str
    records: bool = False
    panels: frozenset = field(default_factory=frozenset)

    @property
    def sees_records(self) -> bool:
        return self.records

    def may_see(self, dataset_id: str) -> bool:
        return dataset_id in self.panels

    def to_dict(self) -> dict:
        return {"name": self.name, "agency": self.agency, "role": self.role,
                "sees_records": self.records, "panels": sorted(self.panels)}


def viewer_for(reg, user) -> Viewer:
    """The :class:`Viewer` for a registry ``User``; AccessDenied (audited) without dashboard access."""
    from workbench import catalogue
    from workbench.privacy.access import can, require

    require(reg, user, "view_dashboard", "*")
    require_partnership_scope(reg, user)
    panels = frozenset(
        d for d in DASHBOARD_DATASETS
        if catalogue.get(d).klass == "D" or can(reg, user, "view_dashboard", d))
    records = can(reg, user, "read_depersonalised", RECORDS_DATASET)
    return Viewer(user.name, user.agency, user.role, records, panels)


def partnerships_in_shared_tier(hub) -> set[str]:
    """The partnerships whose supplies the published shared tier holds (its ``supplies`` log)."""
    from workbench.hub.connect import ALIAS, shared_path
    from workbench.hub.status import has_table
    from workbench.views.source import _connection

    if not shared_path(hub).exists():
        return set()
    cur = _connection(hub).cursor()
    try:
        cur.execute(f"USE {ALIAS}")  # a cursor starts in the in-memory catalog
        if not has_table(cur, "supplies"):
            return set()
        return {r[0] for r in cur.execute(
            "SELECT DISTINCT partnership FROM supplies WHERE partnership IS NOT NULL").fetchall()}
    finally:
        cur.close()


def require_partnership_scope(reg, user) -> None:
    """Refuse the dashboards when the shared tier holds another partnership's data this user
    may not see (guidance 2.2.4, Box 3; reference 003).

    Deny by default: the dashboards' figures are not yet scoped by partnership, so rather
    than show a partnership's data across a border its Information Sharing Protocol closes,
    they refuse and point to ``workbench hub export``, which filters by partnership. A hub
    serving one partnership (or a county and its districts, as the demo does) is unaffected.
    """
    hidden = partnerships_in_shared_tier(reg.hub) - set(reg.visible_partnerships(user))
    if hidden:
        raise AccessDenied(
            f"This hub's shared tier holds data of {', '.join(sorted(hidden))}, which the "
            f"Information Sharing Protocols of {user.agency} do not let you see. The dashboards "
            f"do not yet scope their figures by partnership, so they refuse rather than show it; "
            f"`workbench hub export` filters by partnership, or ask the CSP coordinator."
        )


def require_records(viewer: Viewer, what: str) -> None:
    """Raise AccessDenied unless ``viewer`` may see depersonalised records."""
    if not viewer.sees_records:
        raise AccessDenied(
            f"{what} is record-level data; role '{viewer.role}' sees aggregates only "
            f"(workbench.privacy.access grants depersonalised records to analysts, DLOs "
            f"and administrators)."
        )


def disclose(frame: pd.DataFrame, count_columns, viewer: Viewer) -> pd.DataFrame:
    """Pass a list of counts through disclosure control unless the viewer may see records.

    Users who already see depersonalised records get the counts as computed; every other
    role gets :func:`workbench.privacy.disclosure.suppress_counts` on each count column
    (counts of 1–4 hidden, shown as gaps; guidance 2.4.1.2). Use this for lists shown
    without totals; a table shown with its totals needs
    :func:`workbench.privacy.disclosure.suppress_table` (secondary suppression).
    """
    if viewer.sees_records:
        return frame
    from workbench.privacy.disclosure import suppress_counts

    cols = [count_columns] if isinstance(count_columns, str) else list(count_columns)
    out = frame.copy()
    for col in cols:
        if len(out):
            out[col] = suppress_counts(out[col]).to_numpy(dtype=float, na_value=np.nan)
        else:
            out[col] = out[col].astype(float)
    return out
