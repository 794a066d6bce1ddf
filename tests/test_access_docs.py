"""docs/governance.md carries the permission matrix exactly as the code defines it."""

from pathlib import Path

from workbench.privacy.access import markdown_table


def test_governance_doc_matches_matrix():
    doc = (Path(__file__).resolve().parents[1] / "docs" / "governance.md").read_text()
    assert markdown_table() in doc, ("docs/governance.md is out of date: paste the output of "
                                     "`python -c 'from workbench.privacy.access import markdown_table; "
                                     "print(markdown_table())'` into section 4")
