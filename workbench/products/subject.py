"""Data for the subject profile (regulations appendix H 1.8), from the personal tier only.

A subject profile "establishes a greater understanding of either a person or group of people
(whether suspects, victims or witnesses) in relation to an identified problem and a record of
activity for tactical opportunities". It is built only from the copy released under an
approved personal-data request (:func:`workbench.privacy.requests.open_release`; guidance 4.3):
the request names the datasets and fields, so the profile can show nothing else. Access is
checked and audited by :mod:`workbench.products.build` before the notebook runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from workbench.errors import BadInput

#: columns that can identify the subject within a released table, most specific first
SUBJECT_KEYS = ("offender_ref", "client_ref", "patient_ref", "crime_ref", "submission_ref", "name")
DATE_HINTS = ("date", "submitted_at", "release_date")


@dataclass
class SubjectSummary:
    """Rows about one subject in a request's released copy, linked rows and a timeline.

    Examples
    --------
    >>> s = subject_summary(_example_release(), "O7", 12)
    >>> s.datasets, [r["offender_ref"] for r in s.to_dict()["records"]["police_offender"]]
    (['police_crime_offence', 'police_offender'], ['O7'])
    """

    subject: str
    request_id: int
    records: dict[str, pd.DataFrame]      # dataset -> matching rows (only the released fields)
    linked: dict[str, pd.DataFrame]       # dataset -> rows linked through crime_ref
    timeline: pd.DataFrame                # date, dataset, what
    datasets: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"subject": self.subject, "request_id": self.request_id,
                "records": {k: v.to_dict(orient="records") for k, v in self.records.items()},
                "linked": {k: v.to_dict(orient="records") for k, v in self.linked.items()},
                "timeline": self.timeline.to_dict(orient="records"), "datasets": self.datasets}


def _columns(con, table: str) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
        "AND table_catalog = current_database() ORDER BY ordinal_position", [table]).fetchall()]


def subject_summary(release, subject: str, request_id: int) -> SubjectSummary:
    """Rows about ``subject`` in every table of a request's released copy, and a timeline.

    The subject is matched, ignoring case, on any of :data:`SUBJECT_KEYS`; rows of other
    tables sharing a ``crime_ref`` with those rows are linked (regulations appendix H 1.8).

    Examples
    --------
    >>> s = subject_summary(_example_release(), "o7", 12)
    >>> s.timeline.to_dict("records")
    [{'date': '2024-03-01', 'dataset': 'police_crime_offence', 'what': 'committed_from_date (C1)'}, {'date': '2024-03-02', 'dataset': 'police_offender', 'what': 'arrest_date (O7)'}]
    >>> subject_summary(_example_release(), "O9", 12)
    Traceback (most recent call last):
    workbench.errors.BadInput: No record about 'O9' in the data released under request 12 (tables: police_crime_offence, police_offender). Check the reference, or whether the request covers the dataset that holds it.
    """
    subject = str(subject).strip()
    if not subject:
        raise BadInput("`subject` is empty: give the person or group reference.")
    tables = [r[0] for r in release.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database()").fetchall()]
    records, crime_refs = {}, set()
    for t in tables:
        cols = _columns(release, t)
        keys = [k for k in SUBJECT_KEYS if k in cols]
        if not keys:
            continue
        cond = " OR ".join(f'lower(CAST("{k}" AS VARCHAR)) = lower(?)' for k in keys)
        rows = release.execute(f'SELECT * FROM "{t}" WHERE {cond}', [subject] * len(keys)).df()
        if not rows.empty:
            records[t] = rows
            if "crime_ref" in rows:
                crime_refs |= set(rows["crime_ref"].dropna().astype(str))
    linked = {}
    for t in tables:
        if t in records or "crime_ref" not in _columns(release, t) or not crime_refs:
            continue
        rows = release.execute(f'SELECT * FROM "{t}" WHERE crime_ref IN (SELECT unnest(?::VARCHAR[]))',
                               [sorted(crime_refs)]).df()
        if not rows.empty:
            linked[t] = rows
    if not records:
        raise BadInput(f"No record about '{subject}' in the data released under request {request_id} "
                       f"(tables: {', '.join(tables) or 'none'}). Check the reference, or whether the "
                       "request covers the dataset that holds it.")
    events = []
    for t, frame in {**records, **linked}.items():
        date_cols = [c for c in frame.columns if any(h in c for h in DATE_HINTS) and c != "date_of_birth"]
        for _, row in frame.iterrows():
            for c in date_cols[:1]:
                if pd.notna(row[c]):
                    ref = next((str(row[k]) for k in SUBJECT_KEYS if k in frame.columns and pd.notna(row[k])), "")
                    events.append({"date": str(row[c])[:10], "dataset": t, "what": f"{c} ({ref})"})
    timeline = pd.DataFrame(events, columns=["date", "dataset", "what"]).sort_values("date").reset_index(drop=True)
    return SubjectSummary(subject, int(request_id), records, linked, timeline,
                          sorted(set(records) | set(linked)))


def _example_release():
    """A released copy (in memory) with one offender's arrest and the crimes it links to."""
    import duckdb

    con = duckdb.connect()
    con.execute("create table police_offender as select * from (values ('O7', 'C1', date '2024-03-02'), "
                "('O8', 'C2', date '2024-04-01')) t(offender_ref, crime_ref, arrest_date)")
    con.execute("create table police_crime_offence as select * from (values ('C1', 'Assault with injury', "
                "date '2024-03-01'), ('C2', 'Theft', date '2024-04-01')) t(crime_ref, offence_type, committed_from_date)")
    return con
