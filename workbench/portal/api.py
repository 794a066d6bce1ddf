"""The portal's JSON API (CONTRACTS.md "Portal HTTP API"), authenticated with HTTP Basic.

* ``POST /api/v1/submissions`` (role ``partner``) → ``201 {"submission_ref"}``; a body that
  fails its checks → ``422 {"error": "invalid", "field", "message"}``; no or wrong credentials
  → ``401`` with ``WWW-Authenticate: Basic``; a logged-in user without the role → ``403``.
* ``GET /api/v1/whoami`` → ``{"name", "agency", "role"}``: lets a partner's system check its
  credentials without submitting anything.
* ``GET /api/v1/submissions/{ref}`` → a partner of the submitting agency sees
  ``{"submission_ref", "status"}`` (received / assessed, never the outcome); a reviewer sees the
  submission's category, agency, internal status and 3x5x2 grading. Anyone else gets ``404``
  whether or not the reference exists (no existence oracle), and the attempt is audited.

The API ignores session cookies (so it cannot be driven cross-site) and is rate limited per user.
"""

from __future__ import annotations

import base64
import binascii
import json

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from workbench.errors import AccessDenied
from workbench.portal import access
from workbench.portal import submissions as S
from workbench.portal import validate
from workbench.portal import vocabulary as V
from workbench.portal.validate import FieldError
from workbench.portal.web import count_address, count_user, json_error, portal

REALM = 'Basic realm="Partnership Intelligence Portal", charset="UTF-8"'


#: deepest nesting of arrays/objects a request body may have (a submission needs 2)
MAX_JSON_DEPTH = 8


def parse_json(raw: bytes):
    r"""A request body as JSON, refusing what the API cannot store with ``ValueError`` (422, never 500).

    Refused: invalid UTF-8, invalid JSON, nesting deeper than :data:`MAX_JSON_DEPTH` (checked
    before parsing, so a body of 100,000 ``[`` cannot exhaust the parser's recursion), and
    strings holding a lone surrogate (``"\\ud800"``: not text, cannot be stored as UTF-8).

    >>> parse_json(b'{"a": [1, "x"]}')
    {'a': [1, 'x']}
    >>> for bad in (b'[' * 50 + b']' * 50, b'"\\ud800"', b'\xff'):
    ...     try:
    ...         parse_json(bad)
    ...     except ValueError as exc:
    ...         print(str(exc).split(";")[0][:40])
    nesting deeper than 8 levels
    a string holds a lone surrogate (\ud800)
    not UTF-8 text
    """
    try:
        text = (raw or b"null").decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 text; invalid byte at offset {exc.start}") from None
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:                              # nesting outside strings, without recursion
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_JSON_DEPTH:
                raise ValueError(f"nesting deeper than {MAX_JSON_DEPTH} levels")
        elif ch in "]}":
            depth -= 1
    body = json.loads(text)
    stack = [body]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError as exc:
                code = ord(item[exc.start])
                raise ValueError(f"a string holds a lone surrogate (\\u{code:04x}); text must be "
                                 "valid Unicode") from None
    return body


def _unauthorised(message: str) -> JSONResponse:
    resp = json_error(401, "unauthenticated", message)
    resp.headers["WWW-Authenticate"] = REALM
    return resp


async def _basic_user(request: Request):
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None, _unauthorised("HTTP Basic authentication with a partner account is required.")
    try:
        name, sep, password = base64.b64decode(encoded.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None, _unauthorised("Malformed HTTP Basic credentials.")
    if not sep:
        return None, _unauthorised("Malformed HTTP Basic credentials.")
    try:
        user = await run_in_threadpool(portal(request).auth.authenticate, name, password)
    except AccessDenied as exc:
        count_address(request)
        return None, _unauthorised(str(exc))
    count_user(request, user)
    return user, None


async def _whoami(request: Request):
    """``GET /api/v1/whoami``: check credentials from a partner's system (name, agency, role)."""
    user, error = await _basic_user(request)
    if error:
        return error
    return JSONResponse({"name": user.name, "agency": user.agency, "role": user.role})


async def _create_submission(request: Request):
    user, error = await _basic_user(request)
    if error:
        return error
    p = portal(request)
    try:
        await run_in_threadpool(access.require_role, p.auth, user, access.SUBMIT, "portal.submission.create")
    except AccessDenied as exc:
        return json_error(403, "forbidden", str(exc))
    raw = await request.body()
    try:
        body = parse_json(raw)
    except ValueError as exc:       # also JSONDecodeError and UnicodeDecodeError
        return json_error(422, "invalid", f"body: expected a JSON object; {exc}", field="body")
    try:
        sub = validate.submission(body)
    except FieldError as exc:
        return json_error(422, "invalid", str(exc), field=exc.field)
    ref = await S.create_async(p.store, sub, submitter=user.name, agency=user.agency,
                                  channel="api")
    return JSONResponse({"submission_ref": ref}, status_code=201)


def _reviewer_view(row: dict) -> dict:
    return {
        "submission_ref": row["submission_ref"], "status": row["status"],
        "submitted_at": row["submitted_at"].isoformat(sep=" "), "partner_agency": row["partner_agency"],
        "category": row["category"], "anonymity_requested": row["anonymity_requested"] == "Y",
        "grading": {k: (v.isoformat(sep=" ") if hasattr(v, "isoformat") else v)
                    for k, v in (S.grading_of(row) or {}).items()} or None,
        "transfer_state": row["transfer_state"],
    }


async def _read_submission(request: Request):
    user, error = await _basic_user(request)
    if error:
        return error
    p = portal(request)
    ref = request.path_params["ref"]
    try:
        row, level = await run_in_threadpool(access.readable_submission, p.auth, p.store, user, ref)
    except AccessDenied:
        return json_error(404, "not_found", f"No submission '{ref}' is available to you.")
    if level == "status":
        return JSONResponse({"submission_ref": ref, "status": V.partner_status(row["status"])})
    await run_in_threadpool(p.audit, user.name, "portal.submission.view", ref, {"via": "api"})
    return JSONResponse(_reviewer_view(row))


def routes() -> list:
    """The JSON API of CONTRACTS.md (Portal HTTP API): who am I, submit, read a submission.

    Examples
    --------
    >>> [r.path for r in routes()]
    ['/api/v1/whoami', '/api/v1/submissions', '/api/v1/submissions/{ref}']
    """
    from starlette.routing import Route

    return [
        Route("/api/v1/whoami", _whoami),
        Route("/api/v1/submissions", _create_submission, methods=["POST"]),
        Route("/api/v1/submissions/{ref}", _read_submission),
    ]
