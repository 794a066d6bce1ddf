"""Feedback on delivered products and a summary for the CSP coordinator (guidance Appendix 2 2.v).

"Feedback should be gathered on whether the analysis was used, how it was used, in what way
the information was useful (e.g. did it reveal something different that was not known?),
whether its content and tone was pitched correctly (e.g. was the content level sufficient and
timely?) and whether the analysis helped to achieve some success." Evaluating use "will help
to improve and legitimise" products, so the summary is reported across all products.

Examples
--------
>>> import tempfile, pathlib
>>> from workbench.products import commissioning as cm, feedback as fb
>>> hub = pathlib.Path(tempfile.mkdtemp()) / "hub.duckdb"
>>> c = cm.add_commission(hub, title="ASB in the park", questions=["Who?"], quiet=True)
>>> _ = cm.set_status(hub, c.id, "delivered")
>>> _ = fb.add_feedback(hub, c.id, used=True, how_used="tasked patrols", revealed_new=True,
...                     content_right=True, tone_right=True, timely=False, helped_outcome=None)
>>> fb.feedback_summary(hub).rate("used")
1.0
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from pathlib import Path

from workbench.errors import BadInput
from workbench.products import commissioning as cm
from workbench.products import validate as v

#: the yes/no questions of Appendix 2 2.v, in the order they are asked
QUESTIONS = {
    "used": "Was the product used?",
    "revealed_new": "Did it reveal something that was not known before?",
    "content_right": "Was the content pitched at the right level?",
    "tone_right": "Was the tone right for the audience?",
    "timely": "Was it delivered in time to be useful?",
    "helped_outcome": "Did it help achieve an outcome (a success)?",
}


@dataclass
class Feedback:
    """One feedback record on a delivered commission.

    Examples
    --------
    >>> c = _delivered_commission("feedback_record/hub.duckdb")
    >>> f = add_feedback("feedback_record/hub.duckdb", c.id, used="yes", timely="no", how_used="tasking")
    >>> f.used, f.timely, f.content_right                  # an unanswered question stays None
    (True, False, None)
    """

    id: int
    commission_id: int
    given_by: str | None
    given_at: str
    used: bool | None
    how_used: str | None
    revealed_new: bool | None
    what_was_new: str | None
    content_right: bool | None
    tone_right: bool | None
    timely: bool | None
    helped_outcome: bool | None
    outcome: str | None
    comments: str | None

    def to_dict(self) -> dict:
        return asdict(self)


def add_feedback(hub: Path | str, commission_id: int, *, used=None, how_used: str | None = None,
                 revealed_new=None, what_was_new: str | None = None, content_right=None,
                 tone_right=None, timely=None, helped_outcome=None, outcome: str | None = None,
                 comments: str | None = None, given_by: str | None = None) -> Feedback:
    """Record feedback on a delivered (or closed) commission.

    Yes/no answers accept booleans or ``yes``/``no``; an unanswered question stays ``None``.
    At least one question must be answered.

    Examples
    --------
    >>> from workbench.products import commissioning as cm
    >>> hub = "add_feedback/hub.duckdb"
    >>> c = cm.add_commission(hub, title="ASB in the park", questions=["Why now?"], quiet=True)
    >>> add_feedback(hub, c.id, used=True)
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: Commission 1 is 'requested'; feedback is gathered after delivery (guidance Appendix 2 2.v). Render the product first.
    >>> _ = cm.set_status(hub, c.id, "delivered")
    >>> add_feedback(hub, c.id, used=True, helped_outcome="yes").helped_outcome
    True
    """
    c = cm.get_commission(hub, commission_id)
    if c.status not in ("delivered", "closed"):
        raise BadInput(f"Commission {commission_id} is '{c.status}'; feedback is gathered after "
                       f"delivery (guidance Appendix 2 2.v). Render the product first.")
    answers = {k: v.flag(k, val) for k, val in dict(
        used=used, revealed_new=revealed_new, content_right=content_right, tone_right=tone_right,
        timely=timely, helped_outcome=helped_outcome).items()}
    notes = dict(how_used=v.text("how_used", how_used), what_was_new=v.text("what_was_new", what_was_new),
                 outcome=v.text("outcome", outcome), comments=v.text("comments", comments))
    if all(a is None for a in answers.values()) and not any(notes.values()):
        raise BadInput("Feedback has no answers: say at least whether the product was used "
                       "(e.g. `--used yes --how-used 'briefed patrols'`).")
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    con = cm.connect(hub)
    try:
        cur = con.execute(
            "INSERT INTO commission_feedback (commission_id, given_by, given_at, used, how_used,"
            " revealed_new, what_was_new, content_right, tone_right, timely, helped_outcome,"
            " outcome, comments) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [int(commission_id), given_by, now, answers["used"], notes["how_used"],
             answers["revealed_new"], notes["what_was_new"], answers["content_right"],
             answers["tone_right"], answers["timely"], answers["helped_outcome"],
             notes["outcome"], notes["comments"]])
        con.commit()
        fid = cur.lastrowid
    finally:
        con.close()
    cm.audit(hub, given_by, "commission.feedback", f"commission:{commission_id}", {"feedback_id": fid})
    return list_feedback(hub, commission_id=commission_id)[0] if fid else None


def _from_row(r) -> Feedback:
    d = dict(r)
    for k in QUESTIONS:
        d[k] = None if d[k] is None else bool(d[k])
    return Feedback(**d)


def list_feedback(hub: Path | str, *, commission_id: int | None = None) -> list[Feedback]:
    """Feedback records, newest first.

    Examples
    --------
    >>> c = _delivered_commission("list_feedback/hub.duckdb")
    >>> for answer in ("yes", "no"):
    ...     _ = add_feedback("list_feedback/hub.duckdb", c.id, used=answer)
    >>> [f.used for f in list_feedback("list_feedback/hub.duckdb")]       # newest first
    [False, True]
    """
    con = cm.connect(hub)
    try:
        q = "SELECT * FROM commission_feedback"
        args: list = []
        if commission_id is not None:
            q += " WHERE commission_id = ?"
            args.append(int(commission_id))
        return [_from_row(r) for r in con.execute(q + " ORDER BY id DESC", args).fetchall()]
    finally:
        con.close()


@dataclass
class FeedbackSummary:
    """Feedback across products for the CSP coordinator (Appendix 2 2.v).

    ``answers[question]`` holds counts of yes / no / unanswered; :meth:`rate` is the share of
    yes among those who answered (``None`` when nobody did). ``by_product`` breaks the
    rates down per product type.

    Examples
    --------
    >>> c = _delivered_commission("summary_class/hub.duckdb")
    >>> _ = add_feedback("summary_class/hub.duckdb", c.id, used="yes", timely="no")
    >>> s = feedback_summary("summary_class/hub.duckdb")
    >>> s.rate("used"), s.rate("timely"), s.rate("tone_right")            # nobody answered tone: None
    (1.0, 0.0, None)
    """

    records: int
    commissions_delivered: int
    commissions_with_feedback: int
    answers: dict[str, dict[str, int]]
    by_product: dict[str, dict[str, float | None]] = field(default_factory=dict)
    how_used: list[str] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)

    def rate(self, question: str) -> float | None:
        a = self.answers[question]
        answered = a["yes"] + a["no"]
        return None if answered == 0 else a["yes"] / answered

    def to_dict(self) -> dict:
        d = asdict(self)
        d["rates"] = {q: self.rate(q) for q in QUESTIONS}
        return d

    def to_text(self) -> str:
        lines = [f"Feedback: {self.records} record(s) on {self.commissions_with_feedback} of "
                 f"{self.commissions_delivered} delivered commission(s)"]
        for q, label in QUESTIONS.items():
            r = self.rate(q)
            a = self.answers[q]
            pct = "n/a" if r is None else f"{r:.0%}"
            lines.append(f"  {label:<52} {pct:>5}  (yes {a['yes']}, no {a['no']}, "
                         f"unanswered {a['unanswered']})")
        if self.how_used:
            lines.append("  How products were used: " + "; ".join(self.how_used[:10]))
        if self.outcomes:
            lines.append("  Outcomes reported: " + "; ".join(self.outcomes[:10]))
        return "\n".join(lines)


def feedback_summary(hub: Path | str) -> FeedbackSummary:
    """Summarise every feedback record (for the CSP coordinator).

    Examples
    --------
    >>> c = _delivered_commission("summary/hub.duckdb")
    >>> for used in ("yes", "no", None):
    ...     _ = add_feedback("summary/hub.duckdb", c.id, used=used, timely="yes")
    >>> s = feedback_summary("summary/hub.duckdb")
    >>> s.records, s.commissions_delivered, s.answers["used"]
    (3, 1, {'yes': 1, 'no': 1, 'unanswered': 1})
    >>> s.by_product["problem-profile"]["used"]
    0.5
    """
    records = list_feedback(hub)
    commissions = {c.id: c for c in cm.list_commissions(hub)}
    delivered = sum(1 for c in commissions.values() if c.status in ("delivered", "closed"))
    answers = {q: {"yes": 0, "no": 0, "unanswered": 0} for q in QUESTIONS}
    per_product: dict[str, dict[str, list[int]]] = {}
    for f in records:
        product = commissions[f.commission_id].product if f.commission_id in commissions else "unknown"
        bucket = per_product.setdefault(product, {q: [0, 0] for q in QUESTIONS})
        for q in QUESTIONS:
            val = getattr(f, q)
            key = "unanswered" if val is None else ("yes" if val else "no")
            answers[q][key] += 1
            if val is not None:
                bucket[q][0] += int(val)
                bucket[q][1] += 1
    by_product = {p: {q: (yes / n if n else None) for q, (yes, n) in b.items()}
                  for p, b in per_product.items()}
    return FeedbackSummary(
        records=len(records), commissions_delivered=delivered,
        commissions_with_feedback=len({f.commission_id for f in records}), answers=answers,
        by_product=by_product, how_used=[f.how_used for f in records if f.how_used],
        outcomes=[f.outcome for f in records if f.outcome])


def _delivered_commission(hub: Path | str):
    """A delivered commission in a new register beside ``hub``: the examples' fixture."""
    c = cm.add_commission(hub, title="ASB in the park", questions=["Why now?"], quiet=True)
    return cm.set_status(hub, c.id, "delivered")
