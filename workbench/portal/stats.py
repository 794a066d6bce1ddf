"""Statistics for the CSP: submissions by agency, category and month; organisations and people.

Reference 000 ("Overall impact") measures the portal by the intelligence reports submitted and by
"37 different organisations with 208 people registered"; these are the same measures. They are
counts for the partnership's own management (reviewers and admins), not for publication.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class PortalStatistics:
    """Counts of submissions and registrations (``to_dict()`` for JSON).

    Examples
    --------
    >>> PortalStatistics(submissions=3, people=2, organisations=1).to_dict()["people"]
    2
    """

    submissions: int
    by_agency: list[dict] = field(default_factory=list)
    by_category: list[dict] = field(default_factory=list)
    by_month: list[dict] = field(default_factory=list)
    by_status: list[dict] = field(default_factory=list)
    organisations: int = 0
    people: int = 0
    pending_requests: int = 0

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def statistics(store, registry) -> PortalStatistics:
    """Count submissions (by agency, category, month, status) and registered organisations and people.

    People are the registry's active ``partner`` accounts (whether created through a portal
    registration or by the CSP coordinator); organisations are the agencies they belong to.

    Examples
    --------
    >>> from workbench.portal.store import PortalStore
    >>> from workbench.portal import submissions
    >>> from workbench.portal.validate import submission
    >>> from workbench.registry import open_registry
    >>> store = PortalStore("stats/hub.duckdb")
    >>> sub = submission({"category": "knife_crime", "intelligence_text": "Seen carrying a knife near the park",
    ...                   "source_type": "staff_direct"})
    >>> _ = submissions.create(store, sub, submitter="jo.bloggs", agency="Bluecoat Academy", channel="web")
    >>> with open_registry("stats/hub.duckdb") as reg:
    ...     st = statistics(store, reg)
    >>> st.submissions, st.by_agency, st.by_category
    (1, [{'key': 'Bluecoat Academy', 'submissions': 1}], [{'key': 'knife_crime', 'submissions': 1}])
    >>> store.close()
    """
    def grouped(col: str, order: str) -> list[dict]:
        return store.rows(f"SELECT {col} AS key, count(*) AS submissions FROM portal.submissions "
                          f"GROUP BY ALL ORDER BY {order}")

    total = store.rows("SELECT count(*) AS n FROM portal.submissions")[0]["n"]
    partners = [u for u in registry.list_users() if u.role == "partner" and u.active]
    pending = store.rows("SELECT count(*) AS n FROM portal.registration_requests WHERE state = 'pending'")[0]["n"]
    return PortalStatistics(
        submissions=int(total),
        by_agency=grouped("partner_agency", "submissions DESC, key"),
        by_category=grouped("category", "submissions DESC, key"),
        by_month=grouped("strftime(submitted_at, '%Y-%m')", "key"),
        by_status=grouped("status", "submissions DESC, key"),
        organisations=len({u.agency for u in partners}), people=len(partners),
        pending_requests=int(pending),
    )
