"""Hypotheses: a question, the datasets that can test it, a test, and an evidenced verdict.

Guidance 4.3.1 asks analysts to state what they want to know and which data can answer it;
Appendix 2 asks them to explain *why* a problem persists. A :class:`Hypothesis` packages that:

* ``name`` and ``question`` — what is being claimed, in words;
* ``datasets`` — the dataset ids (``DATASETS.md``) the test reads; missing ones make the
  verdict ``inconclusive`` with the reason, never an error;
* ``needs`` — a :class:`~workbench.analysis.fitness.Needs` declaration (date to the day, time
  of day, coordinates, coverage of both periods, minimum events, datasets). :meth:`Hypothesis.evaluate`
  checks it against the data's *measured* fitness (guidance 4.2.3) before :meth:`test` runs:
  unfit data give ``inconclusive`` naming the dataset, the field and the figure, and a test that
  can use part of the data (days known, times not) receives ``fitness`` and says so;
* :meth:`Hypothesis.test` — reads a :class:`~workbench.analysis.hypotheses.data.DataSource`
  for the baseline and current periods and returns a :class:`Verdict`.

A :class:`Verdict` is ``supported`` / ``not_supported`` / ``inconclusive`` with the ``reason``,
the headline ``statistic`` and ``p_value``, an ``effect`` dict of effect sizes, ``evidence``
tables (each ``{"title", "rows"}``), the ``datasets`` used and ``caveats``. Its ``to_dict()``
is the JSON of ``workbench hypothesis NAME --json`` (CONTRACTS.md; ``reason`` and ``question``
are added fields).

Defining your own (e.g. in a notebook)::

    from workbench.analysis.hypotheses import Hypothesis, Verdict, register

    @register
    class WeekendOnly(Hypothesis):
        name = "weekend"
        question = "The increase is at weekends."
        datasets = ("police_crime_offence",)

        def test(self, source, current, baseline, offences, **options):
            ...
            return Verdict.make(self, "supported", "weekend share rose", p_value=0.01, ...)

After ``register`` the command line runs it too: ``workbench hypothesis weekend …``.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from workbench.analysis import _validate as check
from workbench.analysis.fitness import Fitness, Needs
from workbench.analysis.results import jsonable

VERDICTS = ("supported", "not_supported", "inconclusive")
_REGISTRY: dict[str, type["Hypothesis"]] = {}


@dataclasses.dataclass
class Verdict:
    """The outcome of testing a hypothesis, with its evidence.

    Examples
    --------
    >>> v = Verdict("seriousness", "supported", "serious share rose", p_value=0.01, statistic=2.5)
    >>> print(v.to_text())
    seriousness: SUPPORTED — serious share rose
      p = 0.01; statistic = 2.5
    >>> Verdict("seriousness", "maybe", "?")
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: `verdict` must be one of ...; received 'maybe'.
    """

    hypothesis: str
    verdict: str
    reason: str
    question: str = ""
    p_value: float | None = None
    statistic: float | None = None
    effect: dict = dataclasses.field(default_factory=dict)
    evidence: list = dataclasses.field(default_factory=list)
    datasets: list = dataclasses.field(default_factory=list)
    caveats: list = dataclasses.field(default_factory=list)
    fitness: dict = dataclasses.field(default_factory=dict)

    def __post_init__(self):
        check.one_of(self.verdict, VERDICTS, "verdict")

    @classmethod
    def make(cls, hypothesis: "Hypothesis", verdict: str, reason: str, **fields) -> "Verdict":
        fields.setdefault("datasets", list(hypothesis.datasets))
        return cls(hypothesis=hypothesis.name, verdict=verdict, reason=reason,
                   question=hypothesis.question, **fields)

    def to_dict(self) -> dict:
        return {"hypothesis": self.hypothesis, "verdict": self.verdict, "reason": self.reason,
                "question": self.question, "p_value": jsonable(self.p_value),
                "statistic": jsonable(self.statistic), "effect": jsonable(self.effect),
                "evidence": jsonable(self.evidence), "datasets": jsonable(self.datasets),
                "caveats": jsonable(self.caveats), "fitness": jsonable(self.fitness)}

    def to_text(self) -> str:
        lines = [f"{self.hypothesis}: {self.verdict.upper()} — {self.reason}"]
        if self.p_value is not None:
            lines.append(f"  p = {self.p_value:.4g}; statistic = {self.statistic}")
        for k, v in self.effect.items():
            lines.append(f"  {k}: {v}")
        for c in self.caveats:
            lines.append(f"  caveat: {c}")
        return "\n".join(lines)


def evidence(title: str, frame) -> dict:
    """An evidence table: a title and its rows (records).

    Examples
    --------
    >>> import pandas as pd
    >>> evidence("Offences by month", pd.DataFrame({"month": ["2024-01"], "n": [3]}))
    {'title': 'Offences by month', 'rows': [{'month': '2024-01', 'n': 3}]}
    """
    return {"title": title, "rows": jsonable(frame)}


class Hypothesis:
    """Base class: subclass, set ``name``, ``question``, ``datasets`` and implement :meth:`test`.

    Examples
    --------
    >>> class Always(Hypothesis):
    ...     name, question, datasets = "always", "Is it always so?", ("police_crime_offence",)
    ...     def test(self, source, current, baseline, offences, **options):
    ...         return Verdict.make(self, "supported", "always")
    >>> Always().declared_needs().datasets
    ('police_crime_offence',)
    >>> v = Always().inconclusive("no data")
    >>> v.hypothesis, v.verdict, v.question, v.datasets
    ('always', 'inconclusive', 'Is it always so?', ['police_crime_offence'])
    """

    name: ClassVar[str] = ""
    question: ClassVar[str] = ""
    datasets: ClassVar[tuple[str, ...]] = ()
    #: what the test needs of its data (guidance 4.2.3); the default asks only for ``datasets``
    needs: ClassVar[Needs | None] = None

    def declared_needs(self) -> Needs:
        """``needs``, or the bare requirement that the first of ``datasets`` holds records."""
        return self.needs if self.needs is not None else Needs(datasets=tuple(self.datasets[:1]))

    def check_fitness(self, source, current, baseline) -> Fitness:
        """The fitness gate: :meth:`declared_needs` against the measured data of both periods."""
        return self.declared_needs().check(source, [baseline, current])

    def evaluate(self, source, current, baseline, offences, **options) -> Verdict:
        """Gate, then test: unfit data give ``inconclusive`` with the measured reason; the
        fitness notes (e.g. "time of day is not used") become caveats of the verdict."""
        fit = self.check_fitness(source, current, baseline)
        if not fit.ok:
            return self.inconclusive(fit.reason(), caveats=list(fit.notes), fitness=fit.to_dict())
        verdict = self.test(source, current, baseline, offences, fitness=fit, **options)
        verdict.caveats = list(verdict.caveats) + [n for n in fit.notes if n not in verdict.caveats]
        verdict.fitness = fit.to_dict()
        return verdict

    def test(self, source, current, baseline, offences, **options) -> Verdict:
        """Test the hypothesis on ``source`` for the two periods and offence codes."""
        raise TypeError(f"{type(self).__name__} must implement test()")

    def inconclusive(self, reason: str, **fields) -> Verdict:
        return Verdict.make(self, "inconclusive", reason, **fields)


def register(cls: type[Hypothesis]) -> type[Hypothesis]:
    """Class decorator: make a hypothesis available by name (to :func:`run` and the CLI).

    Examples
    --------
    >>> type(get("seriousness")) is register(type(get("seriousness")))
    True
    >>> register(type("Nameless", (Hypothesis,), {}))
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: Nameless needs a non-empty `name`.
    """
    if not getattr(cls, "name", ""):
        raise check.BadInput(f"{cls.__name__} needs a non-empty `name`.")
    _REGISTRY[cls.name] = cls
    return cls


def names() -> list[str]:
    """The names of the registered hypotheses, sorted.

    Examples
    --------
    >>> names()
    ['concentration', 'premises', 'reporting', 'seriousness']
    """
    return sorted(_REGISTRY)


def get(name: str) -> Hypothesis:
    """A fresh instance of the registered hypothesis ``name``.

    Examples
    --------
    >>> get("seriousness").name
    'seriousness'
    >>> get("nope")
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: `hypothesis` must be one of ...; received 'nope'.
    """
    check.one_of(name, names(), "hypothesis")
    return _REGISTRY[name]()
