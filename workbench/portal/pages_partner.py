"""Pages for partner staff: the submission form, the acknowledgement, their agency's submissions.

Reference 000: partners get a reference but not the result of police action; so the list
shows each submission's partner status only (received / assessed), and only for the
partner's own agency.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from workbench.portal import access
from workbench.portal import submissions as S
from workbench.portal import validate
from workbench.portal import vocabulary as V
from workbench.portal.access import SUBMIT
from workbench.portal.validate import FieldError
from workbench.portal.web import (count_user, form_data, login_redirect, page_user, portal, redirect,
                                  render)


async def _submit(request: Request):
    user = await page_user(request, SUBMIT, "portal.submission.create")
    if user is None:
        return login_redirect(request)
    if request.method == "GET":
        return render(request, "submit.html", form={}, error=None)
    data = await form_data(request)
    count_user(request, user)
    body = {k: data.get(k, "") for k in validate.SUBMISSION_FIELDS}
    body["anonymity_requested"] = data.get("anonymity_requested", "")
    p = portal(request)
    try:
        if "occurred_date" in data or "occurred_time" in data:   # the form's separate date and time
            body["occurred_at"] = validate.form_occurred_at(data.get("occurred_date"), data.get("occurred_time"))
        sub = validate.submission(body)
    except FieldError as exc:
        return render(request, "submit.html", 422, form=data, error=exc)
    ref = await S.create_async(p.store, sub, submitter=user.name, agency=user.agency,
                                  channel="form")
    # post/redirect/get: reloading the acknowledgement cannot submit the intelligence twice
    return redirect(f"/submitted/{ref}")


async def _acknowledgement(request: Request):
    user = await page_user(request, SUBMIT, "portal.submission.read")
    if user is None:
        return login_redirect(request)
    p = portal(request)
    row, _ = await run_in_threadpool(access.readable_submission, p.auth, p.store, user,
                                     request.path_params["ref"])
    return render(request, "ack.html", ref=row["submission_ref"],
                  category=V.CATEGORIES.get(row["category"], row["category"]),
                  partner_status=V.partner_status(row["status"]))


async def _my_submissions(request: Request):
    user = await page_user(request, SUBMIT, "portal.submission.list")
    if user is None:
        return login_redirect(request)
    rows = await run_in_threadpool(S.list_for_agency, portal(request).store, user.agency)
    for r in rows:
        r["partner_status"] = V.partner_status(r.pop("status"))
    return render(request, "my_submissions.html", rows=rows)


def routes() -> list:
    """A partner's pages: the submission form, its acknowledgement and the agency's submissions.

    Examples
    --------
    >>> [(r.path, sorted(r.methods)) for r in routes()][0]
    ('/submit', ['GET', 'HEAD', 'POST'])
    """
    from starlette.routing import Route

    return [
        Route("/submit", _submit, methods=["GET", "POST"]),
        Route("/submitted/{ref}", _acknowledgement),
        Route("/my/submissions", _my_submissions),
    ]
