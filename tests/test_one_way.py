"""One way to do each thing (issue 14): SQL quoting lives in ``workbench/sql.py`` only, the
registry has one opener (``registry/db.py``) and the shared tier one reader
(``privacy/shared.py``).

The independent disclosure checker (``privacy/checker.py``) keeps its own quoting on
purpose (its docstring says why; ``docs/duplicates.md`` lists it).
"""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

#: quoting written out by hand: doubling a double quote (identifier) or a single one (literal)
HAND_QUOTING = re.compile(r"""\.replace\(\s*(?:'"'\s*,\s*'""'|"'"\s*,\s*"''")\s*\)""")
#: the only files allowed to quote SQL by hand, and why
ALLOWED = {
    "workbench/sql.py": "the one quoting module",
    "workbench/privacy/checker.py": "the independent checker shares no code with what it checks",
}


def hand_quoting(root: Path) -> list[str]:
    found = []
    for path in sorted((root / "workbench").rglob("*.py")) + sorted((root / "dashboards").rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if rel in ALLOWED:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if HAND_QUOTING.search(line):
                found.append(f"{rel}:{number}: {line.strip()}")
    return found


def test_sql_is_quoted_through_workbench_sql_only():
    found = hand_quoting(REPO)
    assert not found, "use workbench.sql.quote_identifier / quote_literal:\n" + "\n".join(found)


def planted_tree(root: Path, source: str) -> Path:
    """A repository at ``root`` holding ``workbench/x.py`` = ``source`` (for the planted-fault tests)."""
    (root / "workbench").mkdir()
    (root / "dashboards").mkdir()
    (root / "workbench" / "x.py").write_text(source)
    return root


def test_the_check_finds_hand_written_quoting(tmp_path):
    planted_tree(tmp_path, "def q(n):\n    return '\"' + n.replace('\"', '\"\"') + '\"'\n"
                           "def lit(v):\n    return \"'\" + v.replace(\"'\", \"''\") + \"'\"\n")
    assert [f.split(":")[1] for f in hand_quoting(tmp_path)] == ["2", "4"]


def test_allowed_files_exist():
    assert all((REPO / rel).exists() for rel in ALLOWED)


def test_the_registry_has_one_opener():
    """Only ``registry/db.py`` opens SQLite (0600 file, WAL, foreign keys, migrations)."""
    found = [f"{p.relative_to(REPO)}:{n}" for p in sorted((REPO / "workbench").rglob("*.py"))
             + sorted((REPO / "dashboards").rglob("*.py"))
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
             if "sqlite3.connect(" in line and p != REPO / "workbench" / "registry" / "db.py"]
    assert found == []


def test_commissioning_opens_the_registry_through_its_opener(tmp_path):
    """The commissioning register had a fallback that opened registry.sqlite itself (no 0600
    file, no foreign keys); it now goes through the registry's opener only (issue 14)."""
    import stat

    from workbench.products import commissioning

    con = commissioning.connect(tmp_path / "hub.duckdb")
    try:
        assert con.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        con.close()
    assert stat.S_IMODE((tmp_path / "registry.sqlite").stat().st_mode) == 0o600


def test_no_import_fallbacks():
    """Every package is part of the product: no ``try: import … except ImportError`` through
    which a step (audit, publish, the registry) could silently switch off (issue 14). The one
    exception is IPython, an optional display for notebooks."""
    pattern = re.compile(r"except\s+(?:ImportError|ModuleNotFoundError)")
    found = [f"{p.relative_to(REPO)}:{n}" for p in sorted((REPO / "workbench").rglob("*.py"))
             + sorted((REPO / "dashboards").rglob("*.py"))
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
             if pattern.search(line) and "IPython" not in p.read_text(encoding="utf-8")]
    assert found == []


#: the files that may open the shared tier's file themselves, and why (everyone else reads it
#: through ``workbench.privacy.shared``: ``open_shared`` for a person, ``open_shared_tier`` for
#: workbench code that scopes its own queries with ``privacy.scope``)
TIER_OPENERS = {
    "workbench/privacy/shared.py": "the one reader of the shared tier",
    "workbench/hub/connect.py": "keys, encryption and the locked connection the reader uses",
    "workbench/privacy/checker.py": "the independent checker shares no code with what it checks",
    "workbench/privacy/reidentify.py": "the re-identification harness links the tier to the master hub",
}
TIER = re.compile(r"shared_path|shared\.duckdb")
#: reading an encrypted file needs its key (``read_key``) or the locked opener; a writer (publish,
#: an example building a tiny tier) makes a new key with ``create_key`` and is not a reader
OPENS = re.compile(r"read_key\(|open_locked\(|attach_locked\(")


def tier_openers(root: Path) -> list[str]:
    """Files under ``workbench/`` and ``dashboards/`` that name the tier and read an encrypted database."""
    found = []
    for path in sorted((root / "workbench").rglob("*.py")) + sorted((root / "dashboards").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if TIER.search(text) and OPENS.search(text):
            found.append(path.relative_to(root).as_posix())
    return found


def test_the_shared_tier_has_one_reader():
    extra = sorted(set(tier_openers(REPO)) - set(TIER_OPENERS))
    assert extra == [], ("read the shared tier through workbench.privacy.shared "
                         "(open_shared / open_shared_tier):\n" + "\n".join(extra))


def test_the_tier_check_finds_a_second_reader(tmp_path):
    planted_tree(tmp_path, "from workbench.hub.connect import open_locked, shared_path\n"
                           "def read(hub):\n    return open_locked(shared_path(hub))\n")
    assert tier_openers(tmp_path) == ["workbench/x.py"]
