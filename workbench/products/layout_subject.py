"""The subject profile's sections (regulations appendix H 1.8)."""

from __future__ import annotations

from workbench.products import present as show
from workbench.products.subject import SubjectSummary


def records(s: SubjectSummary) -> None:
    """The released records about the subject, then the records linked to them.

    Examples
    --------
    >>> from workbench.products.present import captured
    >>> from workbench.products.subject import _example_release, subject_summary
    >>> s = subject_summary(_example_release(), "O7", 12)
    >>> with captured() as parts:
    ...     records(s)
    >>> [kind for kind, _ in parts]
    ['heading', 'note', 'table', 'heading', 'table']
    >>> "police_crime_offence: linked through the crime reference" in parts[-1][1]
    True
    """
    show.heading("The subject in the released data", 2)
    show.note(f"Personal data released under request {s.request_id} (guidance 4.3). Only the fields the "
              "request names are shown. Do not copy this document; destroy it when the request is completed.")
    for table, frame in s.records.items():
        show.table(frame, caption=f"{table}: records about {s.subject}")
    if s.linked:
        show.heading("Linked records", 2)
        for table, frame in s.linked.items():
            show.table(frame, caption=f"{table}: linked through the crime reference")


def timeline(s: SubjectSummary) -> None:
    """The dated events of the released records, oldest first.

    Examples
    --------
    >>> from workbench.products.present import captured
    >>> from workbench.products.subject import _example_release, subject_summary
    >>> s = subject_summary(_example_release(), "O7", 12)
    >>> with captured() as parts:
    ...     timeline(s)
    >>> [kind for kind, _ in parts], "arrest_date (O7)" in parts[1][1]
    (['heading', 'table'], True)
    """
    show.heading("Timeline", 2)
    show.table(s.timeline, caption="Dated events in the released records")


def activity(actions) -> None:
    """Actions recorded against the commission, or how to record one.

    Examples
    --------
    >>> from workbench.products.present import captured
    >>> with captured() as parts:
    ...     activity([])
    >>> parts[1]
    ('para', '<p>No activity recorded against this commission (`workbench action add --commission ID`).</p>')
    """
    show.heading("Record of activity and tactical opportunities", 2)
    if actions:
        show.bullets([f"{a.raised_at_meeting}: {a.action} — {a.owner} ({a.status})" for a in actions])
    else:
        show.para("No activity recorded against this commission (`workbench action add --commission ID`).")
