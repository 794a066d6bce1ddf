"""Pages for reviewers (vetted police staff): triage queue, submission, 3x5x2 grading, source details.

Reference 001: submissions are "triaged and if proportionate to record will be transferred";
anonymous sources are still recorded, "sanitised and viewing it limited to a very small number
of highly vetted officers and staff". Source details are therefore not on the submission page:
a reviewer asks to see them, giving a reason, and every view is audited.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from workbench.errors import BadInput, ResourceLocked
from workbench.portal import access
from workbench.portal import submissions as S
from workbench.portal import transfer as T
from workbench.portal import validate
from workbench.portal.access import REVIEW
from workbench.portal.validate import FieldError
from workbench.portal.web import (count_user, form_data, login_redirect, page_user, portal, redirect,
                                  render, session)


async def _queue(request: Request):
    user = await page_user(request, REVIEW, "portal.queue.view")
    if user is None:
        return login_redirect(request)
    p = portal(request)
    rows = await run_in_threadpool(S.triage_queue, p.store)
    recent = await run_in_threadpool(S.recent_decisions, p.store)
    return render(request, "queue.html", rows=rows, recent=recent)


async def _detail(request: Request, user, ref: str, *, status=200, error=None, form=None):
    p = portal(request)
    row, _ = await run_in_threadpool(access.readable_submission, p.auth, p.store, user, ref)
    await run_in_threadpool(p.audit, user.name, "portal.submission.view", ref)
    return render(request, "review.html", status, row=row, grading=S.grading_of(row), error=error,
                  form=form or {})


async def _detail_page(request: Request):
    user = await page_user(request, REVIEW, "portal.submission.view")
    if user is None:
        return login_redirect(request)
    return await _detail(request, user, request.path_params["ref"])


async def _grade(request: Request):
    user = await page_user(request, REVIEW, "portal.submission.grade")
    if user is None:
        return login_redirect(request)
    ref = request.path_params["ref"]
    data = await form_data(request)
    count_user(request, user)
    p = portal(request)
    await run_in_threadpool(access.readable_submission, p.auth, p.store, user, ref)
    try:
        g = validate.grading(data)
        status = await run_in_threadpool(S.grade, p.store, ref, g, reviewer=user.name)
    except FieldError as exc:
        return await _detail(request, user, ref, status=422, error=exc, form=data)
    except BadInput as exc:
        return await _detail(request, user, ref, status=409, error=exc, form=data)
    await run_in_threadpool(p.audit, user.name, "portal.submission.grade", ref,
                            {"grading": f"{g.source_evaluation}/{g.intelligence_assessment}/{g.handling_code}",
                             "decision": g.decision})
    message = f"{ref} graded {g.source_evaluation}/{g.intelligence_assessment}/{g.handling_code}: {g.decision}."
    if g.decision == "transfer":
        try:      # the portal only queues: a worker outside it writes the hub and the police record
            await run_in_threadpool(T.sync, p.store, p.hub, [ref])
        except ResourceLocked:  # the outbox stayed busy: the background sync queues it shortly
            pass
        message += (" The transfer is queued: the transfer worker writes it to the hub and exports it "
                    "for police records (status 'transferred' once done).")
    session(request).flash = message
    return redirect(f"/review/{ref}")


async def _source(request: Request):
    user = await page_user(request, REVIEW, "portal.source_details.view")
    if user is None:
        return login_redirect(request)
    ref = request.path_params["ref"]
    data = await form_data(request)
    count_user(request, user)
    p = portal(request)
    try:
        details = await run_in_threadpool(access.reveal_source, p.auth, p.store, user, ref, data.get("reason", ""))
    except FieldError as exc:
        return await _detail(request, user, ref, status=422, error=exc)
    row = await run_in_threadpool(S.get, p.store, ref)
    return render(request, "source.html", ref=ref, details=details, row=row)


def routes() -> list:
    """The reviewer's pages: the triage queue, a submission, its grading and its source details.

    Examples
    --------
    >>> [r.path for r in routes()]
    ['/review', '/review/{ref}', '/review/{ref}/grade', '/review/{ref}/source']
    """
    from starlette.routing import Route

    return [
        Route("/review", _queue),
        Route("/review/{ref}", _detail_page),
        Route("/review/{ref}/grade", _grade, methods=["POST"]),
        Route("/review/{ref}/source", _source, methods=["POST"]),
    ]
