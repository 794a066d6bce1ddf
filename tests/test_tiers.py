"""Tiers are files (DESIGN.md; guidance 4.2.4): crafted SQL on the shared tier reaches nothing else."""

from __future__ import annotations

import os

import duckdb
import pytest

from workbench.hub.connect import key_file, open_locked, shared_path
from workbench.privacy.shared import open_shared_tier
from workbench.hub.schema import init_hub


@pytest.fixture(scope="module")
def tiers(tmp_path_factory):
    """A master hub with a secret row and a shared tier beside it (built directly)."""
    from workbench.hub.connect import create_key, new_connection, open_hub

    d = tmp_path_factory.mktemp("tiers")
    hub = init_hub(d / "hub.duckdb")
    con = open_hub(hub)
    con.execute("CREATE TABLE secret AS SELECT 'Jane Doe, 5 Acacia Avenue' AS person")
    con.close()
    target = shared_path(hub)
    key = create_key(target)
    con = new_connection()
    con.execute(f"ATTACH '{target}' AS s (ENCRYPTION_KEY '{key}')")
    con.execute("CREATE TABLE s.main.police_incident AS SELECT 'I1' AS incident_ref, 'Acacia Avenue' AS location")
    con.close()
    (d / "notes.csv").write_text("a,b\n1,2\n")
    return hub


@pytest.fixture()
def shared(tiers, monkeypatch):
    # DuckDB's default temp directory is ``<working dir>/.tmp``: work from a folder of our own
    # that holds one, with a planted file, so the attacks below can aim at it (issue 11 High 1)
    monkeypatch.chdir(_cwd(tiers))
    con = open_shared_tier(tiers)
    yield con
    con.close()


def _cwd(hub):
    cwd = hub.parent / "cwd"
    (cwd / ".tmp").mkdir(parents=True, exist_ok=True)
    (cwd / ".tmp" / "planted.csv").write_text("a,b\n1,2\n")
    return cwd


def _tmp_attacks(cwd):
    """SQL aimed at DuckDB's default temp directory, relative and absolute (issue 11 High 1)."""
    out = []
    for t in (".tmp", f"{cwd / '.tmp'}"):
        out += [
            f"COPY (SELECT * FROM police_incident) TO '{t}/leak.csv'",
            f"COPY (SELECT 1 AS x) TO '{t}/leak.parquet' (FORMAT parquet)",
            f"SELECT * FROM read_csv('{t}/planted.csv')",
            f"SELECT * FROM '{t}/planted.csv'",
            f"SELECT * FROM read_text('{t}/planted.csv')",
            f"SELECT * FROM glob('{t}/*')",
            f"ATTACH '{t}/new.duckdb' AS n",
            f"CREATE TABLE n.main.copied AS SELECT * FROM police_incident",
            f"ATTACH '{t}/planted.csv' AS p",
        ]
    return out


def _tmp_leaks(cwd):
    return sorted(p.name for p in (cwd / ".tmp").iterdir() if p.name != "planted.csv")


def test_the_shared_tier_is_readable(shared):
    assert shared.execute("SELECT count(*) FROM police_incident").fetchone()[0] == 1


def _attacks(hub):
    h, k, csv = hub, key_file(hub), hub.parent / "notes.csv"
    master_key = k.read_text().strip()
    return [
        f"ATTACH '{h}' AS m",
        f"ATTACH '{h}' AS m (ENCRYPTION_KEY '{master_key}', READ_ONLY)",
        f"ATTACH '{h.parent / 'other.duckdb'}' AS o",
        f"SELECT * FROM read_csv('{k}')",
        f"SELECT * FROM read_csv_auto('{csv}')",
        f"SELECT * FROM '{csv}'",
        f"SELECT * FROM read_text('{k}')",
        f"SELECT * FROM read_blob('{h}')",
        f"SELECT * FROM read_parquet('{h}')",
        f"SELECT * FROM read_json('{k}')",
        f"SELECT * FROM glob('{h.parent}/*')",
        f"SELECT * FROM sniff_csv('{csv}')",
        f"COPY (SELECT * FROM police_incident) TO '{h.parent / 'leak.csv'}'",
        f"EXPORT DATABASE '{h.parent / 'dump'}'",
        "SET enable_external_access = true",
        "RESET enable_external_access",
        "SET lock_configuration = false",
        "SET allowed_directories = ['/']",
        f"SET temp_directory = '{h.parent}'",
        "SELECT * FROM read_csv('http://127.0.0.1:9/x.csv')",
        "SELECT * FROM read_parquet('https://example.org/x.parquet')",
        "SELECT * FROM read_csv('s3://bucket/x.csv')",
        "INSTALL spatial",
        "LOAD spatial",
        "INSTALL httpfs FROM 'http://127.0.0.1:9'",
        f"LOAD '{h.parent / 'evil.duckdb_extension'}'",
        "CREATE TABLE hub.main.x AS SELECT 1",
        "INSERT INTO police_incident VALUES ('I2', 'x')",
        "DETACH hub",
        "SELECT * FROM secret",
        "CREATE SECRET (TYPE s3, KEY_ID 'a', SECRET 'b')",
        "SELECT getenv('WORKBENCH_HUB_KEY')",
        "SELECT * FROM read_text('/proc/self/environ')",
        f"SELECT * FROM read_csv('file://{k}')",
    ] + _tmp_attacks(_cwd(hub)) + _own_file_attacks(shared_path(hub))


def _own_file_attacks(db):
    """DuckDB allows SQL to write the attached file's own paths even with external access off:
    ``USE_TMP_FILE false`` overwrote the tier being read (issue 11 High 1)."""
    return [f"COPY (SELECT 42 AS x) TO '{db}' (USE_TMP_FILE false)",
            f"COPY (SELECT 42 AS x) TO '{db}.wal' (USE_TMP_FILE false)",
            f"COPY (SELECT 42 AS x) TO '{db}.wal.recovery'",
            f"SELECT * FROM read_blob('{db}')"]


def test_crafted_sql_cannot_reach_the_master_or_other_files(tiers, shared):
    reached = []
    for sql in _attacks(tiers):
        try:
            shared.execute(sql).fetchall()
        except duckdb.Error:
            continue
        reached.append(sql)
    assert reached == [], f"these statements succeeded on the locked shared tier: {reached}"
    assert not (tiers.parent / "leak.csv").exists() and not (tiers.parent / "dump").exists()
    assert _tmp_leaks(_cwd(tiers)) == []
    assert not shared_path(tiers).with_name("shared.duckdb.wal").exists()
    assert not list(tiers.parent.glob(".wb-locked-*"))     # the private link folder is gone
    dirs, paths, temp = shared.execute("SELECT current_setting('allowed_directories'), "
                                       "current_setting('allowed_paths'), current_setting('temp_directory')").fetchone()
    assert dirs == [] and temp == "" and not any(os.path.exists(os.path.dirname(p)) for p in paths)
    # the connection still works and still sees only the shared tier
    assert shared.execute("SELECT count(*) FROM police_incident").fetchone()[0] == 1
    again = open_shared_tier(tiers)   # and the file on disk is still the intact tier
    assert again.execute("SELECT count(*) FROM police_incident").fetchone()[0] == 1
    again.close()
    dbs = {r[0] for r in shared.execute("SELECT database_name FROM duckdb_databases() WHERE NOT internal").fetchall()}
    assert dbs <= {"hub", "memory"}
    assert shared.execute("SELECT current_setting('enable_external_access')").fetchone()[0] is False


def test_query_logging_cannot_write_files_from_a_locked_tier(tiers):
    """``CALL enable_logging`` is not stopped by the configuration lock (docs/security.md), but
    with external access off a file log cannot be opened: no query text leaves the process.

    Run in a child process: DuckDB 1.5.5 aborts the process when such a connection is closed
    (a denial of service for whoever runs SQL on it; no server runs user-written SQL).
    """
    import subprocess
    import sys

    logdir = tiers.parent / "querylog"
    code = (
        "import duckdb, sys\n"
        "from workbench.privacy.shared import open_shared_tier\n"
        f"con = open_shared_tier({str(tiers)!r})\n"
        "try:\n"
        f"    con.execute(\"CALL enable_logging(storage='file', storage_path='{logdir}')\")\n"
        "    con.execute('SELECT count(*) FROM police_incident').fetchall()\n"
        "    print('LOGGED')\n"
        "except duckdb.Error as exc:\n"
        "    print('REFUSED', 'disabled by configuration' in str(exc))\n"
        "sys.stdout.flush()\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120).stdout
    assert out.splitlines()[0] == "REFUSED True", out
    assert not logdir.exists()


def test_master_key_is_not_visible(shared, tiers):
    master_key = key_file(tiers).read_text().strip()
    text = " ".join(str(r) for r in shared.execute("SELECT * FROM duckdb_settings()").fetchall())
    text += " ".join(str(r) for r in shared.execute("SELECT * FROM duckdb_databases()").fetchall())
    assert master_key not in text


def test_open_locked_refuses_a_missing_tier(tmp_path):
    from workbench.errors import ResourceLocked

    with pytest.raises(ResourceLocked, match="publish"):
        open_locked(tmp_path / "shared.duckdb")


def test_shared_tier_needs_its_own_key(tiers, monkeypatch):
    """The master key does not open the shared tier (separate keys)."""
    from workbench.errors import ResourceLocked

    monkeypatch.setenv("WORKBENCH_SHARED_KEY", key_file(tiers).read_text().strip())
    with pytest.raises(ResourceLocked, match="Wrong key"):
        open_shared_tier(tiers)


def test_the_attacks_do_work_on_an_unlocked_connection(tiers):
    """Control: without the lock, the same SQL reaches the key file and the master hub."""
    from workbench.hub.connect import new_connection

    con = new_connection()
    try:
        k = key_file(tiers)
        assert con.execute(f"SELECT content FROM read_text('{k}')").fetchone()[0].strip()
        con.execute(f"ATTACH '{tiers}' AS m (ENCRYPTION_KEY '{k.read_text().strip()}', READ_ONLY)")
        assert con.execute("SELECT person FROM m.main.secret").fetchone()[0].startswith("Jane")
    finally:
        con.close()


def test_st_read_cannot_reach_the_temp_directory(tiers, monkeypatch):
    """With spatial loaded, ST_Read (GDAL) and ST_Write-like COPY … (FORMAT gdal) are refused too."""
    cwd = _cwd(tiers)
    monkeypatch.chdir(cwd)
    con = open_shared_tier(tiers, spatial=True)
    reached = []
    try:
        for sql in (f"SELECT * FROM ST_Read('.tmp/planted.csv')",
                    f"SELECT * FROM ST_Read('{cwd / '.tmp' / 'planted.csv'}')",
                    "COPY (SELECT 1 AS x, ST_Point(0, 0) AS geom) TO '.tmp/leak.gpkg' "
                    "(FORMAT gdal, DRIVER 'GPKG')",
                    "SELECT * FROM ST_Read_Meta('.tmp/planted.csv')"):
            try:
                con.execute(sql).fetchall()
            except duckdb.Error:
                continue
            reached.append(sql)
    finally:
        con.close()
    assert reached == [] and _tmp_leaks(cwd) == []


def test_a_reader_who_cannot_write_the_tier_folder_gets_a_private_copy(tiers, monkeypatch):
    """``hub share`` lets analysts read the tier but not write its folder: the private link folder
    then lives in their own temporary folder (a copy), and is gone once the connection is locked."""
    import tempfile

    real = tempfile.mkdtemp
    made = []

    def mkdtemp(*args, **kwargs):
        if kwargs.get("dir") is not None:
            raise PermissionError(13, "Permission denied")
        made.append(real(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(tempfile, "mkdtemp", mkdtemp)
    monkeypatch.chdir(_cwd(tiers))
    con = open_shared_tier(tiers)
    try:
        assert con.execute("SELECT count(*) FROM police_incident").fetchone()[0] == 1
        paths = con.execute("SELECT current_setting('allowed_paths')").fetchone()[0]
    finally:
        con.close()
    assert made and not any(os.path.exists(m) for m in made)
    assert paths and all(p.startswith(made[0]) for p in paths)
