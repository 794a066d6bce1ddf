"""Pages for an agency's supplier: upload a supply (``/supply``) and see its outcome (``/supply/<id>``).

Issue 15 "Supply upload, per agency"; guidance 3.4 (metadata with every supply). Who may
upload what is decided by the one permission matrix (:mod:`workbench.privacy.access`,
operation ``ingest``) for the user's own agency only; a refusal is audited. The page streams
the file into the encrypted inbox and queues it (:mod:`workbench.portal.uploads`); it never
opens the hub or its key; the worker ``workbench portal ingest-uploads`` ingests it.
"""

from __future__ import annotations

from datetime import date

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from workbench.errors import AccessDenied, BadInput
from workbench.portal import supply_mapping as M
from workbench.portal import uploads as U
from workbench.portal.sessions import csrf_ok
from workbench.portal.web import (CsrfFailed, count_user, current_user, login_redirect, portal, redirect,
                                  render, session)


def _ingestible(auth, user, partnership: str | None) -> list:
    """The catalogue datasets ``user`` may ingest (permission matrix, operation ``ingest``)."""
    from workbench import catalogue
    from workbench.privacy import access

    reg = auth.registry()
    return [catalogue.get(d) for d in catalogue.ids()
            if access.can(reg, user, "ingest", d, partnership=partnership)]


def _refuse(auth, user, dataset: str | None, partnership: str | None) -> None:
    """Audit and raise the matrix's own refusal (AccessDenied, 403)."""
    from workbench.privacy import access

    access.require(auth.registry(), user, "ingest", dataset or "*", partnership=partnership)
    raise AccessDenied("Access denied: you may not upload supplies. This refusal has been recorded.")


async def _supplier(request: Request):
    """(user, datasets they may ingest); user None means "send to log-in"; no dataset: refused, audited."""
    user = await current_user(request)
    request.state.user = user
    if user is None:
        return None, []
    p = portal(request)
    allowed = await run_in_threadpool(_ingestible, p.auth, user, p.partnership)
    if not allowed:
        await run_in_threadpool(_refuse_any, p.auth, user)
    return user, allowed


def _refuse_any(auth, user) -> None:
    auth.registry().audit(user.name, "portal.supply.upload", "portal",
                          {"role": user.role, "agency": user.agency,
                           "reason": "the permission matrix grants this role no ingest"}, outcome="denied")
    raise AccessDenied(f"Access denied: role '{user.role}' of {user.agency} may not supply data "
                       f"(workbench.privacy.access: no 'ingest' for this role and agency group). "
                       f"This refusal has been recorded; ask the CSP coordinator if you need this access.")


def metadata_from(form: dict, dataset: str, agency: str, filename: str) -> dict:
    """The guidance 3.4 metadata of the upload form, checked like a metadata file (BadInput names the field).

    >>> m = metadata_from({"period_start": "2024-01-01", "period_end": "2024-01-31"},
    ...                   "police_uk_street", "City of London Police", "jan.csv")
    >>> m["file_format"], m["agency"], str(m["period_end"])
    ('csv', 'City of London Police', '2024-01-31')
    """
    from workbench.hub.supply_files import load_metadata

    meta = {k: form[k].strip() for k in U.FORM_METADATA if (form.get(k) or "").strip()}
    for k in ("period_start", "period_end"):
        if k not in meta:
            raise BadInput(f"Field '{k}': expected a date (YYYY-MM-DD) of the supply's period; found nothing.")
    if "record_count" in meta:
        if not meta["record_count"].isdigit():
            raise BadInput(f"Field 'record_count': expected a whole number of records; "
                           f"found '{meta['record_count'][:40]}'.")
        meta["record_count"] = int(meta["record_count"])
    meta.setdefault("date_supplied", date.today().isoformat())
    meta.update({"agency": agency, "dataset": dataset,
                 "file_format": filename.rsplit(".", 1)[-1].lower()})
    checked = load_metadata(meta, dataset)
    if checked["period_end"] < checked["period_start"]:
        raise BadInput(f"Field 'period_end': expected a date on or after period_start "
                       f"({checked['period_start']}); found {checked['period_end']}.")
    return checked


async def _supply(request: Request):
    user, allowed = await _supplier(request)
    if user is None:
        return login_redirect(request)
    p = portal(request)
    limit = request.app.state.upload_max_bytes
    if request.method == "GET":
        recent = await run_in_threadpool(U.list_for_agency, p.hub, user.agency)
        return render(request, "supply.html", datasets=allowed, form={}, error=None, recent=recent,
                      limit_mb=limit // (1024 * 1024))
    count_user(request, user)
    upload_id = U.new_id()
    try:
        form, file = await U.receive_form(request, lambda name: U.EncryptedWriter(p.hub, upload_id), limit)
    except U.TooLarge:
        await request.app.state.refusals("upload_too_large", request.client.host if request.client else
                                         "unknown", request.url.path, user.name)
        return render(request, "error.html", 413, title="File too large",
                      message=f"The file is larger than the upload limit of {limit // (1024 * 1024)} MB. "
                              f"Nothing was kept. Split the supply by period, or ask the coordinator.")
    except ValueError as exc:
        return render(request, "error.html", 400, title="Upload not understood", message=str(exc))
    path = U.upload_file(p.hub, upload_id) if file else None

    async def drop():
        if path is not None:
            await run_in_threadpool(U.remove_upload, path)

    if not csrf_ok(session(request), form.pop("csrf_token", None)):
        await drop()
        raise CsrfFailed()
    dataset = form.get("dataset", "")
    ids = {d.id for d in allowed}
    if dataset not in ids:
        await drop()
        from workbench import catalogue

        if dataset in catalogue.ids():           # a real dataset they may not ingest: the matrix refuses
            await run_in_threadpool(_refuse, p.auth, user, dataset, p.partnership)
        return await _again(request, allowed, form, f"Field 'dataset': expected one of "
                                                     f"{', '.join(sorted(ids))}; found '{dataset[:60]}'.")
    error = None
    if file is None or not file["filename"]:
        error = "Field 'file': expected a CSV or XLSX file of the supply; found no file."
    elif not file["filename"].lower().endswith(U.SUFFIXES):
        error = (f"Field 'file': expected a file ending .csv or .xlsx; "
                 f"found '{file['filename'][-60:]}'.")
    elif file["size"] == 0:
        error = f"Field 'file': expected the supply's data; found an empty file '{file['filename'][-60:]}'."
    meta = None
    if error is None:
        try:
            meta = metadata_from(form, dataset, user.agency, file["filename"])
        except BadInput as exc:
            error = str(exc)
    if error is not None:
        await drop()
        return await _again(request, allowed, form, error)
    found = await run_in_threadpool(M.check, p.hub, upload_id, user.agency, dataset, file["filename"], file["size"])
    await run_in_threadpool(U.enqueue, p.hub, upload_id, agency=user.agency, user=user.name, dataset=dataset,
                            filename=file["filename"][-200:], metadata=meta, size=file["size"],
                            state="mapping" if found.needs_confirmation else "queued")
    await run_in_threadpool(p.audit, user.name, "portal.supply.upload", dataset,
                            {"upload_id": upload_id, "agency": user.agency, "bytes": file["size"],
                             "layout": found.status})
    return redirect(f"/supply/{upload_id}/mapping" if found.needs_confirmation else f"/supply/{upload_id}")


async def _again(request, allowed, form, message):
    p = portal(request)
    user = request.state.user
    recent = await run_in_threadpool(U.list_for_agency, p.hub, user.agency)
    return render(request, "supply.html", 422, datasets=allowed, form=form, error=message, recent=recent,
                  limit_mb=request.app.state.upload_max_bytes // (1024 * 1024))


async def _supply_result(request: Request):
    user, row = await _own_upload(request)
    if user is None:
        return login_redirect(request)
    if row is None:
        return _not_found(request)
    return render(request, "supply_result.html", u=row, result=row["result"])


# ------------------------------------------------------------------- resumable upload (JSON, used by supply.js)
RESUMABLE_PIECE = 16 * 1024 * 1024         # the largest piece one PUT may carry (each PUT checks the
#: uploader against the encrypted queue, ~50 ms; the web process holds at most about two pieces)


def _json(status: int, **body):
    from starlette.responses import JSONResponse

    return JSONResponse(body, status_code=status)


def _check_token(request: Request, token: str | None) -> None:
    if not csrf_ok(session(request), token):
        raise CsrfFailed()


async def _resumable_start(request: Request):
    """``POST /supply/resumable`` (form fields as the page, plus ``filename`` and ``size``): the same
    checks as the form; answers ``{"upload_id", "received": 0, "piece_bytes"}``."""
    user, allowed = await _supplier(request)
    if user is None:
        return _json(401, error="login_required", message="Log in first.")
    form = dict(await request.form())
    _check_token(request, form.pop("csrf_token", None))
    count_user(request, user)
    p = portal(request)
    dataset = str(form.get("dataset", ""))
    filename = str(form.get("filename", ""))[-200:]
    size = str(form.get("size", ""))
    limit = request.app.state.upload_max_bytes
    if dataset not in {d.id for d in allowed}:
        from workbench import catalogue

        if dataset in catalogue.ids():
            await run_in_threadpool(_refuse, p.auth, user, dataset, p.partnership)
        return _json(422, error="invalid", message=f"Field 'dataset': expected one of "
                     f"{', '.join(sorted(d.id for d in allowed))}; found '{dataset[:60]}'.")
    if not size.isdigit() or int(size) == 0:
        return _json(422, error="invalid", message=f"Field 'file': expected the supply's data; found an empty file.")
    if int(size) > limit:
        return _json(413, error="too_large", message=f"The file is larger than the upload limit of "
                     f"{limit // (1024 * 1024)} MB.")
    if not filename.lower().endswith(U.SUFFIXES):
        return _json(422, error="invalid", message=f"Field 'file': expected a file ending .csv or .xlsx; "
                     f"found '{filename[-60:]}'.")
    try:
        meta = metadata_from({k: str(v) for k, v in form.items()}, dataset, user.agency, filename)
    except BadInput as exc:
        return _json(422, error="invalid", message=str(exc))
    upload_id = U.new_id()
    await run_in_threadpool(U.start_resumable, p.hub, upload_id, agency=user.agency, user=user.name,
                            dataset=dataset, filename=filename, metadata=meta, size=int(size))
    return _json(201, upload_id=upload_id, received=0, piece_bytes=RESUMABLE_PIECE)


async def _own_receiving(request: Request):
    user, _ = await _supplier(request)
    if user is None:
        return None, None, _json(401, error="login_required", message="Log in first.")
    p = portal(request)
    upload_id = request.path_params["upload_id"]
    try:
        U.upload_file(p.hub, upload_id)
        row = await run_in_threadpool(U.get, p.hub, upload_id)
    except ValueError:
        row = None
    if row is None or row["user_name"] != user.name or row["state"] != "receiving":
        await run_in_threadpool(p.audit, user.name, "portal.supply.resume", upload_id[:40],
                                {"reason": "not an upload this user is sending"}, "denied")
        return user, None, _json(404, error="not_found", message="No upload of yours is being received "
                                                                  "under this reference.")
    return user, row, None


async def _resumable_status(request: Request):
    """``GET /supply/resumable/<id>``: ``{"received": bytes, "piece_bytes"}`` (where to carry on after an interruption)."""
    user, row, refused = await _own_receiving(request)
    if refused is not None:
        return refused
    got = await run_in_threadpool(U.received, portal(request).hub, row["upload_id"])
    return _json(200, upload_id=row["upload_id"], received=got, size=row["size_bytes"], piece_bytes=RESUMABLE_PIECE)


async def _resumable_piece(request: Request):
    """``PUT /supply/resumable/<id>?offset=N`` with up to 16 MB of the file (header ``X-CSRF-Token``).
    A wrong offset answers 409 with the bytes received, so the sender carries on from there."""
    user, row, refused = await _own_receiving(request)
    if refused is not None:
        return refused
    _check_token(request, request.headers.get("x-csrf-token"))
    offset = request.query_params.get("offset", "")
    if not offset.isdigit():
        return _json(400, error="invalid", message="Query 'offset': expected a whole number of bytes.")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > RESUMABLE_PIECE:
            return _json(413, error="too_large", message=f"A piece may carry at most {RESUMABLE_PIECE} bytes.")
    p = portal(request)
    try:
        got = await run_in_threadpool(U.append_chunk, p.hub, row["upload_id"], int(offset), body,
                                      row["size_bytes"])
    except ValueError as exc:
        got = await run_in_threadpool(U.received, p.hub, row["upload_id"])
        return _json(409, error="conflict", message=str(exc), received=got)
    return _json(200, received=got, size=row["size_bytes"])


async def _resumable_finish(request: Request):
    """``POST /supply/resumable/<id>/finish`` (header ``X-CSRF-Token``): queue the complete upload."""
    user, row, refused = await _own_receiving(request)
    if refused is not None:
        return refused
    _check_token(request, request.headers.get("x-csrf-token"))
    p = portal(request)
    got = await run_in_threadpool(U.received, p.hub, row["upload_id"])
    if got != row["size_bytes"]:
        return _json(409, error="incomplete", message=f"expected {row['size_bytes']} bytes; received {got}")
    found = await run_in_threadpool(M.check, p.hub, row["upload_id"], user.agency, row["dataset"], row["filename"],
                                    row["size_bytes"])
    try:
        await run_in_threadpool(U.finish_resumable, p.hub, row["upload_id"],
                                "mapping" if found.needs_confirmation else "queued")
    except ValueError as exc:
        return _json(409, error="incomplete", message=str(exc))
    await run_in_threadpool(p.audit, user.name, "portal.supply.upload", row["dataset"],
                            {"upload_id": row["upload_id"], "agency": user.agency, "bytes": row["size_bytes"],
                             "resumable": True, "layout": found.status})
    return _json(200, url=f"/supply/{row['upload_id']}" + ("/mapping" if found.needs_confirmation else ""))


# ------------------------------------------------------------------- the column mapping, confirmed on the page
async def _own_upload(request: Request):
    """(user, upload row) of an upload of the user's own agency; row None: a 404 was audited."""
    user, _ = await _supplier(request)
    if user is None:
        return None, None
    p = portal(request)
    upload_id = request.path_params["upload_id"]
    row = None
    try:
        U.upload_file(p.hub, upload_id)                 # checks the id's form
        row = await run_in_threadpool(U.get, p.hub, upload_id)
    except ValueError:
        pass
    if row is None or row["agency"] != user.agency:    # another agency's upload is as good as absent
        await run_in_threadpool(p.audit, user.name, "portal.supply.read", upload_id[:40],
                                {"agency": user.agency, "reason": "not an upload of this agency"}, "denied")
        return user, None
    return user, row


def _not_found(request: Request):
    return render(request, "error.html", 404, title="Not found",
                  message="No upload of your agency has this reference.")


async def _mapping_page(request: Request):
    """``/supply/<id>/mapping``: the proposed column mapping of an upload waiting for one (GET), and
    the supplier's confirmation (POST: saved per agency and dataset, audited, the upload queued)."""
    from workbench import catalogue
    from workbench.hub import mappings

    user, row = await _own_upload(request)
    if user is None:
        return login_redirect(request)
    if row is None:
        return _not_found(request)
    p = portal(request)
    if row["state"] != "mapping":
        return redirect(f"/supply/{row['upload_id']}")
    found = await run_in_threadpool(M.check, p.hub, row["upload_id"], row["agency"], row["dataset"],
                                    row["filename"], row["size_bytes"])
    if not found.needs_confirmation:            # confirmed meanwhile (another upload of the agency)
        await run_in_threadpool(U.release_mapped, p.hub, row["upload_id"])
        return redirect(f"/supply/{row['upload_id']}")
    columns = [c for c in catalogue.get(row["dataset"]).columns if not c.extra]
    chosen, error, status = dict(found.proposal.columns), None, 200
    if request.method == "POST":
        form = dict(await request.form())
        if not csrf_ok(session(request), form.pop("csrf_token", None)):
            raise CsrfFailed()
        count_user(request, user)
        chosen = {h: str(form.get(f"column_{i}", "")).strip() for i, h in enumerate(found.header)}
        try:
            confirmed = mappings.confirm(row["dataset"], found.header, found.rows, chosen)
            saved = await run_in_threadpool(mappings.save, p.hub, row["agency"], confirmed)
        except BadInput as exc:
            error, status = str(exc), 422
        else:
            await run_in_threadpool(p.audit, user.name, "mapping.confirm", row["dataset"],
                                    {"agency": row["agency"], "columns": confirmed.columns, "via": "portal upload",
                                     "upload_id": row["upload_id"], "saved": saved.name,
                                     "replaces_layout": found.saved_header})
            await run_in_threadpool(U.release_mapped, p.hub, row["upload_id"])
            session(request).flash = (f"Column mapping saved for {row['agency']} and {row['dataset']}: "
                                      f"next supplies in this layout need no confirmation.")
            return redirect(f"/supply/{row['upload_id']}")
    samples = [[r[i] if i < len(r) else "" for r in found.rows[:3]] for i in range(len(found.header))]
    return render(request, "supply_mapping.html", status, u=row, found=found, columns=columns, chosen=chosen,
                  samples=samples, error=error)


def routes() -> list:
    """The supplier's routes: the upload page, its resumable upload, the mapping to confirm, the result.

    >>> [r.path for r in routes()][:2]
    ['/supply', '/supply/resumable']
    >>> "/supply/{upload_id}/mapping" in [r.path for r in routes()]
    True
    """
    from starlette.routing import Route

    return [
        Route("/supply", _supply, methods=["GET", "POST"]),
        Route("/supply/resumable", _resumable_start, methods=["POST"]),
        Route("/supply/resumable/{upload_id}", _resumable_status),
        Route("/supply/resumable/{upload_id}/piece", _resumable_piece, methods=["PUT"]),
        Route("/supply/resumable/{upload_id}/finish", _resumable_finish, methods=["POST"]),
        Route("/supply/{upload_id}/mapping", _mapping_page, methods=["GET", "POST"]),
        Route("/supply/{upload_id}", _supply_result),
    ]
