"""Every runnable example in the analysis library's docstrings works (STYLE.md 6)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import workbench.analysis

MODULES = sorted(m.name for m in pkgutil.walk_packages(workbench.analysis.__path__, "workbench.analysis."))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"


def test_scenario_examples():
    from workbench.demo import scenarios

    assert doctest.testmod(scenarios).failed == 0
