"""Keys apart: who can open the shared tier cannot read the master key (security review, issue 11).

Every file of ``data/restricted/`` is private to the operating-system account that runs the
hub (mode 0600 in a 0700 folder). Partner analysts run their notebooks under **their own
accounts**; :func:`share_tier` lets the members of one operating-system group open the shared
tier and nothing else:

=========================================  =====================  ==================
file                                       mode                   who
=========================================  =====================  ==================
the hub folder                             0710, group GROUP      members may pass through it, not list it
``shared.duckdb``, ``shared.duckdb.key``   0640, group GROUP      members read the tier and its key
``hub.duckdb``, ``hub.duckdb.key``         0600                   the hub's own account only
``registry.sqlite``, portal files, WALs    0600                   the hub's own account only
=========================================  =====================  ==================

A member of the group can therefore open the shared tier (``open_shared_tier``; the registry is
not theirs to read, so partnership scoping for them is a matter of which tier they are given),
while the master key, the master hub, the registry and the portal store stay unreadable to
them. ``workbench hub publish`` keeps the group and mode of the tier it replaces.
:func:`check_separation` reports any file that breaks the table above.

Examples
--------
>>> import os, tempfile
>>> from pathlib import Path
>>> d = Path(tempfile.mkdtemp())
>>> for n in ("hub.duckdb", "hub.duckdb.key", "shared.duckdb", "shared.duckdb.key"):
...     _ = (d / n).write_text("x"); os.chmod(d / n, 0o600)
>>> report = share_tier(d / "hub.duckdb", os.getgid())
>>> oct(os.stat(d / "shared.duckdb.key").st_mode & 0o777), oct(os.stat(d / "hub.duckdb.key").st_mode & 0o777)
('0o640', '0o600')
>>> check_separation(d / "hub.duckdb")
[]
"""

from __future__ import annotations

import grp
import os
import stat
from pathlib import Path

from workbench.errors import BadInput
from workbench.hub.connect import key_file, shared_path

#: the files members of the sharing group may read (the shared tier and its key)
SHARED_MODE = 0o640
#: the hub folder when shared: members may pass through it to named files but not list it
FOLDER_MODE = 0o710


def _gid(group: str | int) -> int:
    if isinstance(group, int) or str(group).isdigit():
        return int(group)
    try:
        return grp.getgrnam(str(group)).gr_gid
    except KeyError:
        raise BadInput(f"--group: no operating-system group '{group}' (create it with `groupadd {group}` "
                       "and add the partner analysts' accounts to it).") from None


def shared_files(hub: Path | str) -> list[Path]:
    """The files a member of the sharing group must read: the shared tier and its key.

    Examples
    --------
    >>> [p.name for p in shared_files("hub/hub.duckdb")]
    ['shared.duckdb', 'shared.duckdb.key']
    """
    tier = shared_path(hub)
    return [tier, key_file(tier)]


def share_tier(hub: Path | str, group: str | int) -> dict:
    """Let the members of ``group`` open the shared tier of ``hub`` and nothing else.

    Sets the hub folder to 0710 and the shared tier and its key to 0640 with group ``group``;
    makes every other file of the folder 0600 (the master key, the hub, the registry, the
    portal store and any WAL). Returns what was done. BadInput (exit 2) when the tier has
    not been published or the group does not exist.

    Examples
    --------
    >>> folder = Path("share_tier"); folder.mkdir()
    >>> for name in ("hub.duckdb", "hub.duckdb.key"):
    ...     _ = (folder / name).write_text("master")
    >>> share_tier(folder / "hub.duckdb", os.getgid())
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: Nothing to share yet: share_tier/shared.duckdb, share_tier/shared.duckdb.key missing. Run `workbench hub publish` first.
    >>> for p in shared_files(folder / "hub.duckdb"):
    ...     _ = p.write_text("shared")
    >>> done = share_tier(folder / "hub.duckdb", os.getgid())
    >>> done["shared"], done["private"], done["folder_mode"]
    (['shared.duckdb', 'shared.duckdb.key'], ['hub.duckdb', 'hub.duckdb.key'], '0o710')
    >>> oct(stat.S_IMODE((folder / "shared.duckdb").stat().st_mode)), oct(stat.S_IMODE((folder / "hub.duckdb").stat().st_mode))
    ('0o640', '0o600')
    """
    hub = Path(hub)
    gid = _gid(group)
    folder = hub.parent
    missing = [str(p) for p in shared_files(hub) if not p.exists() and not (
        p.name.endswith(".key") and os.environ.get("WORKBENCH_SHARED_KEY"))]
    if missing:
        raise BadInput(f"Nothing to share yet: {', '.join(missing)} missing. Run `workbench hub publish` first.")
    shared = {p.resolve() for p in shared_files(hub) if p.exists()}
    private = []
    for entry in folder.iterdir():
        if entry.is_symlink() or not entry.is_file():
            continue
        if entry.resolve() in shared:
            os.chown(entry, -1, gid)
            os.chmod(entry, SHARED_MODE)
        else:
            os.chmod(entry, 0o600)
            private.append(entry.name)
    os.chown(folder, -1, gid)
    os.chmod(folder, FOLDER_MODE)
    return {"group": gid, "folder": str(folder), "folder_mode": oct(FOLDER_MODE),
            "shared": sorted(p.name for p in shared), "private": sorted(private)}


def check_separation(hub: Path | str) -> list[str]:
    """Files of the hub folder that a member of another account or group could read but should not.

    Everything except the shared tier and its key must be 0600 (no group or other bits); the
    shared files may be group-readable, never world-readable or group-writable.

    Examples
    --------
    >>> folder = Path("separation"); folder.mkdir()
    >>> for name in ("hub.duckdb", "shared.duckdb"):
    ...     _ = (folder / name).write_text("x")
    >>> os.chmod(folder / "hub.duckdb", 0o644); os.chmod(folder / "shared.duckdb", 0o640)
    >>> check_separation(folder / "hub.duckdb")             # the shared tier may be group-readable; the hub may not
    ['hub.duckdb is mode 0o644']
    """
    hub = Path(hub)
    shared = {p.resolve() for p in shared_files(hub) if p.exists()}
    problems = []
    for entry in sorted(hub.parent.iterdir()):
        if entry.is_symlink() or not entry.is_file():
            continue
        mode = stat.S_IMODE(entry.stat().st_mode)
        allowed = 0o040 if entry.resolve() in shared else 0
        if mode & 0o077 & ~allowed:
            problems.append(f"{entry.name} is mode {oct(mode)}")
    return problems
