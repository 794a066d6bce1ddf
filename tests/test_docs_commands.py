"""Every command in the README and the user guides runs as written (issue 18; like datasette's
``test_docs.py``): docs cannot drift from the product.

* Fenced ``bash`` blocks of ``README.md`` and ``docs/guide-*.md`` are extracted and run, one
  shell script per document, in a sandbox laid out like the repository (``data/sample``,
  ``docs``, ``notebooks`` linked; ``data/restricted`` empty or a copy of the demo hub), as a
  newcomer: no ``WORKBENCH_USER``/``WORKBENCH_HUB`` inherited, the OS user unknown to the
  registry. A command that fails names itself, its document and its output.
* The ``make`` targets that serve forever or run the whole suite are not run here; each is
  listed in :data:`NOT_RUN` with the test that covers it, and the list must match the docs.
* Inline synopses (```workbench request add|approve …```) must name real commands and options:
  each is checked against the command's ``--help``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("guide-*.md"))]
FENCE = re.compile(r"^```(?:bash|sh|shell)\n(.*?)^```", re.M | re.S)
INLINE = re.compile(r"`(workbench [^`]+)`")

#: commands the docs give that this test does not run, and the test that covers each
NOT_RUN = {
    "make run": "serves until stopped (the serve command: tests/test_dashboards.py, test_portal_api.py)",
    "make test": "the whole suite: CI runs it",
    "make lab": "tests/test_lab.py starts the Makefile's own command",
    "make bench": "benchmarks: the lead runs them on a quiet machine",
}
#: which hub a document's commands start from: an empty restricted folder or the demo hub
START = {"README.md": "empty", "guide-coordinator.md": "empty", "guide-analyst.md": "demo"}


def commands(text: str) -> list[str]:
    """The shell commands of a markdown text's fenced bash blocks, continuation lines joined.

    >>> commands("x\\n```bash\\nworkbench a \\\\\\n    --b 1   # note\\n\\nmake run\\n```\\n")
    ['workbench a --b 1   # note', 'make run']
    """
    out = []
    for block in FENCE.findall(text):
        joined = re.sub(r"\\\n\s*", "", block)
        out += [line.strip() for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return out


def _not_run(command: str) -> bool:
    return re.sub(r"\s+#.*$", "", command).strip() in NOT_RUN


def test_every_fenced_command_is_run_or_accounted_for():
    found = {c for doc in DOCS for c in commands(doc.read_text(encoding="utf-8"))}
    skipped = {re.sub(r"\s+#.*$", "", c).strip() for c in found if _not_run(c)}
    assert skipped == set(NOT_RUN), "NOT_RUN must list exactly the make targets the docs give"
    for doc in DOCS:
        runnable = [c for c in commands(doc.read_text(encoding="utf-8")) if not _not_run(c)]
        assert not runnable or doc.name in START, f"{doc.name} has commands but no START entry"
        assert "…" not in " ".join(runnable), f"{doc.name}: a command with a '…' placeholder cannot run"


@pytest.fixture(scope="module")
def guide_demo(tmp_path_factory) -> Path:
    """The demo with its default dates (those the guides quote), at a small scale."""
    from workbench.demo import build_demo, effects as fx

    folder = tmp_path_factory.mktemp("guide_demo")
    build_demo(folder / "hub.duckdb", quiet=True, start=fx.DEFAULT_START, end=fx.DEFAULT_END, scale=0.1)
    return folder


def _sandbox(tmp_path: Path, start: str, demo: Path | None) -> Path:
    box = tmp_path / "repo"
    (box / "data").mkdir(parents=True)
    (box / "data" / "sample").symlink_to(ROOT / "data" / "sample")
    (box / "docs").symlink_to(ROOT / "docs")
    (box / "notebooks").symlink_to(ROOT / "notebooks")
    if start == "demo":
        shutil.copytree(demo, box / "data" / "restricted", ignore=shutil.ignore_patterns("*.wal"))
    else:
        (box / "data" / "restricted").mkdir()
    return box


def _newcomer_env(tmp_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKBENCH_")}
    env.update(PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
               HOME=str(tmp_path), USER="newcomer", LOGNAME="newcomer",
               PASSWORD="a-long-first-password-2024")
    return env


@pytest.mark.slow
@pytest.mark.parametrize("doc", [d.name for d in DOCS if d.name in START])
def test_doc_commands_run_as_written(doc, tmp_path, request):
    path = next(d for d in DOCS if d.name == doc)
    runnable = [c for c in commands(path.read_text(encoding="utf-8")) if not _not_run(c)]
    assert runnable, f"{doc}: no commands to run"
    demo = request.getfixturevalue("guide_demo") if START[doc] == "demo" else None
    box = _sandbox(tmp_path, START[doc], demo)
    script = ["set -eo pipefail"]
    for i, command in enumerate(runnable):
        script += [f"echo '@@ {i}' >&2", command]
    proc = subprocess.run(["bash", "-c", "\n".join(script)], cwd=box, env=_newcomer_env(tmp_path),
                          capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        done = re.findall(r"^@@ (\d+)$", proc.stderr, re.M)
        failed = runnable[int(done[-1])] if done else "?"
        pytest.fail(f"{doc}: `{failed}` exited {proc.returncode}\n--- stderr ---\n{proc.stderr[-3000:]}"
                    f"\n--- stdout ---\n{proc.stdout[-1500:]}")
    if doc == "guide-analyst.md":      # the product the guide promises was written
        assert (box / "out" / "pp-1" / "problem-profile.html").exists()


def _inline_synopses() -> list[tuple[str, str]]:
    out = []
    for doc in DOCS:
        for span in INLINE.findall(doc.read_text(encoding="utf-8")):
            out.append((doc.name, span))
    return out


@pytest.mark.parametrize("doc, span", _inline_synopses())
def test_inline_synopsis_names_real_commands_and_options(doc, span, capsys):
    from workbench.cli import main

    words = span.split()[1:]
    path = []
    for word in words:
        if not re.fullmatch(r"[a-z][a-z0-9|-]*", word):
            break
        path.append(word)
    options = {w.split("=")[0] for w in words if re.fullmatch(r"--[a-z][a-z0-9-]*(=.*)?", w.rstrip(".,…"))}
    # `request add|approve|release` names several subcommands: check each
    heads, tails = path[:-1], path[-1:] if path else []
    variants = [heads + [t] for t in tails[0].split("|")] if tails else [heads]
    for variant in variants:
        variant = [w for w in variant if "|" not in w]
        with pytest.raises(SystemExit) as exit_:
            main([*variant, "--help"])
        text = capsys.readouterr().out
        assert exit_.value.code == 0, f"{doc}: `{span}` does not name a command ({' '.join(variant)})"
        if len(variants) == 1:
            missing = [o for o in options if o not in text]
            assert not missing, f"{doc}: `{span}` gives options {missing} that `{' '.join(variant)}` lacks"
