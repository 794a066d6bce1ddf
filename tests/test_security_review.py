"""Security review (docs/security.md): crafted input stays data, files stay private, errors
teach without leaking, the shared tier reaches nothing else, and the CLI never crashes on
bad input (exit 2, never 1 with a traceback)."""

from __future__ import annotations

import json
import os
import re
import stat
from datetime import date, timedelta
from types import SimpleNamespace

import duckdb
import pandas as pd
import pytest

from governance_helpers import Clock, registry_with_people, victim_tables
from hubs import make_hub
from hub_helpers import fingerprint, offence_row, write_csv
from workbench.errors import AccessDenied, BadInput, ResourceLocked, SupplyRejected
from workbench.hub.connect import create_key, key_file, new_connection, open_hub, open_locked, shared_path
from workbench.hub.ingest import ingest_files
from workbench.hub.schema import init_hub

NASTY = "x'); DROP TABLE supplies; --\""


def mode(p) -> int:
    return stat.S_IMODE(os.stat(p).st_mode)


# --------------------------------------------------------------------------- SQL injection


def test_supply_file_name_with_quotes_is_data_not_sql(empty_hub, tmp_path):
    name = f"{NASTY}.csv"
    f = write_csv(tmp_path / name, [offence_row("C1")])
    result = ingest_files(empty_hub, "police_crime_offence", [f], agency="Police", quiet=True)
    assert result.rows == 1
    con = open_hub(empty_hub, read_only=True)
    try:
        files = json.loads(con.execute("SELECT files FROM supplies").fetchone()[0])
        assert files[0]["name"] == name and files[0]["rows"] == 1
        assert con.execute("SELECT count(*) FROM police_crime_offence").fetchone()[0] == 1
    finally:
        con.close()


def test_header_with_sql_is_rejected_not_executed(empty_hub, tmp_path):
    before = fingerprint(empty_hub)
    row = offence_row("C1")
    cols = list(row) + [NASTY]
    f = write_csv(tmp_path / "s.csv", [{**row, NASTY: "1"}], cols)
    with pytest.raises(SupplyRejected, match="unknown column"):
        ingest_files(empty_hub, "police_crime_offence", [f], quiet=True)
    assert fingerprint(empty_hub) == before


def test_metadata_values_and_agency_with_quotes_are_stored_verbatim(empty_hub, tmp_path):
    f = write_csv(tmp_path / "s.csv", [offence_row("C1")])
    meta = {"supplier_name": NASTY, "caveats": "O'Brien's \"notes\"", "agency": NASTY}
    ingest_files(empty_hub, "police_crime_offence", [f], metadata=meta, user=NASTY,
                 partnership=NASTY, quiet=True)
    con = open_hub(empty_hub, read_only=True)
    try:
        agency, by, part, m = con.execute(
            "SELECT agency, supplied_by, partnership, metadata FROM supplies").fetchone()
    finally:
        con.close()
    assert agency == by == part == NASTY and json.loads(m)["supplier_name"] == NASTY


def test_crafted_dataset_id_is_refused(empty_hub, tmp_path):
    f = write_csv(tmp_path / "s.csv", [offence_row("C1")])
    with pytest.raises(BadInput, match="Unknown dataset"):
        ingest_files(empty_hub, "police_crime_offence; DROP TABLE supplies", [f], quiet=True)


def test_xlsx_sheet_and_headings_with_quotes_are_data(empty_hub, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "It's \"ASB\""
    heads = {"Ref'No": "crime_ref", 'Code"': "offence_code", "Date; DROP": "committed_from_date"}
    ws.append(list(heads))
    ws.append(["C1", "105A", "2024-01-05"])
    wb.save(tmp_path / "s.xlsx")
    (tmp_path / "s.mapping.yaml").write_text(json.dumps({"sheet": ws.title, "columns": heads}))
    res = ingest_files(empty_hub, "police_crime_offence", [tmp_path / "s.xlsx"], quiet=True)
    assert res.rows == 1


@pytest.mark.parametrize("extra, needle", [
    ({"header_row": "abc"}, "header_row"),
    ({"header_row": 0}, "header_row"),
    ({"header_row": True}, "header_row"),
    ({"sheet": 5}, "sheet"),
    ({"values": ["a", "b"]}, "values"),
    ({"values": {"crime_ref": "not a mapping"}}, "values: crime_ref"),
    ({"formats": {"crime_ref": 5}}, "formats: crime_ref"),
    ({"columns": {"A": ["x"], "B": ["x"]}}, "column of"),
    ({1: "x", "a": "y"}, "unknown key"),
])
def test_crafted_mapping_yaml_is_rejected_with_a_teaching_message(empty_hub, tmp_path, extra, needle):
    f = write_csv(tmp_path / "s.csv", [{"A": "C1"}])
    doc = {"columns": {"A": "crime_ref"}, **extra}
    import yaml

    (tmp_path / "s.mapping.yaml").write_text(yaml.safe_dump(doc))
    with pytest.raises(SupplyRejected) as exc:
        ingest_files(empty_hub, "police_crime_offence", [f], quiet=True)
    assert needle in str(exc.value)


def test_hypothesis_source_quotes_dataset_and_column_names():
    from workbench.analysis.hypotheses.data import DataSource, Period

    con = duckdb.connect()
    con.execute('CREATE TABLE "we""ird" ("d""ate" DATE, v INT)')
    con.execute("INSERT INTO \"we\"\"ird\" VALUES ('2024-01-02', 1), ('2025-01-02', 2)")
    src = DataSource(con)
    assert src.columns('we"ird') == ['d"ate', "v"]
    got = src.frame('we"ird', 'd"ate', Period(date(2024, 1, 1), date(2024, 12, 31)))
    assert list(got["v"]) == [1]


# --------------------------------------------------------------------------- no personal data in messages


def _ppo(**over):
    from workbench import catalogue

    row = {c: "" for c in catalogue.get("police_ppo").canonical_columns}
    row.update(offender_ref="P1", name="Jane Doe", date_of_birth="1985-04-03", address="5 Acacia Avenue",
               postcode="NG1 5AW", current_status="Prolific")
    row.update(over)
    return row


def test_rejection_masks_identifying_values_but_shows_other_values(empty_hub, tmp_path):
    f = write_csv(tmp_path / "ppo.csv", [_ppo(date_of_birth="03/04/1985 Jane"), _ppo(offender_ref="P2", postcode="QQ")])
    with pytest.raises(SupplyRejected) as exc:
        ingest_files(empty_hub, "police_ppo", [f], quiet=True)
    text = str(exc.value) + json.dumps(exc.value.to_dict())
    assert "1985" not in text and "Jane" not in text
    assert "99/99/9999 Aaaa (value withheld: identifying field)" in text   # the shape still teaches
    assert "'QQ'" in text                                                 # a postcode is not ident


def test_wrong_key_message_does_not_contain_the_key(empty_hub, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HUB_KEY", "f" * 64)
    with pytest.raises(ResourceLocked) as exc:
        open_hub(empty_hub)
    assert "f" * 64 not in str(exc.value) and key_file(empty_hub).read_text().strip() not in str(exc.value)


def test_unknown_metadata_fields_are_not_echoed_at_length(empty_hub, tmp_path):
    f = write_csv(tmp_path / "s.csv", [offence_row("C1")])
    secret = tmp_path / "notes.yaml"
    secret.write_text("".join(f"line{i}_a_long_private_value_that_should_not_be_echoed: {i}\n" for i in range(20)))
    with pytest.raises(BadInput) as exc:
        ingest_files(empty_hub, "police_crime_offence", [f], metadata=secret, quiet=True)
    assert "line19" not in str(exc.value) and "should_not_be_echoed" not in str(exc.value)


def test_a_password_typed_as_user_name_does_not_reach_the_audit_log(tmp_path):
    reg = registry_with_people(tmp_path)
    try:
        with pytest.raises(AccessDenied, match="Wrong user name or password"):
            reg.authenticate("Tr0ub4dor&3-my-password", "x")
        rows = reg.con.execute("SELECT * FROM audit").fetchall()
        assert "Tr0ub4dor" not in json.dumps([list(r) for r in rows], default=str)
        last = [dict(r) for r in rows][-1]
        assert last["outcome"] == "denied" and "attempted_name_sha256" in last["detail"]
    finally:
        reg.close()


# --------------------------------------------------------------------------- deny by default


def test_a_user_without_a_known_isp_status_is_refused(tmp_path):
    from workbench.privacy import access

    reg = registry_with_people(tmp_path)
    try:
        u = reg.get_user("ana")
        assert access.can(reg, u, "read_depersonalised", "police_uk_street")
        bare = SimpleNamespace(**{k: getattr(u, k) for k in ("name", "agency", "agency_group", "role",
                                                            "partnerships", "active")})
        assert not access.can(reg, bare, "read_depersonalised", "police_uk_street")
        with pytest.raises(AccessDenied, match="Information Sharing Protocol"):
            access.require(reg, bare, "read_depersonalised", "police_uk_street")
    finally:
        reg.close()


# --------------------------------------------------------------------------- private files


def test_init_hub_makes_a_private_folder_and_files(tmp_path):
    hub = init_hub(tmp_path / "new" / "restricted" / "hub.duckdb")
    assert mode(hub.parent) == 0o700
    assert mode(hub) == 0o600 and mode(key_file(hub)) == 0o600


def test_registry_file_and_its_wal_are_private(tmp_path):
    from workbench.registry import open_registry

    old = os.umask(0o022)
    try:
        reg = open_registry(tmp_path / "hub.duckdb")
        reg.add_partnership("Nottingham")
        files = sorted(tmp_path.glob("registry.sqlite*"))
        assert len(files) >= 2, files                     # the database and its WAL while open
        assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
        reg.close()
    finally:
        os.umask(old)


def test_cli_commands_run_with_a_private_umask_which_is_restored(tmp_path, monkeypatch):
    """Files made by any command (also the portal's and products' own files) are 0600/0700."""
    import argparse

    from workbench import cli

    def probe(args):
        (tmp_path / "made-by-a-command.txt").write_text("x")
        (tmp_path / "folder").mkdir()
        return None

    parser = argparse.ArgumentParser()
    parser.set_defaults(func=probe)
    monkeypatch.setattr(cli, "build_parser", lambda command=None: parser)
    old = os.umask(0o022)
    try:
        assert cli.main([]) == 0
        assert os.umask(0o022) == 0o022                  # restored after the command
    finally:
        os.umask(old)
    assert mode(tmp_path / "made-by-a-command.txt") == 0o600 and mode(tmp_path / "folder") == 0o700


def test_release_and_personal_export_are_private_and_the_release_is_locked(tmp_path):
    from workbench.privacy import requests as pr
    from workbench.privacy.export import export

    make_hub(tmp_path, init=False, tables=victim_tables([(1, "Notts Police", "Nottingham", {
        "crime_ref": "C1", "gender": "F", "age": 34, "address": "12 Acacia Avenue",
        "date_of_birth": date(1991, 3, 2), "postcode": "NG1 5AW"})]))
    reg = registry_with_people(tmp_path)
    clock = Clock()
    reg.set_clock(clock)
    old = os.umask(0o022)
    try:
        req = pr.create(reg, "ana", "service_delivery", ["Who needs support?"],
                        {"police_crime_victim": ["crime_ref", "address"]}, ["crime_and_disorder_act_s115"],
                        "Notts Police", (clock.t + timedelta(days=7)).date(), partnership="Nottingham",
                        subjects={"police_crime_victim": {"crime_ref": ["C1"]}})
        pr.decide(reg, req.id, "pol_dlo", True)
        rel = pr.release(reg, req.id, "ana")
        res = export(reg, reg.hub, "police_crime_victim", "ana", tmp_path / "out" / "p.csv", request_id=req.id)
    finally:
        os.umask(old)
    released = tmp_path / rel.path if not os.path.isabs(rel.path) else rel.path
    assert mode(released) == 0o600 and mode(str(released) + ".key") == 0o600
    assert mode(os.path.dirname(released)) == 0o700
    assert mode(res.path) == 0o600 and mode(res.sidecar) == 0o600 and mode(tmp_path / "out") == 0o700
    con = pr.open_release(reg, req.id, "ana")
    try:
        assert con.execute("SELECT address FROM police_crime_victim").fetchone()[0] == "12 Acacia Avenue"
        for sql in (f"SELECT * FROM read_text('{key_file(reg.hub)}')", f"ATTACH '{reg.hub}' AS m",
                    "SET enable_external_access = true"):
            with pytest.raises(duckdb.Error):
                con.execute(sql).fetchall()
    finally:
        con.close()
        reg.close()


# --------------------------------------------------------------------------- the locked shared tier


@pytest.fixture(scope="module")
def locked_tier(tmp_path_factory):
    d = tmp_path_factory.mktemp("locked")
    hub = init_hub(d / "hub.duckdb")
    target = shared_path(hub)
    key = create_key(target)
    con = new_connection(spatial=True)
    con.execute(f"ATTACH '{target}' AS s (ENCRYPTION_KEY '{key}')")
    con.execute("CREATE TABLE s.main.t AS SELECT 1 AS a")
    for drv, name in (("GeoJSON", "pts.geojson"), ("ESRI Shapefile", "pts.shp")):
        con.execute(f"COPY (SELECT ST_Point(1, 2) AS geom, 'private' AS name) TO '{d / name}' "
                    f"WITH (FORMAT GDAL, DRIVER '{drv}')")
    con.execute(f"COPY (SELECT 'private' AS name) TO '{d / 'x.parquet'}' (FORMAT parquet)")
    con.close()
    (d / "x.json").write_text('{"name": "private"}\n')
    return hub


def _spatial_and_misc_attacks(hub):
    d, k = hub.parent, key_file(hub)
    return [
        f"SELECT * FROM ST_Read('{d / 'pts.geojson'}')",
        f"SELECT * FROM ST_Read('{d / 'pts.shp'}')",
        f"SELECT * FROM ST_ReadSHP('{d / 'pts.shp'}')",
        f"SELECT * FROM ST_Read_Meta('{d / 'pts.geojson'}')",
        f"SELECT * FROM ST_Read('/vsicurl/http://127.0.0.1:9/x.geojson')",
        f"SELECT * FROM read_parquet('{d / 'x.parquet'}')",
        f"SELECT * FROM parquet_metadata('{d / 'x.parquet'}')",
        f"SELECT * FROM read_json_objects('{d / 'x.json'}')",
        f"SELECT * FROM '{d / 'x.json'}'",
        f"SELECT * FROM read_text(['{k}'])",
        f"SELECT * FROM glob('{d}/**')",
        f"IMPORT DATABASE '{d}'",
        "PRAGMA enable_profiling = 'json'",
        f"SET profiling_output = '{d / 'prof.json'}'",
        "SET disabled_filesystems = ''",
        "SET allow_unsigned_extensions = true",
        "SET custom_extension_repository = 'http://127.0.0.1:9'",
        f"SET secret_directory = '{d}'",
        "SET memory_limit = '1TB'",
        "RESET lock_configuration",
        "SET GLOBAL enable_external_access = true",
        "SET GLOBAL lock_configuration = false",
        "PRAGMA enable_external_access = true",
        f"ATTACH '{hub}' AS m (ENCRYPTION_KEY '{k.read_text().strip()}', READ_ONLY)",
        "SELECT * FROM duckdb_secrets()",
        f"COPY t TO '{d / 'leak.parquet'}' (FORMAT parquet)",
        f"COPY (SELECT 1) TO '{d / 'leak.geojson'}' WITH (FORMAT GDAL, DRIVER 'GeoJSON')",
    ]


def test_locked_tier_refuses_spatial_readers_and_settings(locked_tier):
    con = open_locked(shared_path(locked_tier), spatial=True)
    try:
        reached = []
        for sql in _spatial_and_misc_attacks(locked_tier):
            try:
                con.execute(sql).fetchall()
            except duckdb.Error:
                continue
            reached.append(sql)
        assert reached == []
        assert con.execute("SELECT a FROM t").fetchone()[0] == 1
        assert not (locked_tier.parent / "leak.parquet").exists()
        cur = con.cursor()                   # a cursor (one per thread in servers) is locked too
        with pytest.raises(duckdb.Error):
            cur.execute(f"SELECT * FROM read_text('{key_file(locked_tier)}')").fetchall()
        assert cur.execute("SELECT a FROM hub.t").fetchone()[0] == 1
    finally:
        con.close()


def test_the_spatial_attacks_read_files_on_an_unlocked_connection(locked_tier):
    """Control: the readers above do reach the files when nothing is locked."""
    con = new_connection(spatial=True)
    try:
        d = locked_tier.parent
        assert con.execute(f"SELECT name FROM ST_Read('{d / 'pts.geojson'}')").fetchone()[0] == "private"
        assert con.execute(f"SELECT name FROM ST_ReadSHP('{d / 'pts.shp'}')").fetchone()[0] == "private"
        assert con.execute(f"SELECT name FROM read_parquet('{d / 'x.parquet'}')").fetchone()[0] == "private"
    finally:
        con.close()


# --------------------------------------------------------------------------- CLI exit codes


def _run(argv, capsys):
    from workbench.cli import main

    code = main(argv)
    err = capsys.readouterr().err
    return code, err


def test_cli_metadata_folder_or_binary_exits_2(empty_hub, tmp_path, capsys):
    f = write_csv(tmp_path / "s.csv", [offence_row("C1")])
    (tmp_path / "bin.yaml").write_bytes(b"\xff\xfe\x00garbage")
    for meta in (tmp_path, tmp_path / "bin.yaml"):
        code, err = _run(["hub", "ingest", "--hub", str(empty_hub), "--dataset", "police_crime_offence",
                          "--metadata", str(meta), "--quiet", str(f)], capsys)
        assert code == 2 and "Traceback" not in err and "Metadata file" in err


def test_cli_export_to_a_folder_exits_2(empty_hub, tmp_path, capsys):
    code, err = _run(["hub", "export", "--hub", str(empty_hub), "--dataset", "police_uk_street",
                      "--as", "nobody", "--out", str(tmp_path)], capsys)
    assert code == 2 and "Traceback" not in err and "is a folder" in err


def test_export_to_an_unwritable_file_exits_2_after_access_is_checked(tmp_path):
    from workbench.privacy.export import export

    make_hub(tmp_path, init=False, tables=victim_tables([]))
    make_hub(tmp_path, init=False, shared={"police_uk_street": pd.DataFrame(
        {"crime_id": ["a"], "month": ["2024-01"], "_partnership": ["Nottingham"]})})
    reg = registry_with_people(tmp_path)
    try:
        with pytest.raises(BadInput, match="Cannot write"):
            export(reg, reg.hub, "police_uk_street", "ana", "/proc/self/no-such/x.csv")
    finally:
        reg.close()


@pytest.mark.parametrize("extra", [["--start", "2024-13-01"], ["--start", "2024-06-01", "--end", "2024-01-01"]])
def test_cli_demo_build_with_bad_dates_exits_2(tmp_path, capsys, extra):
    code, err = _run(["demo", "build", "--hub", str(tmp_path / "hub.duckdb"), "--quiet", "--no-publish",
                      *extra], capsys)
    assert code == 2 and "Traceback" not in err and ("YYYY-MM-DD" in err or "before" in err)
    assert not (tmp_path / "hub.duckdb").exists()


def test_purge_removes_a_planted_symlink_without_overwriting_its_target(tmp_path):
    from workbench.privacy import requests as pr
    from workbench.privacy.retention import purge

    reg = registry_with_people(tmp_path)
    clock = Clock()
    reg.set_clock(clock)
    try:
        req = pr.create(reg, "ana", "service_delivery", ["Who needs support?"],
                        {"police_crime_victim": ["crime_ref"]}, ["crime_and_disorder_act_s115"],
                        "Notts Police", (clock.t + timedelta(days=7)).date(), partnership="Nottingham",
                        subjects={"police_crime_victim": {"crime_ref": ["C1"]}})
        victim = tmp_path / "hub-stand-in.bin"
        victim.write_bytes(b"precious" * 100)
        export = tmp_path / "export.csv"
        export.symlink_to(victim)                      # planted after the export was recorded
        real = tmp_path / "real.csv"
        real.write_text("personal\n")
        pr.record_export(reg, req.id, export, "police_crime_victim", 1, "0" * 64, "ana")
        pr.record_export(reg, req.id, real, "police_crime_victim", 1, "0" * 64, "ana")
        result = purge(reg, actor="coord", request_id=req.id)
    finally:
        reg.close()
    assert victim.read_bytes() == b"precious" * 100
    assert not export.is_symlink() and not real.exists()
    assert str(export) in result.files_deleted and str(real) in result.files_deleted


def test_a_key_with_a_quote_is_neither_sql_nor_echoed(empty_hub, monkeypatch, capsys):
    monkeypatch.setenv("WORKBENCH_HUB_KEY", "secretpart'morebits")
    code, err = _run(["hub", "status", "--hub", str(empty_hub)], capsys)
    assert code == 4 and "Traceback" not in err and "secretpart" not in err and "Wrong key" in err


def test_a_file_that_is_not_a_hub_exits_4_without_a_traceback(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("WORKBENCH_HUB_KEY", "k" * 64)
    fake = tmp_path / "notes.csv"
    fake.write_text("a,b\n1,2\n")
    code, err = _run(["hub", "status", "--hub", str(fake)], capsys)
    assert code == 4 and "Traceback" not in err and "k" * 64 not in err


def test_the_last_admin_cannot_be_deactivated_and_set_up_does_not_reopen(tmp_path, capsys, monkeypatch):
    reg = registry_with_people(tmp_path)
    try:
        with pytest.raises(BadInput, match="last active admin"):
            reg.set_user_active("coord", False, actor="coord")
        reg.con.execute("UPDATE users SET active = 0 WHERE role = 'admin'")   # however it happened
    finally:
        reg.close()
    monkeypatch.setenv("WORKBENCH_USER", "mallory")
    code, err = _run(["agencies", "add", "Evil Corp", "--group", "central", "--hub",
                      str(tmp_path / "hub.duckdb")], capsys)
    assert code == 3 and "Traceback" not in err


@pytest.mark.parametrize("argv, expected", [
    (["hub", "init", "--hub", "{tmp}"], 2),
    (["hub", "init", "--hub", "/proc/no-such/hub.duckdb"], 2),
    (["audit", "verify", "--hub", "/proc/no-such/hub.duckdb"], 4),
    (["request", "purge", "--hub", "/proc/no-such/hub.duckdb"], 4),
])
def test_cli_unusable_hub_paths_exit_cleanly(tmp_path, capsys, argv, expected):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    code, err = _run(argv, capsys)
    assert code == expected and "Traceback" not in err
    assert list(tmp_path.iterdir()) == [] and not tmp_path.with_name(tmp_path.name + ".key").exists()


def test_a_deactivated_requester_cannot_open_the_released_copy(tmp_path):
    from workbench.privacy import requests as pr

    make_hub(tmp_path, init=False, tables=victim_tables([(1, "Notts Police", "Nottingham", {
        "crime_ref": "C1", "gender": "F", "age": 34, "address": "12 Acacia Avenue",
        "date_of_birth": date(1991, 3, 2), "postcode": "NG1 5AW"})]))
    reg = registry_with_people(tmp_path)
    clock = Clock()
    reg.set_clock(clock)
    try:
        req = pr.create(reg, "ana", "service_delivery", ["Who needs support?"],
                        {"police_crime_victim": ["crime_ref"]}, ["crime_and_disorder_act_s115"],
                        "Notts Police", (clock.t + timedelta(days=7)).date(), partnership="Nottingham",
                        subjects={"police_crime_victim": {"crime_ref": ["C1"]}})
        pr.decide(reg, req.id, "pol_dlo", True)
        pr.release(reg, req.id, "ana")
        pr.open_release(reg, req.id, "ana").close()
        reg.set_user_active("ana", False, actor="coord")
        with pytest.raises(AccessDenied, match="deactivated"):
            pr.open_release(reg, req.id, "ana")
    finally:
        reg.close()


def test_a_deactivated_dlo_cannot_answer_an_foi_consultation(tmp_path):
    from workbench.privacy import foi

    reg = registry_with_people(tmp_path)
    try:
        f = foi.record(reg, "coord", "A journalist", "Counts of ASB by ward", ["council_asb"],
                       ["Notts Police"])
        reg.set_user_active("pol_dlo", False, actor="coord")
        with pytest.raises(AccessDenied):
            foi.consult(reg, f.id, "Notts Police", True, "pol_dlo")
        assert foi.get(reg, f.id).awaiting == ["Notts Police"]
    finally:
        reg.close()


def test_cli_ingest_needs_the_ingest_permission_once_users_exist(tmp_path, capsys):
    reg = registry_with_people(tmp_path)
    reg.close()
    hub = init_hub(tmp_path / "hub.duckdb")
    f = write_csv(tmp_path / "s.csv", [offence_row("C1")])
    base = ["hub", "ingest", "--hub", str(hub), "--dataset", "police_crime_offence", "--quiet"]
    code, err = _run([*base, "--as", "vic", str(f)], capsys)          # a viewer: refused, audited
    assert code == 3 and "Access denied" in err
    code, err = _run([*base, "--as", "mallory", str(f)], capsys)      # not a registered user
    assert code == 3
    assert _run([*base, "--as", "ana", str(f)], capsys)[0] == 0       # a central analyst may
    from workbench.registry import open_registry

    reg = open_registry(hub)
    try:
        denied = [(e.actor, e.action) for e in reg.audit_entries(outcome="denied")]
    finally:
        reg.close()
    assert ("vic", "ingest") in denied


@pytest.mark.parametrize("name", ["hub.duckdb", "registry.sqlite", "hub.duckdb.key", "shared.duckdb.wal"])
def test_export_cannot_overwrite_the_workbench_files(tmp_path, name):
    from workbench.privacy.export import export

    make_hub(tmp_path, init=False, tables=victim_tables([]))
    make_hub(tmp_path, init=False, shared={"police_uk_street": pd.DataFrame(
        {"crime_id": ["a"], "month": ["2024-01"], "_partnership": ["Nottingham"]})})
    reg = registry_with_people(tmp_path)
    def head():   # the file's first bytes (its format header): a CSV written over it would change them
        return (tmp_path / name).read_bytes()[:64] if (tmp_path / name).exists() else None

    before = head()
    try:
        with pytest.raises(BadInput, match="workbench's own files"):
            export(reg, reg.hub, "police_uk_street", "ana", tmp_path / name, fmt="csv")
    finally:
        reg.close()
    assert head() == before


# --------------------------------------------------------------------------- issue 11 (hub/data side)


def _approved_release(tmp_path):
    """A hub with one victim record, a registry, and request 1 approved and released to ``ana``."""
    from workbench.privacy import requests as pr

    make_hub(tmp_path, init=False, tables=victim_tables([(1, "Notts Police", "Nottingham", {
        "crime_ref": "C1", "gender": "F", "age": 34, "address": "12 Acacia Avenue",
        "date_of_birth": date(1991, 3, 2), "postcode": "NG1 5AW"})]))
    reg = registry_with_people(tmp_path)
    clock = Clock()
    reg.set_clock(clock)
    req = pr.create(reg, "ana", "service_delivery", ["Who needs support?"],
                    {"police_crime_victim": ["crime_ref", "address", "date_of_birth"]},
                    ["crime_and_disorder_act_s115"], "Notts Police",
                    (clock.t + timedelta(days=7)).date(), partnership="Nottingham",
                        subjects={"police_crime_victim": {"crime_ref": ["C1"]}})
    pr.decide(reg, req.id, "pol_dlo", True)
    pr.release(reg, req.id, "ana")
    return reg, req


def test_a_personal_data_release_cannot_write_or_read_the_working_dirs_tmp(tmp_path, monkeypatch):
    """Issue 11 High 1: ``COPY … TO '.tmp/leak.csv'`` on ``open_release`` wrote victims' DOB and
    address to a world-readable file that outlived the purge."""
    from workbench.privacy import requests as pr

    reg, req = _approved_release(tmp_path)
    cwd = tmp_path / "cwd"
    (cwd / ".tmp").mkdir(parents=True)
    (cwd / ".tmp" / "planted.csv").write_text("a\n1\n")
    monkeypatch.chdir(cwd)
    con = pr.open_release(reg, req.id, "ana")
    reached = []
    try:
        assert con.execute("SELECT address FROM police_crime_victim").fetchone()[0] == "12 Acacia Avenue"
        for t in (".tmp", str(cwd / ".tmp")):
            for sql in (f"COPY (SELECT * FROM police_crime_victim) TO '{t}/leak.csv'",
                        f"SELECT * FROM read_csv('{t}/planted.csv')",
                        f"SELECT * FROM glob('{t}/*')",
                        f"ATTACH '{t}/new.duckdb' AS n",
                        "CREATE TABLE n.main.v AS SELECT * FROM police_crime_victim",
                        f"COPY (SELECT 1 AS x) TO '{pr.release_path(reg, req.id)}' (USE_TMP_FILE false)"):
                try:
                    con.execute(sql).fetchall()
                except duckdb.Error:
                    continue
                reached.append(sql)
        settings = con.execute("SELECT current_setting('allowed_directories'), "
                               "current_setting('temp_directory')").fetchone()
    finally:
        con.close()
    assert reached == [], reached
    assert sorted(p.name for p in (cwd / ".tmp").iterdir()) == ["planted.csv"]
    assert settings == ([], "")
    again = pr.open_release(reg, req.id, "ana")   # the release on disk is intact
    try:
        assert again.execute("SELECT count(*) FROM police_crime_victim").fetchone()[0] == 1
    finally:
        again.close()
        reg.close()


def _export_setup(tmp_path):
    """An approved, released request 1 plus a shared tier with an aggregate table."""
    reg, req = _approved_release(tmp_path)
    make_hub(tmp_path, init=False, shared={
        "health_activity_counts": pd.DataFrame({"area_code": ["E01000001"], "count": [12]})})
    return reg, req


def _tree(folder):
    return {str(p.relative_to(folder)): (p.is_symlink(), p.read_bytes() if p.is_file() else None)
            for p in sorted(folder.rglob("*"))}


def test_export_out_is_refused_anywhere_in_the_workbench_s_own_tree(tmp_path):
    """Issue 11 High 3: a viewer's ``hub export --out releases/request-1/…`` overwrote the release
    and its key (exit 0). Every depth, and through a symlinked folder."""
    from workbench.errors import BadInput as Bad
    from workbench.privacy import requests as pr
    from workbench.privacy.export import export

    reg, req = _export_setup(tmp_path)
    rel_dir = pr.release_path(reg, req.id).parent
    (tmp_path / "elsewhere").mkdir()
    os.symlink(rel_dir, tmp_path / "elsewhere" / "innocent")
    before = _tree(rel_dir), _tree(tmp_path / "elsewhere")
    refused = []
    try:
        for out in (rel_dir / "release.duckdb", rel_dir / "release.duckdb.key", rel_dir / "x.csv",
                    rel_dir / "deeper" / "still" / "x.csv", rel_dir.parent / "x.csv",
                    tmp_path / "elsewhere" / "innocent" / "x.csv",
                    tmp_path / "shared.duckdb.key", tmp_path / ".tmp" / "x.csv", tmp_path / "registry.sqlite", tmp_path / "registry.sqlite.anchor"):
            with pytest.raises(Bad, match="workbench's own"):
                export(reg, reg.hub, "health_activity_counts", "vic", out, "csv")
            refused.append(out)
        with pytest.raises(Bad, match="workbench's own"):      # personal exports too
            export(reg, reg.hub, "police_crime_victim", "ana", rel_dir / "v.csv", request_id=req.id)
    finally:
        reg.close()
    assert len(refused) == 10
    assert (_tree(rel_dir), _tree(tmp_path / "elsewhere")) == before


def test_export_never_writes_through_a_planted_symlink(tmp_path, tmp_path_factory):
    """Issue 11 High 4: the ``.meta.json`` sidecar was opened without O_NOFOLLOW, so a planted link
    made an export overwrite ``hub.duckdb.key``. Outputs are written to a private temporary file
    in the target folder and renamed over whatever is there (a link is replaced, never followed)."""
    from workbench.errors import BadInput as Bad
    from workbench.privacy.export import export

    reg, _ = _export_setup(tmp_path)
    key = key_file(reg.hub)
    master = key.read_bytes()
    victim = tmp_path_factory.mktemp("outside") / "victim.txt"
    victim.write_text("precious\n")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    try:
        name = "counts_OFFICIAL-SENSITIVE.csv"
        # the sidecar planted as a link to the master key: refused or replaced, never followed
        os.symlink(key, out_dir / (name + ".meta.json"))
        try:
            export(reg, reg.hub, "health_activity_counts", "vic", out_dir / "counts.csv")
        except Bad:
            pass
        assert key.read_bytes() == master and mode(key) == 0o600
        os.unlink(out_dir / (name + ".meta.json"))
        # data file and sidecar planted as links to a file outside the restricted tree
        os.symlink(victim, out_dir / name)
        os.symlink(victim, out_dir / (name + ".meta.json"))
        res = export(reg, reg.hub, "health_activity_counts", "vic", out_dir / "counts.csv")
        assert victim.read_text() == "precious\n"
        for p in (res.path, res.sidecar):
            assert not os.path.islink(p) and mode(p) == 0o600
        assert "E01000001" in open(res.path).read()
        assert sorted(p.name for p in out_dir.iterdir()) == [name, name + ".meta.json"]  # no temp left
    finally:
        reg.close()


def _two_partnership_hub(tmp_path):
    """An initialised hub with a Nottingham record C1 and a registry where ``rush`` (an analyst of
    Rushcliffe BC) may see only Rushcliffe."""
    hub = init_hub(tmp_path / "hub.duckdb")
    reg = registry_with_people(tmp_path)
    reg.add_partnership("Rushcliffe")
    reg.add_agency("Rushcliffe BC", "central", partnerships=["Rushcliffe"])
    reg.add_user("rush", "Rushcliffe BC", "analyst", "correct horse battery staple 42")
    reg.close()
    f = write_csv(tmp_path / "notts.csv", [offence_row("C1")])
    ingest_files(hub, "police_crime_offence", [f], agency="Notts Police", partnership="Nottingham",
                 user="pol_dlo", quiet=True)
    return hub


def _current(hub):
    con = open_hub(hub, read_only=True)
    try:
        return con.execute("SELECT o.crime_ref, s.agency, s.partnership FROM archive.police_crime_offence o "
                           "JOIN supplies s ON s.supply_id = o._supply_id WHERE o._superseded_by IS NULL "
                           "ORDER BY ALL").fetchall()
    finally:
        con.close()


def test_an_ingest_may_name_only_the_acting_users_own_agency(tmp_path, capsys):
    """Issue 11 High 2: an analyst who may see only Rushcliffe ingested a Nottingham crime_ref under
    ``--agency "Notts Police"``; the Nottingham record was superseded and moved to Rushcliffe."""
    from workbench.cli import main
    from workbench.registry import open_registry

    hub = _two_partnership_hub(tmp_path)
    before = fingerprint(hub)
    f = write_csv(tmp_path / "rush.csv", [offence_row("C1", location="Corrected Square")])
    code = main(["hub", "ingest", "--hub", str(hub), "--dataset", "police_crime_offence", "--quiet",
                 "--agency", "Notts Police", "--partnership", "Rushcliffe", "--as", "rush", str(f)])
    err = capsys.readouterr().err
    assert code == 3 and "Notts Police" in err and "Rushcliffe BC" in err
    assert fingerprint(hub) == before
    reg = open_registry(hub)
    try:
        denied = reg.audit_entries(actor="rush", outcome="denied")
    finally:
        reg.close()
    assert denied and denied[-1].action == "ingest" and "agency" in denied[-1].detail["reason"]


def test_supersession_stays_inside_the_suppliers_agency_and_partnership(tmp_path, capsys):
    """The same crime_ref supplied by another agency/partnership is a different record: nothing of
    Nottingham is superseded and the reply does not reveal that Nottingham holds C1."""
    from workbench.cli import main

    hub = _two_partnership_hub(tmp_path)
    f = write_csv(tmp_path / "rush.csv", [offence_row("C1", location="Corrected Square")])
    code = main(["hub", "ingest", "--hub", str(hub), "--dataset", "police_crime_offence", "--quiet",
                 "--agency", "Rushcliffe BC", "--partnership", "Rushcliffe", "--as", "rush", str(f)])
    out = capsys.readouterr().out
    assert code == 0 and "0 earlier row(s) superseded" in out
    assert _current(hub) == [("C1", "Notts Police", "Nottingham"), ("C1", "Rushcliffe BC", "Rushcliffe")]
    # an identical file from another partnership is not "already ingested" either (no oracle)
    g = write_csv(tmp_path / "copy.csv", [offence_row("C1")])
    assert (tmp_path / "copy.csv").read_bytes() == (tmp_path / "notts.csv").read_bytes()
    code = main(["hub", "ingest", "--hub", str(hub), "--dataset", "police_crime_offence", "--quiet",
                 "--agency", "Rushcliffe BC", "--partnership", "Rushcliffe", "--as", "rush", str(g)])
    out = capsys.readouterr().out
    assert code == 0 and "Already ingested" not in out and "Supply 3: 1 row(s)" in out
    assert ("C1", "Notts Police", "Nottingham") in _current(hub)
    # within the same agency and partnership a correction still supersedes
    h = write_csv(tmp_path / "notts2.csv", [offence_row("C1", location="Fixed Square")])
    res = ingest_files(hub, "police_crime_offence", [h], agency="Notts Police", partnership="Nottingham",
                       user="pol_dlo", quiet=True)
    assert res.rows_superseded == 1


# --------------------------------------------------------------------------- huge fields, CR, lines


def _rejected(hub, f, dataset="police_crime_offence"):
    before = fingerprint(hub)
    with pytest.raises(SupplyRejected) as exc:
        ingest_files(hub, dataset, [f], agency="Police", quiet=True)
    assert fingerprint(hub) == before
    return exc.value


def _supply_text(rows_text: list[str]) -> str:
    from hub_helpers import OFFENCE_COLS

    return ",".join(OFFENCE_COLS) + "\n" + "".join(rows_text)


def _line_of(row: dict) -> str:
    from hub_helpers import OFFENCE_COLS

    import csv as _csv
    import io

    buf = io.StringIO()
    _csv.writer(buf, lineterminator="\n").writerow([row.get(c, "") for c in OFFENCE_COLS])
    return buf.getvalue()


def test_a_line_over_the_bound_is_rejected_naming_file_and_line_and_nothing_is_recorded(
        empty_hub, tmp_path, monkeypatch):
    """Issue 11 Medium: a supply whose record had a 200 MB field was accepted with 0 rows and then
    skipped as "Already ingested". Here the bound is made small so the test is fast."""
    monkeypatch.setenv("WORKBENCH_MAX_LINE_BYTES", "2000")
    f = tmp_path / "s.csv"
    f.write_text(_supply_text([_line_of(offence_row("C1")),
                               _line_of(offence_row("C2", location="x" * 5000))]))
    err = _rejected(empty_hub, f)
    p = err.problems[0]
    assert (p.file, p.line) == ("s.csv", 3) and "2,000 bytes" in p.expected
    assert re.search(r"a line of 5,\d{3} bytes", p.found)
    # the supply was not recorded: fixed and supplied again it is ingested, not "already ingested"
    monkeypatch.delenv("WORKBENCH_MAX_LINE_BYTES")
    res = ingest_files(empty_hub, "police_crime_offence", [f], agency="Police", quiet=True)
    assert not res.skipped and res.rows == 2


def test_a_quoted_multi_line_record_over_the_bound_is_rejected_with_its_line(empty_hub, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_MAX_LINE_BYTES", "2000")
    f = tmp_path / "s.csv"
    f.write_text(_supply_text([_line_of(offence_row("C1")),
                               _line_of(offence_row("C2", location=("y" * 99 + "\n") * 60))]))
    err = _rejected(empty_hub, f)
    assert err.problems[0].file == "s.csv" and err.problems[0].line == 3
    assert "2,000 bytes" in err.problems[0].expected


def test_a_field_over_the_field_bound_is_rejected_naming_its_column(empty_hub, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_MAX_FIELD_BYTES", "300")
    f = tmp_path / "s.csv"
    f.write_text(_supply_text([_line_of(offence_row("C1")), _line_of(offence_row("C2")),
                               _line_of(offence_row("C3", location="z" * 400))]))
    err = _rejected(empty_hub, f)
    p = err.problems[0]
    assert (p.file, p.line, p.column) == ("s.csv", 4, "location") and "300 bytes" in p.expected


def test_a_header_only_supply_is_rejected(empty_hub, tmp_path):
    f = tmp_path / "header.csv"
    f.write_text(_supply_text([]))
    err = _rejected(empty_hub, f)
    assert err.problems[0].file == "header.csv" and "no records" in err.problems[0].found


def test_a_stray_bare_cr_is_named_with_its_line(empty_hub, tmp_path):
    f = tmp_path / "cr.csv"
    f.write_text(_supply_text([_line_of(offence_row("C1")), _line_of(offence_row("C2")).replace(
        "Market Square", "Market\rSquare")]), newline="")
    err = _rejected(empty_hub, f)
    p = err.problems[0]
    assert (p.file, p.line) == ("cr.csv", 3) and "carriage return" in p.found


def test_line_numbers_are_right_after_quoted_newlines(empty_hub, tmp_path):
    f = tmp_path / "nl.csv"
    f.write_text(_supply_text([_line_of(offence_row("C1", location="Flat 1\nMarket\nSquare")),
                               _line_of(offence_row("C2", committed_from_date="2024-02-30"))]))
    err = _rejected(empty_hub, f)
    assert [(p.file, p.line) for p in err.problems] == [("nl.csv", 5)], [str(p) for p in err.problems]


@pytest.mark.slow
def test_a_real_200_mb_field_is_refused_by_the_cli_with_exit_2(empty_hub, tmp_path, capsys):
    """The reviewer's case with the default bounds: one record with a 200 MB field."""
    from workbench.cli import main

    f = tmp_path / "huge.csv"
    head = _supply_text([_line_of(offence_row("C1"))])
    with open(f, "w") as fh:
        fh.write(head)
        row = _line_of(offence_row("C2", location="@@FIELD@@"))
        pre, post = row.split("@@FIELD@@")
        fh.write(pre)
        block = "w" * (1 << 20)
        for _ in range(200):
            fh.write(block)
        fh.write(post)
    before = fingerprint(empty_hub)
    try:
        code = main(["hub", "ingest", "--hub", str(empty_hub), "--dataset", "police_crime_offence",
                     "--agency", "Police", "--quiet", str(f)])
    finally:
        f.unlink()
    err = capsys.readouterr().err
    assert code == 2 and "huge.csv, line 3" in err and fingerprint(empty_hub) == before


# --------------------------------------------------------------------------- places add


def test_places_add_needs_the_coordinator_and_is_audited(tmp_path, capsys):
    """Issue 11 Medium: ``hub places add`` had no permission check or audit. A registered place
    keeps its exact coordinates through publish, so registering one is the coordinator's call."""
    from workbench.cli import main
    from workbench.hub.connect import open_hub as _open
    from workbench.privacy.nonaddressable import load_places
    from workbench.registry import open_registry

    hub = init_hub(tmp_path / "hub.duckdb")
    registry_with_people(tmp_path).close()
    args = ["hub", "places", "add", "--hub", str(hub), "--name", "Forest Recreation Ground",
            "--kind", "park", "--easting", "456600", "--northing", "341700"]
    for who in ("ana", "vic", "pol_dlo", "nobody"):
        assert main(args + ["--as", who]) == 3, who
    assert main(args + ["--as", "coord"]) == 0
    capsys.readouterr()
    con = _open(hub, read_only=True)
    try:
        assert load_places(con)["name"].tolist() == ["Forest Recreation Ground"]
    finally:
        con.close()
    reg = open_registry(hub)
    try:
        entries = [e for e in reg.audit_entries() if e.action in ("places.add", "admin")]
    finally:
        reg.close()
    assert [(e.actor, e.outcome) for e in entries] == [
        ("ana", "denied"), ("vic", "denied"), ("pol_dlo", "denied"), ("nobody", "denied"), ("coord", "ok")]
    assert entries[-1].action == "places.add" and entries[-1].detail["easting"] == 456600.0


# --------------------------------------------------------------------------- audit anchor


def _audited_registry(tmp_path):
    from workbench.registry import open_registry

    reg = open_registry(tmp_path / "hub.duckdb")
    for i in range(5):
        reg.audit(f"user{i}", "query", f"dataset{i}", {"rows": i})
    reg.close()
    return tmp_path / "hub.duckdb"


def _tamper(hub):
    import sqlite3

    con = sqlite3.connect(hub.with_name("registry.sqlite"), isolation_level=None)
    con.execute("DROP TRIGGER IF EXISTS audit_no_update")
    con.execute("DROP TRIGGER IF EXISTS audit_no_delete")
    return con


def _rehash(con):
    """Recompute every hash and the head after an edit: the chain alone then looks intact."""
    from workbench.registry import audit as chain

    prev = chain.GENESIS
    for seq, at, actor, action, target, detail, outcome in con.execute(
            "SELECT seq, at, actor, action, target, detail, outcome FROM audit ORDER BY seq").fetchall():
        h = chain.entry_hash(prev, {"seq": seq, "at": at, "actor": actor, "action": action, "target": target,
                                    "detail": json.loads(detail), "outcome": outcome})
        con.execute("UPDATE audit SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, h, seq))
        prev = h
    last = con.execute("SELECT max(seq) FROM audit").fetchone()[0]
    if last is None:
        con.execute("DELETE FROM audit_head")
    else:
        con.execute("UPDATE audit_head SET seq = ?, hash = ?", (last, prev))


def _verify(hub, capsys):
    from workbench.cli import main

    code = main(["audit", "verify", "--hub", str(hub)])
    captured = capsys.readouterr()
    return code, captured.err


def test_a_fresh_and_a_used_registry_verify(tmp_path, capsys):
    from workbench.registry import open_registry

    open_registry(tmp_path / "a" / "hub.duckdb").close()
    assert _verify(tmp_path / "a" / "hub.duckdb", capsys)[0] == 0
    assert _verify(_audited_registry(tmp_path / "b"), capsys)[0] == 0


@pytest.mark.parametrize("attack", ["truncated", "rehashed", "wiped", "wiped_and_unanchored", "head_dropped"])
def test_audit_verify_fails_on_a_shortened_rewritten_or_wiped_chain(tmp_path, capsys, attack):
    """Issue 11 Medium: without a noted anchor, a truncated, re-hashed or wiped log verified as
    intact ("intact: 0 entries"); a dropped audit_head gave exit 1 with a traceback."""
    hub = _audited_registry(tmp_path)
    con = _tamper(hub)
    if attack == "truncated":
        con.execute("DELETE FROM audit WHERE seq >= 4")
        _rehash(con)
    elif attack == "rehashed":
        con.execute("UPDATE audit SET actor = 'someone_else' WHERE seq = 3")
        _rehash(con)
    elif attack.startswith("wiped"):
        con.execute("DELETE FROM audit")
        con.execute("DELETE FROM audit_head")
        if attack == "wiped_and_unanchored":
            for f in hub.parent.iterdir():
                if "anchor" in f.name:
                    f.unlink()
    else:
        con.execute("DROP TABLE audit_head")
    con.close()
    code, err = _verify(hub, capsys)
    assert code == 2, err
    assert "Traceback" not in err and "BROKEN" in err


# --------------------------------------------------------------------------- hub folder mode


def test_the_hub_folder_is_made_private_whatever_git_or_the_umask_made(tmp_path):
    """Issue 11 Low: ``data/restricted/`` comes from git as 0755; ``hub init`` leaves it 0700."""
    folder = tmp_path / "restricted"
    folder.mkdir()
    (folder / ".gitkeep").write_text("")
    os.chmod(folder, 0o755)
    old = os.umask(0o000)
    try:
        init_hub(folder / "hub.duckdb")
        init_hub(tmp_path / "new" / "deeper" / "hub.duckdb")
    finally:
        os.umask(old)
    assert mode(folder) == 0o700
    assert mode(tmp_path / "new" / "deeper") == 0o700


def test_a_shared_sticky_folder_is_refused_as_a_hub_folder(tmp_path):
    folder = tmp_path / "shared"
    folder.mkdir()
    os.chmod(folder, 0o1777)
    with pytest.raises(BadInput, match="others"):
        init_hub(folder / "hub.duckdb")
    assert not (folder / "hub.duckdb").exists() and not (folder / "hub.duckdb.key").exists()


# --------------------------------------------------------------------------- re-identification


def test_no_published_person_record_can_be_singled_out_by_quasi_identifiers(tmp_path):
    """Issue 11 High 5 (fixed by the privacy issue 13.2; wired in here): the re-identification
    harness links every person table of the published tier back to the master on its
    quasi-identifiers and finds nobody in a group smaller than k."""
    from privacy_hub import hub_parts
    from workbench.privacy.publish import publish
    from workbench.privacy.reidentify import assert_no_record_below_k

    hub = make_hub(tmp_path, **hub_parts())
    publish(hub, quiet=True)
    results = assert_no_record_below_k(hub, k=5)
    assert results and sum(r.people for r in results) > 0     # the harness did look at people
