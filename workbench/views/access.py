"""Who may see what on the dashboards (guidance 3.2, 4.2.4; DESIGN.md "Tiers are files").

Deny by default. Three levels of detail exist on a dashboard:

- **aggregates** — counts per area, period or category, passed through disclosure
  control (:mod:`workbench.privacy.disclosure`, small-number suppression) before they are
  shown. Every role that may open a dashboard gets these.
- **depersonalised records** — rows of the shared tier (locations at postcode centroids,
  no identifying columns). Only :data:`RECORD_ROLES` (analysts and administrators).
- **personal data** — never on a dashboard, for anyone: the dashboards read only the
  shared tier, which holds none.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from workbench.errors import AccessDenied

#: roles that may open the dashboards at all (partner staff use the portal; reviewers grade
#: intelligence in the portal)
DASHBOARD_ROLES = frozenset({"admin", "analyst", "viewer", "dlo"})
#: roles that may see depersonalised records (rows) rather than aggregates only
RECORD_ROLES = frozenset({"admin", "analyst"})
#: the protective marking of everything the dashboards show (guidance 2.1 D)
MARKING = "OFFICIAL-SENSITIVE"


@dataclass(frozen=True)
class Viewer:
    """The person looking at a dashboard: name, agency and role from the registry."""

    name: str
    agency: str
    role: str

    @property
    def sees_records(self) -> bool:
        return self.role in RECORD_ROLES

    def to_dict(self) -> dict:
        return {"name": self.name, "agency": self.agency, "role": self.role,
                "sees_records": self.sees_records}


def viewer_from_user(user) -> Viewer:
    """A :class:`Viewer` from a registry ``User``; refuses roles without dashboard access."""
    if not getattr(user, "active", True):
        raise AccessDenied(f"Account '{user.name}' is deactivated.")
    if user.role not in DASHBOARD_ROLES:
        raise AccessDenied(
            f"Role '{user.role}' cannot open the dashboards (allowed: "
            f"{', '.join(sorted(DASHBOARD_ROLES))}); partner staff use the portal."
        )
    return Viewer(user.name, user.agency, user.role)


def require_records(viewer: Viewer, what: str) -> None:
    """Raise AccessDenied unless ``viewer`` may see depersonalised records."""
    if not viewer.sees_records:
        raise AccessDenied(
            f"{what} is record-level data; role '{viewer.role}' sees aggregates only "
            f"(roles with records: {', '.join(sorted(RECORD_ROLES))})."
        )


def disclose(frame: pd.DataFrame, count_columns, viewer: Viewer) -> pd.DataFrame:
    """Pass an aggregate through disclosure control unless the viewer may see records.

    Analysts and administrators already see depersonalised records, so their aggregates are
    shown as computed; every other role gets counts from
    :func:`workbench.privacy.disclosure.suppress_counts` (small numbers suppressed, with
    secondary suppression so a suppressed cell cannot be recovered from totals).
    """
    if viewer.sees_records:
        return frame
    from workbench.privacy.disclosure import suppress_counts

    cols = [count_columns] if isinstance(count_columns, str) else list(count_columns)
    return suppress_counts(frame, cols)
