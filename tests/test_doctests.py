"""Every runnable example in every workbench and dashboards module's docstrings works (STYLE.md 6; issue 14).

Each module under ``workbench/`` is imported and its examples run, in a scratch folder with
``WORKBENCH_HUB`` pointing there, so an example can never touch the repository or a real
hub. No module is left out except those in :data:`NOT_RUN`, each with its reason; a module
that fails to import fails its test.

:data:`COMPLETE` lists the modules in which every public function and class already has a
runnable example; a test keeps them so (add a module when its last example is written).
"""

from __future__ import annotations

import doctest
import importlib
import inspect
import os
import pkgutil
import shutil
import tempfile
import types
from pathlib import Path

import pytest

import dashboards
import workbench

#: modules whose examples are not run, and why (nothing else is left out)
NOT_RUN = {
    "workbench.__main__": "importing it runs the command line and exits (it has no docstring)",
}

MODULES = sorted([m.name for m in pkgutil.walk_packages(workbench.__path__, "workbench.")]
                 + ["dashboards"] + [m.name for m in pkgutil.walk_packages(dashboards.__path__, "dashboards.")])

#: every public function and class here has a runnable example (kept so by a test)
COMPLETE = (
    "dashboards",
    "dashboards.auth",
    "dashboards.base",
    "dashboards.explorer",
    "dashboards.index",
    "dashboards.library",
    "dashboards.records",
    "dashboards.screenshots",
    "dashboards.server",
    "dashboards.strategic",
    "dashboards.tactical",
    "workbench.analysis",
    "workbench.analysis._validate",
    "workbench.analysis.aoristic",
    "workbench.analysis.change",
    "workbench.analysis.concentration",
    "workbench.analysis.conditional_permutation",
    "workbench.analysis.defaults",
    "workbench.analysis.evaluation",
    "workbench.analysis.fitness",
    "workbench.analysis.gistar",
    "workbench.analysis.grid",
    "workbench.analysis.harm",
    "workbench.analysis.hotspot_change",
    "workbench.analysis.hypotheses",
    "workbench.analysis.hypotheses.base",
    "workbench.analysis.hypotheses.common",
    "workbench.analysis.hypotheses.concentration",
    "workbench.analysis.hypotheses.data",
    "workbench.analysis.hypotheses.premises",
    "workbench.analysis.hypotheses.reporting",
    "workbench.analysis.hypotheses.seriousness",
    "workbench.analysis.kde",
    "workbench.analysis.knox",
    "workbench.analysis.offence_groups",
    "workbench.analysis.offenders",
    "workbench.analysis.rates",
    "workbench.analysis.repeats",
    "workbench.analysis.results",
    "workbench.analysis.study_area",
    "workbench.analysis.temporal",
    "workbench.analysis.triangulation",
    "workbench.analysis.units",
    "workbench.catalogue",
    "workbench.catalogue.classification",
    "workbench.catalogue.codes",
    "workbench.catalogue.datasets",
    "workbench.catalogue.model",
    "workbench.catalogue.types",
    "workbench.catalogue.user",
    "workbench.checks",
    "workbench.cli",
    "workbench.commands",
    "workbench.commands.common",
    "workbench.commands.demo",
    "workbench.commands.hub",
    "workbench.commands.hypothesis",
    "workbench.commands.portal",
    "workbench.commands.privacy",
    "workbench.commands.products",
    "workbench.commands.registry",
    "workbench.commands.requests",
    "workbench.commands.serve",
    "workbench.dashboard_data",
    "workbench.dashboard_data.access",
    "workbench.dashboard_data.assess",
    "workbench.dashboard_data.context",
    "workbench.dashboard_data.crime",
    "workbench.dashboard_data.cube",
    "workbench.dashboard_data.hubinfo",
    "workbench.dashboard_data.labels",
    "workbench.dashboard_data.library",
    "workbench.dashboard_data.partners",
    "workbench.dashboard_data.periods",
    "workbench.dashboard_data.quality_words",
    "workbench.dashboard_data.source",
    "workbench.dashboard_data.strategic",
    "workbench.demo",
    "workbench.demo.build",
    "workbench.demo.context",
    "workbench.demo.crime",
    "workbench.demo.effects",
    "workbench.demo.gazetteer",
    "workbench.demo.generate",
    "workbench.demo.health",
    "workbench.demo.partners",
    "workbench.demo.people",
    "workbench.demo.scenarios",
    "workbench.demo.timing",
    "workbench.demo.validation",
    "workbench.demo.world",
    "workbench.engine",
    "workbench.engine.aggregate",
    "workbench.engine.spark",
    "workbench.engine.sparksql",
    "workbench.engine.store",
    "workbench.errors",
    "workbench.geo",
    "workbench.geo.boundaries",
    "workbench.geo.centroids",
    "workbench.geo.crs",
    "workbench.geo.geocode",
    "workbench.geo.grid",
    "workbench.geo.postcode",
    "workbench.hub",
    "workbench.hub.adapters",
    "workbench.hub.adapters.areas",
    "workbench.hub.adapters.canonical",
    "workbench.hub.adapters.codepoint",
    "workbench.hub.adapters.csvfiles",
    "workbench.hub.adapters.ecds",
    "workbench.hub.adapters.frames",
    "workbench.hub.adapters.imd",
    "workbench.hub.adapters.licensing",
    "workbench.hub.adapters.lsoa",
    "workbench.hub.adapters.ons_households",
    "workbench.hub.adapters.police_uk",
    "workbench.hub.adapters.spreadsheet",
    "workbench.hub.adapters.stop_search",
    "workbench.hub.calendar",
    "workbench.hub.connect",
    "workbench.hub.geocoding",
    "workbench.hub.ingest",
    "workbench.hub.ingest_spark",
    "workbench.hub.mappings",
    "workbench.hub.quality",
    "workbench.hub.schema",
    "workbench.hub.share",
    "workbench.hub.staging",
    "workbench.hub.status",
    "workbench.hub.supply_files",
    "workbench.hub.user_datasets",
    "workbench.hub.validate",
    "workbench.notify",
    "workbench.period",
    "workbench.portal",
    "workbench.portal.access",
    "workbench.portal.api",
    "workbench.portal.app",
    "workbench.portal.auth",
    "workbench.portal.console_actions",
    "workbench.portal.middleware",
    "workbench.portal.pages_admin",
    "workbench.portal.pages_console",
    "workbench.portal.pages_partner",
    "workbench.portal.pages_public",
    "workbench.portal.pages_review",
    "workbench.portal.pages_supply",
    "workbench.portal.ratelimit",
    "workbench.portal.registration",
    "workbench.portal.server",
    "workbench.portal.sessions",
    "workbench.portal.stats",
    "workbench.portal.store",
    "workbench.portal.submissions",
    "workbench.portal.supply_mapping",
    "workbench.portal.transfer",
    "workbench.portal.uploads",
    "workbench.portal.validate",
    "workbench.portal.vocabulary",
    "workbench.portal.web",
    "workbench.privacy",
    "workbench.privacy.access",
    "workbench.privacy.addresses",
    "workbench.privacy.caldicott",
    "workbench.privacy.checker",
    "workbench.privacy.counts",
    "workbench.privacy.depersonalise",
    "workbench.privacy.disclosure",
    "workbench.privacy.dpia",
    "workbench.privacy.export",
    "workbench.privacy.foi",
    "workbench.privacy.nonaddressable",
    "workbench.privacy.outputs",
    "workbench.privacy.provenance",
    "workbench.privacy.publication",
    "workbench.privacy.publish",
    "workbench.privacy.publish_spark",
    "workbench.privacy.quasi",
    "workbench.privacy.reidentify",
    "workbench.privacy.requests",
    "workbench.privacy.retention",
    "workbench.privacy.scope",
    "workbench.privacy.scrub",
    "workbench.privacy.shared",
    "workbench.privacy.survey",
    "workbench.privacy.working_days",
    "workbench.products",
    "workbench.products.actions",
    "workbench.products.area",
    "workbench.products.authorise",
    "workbench.products.build",
    "workbench.products.commissioning",
    "workbench.products.community",
    "workbench.products.context",
    "workbench.products.emerging",
    "workbench.products.feedback",
    "workbench.products.figures",
    "workbench.products.frontsheet",
    "workbench.products.hotspots",
    "workbench.products.hypotheses",
    "workbench.products.issues",
    "workbench.products.judgements",
    "workbench.products.layout_problem",
    "workbench.products.layout_sna",
    "workbench.products.layout_strategic",
    "workbench.products.layout_subject",
    "workbench.products.layout_tactical",
    "workbench.products.marking",
    "workbench.products.needs",
    "workbench.products.pestelo",
    "workbench.products.present",
    "workbench.products.priority",
    "workbench.products.problem",
    "workbench.products.render",
    "workbench.products.sna",
    "workbench.products.spec",
    "workbench.products.strategic",
    "workbench.products.subject",
    "workbench.products.tactical",
    "workbench.products.validate",
    "workbench.registry",
    "workbench.registry.audit",
    "workbench.registry.db",
    "workbench.registry.examples",
    "workbench.registry.partnerships",
    "workbench.registry.registry",
    "workbench.registry.users",
    "workbench.registry.validate",
    "workbench.sql",
    "workbench.viz",
    "workbench.viz.charts",
    "workbench.viz.maps",
    "workbench.viz.numbers",
)

FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    # examples' own temporary folders (tempfile.mkdtemp) go under the scratch folder too, which
    # pytest removes, instead of piling up in the system's temporary directory
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setenv("WORKBENCH_HUB", str(tmp_path / "hub.duckdb"))
    return tmp_path


#: the demo helpers whose examples read the smallest demo hub (workbench.demo.build._example_demo)
DEMO_HELPERS = ("_example_demo", "_example_tier", "_example_summary", "_example_parts", "_example_dashboard")


@pytest.fixture(scope="session")
def built_demo(tmp_path_factory):
    """The smallest demo (``examples/demo``), built once per test session (about 9 s) rather than
    once per module: a module whose examples use it gets a copy in its own scratch folder."""
    from workbench.demo.build import _example_demo

    folder, here, hub = tmp_path_factory.mktemp("demo"), Path.cwd(), os.environ.get("WORKBENCH_HUB")
    os.chdir(folder)
    os.environ["WORKBENCH_HUB"] = str(folder / "hub.duckdb")
    try:
        return (folder / _example_demo()).parent
    finally:
        os.chdir(here)
        if hub is None:
            os.environ.pop("WORKBENCH_HUB", None)
        else:
            os.environ["WORKBENCH_HUB"] = hub


def uses_the_demo(module) -> bool:
    """True when ``module``'s examples read the smallest demo (workbench.demo.build's own examples build it)."""
    if module.__name__ == "workbench.demo.build":
        return False
    return any(helper in (inspect.getsource(module)) for helper in DEMO_HELPERS)


@pytest.mark.parametrize("name", [m for m in MODULES if m not in NOT_RUN])
def test_docstring_examples(name, scratch, request):
    module = importlib.import_module(name)
    if uses_the_demo(module):
        shutil.copytree(request.getfixturevalue("built_demo"), scratch / "examples" / "demo")
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    for test in finder.find(module, name):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"


def test_the_runner_reports_a_failing_example(scratch):
    """The harness itself can fail: a wrong expected value is counted as a failure."""
    def wrong():
        """
        >>> 1 + 1
        3
        """
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    for test in doctest.DocTestFinder().find(wrong, "wrong", globs={}):
        runner.run(test, out=lambda text: None)
    assert runner.summarize(verbose=False).failed == 1


def test_not_run_lists_only_modules_that_exist():
    assert set(NOT_RUN) <= set(MODULES)


def runs_an_example(docstring: str | None) -> bool:
    """True when ``docstring`` has an example that runs (one marked ``+SKIP`` does not)."""
    examples = doctest.DocTestParser().get_examples(docstring or "")
    return any(not ex.options.get(doctest.SKIP) for ex in examples)


def public_without_example(module) -> list[str]:
    """Public functions and classes defined in ``module`` (a module or its name) with no ``>>>`` example."""
    if isinstance(module, str):
        module = importlib.import_module(module)
    missing = []
    for attr, obj in vars(module).items():
        if attr.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
            continue
        if (inspect.isfunction(obj) or inspect.isclass(obj)) and not runs_an_example(obj.__doc__):
            missing.append(attr)
    return sorted(missing)


@pytest.mark.parametrize("name", COMPLETE)
def test_every_public_function_has_an_example(name):
    assert public_without_example(name) == []


def test_the_example_check_finds_a_function_without_one():
    module = types.ModuleType("planted")
    exec(compile('def shown():\n    """\n    >>> 1\n    1\n    """\n\n'
                 'def bare():\n    """No example."""\n\n'
                 'def _private():\n    pass\n', "planted", "exec"), module.__dict__)
    assert public_without_example(module) == ["bare"]


def test_an_example_marked_skip_does_not_count():
    assert runs_an_example(">>> 1\n1\n") and not runs_an_example(">>> 1  # doctest: +SKIP\n1\n")
