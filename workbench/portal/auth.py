"""Who is asking: log-in through the registry, with a short credential cache for the JSON API.

Passwords are checked by the registry (argon2 hashes, lockout after repeated failures;
``workbench.registry``); the portal never stores a password. HTTP Basic sends the password
with every API request, and an argon2 check costs tens of milliseconds by design, so a
successful check is remembered for ``cache_seconds`` under an HMAC of name and password
(keyed by a per-process secret, never the password itself). Concurrent first requests for
the same name wait for one check instead of each running argon2 (single flight). Every
cached hit still re-reads the user so a deactivated account stops at once, and the user's
current password hash: once the password is changed (by any process) the old one stops
working immediately (security review, issue 11).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from pathlib import Path

from workbench.errors import AccessDenied


class Authenticator:
    """Authenticate registry users for the portal; one registry handle per thread.

    Parameters
    ----------
    hub : the hub path (the registry lives beside it).
    cache_seconds : how long a successful password check is remembered (0 disables).
    max_concurrent_checks : password checks allowed at once; each argon2 check takes 64 MiB,
        so a burst of log-ins (or an attacker's burst) cannot exhaust memory.

    Examples
    --------
    >>> from workbench.registry import open_registry
    >>> with open_registry("authenticator/hub.duckdb") as reg:
    ...     _ = reg.add_partnership("Nottingham")
    ...     _ = reg.add_agency("Notts Police", "central", partnerships=["Nottingham"])
    ...     _ = reg.add_user("rev", "Notts Police", "reviewer", "otter-lantern-gravel")
    >>> auth = Authenticator("authenticator/hub.duckdb")
    >>> auth.authenticate("rev", "otter-lantern-gravel").role
    'reviewer'
    >>> auth.authenticate("rev", "wrong password")
    Traceback (most recent call last):
    ...
    workbench.errors.AccessDenied: ...
    """

    def __init__(self, hub: Path | str, *, cache_seconds: float = 60.0, max_concurrent_checks: int = 4):
        self.hub = Path(hub)
        self.cache_seconds = cache_seconds
        self._local = threading.local()
        self._secret = secrets.token_bytes(32)
        self._cache: dict[bytes, tuple[float, str, str | None]] = {}
        # single flight per name through a fixed set of locks (a dict of per-name locks would
        # grow with every name an attacker tries)
        self._locks = [threading.Lock() for _ in range(64)]
        self._guard = threading.Lock()
        self._checks = threading.BoundedSemaphore(max_concurrent_checks)

    def registry(self):
        """This thread's registry handle (SQLite connections are not shared between threads)."""
        reg = getattr(self._local, "reg", None)
        if reg is None:
            from workbench.registry import open_registry

            reg = self._local.reg = open_registry(self.hub)
        return reg

    def _key(self, name: str, password: str) -> bytes:
        return hmac.new(self._secret, f"{name}\0{password}".encode(), hashlib.sha256).digest()

    def authenticate(self, name: str, password: str):
        """The registry user for ``name``/``password``; raises AccessDenied (audited by the registry)."""
        if not name or not password:
            raise AccessDenied("Name and password are required.")
        key = self._key(name, password)
        user = self._cached(key, name)
        if user is not None:
            return user
        lock = self._locks[int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big") % len(self._locks)]
        with lock:
            user = self._cached(key, name)
            if user is not None:
                return user
            stamp = self.registry().password_stamp(name)
            with self._checks:
                user = self.registry().authenticate(name, password)
            if self.cache_seconds > 0:
                with self._guard:
                    self._cache[key] = (time.monotonic() + self.cache_seconds, name, stamp)
            return user

    def _cached(self, key: bytes, name: str):
        with self._guard:
            hit = self._cache.get(key)
            if hit is None:
                return None
            if hit[0] < time.monotonic():
                del self._cache[key]
                return None
        user = self.get_user(name)
        if user is not None and self.registry().password_stamp(name) != hit[2]:
            user = None                 # the password changed since it was checked
        if user is None:
            with self._guard:
                self._cache.pop(key, None)
        return user

    def forget(self, name: str) -> None:
        """Drop every cached check for ``name`` (log-out, deactivation)."""
        with self._guard:
            for k in [k for k, (_, n, _) in self._cache.items() if n == name]:
                del self._cache[k]

    def get_user(self, name: str):
        """The active registry user ``name``, or None when absent or inactive."""
        try:
            user = self.registry().get_user(name)
        except (AccessDenied, KeyError, LookupError, ValueError):
            return None
        if user is None or not getattr(user, "active", True):
            return None
        return user
