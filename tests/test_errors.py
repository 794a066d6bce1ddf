"""The exceptions that carry exit codes (workbench.errors)."""

from __future__ import annotations

import pytest

from workbench.errors import Problem, SupplyRejected


@pytest.mark.parametrize("listed, total, tail", [
    (1, 3, "… and 2 more"),      # regression: said "… and -7 more" when fewer than 10 were listed
    (10, 25, "… and 15 more"),
    (12, 12, "… and 2 more"),    # only the first 10 are shown
])
def test_the_message_counts_the_problems_it_does_not_show(listed, total, tail):
    problems = [Problem("c.csv", i, "month", "YYYY-MM", "x") for i in range(listed)]
    err = SupplyRejected("police_uk_street", problems, total=total)
    assert str(err).splitlines()[-1].strip() == tail
    assert str(err).count("c.csv, line") == min(listed, 10)


def test_all_problems_shown_means_no_tail():
    err = SupplyRejected("police_uk_street", [Problem("c.csv", 1, None, "text", "x")])
    assert "more" not in str(err) and err.to_dict()["problem_count"] == 1
