"""Exceptions that carry the workbench's exit codes (``CONTRACTS.md``, "Exit codes").

Every ``workbench`` command maps an exception to an exit code in one place
(:func:`workbench.cli.main`):

====  ==========================================================================
code  meaning
====  ==========================================================================
0     success
1     unexpected failure (a bug): any exception not listed below
2     bad input, nothing changed (:class:`BadInput`, :class:`SupplyRejected`)
3     access denied, audited (:class:`AccessDenied`)
4     locked or unavailable resource, e.g. hub key missing or wrong (:class:`ResourceLocked`)
====  ==========================================================================
"""

from __future__ import annotations

from dataclasses import dataclass, field


class WorkbenchError(Exception):
    """Base class for every error the workbench raises on purpose.

    Examples
    --------
    >>> WorkbenchError("something went wrong").to_dict()
    {'error': 'WorkbenchError', 'message': 'something went wrong', 'exit_code': 1}
    """

    exit_code = 1

    def to_dict(self) -> dict:
        return {"error": type(self).__name__, "message": str(self), "exit_code": self.exit_code}


class BadInput(WorkbenchError, ValueError):
    """Input that does not meet the contract; nothing was changed (exit 2).

    Examples
    --------
    >>> err = BadInput("`cell_size` must be a positive number; received -5.")
    >>> err.exit_code, isinstance(err, ValueError)
    (2, True)
    """

    exit_code = 2


@dataclass
class Problem:
    """One validation problem in a supply: where it is, what was expected, what was found.

    Examples
    --------
    >>> p = Problem("crimes.csv", 7, "offence_code", "a Home Office offence code", "ZZZ9")
    >>> str(p)
    "crimes.csv, line 7, column 'offence_code': expected a Home Office offence code; found 'ZZZ9'"
    >>> str(Problem("crimes.csv", None, None, "UTF-8 text", "bytes 0xff"))
    "crimes.csv: expected UTF-8 text; found 'bytes 0xff'"
    """

    file: str
    line: int | None
    column: str | None
    expected: str
    found: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.column:
            where += f", column '{self.column}'"
        return f"{where}: expected {self.expected}; found {self.found!r}"

    def to_dict(self) -> dict:
        return {"file": self.file, "line": self.line, "column": self.column,
                "expected": self.expected, "found": self.found}


class SupplyRejected(BadInput):
    """A supply failed validation and was not ingested (exit 2).

    Carries the first few :class:`Problem` objects and the total count so the
    message can name file, line, column, expected and found.

    Examples
    --------
    >>> err = SupplyRejected("police_crime_offence", [Problem("c.csv", 2, "month", "YYYY-MM", "2024/01")], total=3)
    >>> print(err)
    Supply for 'police_crime_offence' rejected: 3 problem(s); nothing was changed.
      c.csv, line 2, column 'month': expected YYYY-MM; found '2024/01'
      … and 2 more
    >>> err.exit_code, err.to_dict()["problem_count"]
    (2, 3)
    """

    def __init__(self, dataset: str, problems: list[Problem], total: int | None = None):
        self.dataset = dataset
        self.problems = list(problems)
        self.total = total if total is not None else len(self.problems)
        listed = self.problems[:10]
        shown = "\n  ".join(str(p) for p in listed)
        more = "" if self.total <= len(listed) else f"\n  … and {self.total - len(listed)} more"
        super().__init__(
            f"Supply for '{dataset}' rejected: {self.total} problem(s); nothing was changed.\n  "
            f"{shown}{more}"
        )

    def to_dict(self) -> dict:
        d = super().to_dict()
        d.update({"dataset": self.dataset, "problem_count": self.total,
                  "problems": [p.to_dict() for p in self.problems[:10]]})
        return d


class AccessDenied(WorkbenchError, PermissionError):
    """The user may not do this; the refusal has been audited (exit 3).

    Examples
    --------
    >>> err = AccessDenied("ann may not export personal data")
    >>> err.exit_code, isinstance(err, PermissionError)
    (3, True)
    """

    exit_code = 3


class ResourceLocked(WorkbenchError):
    """A resource is locked or unavailable, e.g. the hub key is missing or wrong (exit 4).

    Examples
    --------
    >>> ResourceLocked("the hub key is missing").to_dict()["exit_code"]
    4
    """

    exit_code = 4
