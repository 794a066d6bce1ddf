"""Harm-weighted priority scoring in a configurable MoRiLE-style matrix.

The strategic assessment "informs the strategy group of the issues likely to affect the
partnership in the coming year and recommends which should be a priority" (regulations
appendix H 1.8), prioritising "based on risk" (appendix H introduction). This follows the
shape of the MoRiLE (Management of Risk in Law Enforcement) matrix: each issue is scored 1–5 on

- **volume** — events in the last 12 months,
- **trend** — the three-year trend and its significance,
- **harm** — harm per event (a crime-harm weight),
- **vulnerability** — how vulnerable victims typically are,
- **public concern** — share of survey respondents naming it a problem (``survey_response``),

the weighted sum is scaled to 0–100 and multiplied by an **organisational capacity** modifier
(1 = well resourced to respond … 5 = no capacity: the risk to the partnership is higher), and
reported with a **confidence** rating (1–5) that does not change the score but marks where
the judgement rests on thin data. Everything is configurable through :class:`PriorityMatrix`
(e.g. from YAML via :meth:`PriorityMatrix.from_dict`). Pure: no data access, so dashboards
reuse it.

Examples
--------
>>> table = score_priorities([
...     PriorityInput("violence", "Violence", volume=900, trend="rising", harm=30,
...                   vulnerability=5, public_concern=0.4),
...     PriorityInput("bicycle", "Bicycle theft", volume=60, trend="falling", harm=2,
...                   vulnerability=1, public_concern=0.05)])
>>> [r.issue for r in table.rows], table.rows[0].band
(['violence', 'bicycle'], 'high')
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

import pandas as pd

from workbench.errors import BadInput

FACTORS = ("volume", "trend", "harm", "vulnerability", "public_concern")
TREND_SCORES = {"rising": 5, "no significant change": 3, "too few data": 3, "falling": 1}


@dataclass(frozen=True)
class PriorityMatrix:
    """The configuration of the matrix: factor weights, score thresholds and bands.

    A threshold tuple ``(t1, t2, t3, t4)`` maps a value to 1 (below t1) … 5 (at or above t4).

    Examples
    --------
    >>> m = PriorityMatrix()
    >>> m.weights["harm"], m.volume_thresholds, m.bands[0]
    (2.0, (50, 200, 500, 1000), ('high', 65.0))
    >>> PriorityMatrix(weights={"volum": 1})
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: PriorityMatrix weights name unknown factor(s) ['volum']; factors are volume, trend, harm, vulnerability, public_concern.
    """

    weights: dict = field(default_factory=lambda: {"volume": 1.0, "trend": 1.0, "harm": 2.0,
                                                   "vulnerability": 2.0, "public_concern": 1.0})
    volume_thresholds: tuple = (50, 200, 500, 1000)
    harm_thresholds: tuple = (2, 5, 10, 25)
    concern_thresholds: tuple = (0.05, 0.15, 0.25, 0.4)
    capacity_modifier: dict = field(default_factory=lambda: {1: 0.8, 2: 0.9, 3: 1.0, 4: 1.1, 5: 1.2})
    # high from 70: with harm and vulnerability weighted double, a floor of 60 put most
    # serious crime types in 'high' (10 of 25 issues on the demo hub); 65/45 spreads the bands
    bands: tuple = (("high", 65.0), ("medium", 45.0), ("low", 0.0))

    def __post_init__(self):
        unknown = set(self.weights) - set(FACTORS)
        if unknown:
            raise BadInput(f"PriorityMatrix weights name unknown factor(s) {sorted(unknown)}; "
                           f"factors are {', '.join(FACTORS)}.")
        if any(w < 0 for w in self.weights.values()) or sum(self.weights.values()) <= 0:
            raise BadInput("PriorityMatrix weights must be >= 0 and not all zero.")
        for name in ("volume_thresholds", "harm_thresholds", "concern_thresholds"):
            t = getattr(self, name)
            if len(t) != 4 or list(t) != sorted(t):
                raise BadInput(f"PriorityMatrix.{name} must be 4 increasing numbers; found {t!r}.")

    @classmethod
    def from_dict(cls, d: dict) -> "PriorityMatrix":
        """Build from a plain mapping (e.g. YAML); missing keys keep their defaults."""
        known = {k: v for k, v in (d or {}).items() if k in cls.__dataclass_fields__}
        extra = set(d or {}) - set(known)
        if extra:
            raise BadInput(f"Unknown priority matrix setting(s) {sorted(extra)}; "
                           f"known: {sorted(cls.__dataclass_fields__)}.")
        for k in ("volume_thresholds", "harm_thresholds", "concern_thresholds", "bands"):
            if k in known:
                known[k] = tuple(tuple(x) if isinstance(x, list) else x for x in known[k])
        if "capacity_modifier" in known:
            known["capacity_modifier"] = {int(k): float(v) for k, v in known["capacity_modifier"].items()}
        return cls(**known)

    def to_dict(self) -> dict:
        return asdict(self)


DEFAULT_MATRIX = PriorityMatrix()


@dataclass
class PriorityInput:
    """The facts about one issue the matrix scores.

    Examples
    --------
    >>> x = PriorityInput("burglary", "Burglary", volume=600, trend="rising", harm=12, vulnerability=4)
    >>> x.public_concern is None, x.capacity                     # not surveyed; a neutral capacity gap
    (True, 3)
    """

    issue: str
    label: str
    volume: float                    # events in the last 12 months
    trend: str = "no significant change"
    harm: float = 1.0                # harm per event
    vulnerability: int = 3           # 1–5
    public_concern: float | None = None  # share of respondents (0–1); None = not surveyed
    capacity: int = 3                # 1–5, organisational capacity gap
    confidence: int = 3              # 1–5
    annual_change: float | None = None
    theme: str | None = None
    complete: bool = True            # both comparison years fully covered by the data
    coverage: str = ""               # the coverage in words (why a row is provisional)
    sources: tuple = ()              # the issues (datasets) triangulated as evidence


@dataclass
class PriorityRow:
    """One scored issue: the factor scores (1–5), the weighted score (0–100), its band and rank.

    Examples
    --------
    >>> row = score_priorities([PriorityInput("burglary", "Burglary", 600, "rising", harm=12, vulnerability=4)]).rows[0]
    >>> row.scores
    {'volume': 4, 'trend': 5, 'harm': 4, 'vulnerability': 4, 'public_concern': 3}
    >>> row.likelihood, row.impact, row.score, row.band
    (9, 8, 75.0, 'high')
    """

    issue: str
    label: str
    theme: str | None
    scores: dict
    raw: float
    capacity_modifier: float
    score: float
    band: str
    confidence: int
    harm_weighted_volume: float
    rank: int = 0
    complete: bool = True
    coverage: str = ""
    sources: tuple = ()

    @property
    def likelihood(self) -> int:
        """Volume + trend scores (2–10): the x axis of the priority matrix."""
        return self.scores["volume"] + self.scores["trend"]

    @property
    def impact(self) -> int:
        """Harm + vulnerability scores (2–10): the y axis of the priority matrix."""
        return self.scores["harm"] + self.scores["vulnerability"]

    def to_dict(self) -> dict:
        d = asdict(self)
        d.update({f"score_{k}": v for k, v in self.scores.items()})
        d.update({"likelihood": self.likelihood, "impact": self.impact,
                  "sources": "; ".join(self.sources)})
        return d


@dataclass
class PriorityTable:
    """Scored issues, highest priority first.

    Examples
    --------
    >>> t = score_priorities([PriorityInput("asb", "ASB", 120),
    ...                       PriorityInput("burglary", "Burglary", 600, "rising", harm=12, vulnerability=4)])
    >>> t.to_frame()[["issue", "rank", "band"]].values.tolist(), [r.issue for r in t.priorities("high")]
    ([['burglary', 1, 'high'], ['asb', 2, 'low']], ['burglary'])
    """

    rows: list[PriorityRow]
    matrix: PriorityMatrix

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{k: v for k, v in r.to_dict().items() if k != "scores"} for r in self.rows])

    def to_dict(self) -> dict:
        return {"rows": [r.to_dict() for r in self.rows], "matrix": self.matrix.to_dict()}

    def priorities(self, band: str = "high") -> list[PriorityRow]:
        return [r for r in self.rows if r.band == band]


def _band_score(value: float, thresholds: tuple) -> int:
    return 1 + bisect.bisect_right(list(thresholds), value)


def _check_1_to_5(name: str, issue: str, value) -> int:
    if not isinstance(value, int | float) or not 1 <= value <= 5:
        raise BadInput(f"`{name}` for issue '{issue}' must be 1–5; found {value!r}.")
    return int(round(value))


def score_priorities(inputs: Iterable[PriorityInput | dict],
                     matrix: PriorityMatrix = DEFAULT_MATRIX) -> PriorityTable:
    """Score issues in the matrix and rank them (ties broken by harm-weighted volume).

    An issue with no survey evidence (``public_concern=None``) scores 3 on public concern
    (neutral) so that missing consultation neither raises nor lowers it. An issue whose data
    do not cover both comparison years (``complete=False``) is provisional: it ranks after
    every fully covered issue, whatever its score, and its ``coverage`` says why.

    Examples
    --------
    >>> t = score_priorities([PriorityInput("asb", "ASB", 120),
    ...                       PriorityInput("burglary", "Burglary", 600, "rising", harm=12, vulnerability=4)])
    >>> [(r.issue, r.score, r.band) for r in t.rows]
    [('burglary', 75.0, 'high'), ('asb', 32.1, 'low')]
    >>> score_priorities([PriorityInput("asb", "ASB", 120, trend="up")])
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: `trend` for issue 'asb' must be one of ['rising', 'no significant change', 'too few data', 'falling']; found 'up'.
    """
    rows = []
    for item in inputs:
        x = item if isinstance(item, PriorityInput) else PriorityInput(**item)
        if x.volume is None or x.volume < 0:
            raise BadInput(f"`volume` for issue '{x.issue}' must be >= 0; found {x.volume!r}.")
        if x.trend not in TREND_SCORES:
            raise BadInput(f"`trend` for issue '{x.issue}' must be one of {list(TREND_SCORES)}; "
                           f"found {x.trend!r}.")
        scores = {
            "volume": _band_score(x.volume, matrix.volume_thresholds),
            "trend": TREND_SCORES[x.trend],
            "harm": _band_score(x.harm, matrix.harm_thresholds),
            "vulnerability": _check_1_to_5("vulnerability", x.issue, x.vulnerability),
            "public_concern": 3 if x.public_concern is None
            else _band_score(x.public_concern, matrix.concern_thresholds),
        }
        capacity = _check_1_to_5("capacity", x.issue, x.capacity)
        confidence = _check_1_to_5("confidence", x.issue, x.confidence)
        total_w = sum(matrix.weights.get(f, 0.0) for f in FACTORS)
        raw = 100.0 * sum(matrix.weights.get(f, 0.0) * (scores[f] - 1) / 4 for f in FACTORS) / total_w
        mod = float(matrix.capacity_modifier.get(capacity, 1.0))
        score = min(100.0, raw * mod)
        band = next(name for name, floor in matrix.bands if score >= floor)
        rows.append(PriorityRow(x.issue, x.label, x.theme, scores, round(raw, 1), mod,
                                round(score, 1), band, confidence, float(x.volume) * float(x.harm),
                                complete=bool(x.complete), coverage=x.coverage,
                                sources=tuple(x.sources)))
    rows.sort(key=lambda r: (not r.complete, -r.score, -r.harm_weighted_volume, r.issue))
    for i, r in enumerate(rows, 1):
        r.rank = i
    return PriorityTable(rows, matrix)
