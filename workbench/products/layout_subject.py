"""The subject profile's sections (regulations appendix H 1.8)."""

from __future__ import annotations

from workbench.products import present as show
from workbench.products.subject import SubjectSummary


def records(s: SubjectSummary) -> None:
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
    show.heading("Timeline", 2)
    show.table(s.timeline, caption="Dated events in the released records")


def activity(actions) -> None:
    show.heading("Record of activity and tactical opportunities", 2)
    if actions:
        show.bullets([f"{a.raised_at_meeting}: {a.action} — {a.owner} ({a.status})" for a in actions])
    else:
        show.para("No activity recorded against this commission (`workbench action add --commission ID`).")
