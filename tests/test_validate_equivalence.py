"""The cheap forms of the validation rules equal their reference definitions.

``workbench.hub.validate`` replaced some rules with cheaper SQL for ingest speed (issue 2
§7, ``bench/ingest_bench.py``): a GLOB and ``CAST AS DATE`` instead of a regex and
``strptime``, a prefix/suffix test before ``TRIM`` on ASCII files, a regex guard before
re-spacing postcodes. Each one must accept, reject and store exactly what the reference
definition (the regexes of the module, as documented in ``docs/hub.md``) does; hypothesis
searches for a value where they differ.
"""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.catalogue.model import Column
from workbench.hub import validate as v
from workbench.hub.ingest import _cast

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    yield c
    c.close()


def _col(kind: str, name: str = "x") -> Column:
    return Column(name=name, kind=kind)


def _evaluate(con, values: list, *exprs: str) -> list[tuple]:
    """Evaluate SQL expressions over column ``x`` holding ``values`` (in order)."""
    sel = ", ".join(f"({e})" for e in exprs)
    return con.execute(f"SELECT {sel} FROM (SELECT unnest(?::VARCHAR[]) AS x, "
                       f"generate_subscripts(?::VARCHAR[], 1) AS i) ORDER BY i",
                       [values, values]).fetchall()


def _rule(kind: str) -> str:
    pred, _ = v.reject_rule(_col(kind))
    return f'"x" IS NOT NULL AND ({pred})'


# --- dates ------------------------------------------------------------------------------
def _date_like():
    y = st.integers(0, 9999)
    m = st.integers(0, 13)
    d = st.integers(0, 32)
    formatted = st.builds(lambda a, b, c: f"{a:04d}-{b:02d}-{c:02d}", y, m, d)
    loose = st.builds(lambda a, b, c, sep: f"{a}{sep}{b}{sep}{c}", y, m, d,
                      st.sampled_from(["-", "/", " ", "."]))
    noise = st.text(alphabet="0123456789-/ .:+T\u0661\uff11a", max_size=12)
    return st.one_of(formatted, loose, noise, st.dates().map(lambda x: x.isoformat()))


REFERENCE_DATE = ("NOT regexp_matches(x, '^[0-9]{4}-[0-9]{2}-[0-9]{2}$') "
                  "OR try_strptime(x, '%Y-%m-%d') IS NULL OR year(try_strptime(x, '%Y-%m-%d')) < 1900")


@SETTINGS
@given(st.lists(_date_like(), min_size=1, max_size=60))
def test_date_rule_equals_regex_and_strptime(con, values):
    for value, ours, ref in _evaluate(con, values, "x", _rule("date"), REFERENCE_DATE):
        assert ours == ref, f"date rule differs on {value!r}: ours {ours}, reference {ref}"


@SETTINGS
@given(st.lists(_date_like(), min_size=1, max_size=60))
def test_date_storage_equals_strptime_on_accepted_values(con, values):
    rule = _rule("date")
    rows = _evaluate(con, values, "x", rule, f"CASE WHEN NOT ({rule}) THEN {_cast(_col('date'), 'x')} END",
                     "CAST(try_strptime(x, '%Y-%m-%d') AS DATE)")
    for value, rejected, stored, ref in rows:
        if not rejected:
            assert stored == ref, f"{value!r} stored as {stored}, strptime gives {ref}"


@SETTINGS
@given(st.lists(st.dates().map(lambda x: x.isoformat()), min_size=1, max_size=60))
def test_future_date_warning_equals_date_comparison(con, values):
    pred = next(p for code, p, _ in v.warning_rules(_dataset_with("date")) if code.startswith("future"))
    for value, ours, ref in _evaluate(con, values, "x", pred, "try_cast(x AS DATE) > current_date"):
        assert ours == ref, value


# --- times ------------------------------------------------------------------------------
def _time_like():
    hh = st.integers(0, 30).map(lambda n: f"{n:02d}")
    mm = st.integers(0, 70).map(lambda n: f"{n:02d}")
    structured = st.builds(lambda a, b, c, secs: f"{a}:{b}" + (f":{c}" if secs else ""),
                           hh, mm, mm, st.booleans())
    noise = st.text(alphabet="0123456789: .-", max_size=9)
    return st.one_of(structured, noise)


@SETTINGS
@given(st.lists(_time_like(), min_size=1, max_size=60))
def test_time_rule_equals_regex(con, values):
    ref = f"NOT regexp_matches(x, '{v.TIME_RE}')"
    for value, ours, reference in _evaluate(con, values, "x", _rule("time"), f'"x" IS NOT NULL AND ({ref})'):
        assert ours == reference, f"time rule differs on {value!r}"


# --- trimming ---------------------------------------------------------------------------
ASCII_TEXT = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=127), max_size=12)


@SETTINGS
@given(st.lists(st.one_of(ASCII_TEXT, st.sampled_from(["", " ", "  ", " a", "a ", "\ta\t", " a b "])),
                min_size=1, max_size=60))
def test_ascii_trim_equals_trim(con, values):
    col = _col("text")
    for value, ours, ref in _evaluate(con, values, "x", v.trim_expr(col, ascii_only=True),
                                      v.trim_expr(col)):
        assert ours == ref, f"trim differs on {value!r}: {ours!r} vs {ref!r}"


# --- tidying ----------------------------------------------------------------------------
def _postcode_like():
    shaped = st.from_regex(r"[A-Za-z]{1,2}[0-9][A-Za-z0-9]? ?[0-9][A-Za-z]{2}", fullmatch=True)
    noise = st.text(alphabet="ABGINRZabn0129 ", max_size=10)
    return st.one_of(shaped, noise, st.sampled_from(["GIR 0AA", "gir0aa", "NG1  5AW", "ng15aw"]))


OLD_POSTCODE_TIDY = ("CASE WHEN length(upper(replace(x, ' ', ''))) BETWEEN 5 AND 7 "
                     "THEN left(upper(replace(x, ' ', '')), length(upper(replace(x, ' ', ''))) - 3) "
                     "|| ' ' || right(upper(replace(x, ' ', '')), 3) ELSE upper(replace(x, ' ', '')) END")


@SETTINGS
@given(st.lists(_postcode_like(), min_size=1, max_size=60))
def test_postcode_tidy_equals_respacing(con, values):
    for value, ours, ref in _evaluate(con, values, "x", v.tidy_expr(_col("postcode")), OLD_POSTCODE_TIDY):
        assert ours == ref, f"postcode tidy differs on {value!r}: {ours!r} vs {ref!r}"


@SETTINGS
@given(st.lists(st.text(alphabet="YNyn xX", max_size=3), min_size=1, max_size=60))
def test_flag_tidy_equals_upper(con, values):
    for value, ours, ref in _evaluate(con, values, "x", v.tidy_expr(_col("flag")), "upper(x)"):
        assert ours == ref, value


def test_rules_reject_what_the_documentation_says(con):
    """Hand-checked cases, so the reference itself is pinned too."""
    cases = {
        "date": {"2024-02-29": False, "2023-02-29": True, "2024-2-29": True, "1899-12-31": True,
                 "1900-01-01": False, "2024/02/01": True, "2024-02-01x": True},
        "time": {"00:00": False, "23:59": False, "23:59:59": False, "24:00": True, "12:60": True,
                 "7:30": True, "12:00:60": True},
    }
    for kind, expected in cases.items():
        values = list(expected)
        got = {value: bad for value, bad in _evaluate(con, values, "x", _rule(kind))}
        assert got == expected, kind


def _dataset_with(kind: str):
    from workbench.catalogue.model import Dataset

    return Dataset(id="t", title="t", source="test", agency="t", klass="D", tiers=("core",),
                   cadence="monthly", columns=(_col(kind, "x"),))


FORMULA_TEXT = st.one_of(
    st.text(alphabet="=+@-\t\r0123456789. aZ", max_size=6),
    st.text(max_size=6),
    st.sampled_from(["=HYPERLINK(\"x\")", "-1", "-x", "- ", "+44", "@SUM(A1)", "\tcmd", "Street"]))


@SETTINGS
@given(st.lists(FORMULA_TEXT, min_size=1, max_size=60))
def test_formula_warning_equals_regex(con, values):
    pred = next(p for code, p, _ in v.warning_rules(_dataset_with("text")) if code.startswith("formula"))
    ref = f"x IS NOT NULL AND regexp_matches(x, '{v.FORMULA_RE}')"
    for value, ours, reference in _evaluate(con, values, "x", pred, ref):
        assert bool(ours) == bool(reference), f"formula warning differs on {value!r}"
