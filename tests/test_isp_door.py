"""ISP at the door (issue 15): a supply is refused (exit 3, audited) from an agency that is not
registered, whose ISP is withdrawn or pending, or that is not signed up to the partnership named."""

from __future__ import annotations

from governance_helpers import registry_with_people
from hub_helpers import offence_row, write_csv


def _ingest(args, capsys, monkeypatch, user):
    from workbench.cli import main

    monkeypatch.setenv("WORKBENCH_USER", user)
    code = main(["hub", "ingest", *args])
    return code, capsys.readouterr().err


def test_unregistered_withdrawn_and_foreign_partnership_supplies_are_refused(empty_hub, tmp_path, capsys, monkeypatch):
    reg = registry_with_people(tmp_path)
    reg.close()
    supply = write_csv(tmp_path / "s.csv", [offence_row("C1")])
    h = ["--hub", str(empty_hub), "--dataset", "police_crime_offence"]
    code, err = _ingest([*h, "--agency", "Nobody's Agency", str(supply)], capsys, monkeypatch, "ana")
    assert code == 3 and "Nobody's Agency" in err
    code, err = _ingest([*h, "--partnership", "Derby", str(supply)], capsys, monkeypatch, "ana")
    assert code == 3                                      # City Council is not in Derby's ISP
    from workbench.registry import open_registry
    reg = open_registry(empty_hub)
    reg.update_agency("City Council", isp_status="withdrawn")
    reg.close()
    code, err = _ingest([*h, str(supply)], capsys, monkeypatch, "ana")
    assert code == 3 and "withdrawn" in err.lower()
    reg = open_registry(empty_hub)
    denied = [e for e in reg.audit_entries() if e.outcome == "denied" and e.action == "ingest"]
    reg.update_agency("City Council", isp_status="signed")
    reg.close()
    assert len(denied) >= 3
    code, err = _ingest([*h, "--partnership", "Nottingham", str(supply)], capsys, monkeypatch, "ana")
    assert code == 0, err
