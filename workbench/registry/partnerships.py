"""Partnerships and agencies, and which partnerships' data a user may see (issue 3 §7).

A regional hub serves several partnerships (the districts of a county, or forces working
together under collaboration agreements, reference 003). A partnership is first-class:

* an agency may belong to several partnerships (a county council sits on every district CSP);
* sharing between two partnerships happens "only within the conditions of the ISPs for each
  of the relevant jurisdictional areas" (guidance 2.2.4): each side records its own decision
  (:meth:`PartnershipsMixin.record_sharing`) and data flows only when both allow it and
  neither partnership has refused cross-border sharing altogether (``cross_border=False``);
* a county-level parent partnership reads its districts' depersonalised tiers, and a district
  reads the county-wide data of its parent (not its sister districts').
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.errors import BadInput
from workbench.registry import validate


@dataclass(frozen=True)
class Partnership:
    """A community safety partnership; ``parent`` is the county-level partnership that contains it.

    Examples
    --------
    >>> from workbench.registry import Registry
    >>> with Registry("partnership.sqlite") as reg:
    ...     _ = reg.add_partnership("Nottinghamshire")
    ...     p = reg.add_partnership("Rushcliffe", parent="Nottinghamshire", cross_border=False)
    >>> p.to_dict()
    {'name': 'Rushcliffe', 'parent': 'Nottinghamshire', 'cross_border': False}
    """

    name: str
    parent: str | None
    cross_border: bool

    def to_dict(self) -> dict:
        return {"name": self.name, "parent": self.parent, "cross_border": self.cross_border}


@dataclass(frozen=True)
class Agency:
    """A partner agency: its group (central or second), its designated liaison officer, whether it has signed the information sharing protocol, and its partnerships.

    Examples
    --------
    >>> from workbench.registry import Registry
    >>> with Registry("agency.sqlite") as reg:
    ...     _ = reg.add_partnership("Rushcliffe")
    ...     a = reg.add_agency("Rushcliffe BC", "central", partnerships=["Rushcliffe"])
    >>> a.group, a.isp_status, a.partnerships
    ('central', 'signed', ('Rushcliffe',))
    """

    name: str
    group: str
    dlo: str | None
    isp_status: str
    partnerships: tuple[str, ...]

    def to_dict(self) -> dict:
        return {"name": self.name, "group": self.group, "dlo": self.dlo,
                "isp_status": self.isp_status, "partnerships": list(self.partnerships)}


class PartnershipsMixin:
    """Partnership and agency methods of :class:`~workbench.registry.Registry`.

    Examples
    --------
    >>> from workbench.registry import Registry
    >>> with Registry("hierarchy.sqlite") as reg:
    ...     _ = reg.add_partnership("Nottinghamshire")
    ...     _ = reg.add_partnership("Rushcliffe", parent="Nottinghamshire")
    ...     sorted(reg.descendants("Nottinghamshire")), sorted(reg.ancestors("Rushcliffe"))
    (['Rushcliffe'], ['Nottinghamshire'])
    """

    # -- partnerships -------------------------------------------------------------------
    def add_partnership(self, name: str, parent: str | None = None, cross_border: bool = True,
                        *, actor: str = "system") -> Partnership:
        """Register a partnership; ``parent`` is a county-level partnership that contains it."""
        name = validate.name("name", name)
        if self.con.execute("SELECT 1 FROM partnerships WHERE name = ?", (name,)).fetchone():
            raise BadInput(f"Partnership '{name}' already exists.")
        if parent is not None:
            self.get_partnership(parent)
        with self.transaction():
            self.con.execute("INSERT INTO partnerships (name, parent, cross_border, created_at) "
                             "VALUES (?, ?, ?, ?)", (name, parent, int(bool(cross_border)), self._now_text()))
            self.audit(actor, "partnership.add", name, {"parent": parent, "cross_border": bool(cross_border)})
        return self.get_partnership(name)

    def get_partnership(self, name: str) -> Partnership:
        row = self.con.execute("SELECT * FROM partnerships WHERE name = ?", (name,)).fetchone()
        if row is None:
            known = [r[0] for r in self.con.execute("SELECT name FROM partnerships")]
            validate.choice("partnership", name, tuple(known) or ("(none registered)",))
        return Partnership(row["name"], row["parent"], bool(row["cross_border"]))

    def list_partnerships(self) -> list[Partnership]:
        return [self.get_partnership(r[0]) for r in
                self.con.execute("SELECT name FROM partnerships ORDER BY name")]

    def set_cross_border(self, name: str, allowed: bool, *, actor: str = "system") -> Partnership:
        """Change whether a partnership's ISP allows any sharing with other partnerships."""
        self.get_partnership(name)
        with self.transaction():
            self.con.execute("UPDATE partnerships SET cross_border = ? WHERE name = ?", (int(allowed), name))
            self.audit(actor, "partnership.cross_border", name, {"cross_border": bool(allowed)})
        return self.get_partnership(name)

    def record_sharing(self, partnership: str, with_partnership: str, allowed: bool = True,
                       *, actor: str = "system") -> None:
        """Record one side's ISP decision to share (or not) with another partnership (2.2.4)."""
        own = self.get_partnership(partnership)
        self.get_partnership(with_partnership)
        if partnership == with_partnership:
            raise BadInput("A partnership always shares with itself; name two different partnerships.")
        if allowed and not own.cross_border:
            raise BadInput(f"Partnership '{partnership}' has refused cross-border sharing in its ISP "
                           f"(cross_border is off); change that first with "
                           f"`workbench partnerships set {partnership} --cross-border yes`.")
        with self.transaction():
            self.con.execute(
                "INSERT INTO partnership_sharing (partnership, with_partnership, allowed, recorded_by, "
                "recorded_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(partnership, with_partnership) DO UPDATE "
                "SET allowed = excluded.allowed, recorded_by = excluded.recorded_by, "
                "recorded_at = excluded.recorded_at",
                (partnership, with_partnership, int(allowed), actor, self._now_text()))
            self.audit(actor, "partnership.sharing", partnership,
                       {"with": with_partnership, "allowed": bool(allowed)})

    def sharing_allowed(self, a: str, b: str) -> bool:
        """True when both partnerships' ISPs allow sharing between them (and neither refused all)."""
        if a == b:
            return True
        rows = {(r["partnership"], r["with_partnership"]): bool(r["allowed"]) for r in self.con.execute(
            "SELECT * FROM partnership_sharing WHERE (partnership = ? AND with_partnership = ?) "
            "OR (partnership = ? AND with_partnership = ?)", (a, b, b, a))}
        if not (rows.get((a, b)) and rows.get((b, a))):
            return False
        return self.get_partnership(a).cross_border and self.get_partnership(b).cross_border

    def descendants(self, name: str) -> set[str]:
        """Every partnership below ``name`` (its districts, their sub-areas …)."""
        out, frontier = set(), [name]
        while frontier:
            kids = [r[0] for r in self.con.execute(
                f"SELECT name FROM partnerships WHERE parent IN ({','.join('?' * len(frontier))})",
                frontier)]
            frontier = [k for k in kids if k not in out]
            out.update(frontier)
        return out

    def ancestors(self, name: str) -> set[str]:
        """The partnerships above ``name`` (its county group, and so on up)."""
        out, current = set(), self.get_partnership(name).parent
        while current is not None and current not in out:
            out.add(current)
            current = self.get_partnership(current).parent
        return out

    def visible_partnerships(self, user) -> set[str]:
        """The partnerships whose depersonalised data ``user`` may see.

        Their agency's own partnerships; every partnership below those (a county group reads
        its districts' tiers); the county-level partnerships above them (county-wide data is
        shared under the county ISP, which the districts' agencies sign) but not their sister
        districts; and any other partnership where both ISPs allow sharing
        (:meth:`sharing_allowed`). Personal data never crosses partnerships through this
        rule: it needs a request approved by the supplying agency's DLO.
        """
        if isinstance(user, str):
            user = self.get_user(user)
        own = set(user.partnerships)
        seen = set(own)
        for p in own:
            seen |= self.descendants(p) | self.ancestors(p)
        for other in (r[0] for r in self.con.execute("SELECT name FROM partnerships")):
            if other not in seen and any(self.sharing_allowed(p, other) for p in own):
                seen.add(other)
        return seen

    # -- agencies -----------------------------------------------------------------------
    def add_agency(self, name: str, group: str, dlo: str | None = None, isp_status: str = "signed",
                   partnerships=(), *, actor: str = "system") -> Agency:
        """Register an agency with its ISP status and group (guidance 2.2.4 box)."""
        name = validate.name("name", name)
        group = validate.choice("group", group, validate.AGENCY_GROUPS)
        isp_status = validate.choice("isp_status", isp_status, validate.ISP_STATUSES)
        if self.con.execute("SELECT 1 FROM agencies WHERE name = ?", (name,)).fetchone():
            raise BadInput(f"Agency '{name}' already exists.")
        for p in partnerships:
            self.get_partnership(p)
        with self.transaction():
            self.con.execute("INSERT INTO agencies (name, agency_group, dlo, isp_status, created_at) "
                             "VALUES (?, ?, ?, ?, ?)", (name, group, dlo, isp_status, self._now_text()))
            for p in dict.fromkeys(partnerships):
                self.con.execute("INSERT INTO agency_partnerships VALUES (?, ?)", (name, p))
            self.audit(actor, "agency.add", name, {"group": group, "dlo": dlo, "isp_status": isp_status,
                                                   "partnerships": list(partnerships)})
        return self.get_agency(name)

    def _agency_row(self, name: str):
        row = self.con.execute("SELECT * FROM agencies WHERE name = ?", (name,)).fetchone()
        if row is None:
            known = tuple(r[0] for r in self.con.execute("SELECT name FROM agencies"))
            validate.choice("agency", name, known or ("(none registered)",))
        return row

    def get_agency(self, name: str) -> Agency:
        row = self._agency_row(name)
        parts = tuple(r[0] for r in self.con.execute(
            "SELECT partnership FROM agency_partnerships WHERE agency = ? ORDER BY partnership", (name,)))
        return Agency(row["name"], row["agency_group"], row["dlo"], row["isp_status"], parts)

    def list_agencies(self) -> list[Agency]:
        return [self.get_agency(r[0]) for r in self.con.execute("SELECT name FROM agencies ORDER BY name")]

    def join_partnership(self, agency: str, partnership: str, *, actor: str = "system") -> Agency:
        """Add an agency to a further partnership (agencies may belong to several)."""
        self._agency_row(agency)
        self.get_partnership(partnership)
        with self.transaction():
            self.con.execute("INSERT OR IGNORE INTO agency_partnerships VALUES (?, ?)", (agency, partnership))
            self.audit(actor, "agency.join", agency, {"partnership": partnership})
        return self.get_agency(agency)

    def update_agency(self, name: str, *, group: str | None = None, dlo: str | None = None,
                      isp_status: str | None = None, actor: str = "system") -> Agency:
        """Change an agency's group, DLO or ISP status (audited)."""
        self._agency_row(name)
        changes = {}
        if group is not None:
            changes["agency_group"] = validate.choice("group", group, validate.AGENCY_GROUPS)
        if dlo is not None:
            changes["dlo"] = dlo
        if isp_status is not None:
            changes["isp_status"] = validate.choice("isp_status", isp_status, validate.ISP_STATUSES)
        with self.transaction():
            for col, val in changes.items():
                self.con.execute(f"UPDATE agencies SET {col} = ? WHERE name = ?", (val, name))
            self.audit(actor, "agency.update", name, changes)
        return self.get_agency(name)
