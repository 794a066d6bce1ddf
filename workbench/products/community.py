"""Community views from survey responses (guidance 3.3.3–3.3.6; regulations appendix K
"Community consulted about their priorities").

``survey_response`` holds aggregate counts: survey, period, area_code, question, response,
count. Public concern for an issue is measured two ways and the larger is kept:

- a question *about* the issue ("How much of a problem is drug dealing?"): the share of its
  responses that say it is a problem (big/fairly big problem, very/fairly worried, agree, yes);
- a question listing issues ("Which of these concern you most?"): the share of all its
  responses that name the issue.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import pandas as pd

from workbench.products.issues import Issue, tables

PROBLEM_WORDS = re.compile(r"\b(problem|unsafe|worried|concerned|dissatisfied|often|yes)\b", re.I)
NEGATIONS = re.compile(r"\b(not|no|never|none)\b", re.I)


@dataclass
class CommunityViews:
    """What the surveys in the source say: responses, surveys and periods, the top concerns and the share concerned about each issue.

    Examples
    --------
    >>> from workbench.products.issues import ISSUES
    >>> burglary = next(i for i in ISSUES if i.key == "burglary")
    >>> v = community_views(_example_survey(), [burglary])
    >>> v.responses, v.surveys, v.to_dict()["top_concerns"][0]["response"]
    (200, ['Residents 2024'], 'A big problem')
    """

    responses: int
    surveys: list[str]
    periods: list[str]
    top_concerns: pd.DataFrame   # question, response, count, share
    concern_by_issue: dict[str, float]

    def to_dict(self) -> dict:
        d = asdict(self)
        d["top_concerns"] = self.top_concerns.to_dict(orient="records")
        return d


def load_survey(source) -> pd.DataFrame:
    """The survey responses in the source (``survey_response``), or an empty frame with its columns.

    Examples
    --------
    >>> import duckdb
    >>> len(load_survey(_example_survey())), load_survey(duckdb.connect()).columns.tolist()
    (4, ['survey', 'period', 'area_code', 'question', 'response', 'count'])
    """
    if "survey_response" not in tables(source):
        return pd.DataFrame(columns=["survey", "period", "area_code", "question", "response", "count"])
    return source.execute("SELECT survey, period, area_code, question, response, "
                          "coalesce(count, 0) AS count FROM survey_response").df()


def _says_problem(response: str) -> bool:
    return bool(PROBLEM_WORDS.search(response or "")) and not NEGATIONS.search(response or "")


def concern_for(survey: pd.DataFrame, issue: Issue) -> float | None:
    """Share of respondents expressing concern about ``issue`` (None when no question matches).

    Examples
    --------
    >>> from workbench.products.issues import ISSUES
    >>> survey = load_survey(_example_survey())
    >>> burglary, robbery = (next(i for i in ISSUES if i.key == k) for k in ("burglary", "robbery"))
    >>> concern_for(survey, burglary), concern_for(survey, robbery)   # asked about; named as a worry
    (0.3, 0.1)
    """
    if survey.empty or not issue.keywords:
        return None
    pattern = re.compile("|".join(re.escape(k) for k in issue.keywords), re.I)
    best = None
    for question, rows in survey.groupby("question", dropna=True):
        total = rows["count"].sum()
        if total <= 0:
            continue
        if pattern.search(str(question)):
            share = rows.loc[rows["response"].map(lambda r: _says_problem(str(r))), "count"].sum() / total
        else:
            named = rows["response"].map(lambda r: bool(pattern.search(str(r))))
            if not named.any():
                continue
            share = rows.loc[named, "count"].sum() / total
        best = share if best is None else max(best, share)
    return None if best is None else float(best)


def community_views(source, issues: list[Issue], *, top: int = 10) -> CommunityViews:
    """Summarise the surveys in the source and score public concern per issue.

    Examples
    --------
    >>> from workbench.products.issues import ISSUES
    >>> burglary, robbery = (next(i for i in ISSUES if i.key == k) for k in ("burglary", "robbery"))
    >>> community_views(_example_survey(), [burglary, robbery]).concern_by_issue
    {'burglary': 0.3, 'robbery': 0.1}
    """
    survey = load_survey(source)
    if survey.empty:
        empty = pd.DataFrame(columns=["question", "response", "count", "share"])
        return CommunityViews(0, [], [], empty, {})
    totals = survey.groupby("question")["count"].transform("sum")
    survey = survey.assign(share=survey["count"] / totals.where(totals > 0))
    agg = (survey.groupby(["question", "response"], as_index=False)
           .agg(count=("count", "sum")))
    agg["share"] = agg["count"] / agg.groupby("question")["count"].transform("sum")
    flagged = agg[agg["response"].map(lambda r: _says_problem(str(r)))]
    top_rows = (flagged if not flagged.empty else agg).sort_values("share", ascending=False).head(top)
    concern = {i.key: c for i in issues if (c := concern_for(survey, i)) is not None}
    return CommunityViews(int(survey["count"].sum()), sorted(survey["survey"].dropna().unique()),
                          sorted(survey["period"].dropna().astype(str).unique()),
                          top_rows.reset_index(drop=True), concern)


def _example_survey():
    """An in-memory source with one residents' survey (two questions, 200 responses): the examples' data."""
    import duckdb

    con = duckdb.connect()
    con.execute("CREATE TABLE survey_response AS SELECT * FROM (VALUES "
                "('Residents 2024', '2024', 'E1', 'How much of a problem is burglary?', 'A big problem', 30), "
                "('Residents 2024', '2024', 'E1', 'How much of a problem is burglary?', 'Not a problem', 70), "
                "('Residents 2024', '2024', 'E1', 'Which crime worries you most?', 'Robbery', 10), "
                "('Residents 2024', '2024', 'E1', 'Which crime worries you most?', 'Other', 90)) "
                "v(survey, period, area_code, question, response, count)")
    return con
