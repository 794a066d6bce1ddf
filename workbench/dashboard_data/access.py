"""Who may see what on the dashboards (guidance 3.2, 4.2.4; DESIGN.md "Tiers are files").

Deny by default; the decisions come from :mod:`workbench.privacy.access`. Three levels of detail exist on a dashboard:

- **aggregates** — counts per area, period or category, passed through disclosure
  control (:mod:`workbench.privacy.disclosure`, small-number suppression) before they are
  shown. Every role that may open a dashboard gets these.
- **depersonalised records** — rows of the shared tier (locations at postcode centroids,
  no identifying columns), for users the access matrix grants ``read_depersonalised``.
- **personal data** — never on a dashboard, for anyone: the dashboards read only the
  shared tier, which holds none.

Every level is cut to the partnerships the viewer may see (guidance 2.2.4, Box 3;
reference 003): :attr:`Viewer.partnerships` comes from
:meth:`~workbench.registry.Registry.visible_partnerships`, and every query the data layer runs is
restricted to it (:mod:`workbench.privacy.scope`) before disclosure control is applied.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from workbench.catalogue import classification as gsc
from workbench.errors import AccessDenied

#: the protective marking of everything the dashboards show (guidance 2.1 D; Government
#: Security Classifications, :mod:`workbench.catalogue.classification`)
MARKING = gsc.OFFICIAL_SENSITIVE
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

    ``partnerships`` are the partnerships whose data the viewer may see (guidance 2.2.4);
    ``None`` means every partnership of the hub. Every figure counts only their rows
    (:meth:`workbench.dashboard_data.source.Source.for_viewer`).

    Examples
    --------
    >>> v = Viewer("vic", "Nottingham City Council", "viewer", panels=frozenset({"police_crime_offence"}))
    >>> v.sees_records, v.may_see("police_ppo"), v.to_dict()["partnerships"]
    (False, False, None)
    """

    name: str
    agency: str
    role: str
    records: bool = False
    panels: frozenset = field(default_factory=frozenset)
    partnerships: frozenset | None = None
    #: datasets whose depersonalised records the viewer may see (points on the map); None:
    #: the same answer as :attr:`records` for every dataset
    record_datasets: frozenset | None = None

    @property
    def sees_records(self) -> bool:
        return self.records

    def sees_records_of(self, dataset_id: str) -> bool:
        """True when the viewer may see ``dataset_id``'s depersonalised records.

        >>> Viewer("ann", "Police", "analyst", True).sees_records_of("council_asb")
        True
        >>> Viewer("ann", "Police", "analyst", True, record_datasets=frozenset({"police_crime_offence"})
        ...        ).sees_records_of("council_asb")
        False
        """
        if self.record_datasets is None:
            return self.records
        return dataset_id in self.record_datasets

    def may_see(self, dataset_id: str) -> bool:
        return dataset_id in self.panels

    def to_dict(self) -> dict:
        return {"name": self.name, "agency": self.agency, "role": self.role,
                "sees_records": self.records, "panels": sorted(self.panels),
                "partnerships": None if self.partnerships is None else sorted(self.partnerships)}


def viewer_for(reg, user) -> Viewer:
    """The :class:`Viewer` for a registry ``User``; AccessDenied (audited) without dashboard
    access, or when the shared tier holds no data of any partnership the user may see.

    ``Viewer.partnerships`` is ``None`` when the user may see every partnership of the hub,
    else the partnerships :meth:`~workbench.registry.Registry.visible_partnerships` grants;
    the dashboards then show the rows of those partnerships only (guidance 2.2.4).

    Examples
    --------
    >>> from workbench.registry import open_registry
    >>> reg = open_registry("access/hub.duckdb")
    >>> _ = reg.add_partnership("Rushcliffe")
    >>> _ = reg.add_agency("Notts Police", "central", partnerships=["Rushcliffe"])
    >>> _ = reg.add_user("ann", "Notts Police", "analyst", "badger-kettle-meadow")
    >>> v = viewer_for(reg, reg.get_user("ann"))
    >>> v.role, v.sees_records, v.partnerships, v.sees_records_of("council_asb")
    ('analyst', True, None, True)
    >>> reg.close()
    """
    from workbench import catalogue
    from workbench.privacy.access import can, require

    require(reg, user, "view_dashboard", "*")
    visible = frozenset(reg.visible_partnerships(user))
    every = {p.name for p in reg.list_partnerships()}
    partnerships = None if every <= visible else visible
    if partnerships is not None:
        require_some_partnership(reg, user, partnerships)
    panels = frozenset(
        d for d in DASHBOARD_DATASETS
        if catalogue.get(d).klass == "D" or can(reg, user, "view_dashboard", d))
    records = can(reg, user, "read_depersonalised", RECORDS_DATASET)
    from workbench.dashboard_data.partners import PARTNER_ISSUES

    record_datasets = frozenset(d for d in {RECORDS_DATASET} | {i.dataset for i in PARTNER_ISSUES}
                                if can(reg, user, "read_depersonalised", d))
    return Viewer(user.name, user.agency, user.role, records, panels, partnerships, record_datasets)


def partnerships_in_shared_tier(hub) -> set[str]:
    """The partnerships whose rows the published shared tier holds (its ``supplies`` log and
    the ``partnership`` column of its tables); empty when nothing is published.

    >>> partnerships_in_shared_tier("nothing-published/hub.duckdb")
    set()"""
    from workbench.hub.connect import shared_path
    from workbench.privacy.scope import layout
    from workbench.dashboard_data.source import Source

    if not shared_path(hub).exists():
        return set()
    return set(layout(Source(hub)).partnerships)


def require_some_partnership(reg, user, partnerships) -> None:
    """Refuse (audited) a user who may see none of the partnerships the shared tier holds.

    Guidance 2.2.4, Box 3; reference 003. Users who may see some of them are not refused:
    their figures are scoped to those partnerships (:mod:`workbench.privacy.scope`). With no
    shared tier published yet there is nothing to refuse; the apps say so when opened.

    Examples
    --------
    >>> from workbench.registry import open_registry
    >>> reg = open_registry("scope/hub.duckdb")
    >>> _ = reg.add_partnership("Gedling")
    >>> _ = reg.add_agency("Gedling BC", "second", partnerships=["Gedling"])
    >>> _ = reg.add_user("gill", "Gedling BC", "viewer", "badger-kettle-meadow")
    >>> require_some_partnership(reg, reg.get_user("gill"), {"Gedling"}) is None   # nothing published yet
    True
    >>> reg.close()
    """
    from workbench.hub.connect import shared_path

    if not shared_path(reg.hub).exists():
        return
    held = partnerships_in_shared_tier(reg.hub)
    if held & set(partnerships):
        return
    reason = "the shared tier holds no data of a partnership you may see"
    reg.audit(user.name, "view_dashboard", "*",
              {"reason": reason, "visible": sorted(partnerships)}, outcome="denied")
    raise AccessDenied(
        f"Access denied: {reason} (your agency {user.agency} is in "
        f"{', '.join(sorted(user.partnerships)) or 'no partnership'}; the Information Sharing "
        f"Protocols of the partnerships it holds do not let you see theirs). This refusal has "
        f"been recorded; ask the CSP coordinator if you need this access."
    )


def require_records(viewer: Viewer, what: str) -> None:
    """Raise AccessDenied unless ``viewer`` may see depersonalised records.

    >>> require_records(Viewer("ann", "Police", "analyst", True), "A list of crimes") is None
    True
    >>> require_records(Viewer("vic", "Council", "viewer"), "A list of crimes")
    Traceback (most recent call last):
    ...
    workbench.errors.AccessDenied: A list of crimes is record-level data; role 'viewer' sees aggregates only ..."""
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

    Examples
    --------
    >>> counts = pd.DataFrame({"area": ["A", "B"], "count": [3, 12]})
    >>> disclose(counts, "count", Viewer("vic", "Council", "viewer"))["count"].tolist()
    [nan, 12.0]
    >>> disclose(counts, "count", Viewer("ann", "Police", "analyst", True))["count"].tolist()
    [3, 12]
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
