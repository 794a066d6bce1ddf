"""Keys apart (security review, issue 11): who can open the shared tier cannot read the master key.

``workbench hub share --group G`` lets the operating-system group of the partner analysts read
the shared tier and its key, and nothing else: the master key, the master hub and the registry
stay private to the hub's own account. Checked with a real other account (``nobody`` in group
G, as root drops to it), and the tier still opens with its now group-readable key.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import dashboards_fixture as fx  # noqa: E402
from hubs import make_hub  # noqa: E402
from workbench.cli import main  # noqa: E402
from workbench.hub.connect import key_file, shared_path  # noqa: E402
from workbench.privacy.shared import open_shared_tier  # noqa: E402
from workbench.hub.share import check_separation  # noqa: E402

GID = 4242           # the partner analysts' group (a bare id: no /etc/group entry is needed)
NOBODY = 65534
SYSTEM_PYTHON = Path("/usr/bin/python3")

PROBE = """
import os, sys
folder = sys.argv[1]
for name in sys.argv[2:]:
    try:
        with open(os.path.join(folder, name), 'rb') as fh:
            fh.read(1)
        print(name, 'READ')
    except PermissionError:
        print(name, 'DENIED')
try:
    os.listdir(folder)
    print('listing READ')
except PermissionError:
    print('listing DENIED')
"""


@pytest.fixture
def hub():
    """A hub with a published shared tier in a folder another account can reach (not /tmp/pytest-of-root)."""
    top = Path(tempfile.mkdtemp(prefix="wb-keys-"))
    os.chmod(top, 0o711)
    try:
        hub = make_hub(top / "restricted", registry=fx.people, shared=fx.shared_tables(fx.crimes(300)))
        for p in (shared_path(hub), key_file(shared_path(hub))):
            os.chmod(p, 0o600)
        yield hub
    finally:
        shutil.rmtree(top, ignore_errors=True)


def _as_analyst(hub: Path) -> dict:
    def drop():
        os.setgroups([GID])
        os.setgid(NOBODY)
        os.setuid(NOBODY)

    names = ["shared.duckdb", "shared.duckdb.key", "hub.duckdb", "hub.duckdb.key", "registry.sqlite"]
    out = subprocess.run([str(SYSTEM_PYTHON), "-c", PROBE, str(hub.parent), *names], preexec_fn=drop,
                         capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    return dict(line.rsplit(" ", 1) for line in out.stdout.splitlines())


@pytest.mark.skipif(os.geteuid() != 0 or not SYSTEM_PYTHON.exists(),
                    reason="needs root to act as another account (nobody) and /usr/bin/python3")
def test_the_sharing_group_reads_the_shared_tier_but_never_the_master_key(hub, capsys):
    before = _as_analyst(hub)                      # private by default: nothing at all
    assert set(before.values()) == {"DENIED"}
    assert main(["hub", "share", "--hub", str(hub), "--group", str(GID), "--json"]) == 0
    capsys.readouterr()
    after = _as_analyst(hub)
    assert after["shared.duckdb"] == after["shared.duckdb.key"] == "READ"
    assert after["hub.duckdb.key"] == after["hub.duckdb"] == after["registry.sqlite"] == "DENIED"
    assert after["listing"] == "DENIED"            # may pass through the folder, not list it
    assert check_separation(hub) == []
    from workbench.hub.schema import init_hub

    init_hub(hub)                                  # re-running init keeps the group's pass-through
    assert oct(hub.parent.stat().st_mode & 0o777) == "0o710"
    con = open_shared_tier(hub)                    # the group-readable key (0640) is accepted
    try:
        assert con.execute("select count(*) from police_crime_offence").fetchone()[0] == 300
    finally:
        con.close()


def test_separation_check_names_a_readable_master_key_and_the_master_key_stays_strict(hub):
    from workbench.errors import ResourceLocked
    from workbench.hub.connect import read_key

    os.chmod(key_file(hub), 0o640)
    assert any(p.startswith("hub.duckdb.key") for p in check_separation(hub))
    with pytest.raises(ResourceLocked, match="readable by other users"):
        read_key(hub)                              # only the shared tier's key may be group-readable
    os.chmod(key_file(shared_path(hub)), 0o644)
    with pytest.raises(ResourceLocked, match="readable by other users"):
        read_key(shared_path(hub))                 # never world-readable
