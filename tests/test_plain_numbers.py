"""Issue 18: products never show a reader scientific notation (``8.01e-20``): p-values read
``<0.001`` / ``p < 0.001``, other numbers in ordinary notation, one rule (workbench.viz.numbers)
for products and the dashboards' labels alike."""

from __future__ import annotations

import re

import pandas as pd

from workbench.products import layout_problem
from workbench.products import present as show
from workbench.products.hypotheses import evidence_items
from workbench.dashboard_data.labels import plain_table
from workbench.viz import numbers

SCIENTIFIC = re.compile(r"\de[-+]?\d", re.IGNORECASE)


def _capture(monkeypatch) -> list[str]:
    shown: list[str] = []
    monkeypatch.setattr(show, "_emit", lambda kind, html_text, **extra: shown.append(html_text) or html_text)
    return shown


def test_problem_profile_hypotheses_section_has_no_scientific_notation(monkeypatch):
    shown = _capture(monkeypatch)
    tests = [{"hypothesis": "reporting", "question": "Is the rise real?", "verdict": "supported",
              "p_value": 8.01e-20, "reason": "health data rose too",
              "evidence": [{"rate_ratio": 1.8, "p_value": 8.01e-20, "share": 2.5e-7},
                           {"title": "By month", "rows": [{"month": "2024-01", "p": 3.2e-12, "rate": 0.0000041,
                                                            "count": 12345678}]}],
              "caveats": ["synthetic"]}]
    layout_problem.hypotheses(tests)
    text = "\n".join(shown)
    assert not SCIENTIFIC.search(text), SCIENTIFIC.findall(text)
    assert "&lt;0.001" in text and "12,345,678" in text


def test_cells_sentences_and_labels_share_one_rule():
    assert show.table_data(pd.DataFrame({"p-value": [8.01e-20], "x": [1e-9]}))["texts"] == [["<0.001", "<0.001"]]
    assert numbers.p_text(8.01e-20) == "p < 0.001" and numbers.p_text(0.0412) == "p = 0.041"
    sentences, _ = evidence_items({"evidence": [{"p_value": 1e-30}, "plain"]})
    assert sentences == ["p_value: <0.001", "plain"]
    row = plain_table(pd.DataFrame({"p_value": [8.01e-20]})).iloc[0].tolist()
    assert row == [numbers.p_value(8.01e-20)]


def test_figures_have_no_scientific_axis_multiplier_or_offset():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([457000, 457010], [2e7, 3e7])
    show.plain_axes(fig)
    fig.canvas.draw()
    texts = [ax.yaxis.get_offset_text().get_text(), ax.xaxis.get_offset_text().get_text()]
    texts += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
    plt.close(fig)
    assert not any(SCIENTIFIC.search(t) or t.startswith("+") for t in texts), texts
