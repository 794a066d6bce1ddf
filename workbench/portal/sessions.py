"""Server-side sessions with CSRF tokens for the portal's HTML pages.

A session is a random 256-bit identifier in a cookie (``pip_session``: HttpOnly,
SameSite=Strict, Secure unless switched off for plain-http loopback development); the
session itself (who is logged in, its CSRF token) stays in server memory, so logging out
really ends it and nothing about the user travels in the cookie. Logging in issues a new
identifier (no session fixation). Sessions end after ``idle_seconds`` without use or
``max_seconds`` in all. Every form carries the session's CSRF token (synchroniser token);
a POST whose token does not match is refused.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field

COOKIE = "pip_session"


@dataclass
class Session:
    """One browser session: its id, CSRF token, the user once logged in, and a one-off message.

    Examples
    --------
    >>> s = SessionStore().new()
    >>> s.user is None, len(s.sid) >= 40, s.csrf != s.sid
    (True, True, True)
    """

    sid: str
    csrf: str
    user: str | None = None
    created: float = field(default_factory=time.monotonic)
    seen: float = field(default_factory=time.monotonic)
    flash: str | None = None


class SessionStore:
    """In-memory sessions of one portal process.

    Examples
    --------
    >>> store = SessionStore(idle_seconds=1800)
    >>> anon = store.new()
    >>> s = store.login(anon, "jo.bloggs")                         # a new id on log-in (no session fixation)
    >>> store.get(anon.sid) is None, store.get(s.sid).user
    (True, 'jo.bloggs')
    >>> store.end_user("jo.bloggs"); store.get(s.sid) is None
    True
    """

    def __init__(self, *, idle_seconds: float = 1800, max_seconds: float = 8 * 3600,
                 max_sessions: int = 50_000):
        self.idle_seconds = idle_seconds
        self.max_seconds = max_seconds
        self.max_sessions = max_sessions
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()
        self._pruned = time.monotonic()

    def new(self, user: str | None = None) -> Session:
        """Start a session. Beyond ``max_sessions`` the oldest anonymous sessions are dropped
        first (a flood of cookie-less requests cannot exhaust memory or log anyone out)."""
        s = Session(sid=secrets.token_urlsafe(32), csrf=secrets.token_urlsafe(32), user=user)
        with self._lock:
            if time.monotonic() - self._pruned > 60 or len(self._sessions) >= self.max_sessions:
                self._prune()
            if len(self._sessions) >= self.max_sessions:
                excess = len(self._sessions) - self.max_sessions + 1
                anonymous = [sid for sid, x in self._sessions.items() if x.user is None][:excess]
                for sid in anonymous or list(self._sessions)[:excess]:
                    del self._sessions[sid]
            self._sessions[s.sid] = s
        return s

    def __len__(self) -> int:
        return len(self._sessions)

    def get(self, sid: str | None) -> Session | None:
        if not sid:
            return None
        now = time.monotonic()
        with self._lock:
            s = self._sessions.get(sid)
            if s is None:
                return None
            if now - s.seen > self.idle_seconds or now - s.created > self.max_seconds:
                del self._sessions[sid]
                return None
            s.seen = now
            return s

    def login(self, old: Session | None, user: str) -> Session:
        """End ``old`` and start a fresh session for ``user`` (new identifier and CSRF token)."""
        self.end(old)
        return self.new(user)

    def end(self, s: Session | None) -> None:
        if s is not None:
            with self._lock:
                self._sessions.pop(s.sid, None)

    def end_user(self, user: str) -> None:
        with self._lock:
            for sid in [sid for sid, s in self._sessions.items() if s.user == user]:
                del self._sessions[sid]

    def _prune(self) -> None:
        now = self._pruned = time.monotonic()
        for sid in [sid for sid, s in self._sessions.items()
                    if now - s.seen > self.idle_seconds or now - s.created > self.max_seconds]:
            del self._sessions[sid]


def csrf_ok(session: Session | None, token: str | None) -> bool:
    """True when ``token`` is this session's CSRF token (constant-time comparison).

    Examples
    --------
    >>> s = SessionStore().new()
    >>> csrf_ok(s, s.csrf), csrf_ok(s, "forged"), csrf_ok(None, s.csrf)
    (True, False, False)
    """
    return bool(session and token and hmac.compare_digest(session.csrf, str(token)))
