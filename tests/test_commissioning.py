"""Commissioning register, feedback and actions log (guidance Box 4, Appendix 2 2.v; regs H 1.10)."""

import json
import subprocess
import sys

import pytest

from workbench.errors import BadInput
from workbench.products import actions as act
from workbench.products import commissioning as cm
from workbench.products import feedback as fb


@pytest.fixture
def hub(tmp_path):
    return tmp_path / "hub.duckdb"


def test_add_show_list_assign_close(hub):
    c = cm.add_commission(hub, title="Night-time violence", questions=["Where?", "When?"],
                          requested_by="Strategy-Group", current="2025-01-01:2025-03-31",
                          offences="violence", panel=["licensing officer"], due="2025-05-01",
                          aim="Understand the rise", quiet=True)
    assert c.id >= 1 and c.status == "requested"
    assert c.requested_by == "strategy group"
    assert c.baseline == ("2024-01-01", "2024-03-31")      # defaulted a year earlier
    assert c.questions == ["Where?", "When?"] and c.panel == ["licensing officer"]
    assert c.handling == cm.DEFAULT_HANDLING
    c2 = cm.assign_commission(hub, c.id, "A. Analyst", panel=["A&E consultant"])
    assert c2.status == "assigned" and c2.analyst == "A. Analyst" and c2.panel == ["A&E consultant"]
    assert [x.id for x in cm.list_commissions(hub, status="assigned")] == [c.id]
    closed = cm.close_commission(hub, c.id, outcome="withdrawn", note="superseded")
    assert closed.status == "withdrawn" and closed.closed_at and closed.close_note == "superseded"
    with pytest.raises(BadInput, match="cannot be assigned"):
        cm.assign_commission(hub, c.id, "B")


@pytest.mark.parametrize("kwargs, match", [
    ({"title": "", "questions": ["q"]}, "title"),
    ({"title": "t", "questions": []}, "question"),
    ({"title": "t", "questions": ["q"], "requested_by": "stratgy group"}, "Did you mean 'strategy group'"),
    ({"title": "t", "questions": ["q"], "current": "2025-03-01"}, "FROM:TO"),
    ({"title": "t", "questions": ["q"], "current": "2025-03-01:2025-01-01"}, "starts after"),
    ({"title": "t", "questions": ["q"], "due": "31/12/2025"}, "YYYY-MM-DD"),
    ({"title": "t", "questions": ["q"], "product": "profile"}, "product"),
])
def test_add_rejects_bad_input(hub, kwargs, match):
    with pytest.raises(BadInput, match=match):
        cm.add_commission(hub, quiet=True, **kwargs)
    assert cm.list_commissions(hub) == []


def test_unknown_commission_names_known_ids(hub):
    c = cm.add_commission(hub, title="t", questions=["q"], quiet=True)
    with pytest.raises(BadInput, match=rf"Known ids: \[{c.id}\]"):
        cm.get_commission(hub, 999)


def test_feedback_after_delivery_and_summary(hub):
    a = cm.add_commission(hub, title="A", questions=["q"], quiet=True)
    b = cm.add_commission(hub, title="B", questions=["q"], product="tactical-assessment", quiet=True)
    with pytest.raises(BadInput, match="after delivery"):
        fb.add_feedback(hub, a.id, used=True)
    cm.record_run(hub, "problem-profile", a.id, "RESTRICTED", {"html": "x.html"})
    assert cm.get_commission(hub, a.id).status == "delivered"
    cm.set_status(hub, b.id, "delivered")
    with pytest.raises(BadInput, match="no answers"):
        fb.add_feedback(hub, a.id)
    fb.add_feedback(hub, a.id, used="yes", how_used="tasked patrols", revealed_new="y",
                    content_right=True, tone_right=True, timely="no", helped_outcome=True,
                    outcome="fewer assaults")
    fb.add_feedback(hub, b.id, used=False, timely=True)
    s = fb.feedback_summary(hub)
    assert s.records == 2 and s.commissions_delivered == 2 and s.commissions_with_feedback == 2
    assert s.rate("used") == 0.5 and s.rate("timely") == 0.5 and s.rate("revealed_new") == 1.0
    assert s.answers["helped_outcome"] == {"yes": 1, "no": 0, "unanswered": 1}
    assert s.by_product["problem-profile"]["used"] == 1.0
    assert s.by_product["tactical-assessment"]["used"] == 0.0
    assert s.how_used == ["tasked patrols"] and s.outcomes == ["fewer assaults"]
    assert "Was the product used?" in s.to_text()


def test_actions_carried_from_last_meeting(hub):
    old = act.add_action(hub, meeting="2025-01-07", action="Survey lighting", owner="J. Smith",
                         agency="council")
    done_old = act.add_action(hub, meeting="2025-01-07", action="Letter drop", owner="K. Lee")
    act.update_action(hub, done_old.id, status="done")
    new = act.add_action(hub, meeting="2025-02-04", action="Licensing visit", owner="P. Patel",
                         due="2025-02-28")
    carried = act.carried_actions(hub, as_of="2025-02-10")
    assert {a.id for a in carried} == {old.id, new.id}
    assert act.carried_actions(hub, as_of="2025-01-31") and \
        {a.id for a in act.carried_actions(hub, as_of="2025-01-31")} == {old.id, done_old.id}
    with pytest.raises(BadInput, match="owner"):
        act.add_action(hub, meeting="2025-02-04", action="x", owner=" ")
    with pytest.raises(BadInput, match="status"):
        act.update_action(hub, old.id, status="finished")


def _cli(capsys, *args):
    """Run the CLI in-process (fast); returns (exit code, stdout, stderr)."""
    from workbench.cli import main

    capsys.readouterr()
    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse errors
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_add_json_contract_as_a_process(hub):
    r = subprocess.run([sys.executable, "-m", "workbench", "commission", "add", "--hub", str(hub),
                        "--title", "Street drinking", "--question", "Where?", "--json"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert isinstance(json.loads(r.stdout)["id"], int)


def test_cli_lifecycle(hub, capsys):
    code, out, err = _cli(capsys, "commission", "add", "--hub", str(hub), "--title", "Street drinking",
                          "--question", "Where?", "--question", "Who is affected?", "--offences", "ASB",
                          "--current", "2025-01-01:2025-03-31", "--requested-by", "partnership tasking group",
                          "--due", "2025-06-30", "--json")
    assert code == 0, err
    cid = json.loads(out)["id"]
    code, out, _ = _cli(capsys, "commission", "assign", str(cid), "--hub", str(hub), "--analyst", "A. Analyst", "--json")
    assert code == 0 and json.loads(out)["status"] == "assigned"
    code, out, _ = _cli(capsys, "commission", "show", str(cid), "--hub", str(hub))
    assert code == 0 and "Who is affected?" in out and "A. Analyst" in out
    code, out, _ = _cli(capsys, "commission", "list", "--hub", str(hub), "--json")
    assert [c["id"] for c in json.loads(out)["commissions"]] == [cid]
    code, out, err = _cli(capsys, "commission", "feedback", str(cid), "--hub", str(hub), "--used", "yes")
    assert code == 2 and "after delivery" in err
    code, out, _ = _cli(capsys, "commission", "close", str(cid), "--hub", str(hub), "--json")
    assert code == 0 and json.loads(out)["status"] == "closed"
    code, out, err = _cli(capsys, "commission", "feedback", str(cid), "--hub", str(hub), "--used", "yes",
                          "--how-used", "tasking", "--timely", "no", "--json")
    assert code == 0, err
    code, out, _ = _cli(capsys, "commission", "feedback", "--summary", "--hub", str(hub), "--json")
    assert json.loads(out)["rates"]["used"] == 1.0
    code, out, err = _cli(capsys, "commission", "add", "--hub", str(hub), "--title", "x", "--json")
    assert code == 2  # --question is required
    code, out, err = _cli(capsys, "commission", "add", "--hub", str(hub), "--title", "x", "--question", "q",
                          "--due", "tomorrow", "--json")
    assert code == 2 and json.loads(out)["exit_code"] == 2
    code, out, err = _cli(capsys, "action", "add", "--hub", str(hub), "--meeting", "2025-02-04",
                          "--action", "Visit", "--owner", "P. Patel", "--json")
    assert code == 0 and json.loads(out)["status"] == "open"


def test_once_users_exist_only_permitted_users_commission_and_render(tmp_path, capsys):
    from governance_helpers import registry_with_people

    from workbench.errors import AccessDenied
    from workbench.products.authorise import authorise
    from workbench.products.build import build_product

    reg = registry_with_people(tmp_path)
    hub = tmp_path / "hub.duckdb"
    code, out, err = _cli(capsys, "commission", "add", "--hub", str(hub), "--title", "t",
                          "--question", "q", "--as", "vic", "--json")
    assert code == 3 and "denied" in err.lower()
    code, out, err = _cli(capsys, "commission", "add", "--hub", str(hub), "--title", "t",
                          "--question", "q", "--as", "nobody", "--json")
    assert code == 3
    code, out, err = _cli(capsys, "commission", "add", "--hub", str(hub), "--title", "t",
                          "--question", "q", "--as", "ana", "--json")
    assert code == 0, err
    with pytest.raises(AccessDenied):
        build_product("strategic-assessment", hub, out=tmp_path / "o", user="vic")
    assert authorise(hub, "ana", "render").include_sensitive is True
    assert authorise(hub, "sec_ana", "render").include_sensitive is False
    denied = [e.actor for e in reg.audit_entries() if e.outcome == "denied"]
    assert {"vic", "nobody"} <= set(denied)
