"""Set-up promises: same runtime packages in environment.yml and pyproject; no data under git."""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_environment_yml_lists_the_same_runtime_packages_as_pyproject():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    assert sorted(pip) == sorted(deps)


def test_data_restricted_holds_only_readme_and_gitkeep_in_git():
    out = subprocess.run(["git", "ls-files", "data/restricted"], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout.split()
    assert sorted(out) == ["data/restricted/.gitkeep", "data/restricted/README.md"]


def test_top_level_layout():
    for name in ("notebooks", "workbench", "data/restricted", "dashboards", "tests",
                 "environment.yml", "pyproject.toml", "data/sample", "bench", "Makefile",
                 "README.md", ".ci/run"):
        assert (ROOT / name).exists(), name


def test_ci_runs_make_test():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
