"""The upload page's column mapping (issue 15 "Mappings that learn"): check a supply's layout, propose.

When a supplier uploads a file at ``/supply``, the page reads the file's header and first rows from
its encrypted inbox, in memory (:func:`workbench.portal.uploads.read_plain`; the plain file is never
written) and decides, with :mod:`workbench.hub.mappings` (the same code as ``workbench hub map``):

* ``native``: the dataset has its own source layout and adapter (police.uk, Code-Point Open …):
  no mapping; the worker's ingest checks the file;
* ``canonical``: the headings are the dataset's own columns: no mapping;
* ``saved``: the agency confirmed a mapping for this dataset and this exact header: reused;
* ``new``: no mapping is saved: the page proposes one (rapidfuzz names and sample values, one
  to one; :func:`workbench.hub.mappings.propose`) for the supplier to confirm or edit once;
* ``changed``: a mapping is saved but the header differs: the page names the headings added and
  removed and proposes a new mapping;
* ``unread``: an XLSX file too large to open in the web process (over :data:`XLSX_READ_MAX`):
  the worker checks it against the saved mapping as ``workbench hub ingest`` does.

Only ``new`` and ``changed`` stop the upload (state ``mapping``) until the supplier confirms on
``/supply/<id>/mapping``; the confirmed mapping is saved per agency and dataset
(:func:`workbench.hub.mappings.save`, audited ``mapping.confirm`` as the CLI does) and next month's
supply in that layout goes straight through.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

#: the first bytes of a CSV read for its header and sample rows
CSV_HEAD_BYTES = 256 * 1024
#: the largest XLSX the web process opens in memory to read its header (an XLSX is a zip: the
#: whole file is needed); larger ones are checked by the worker
XLSX_READ_MAX = 64 * 1024 * 1024


@dataclass
class LayoutCheck:
    """What the page found about an upload's layout (see the module's list of ``status``).

    >>> c = LayoutCheck("changed", ["Ref", "When"], saved_header=["Ref", "Date"])
    >>> c.needs_confirmation, c.added, c.removed
    (True, ['When'], ['Date'])
    >>> LayoutCheck("native").needs_confirmation
    False
    """

    status: str
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    proposal: object = None
    saved_header: list[str] | None = None

    @property
    def needs_confirmation(self) -> bool:
        return self.status in ("new", "changed")

    @property
    def added(self) -> list[str]:
        """Headings in this file that the saved layout did not have."""
        return [h for h in self.header if h not in (self.saved_header or [])]

    @property
    def removed(self) -> list[str]:
        """Headings of the saved layout missing from this file."""
        return [h for h in (self.saved_header or []) if h not in self.header]


def has_own_adapter(dataset_id: str) -> bool:
    """True when a source adapter serves this dataset by name (its layout needs no mapping).

    >>> has_own_adapter("police_uk_street"), has_own_adapter("council_asb")
    (True, False)
    """
    from workbench.hub.adapters import SERVES

    return any(dataset_id in served for served in SERVES.values())


def layout(dataset_id: str, agency: str, header: list[str], rows: list[list[str]],
           saved_header: list[str] | None) -> LayoutCheck:
    """Decide what a header needs (``canonical``, ``saved``, ``new`` or ``changed``; see the module).

    >>> hdr = ["Ref No", "Date Reported", "Post Code", "Category"]
    >>> rows = [["A1", "01/03/2024", "NG1 5AW", "Noise"]]
    >>> c = layout("council_asb", "City Council", hdr, rows, None)
    >>> c.status, c.proposal.columns["Date Reported"]
    ('new', 'incident_date')
    >>> layout("council_asb", "City Council", hdr, rows, hdr).status
    'saved'
    >>> c = layout("council_asb", "City Council", ["Ref No", "Reported On", "Post Code"], rows, hdr)
    >>> c.status, c.added, c.removed
    ('changed', ['Reported On'], ['Date Reported', 'Category'])
    """
    from workbench import catalogue
    from workbench.hub import mappings

    if header and set(header) <= set(catalogue.get(dataset_id).column_names):
        return LayoutCheck("canonical", header, rows)
    if saved_header is not None and header == saved_header:
        return LayoutCheck("saved", header, rows, saved_header=saved_header)
    proposal = mappings.propose(dataset_id, header, rows)
    return LayoutCheck("new" if saved_header is None else "changed", header, rows, proposal, saved_header)


def check(hub: Path | str, upload_id: str, agency: str, dataset_id: str, filename: str, size: int) -> LayoutCheck:
    r"""Read the upload's header from the encrypted inbox (in memory) and decide what it needs.

    >>> import tempfile
    >>> from pathlib import Path
    >>> from workbench.portal import uploads
    >>> hub = Path(tempfile.mkdtemp()) / "hub.duckdb"
    >>> w = uploads.EncryptedWriter(hub, "0" * 24)
    >>> w.write(b"Ref No,Date Reported,Post Code\nA1,01/03/2024,NG1 5AW\n")
    >>> w.close()
    >>> c = check(hub, "0" * 24, "City Council", "council_asb", "asb.csv", 60)
    >>> c.status, c.proposal.columns["Ref No"]
    ('new', 'incident_ref')
    >>> check(hub, "0" * 24, "City Council", "police_uk_street", "street.csv", 60).status
    'native'
    """
    from workbench.hub import mappings
    from workbench.portal import uploads as U

    if has_own_adapter(dataset_id):
        return LayoutCheck("native")
    suffix = Path(filename).suffix.lower()
    if suffix == ".xlsx" and size > XLSX_READ_MAX:
        return LayoutCheck("unread")
    data = U.read_plain(hub, upload_id, None if suffix == ".xlsx" else CSV_HEAD_BYTES)
    try:
        header, rows = mappings.read_header_from(io.BytesIO(data), suffix)
    except Exception:                   # unreadable here: the worker's ingest names the problem
        return LayoutCheck("unread")
    if suffix != ".xlsx" and len(data) == CSV_HEAD_BYTES and rows:
        rows = rows[:-1]                # the last row read may be cut off by the byte limit
    return layout(dataset_id, agency, header, rows, mappings.saved_header(hub, agency, dataset_id))
