"""Users: argon2 password hashes, authentication and lockout (guidance Box 2, 4.2.4).

A user belongs to one agency and has one role (:data:`~workbench.registry.validate.ROLES`).
Passwords are stored only as argon2id hashes (argon2-cffi defaults, RFC 9106). After
``max_failures`` consecutive wrong passwords (default 5) the account is locked for
``lockout_minutes`` (default 15); every success, failure and refusal is audited.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from workbench.errors import AccessDenied, BadInput
from workbench.registry import validate

_HASHER = PasswordHasher()


@dataclass(frozen=True)
class User:
    """A registered user as the access rules see them.

    Examples
    --------
    >>> from workbench.registry import Registry
    >>> with Registry("user.sqlite") as reg:
    ...     _ = reg.add_partnership("Rushcliffe")
    ...     _ = reg.add_agency("Rushcliffe BC", "central", partnerships=["Rushcliffe"])
    ...     u = reg.add_user("ann", "Rushcliffe BC", "analyst", "otter-lantern-gravel")
    >>> u.role, u.agency_group, u.partnerships, u.active
    ('analyst', 'central', ('Rushcliffe',), True)
    """

    name: str
    agency: str
    agency_group: str
    role: str
    partnerships: tuple[str, ...]
    active: bool = True
    isp_status: str = "signed"

    def to_dict(self) -> dict:
        return {"name": self.name, "agency": self.agency, "agency_group": self.agency_group,
                "role": self.role, "partnerships": list(self.partnerships), "active": self.active,
                "isp_status": self.isp_status}


#: the one answer to every failed log-in (unknown name, wrong password, locked account)
LOGIN_REFUSED = ("Wrong user name or password (after repeated failures an account is locked for a "
                 "while; ask the CSP coordinator if you cannot log in).")

class UsersMixin:
    """User methods of :class:`~workbench.registry.Registry`.

    Examples
    --------
    >>> from workbench.registry import Registry
    >>> reg = Registry("users.sqlite")
    >>> _ = reg.add_partnership("Rushcliffe")
    >>> _ = reg.add_agency("Rushcliffe BC", "central", partnerships=["Rushcliffe"])
    >>> _ = reg.add_user("ann", "Rushcliffe BC", "analyst", "otter-lantern-gravel")
    >>> reg.authenticate("ann", "otter-lantern-gravel").name
    'ann'
    >>> reg.authenticate("ann", "wrong password!")
    Traceback (most recent call last):
    ...
    workbench.errors.AccessDenied: ...
    >>> reg.close()
    """

    def add_user(self, name: str, agency: str, role: str, password: str, *, actor: str = "system") -> User:
        """Register a user of an existing agency; the password is stored as an argon2 hash."""
        name = validate.name("name", name)
        role = validate.choice("role", role, validate.ROLES)
        validate.password(password, user_inputs=(name, agency))
        self._agency_row(agency)
        if self.con.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
            raise BadInput(f"User '{name}' already exists; choose another name.")
        digest = _HASHER.hash(password)
        with self.transaction():
            if self.con.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
                raise BadInput(f"User '{name}' already exists; choose another name.")
            self.con.execute(
                "INSERT INTO users (name, agency, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                (name, agency, role, digest, self._now_text()))
            self.audit(actor, "user.add", name, {"agency": agency, "role": role})
        return self.get_user(name)

    def get_user(self, name: str) -> User:
        """The user called ``name``; unknown users raise AccessDenied (nothing about who exists leaks)."""
        row = self.con.execute(
            "SELECT u.name, u.agency, u.role, u.active, a.agency_group, a.isp_status FROM users u "
            "JOIN agencies a ON a.name = u.agency WHERE u.name = ?", (name,)).fetchone()
        if row is None:
            raise AccessDenied(f"Unknown user '{name}'. Ask the CSP coordinator to register you.")
        parts = tuple(r[0] for r in self.con.execute(
            "SELECT partnership FROM agency_partnerships WHERE agency = ? ORDER BY partnership",
            (row["agency"],)))
        return User(row["name"], row["agency"], row["agency_group"], row["role"], parts,
                    bool(row["active"]), row["isp_status"])

    def list_users(self) -> list[User]:
        return [self.get_user(r[0]) for r in self.con.execute("SELECT name FROM users ORDER BY name")]

    def set_user_active(self, name: str, active: bool, *, actor: str = "system") -> User:
        user = self.get_user(name)
        if not active and user.role == "admin" and user.active and self.con.execute(
                "SELECT count(*) FROM users WHERE role = 'admin' AND active = 1").fetchone()[0] <= 1:
            raise BadInput(f"'{user.name}' is the last active admin; register or activate another "
                           f"admin first (someone must be able to manage accounts, guidance Box 2).")
        with self.transaction():
            self.con.execute("UPDATE users SET active = ?, failed_attempts = 0, locked_until = NULL "
                             "WHERE name = ?", (int(active), user.name))
            self.audit(actor, "user.activate" if active else "user.deactivate", name)
        return self.get_user(name)

    def password_stamp(self, name: str) -> str | None:
        """A digest of ``name``'s current password hash (None for an unknown user): changes
        whenever the password does, so a cache of verified passwords can tell it is stale."""
        import hashlib

        row = self.con.execute("SELECT password_hash FROM users WHERE name = ?", (name,)).fetchone()
        return hashlib.sha256(row[0].encode()).hexdigest() if row and row[0] else None

    def set_password(self, name: str, password: str, *, actor: str = "system") -> None:
        user = self.get_user(name)
        validate.password(password, user_inputs=(user.name, user.agency))
        digest = _HASHER.hash(password)
        with self.transaction():
            self.con.execute("UPDATE users SET password_hash = ?, failed_attempts = 0, locked_until = NULL "
                             "WHERE name = ?", (digest, user.name))
            self.audit(actor, "user.password", name)

    def unlock(self, name: str, *, actor: str = "system") -> None:
        """Clear a lockout early (the coordinator has confirmed who is asking)."""
        user = self.get_user(name)
        with self.transaction():
            self.con.execute("UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE name = ?",
                             (user.name,))
            self.audit(actor, "user.unlock", name)

    def authenticate(self, name: str, password: str) -> User:
        """Check a password; return the :class:`User` or raise AccessDenied (audited).

        Five consecutive failures (``max_failures``) lock the account for ``lockout_minutes``;
        while locked even the right password is refused. A success resets the count.

        User names cannot be enumerated (security review, issue 11): an unknown name, a wrong
        password and a locked account all get :data:`LOGIN_REFUSED` after one argon2 check
        each (the same time); only the right password of a deactivated account learns that it
        is deactivated. The real reason is in the audit log.
        """
        now = self.now()
        row = self.con.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone()
        if row is None:
            _HASHER.hash(password or "x")  # spend the same time as a real check
            # the attempted name is not written verbatim: people type passwords into the name
            # field; its hash still lets the coordinator check a suspected name
            tried = hashlib.sha256(str(name).encode("utf-8")).hexdigest()[:16]
            self.audit("(unknown)", "login", "(unknown)",
                       {"reason": "unknown user", "attempted_name_sha256": tried}, outcome="denied")
            raise AccessDenied(LOGIN_REFUSED)
        try:
            _HASHER.verify(row["password_hash"], password or "")
            right = True
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            right = False
        if row["locked_until"] and datetime.fromisoformat(row["locked_until"]) > now:
            self.audit(name, "login", name, {"reason": "locked", "locked_until": row["locked_until"]},
                       outcome="denied")
            raise AccessDenied(LOGIN_REFUSED)
        if not row["active"]:
            self.audit(name, "login", name, {"reason": "account deactivated"}, outcome="denied")
            if right:
                raise AccessDenied(f"Account '{name}' is deactivated; ask the CSP coordinator.")
            raise AccessDenied(LOGIN_REFUSED)
        if not right:
            self._record_failure(name, row["failed_attempts"] + 1, now)
            raise AccessDenied(LOGIN_REFUSED)
        rehash = _HASHER.hash(password) if _HASHER.check_needs_rehash(row["password_hash"]) else None
        with self.transaction():
            self.con.execute("UPDATE users SET failed_attempts = 0, locked_until = NULL, last_login = ? "
                             "WHERE name = ?", (now.isoformat(), name))
            if rehash:
                self.con.execute("UPDATE users SET password_hash = ? WHERE name = ?", (rehash, name))
            self.audit(name, "login", name)
        return self.get_user(name)

    def _record_failure(self, name: str, failures: int, now: datetime) -> None:
        with self.transaction():
            # re-read inside the write lock so concurrent failures all count
            failures = self.con.execute("SELECT failed_attempts FROM users WHERE name = ?",
                                        (name,)).fetchone()[0] + 1
            self._apply_failure(name, failures, now)

    def _apply_failure(self, name: str, failures: int, now: datetime) -> None:
        locked_until = None
        if failures >= self.max_failures:
            locked_until = (now + timedelta(minutes=self.lockout_minutes)).isoformat()
            failures = 0
        self.con.execute("UPDATE users SET failed_attempts = ?, locked_until = ? WHERE name = ?",
                         (failures, locked_until, name))
        detail = {"reason": "wrong password", "consecutive_failures": failures or self.max_failures}
        if locked_until:
            detail["locked_until"] = locked_until
        self.audit(name, "login", name, detail, outcome="denied")
        if locked_until:
            self.audit("system", "user.lockout", name, {"locked_until": locked_until,
                                                         "after_failures": self.max_failures})
