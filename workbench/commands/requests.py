"""The ``workbench request`` group: personal-data requests (guidance 4.3) and FOI (2.4.2.4).

::

    workbench request add --as ana --purpose service_delivery \\
        --question "Which repeat victims need a MARAC referral?" \\
        --dataset police_crime_victim:crime_ref,age,address \\
        --legal-basis crime_and_disorder_act_s115 --supplying-agency "Notts Police" \\
        --expires 2026-03-31 [--partnership Nottingham] \\
        --subject police_crime_victim:crime_ref=C000,C010   # who it is about (required)
    workbench request approve 1 --as pol_dlo [--note TEXT]     # or: refuse
    workbench request consent 1 --agency "City Council" --as council_dlo
    workbench request release 1 --as ana
    workbench request complete 1 --as ana                       # purges at once
    workbench request purge [--id N]                            # expired/completed copies
    workbench request foi-add / foi-consult / foi-decide / foi-list
"""

from __future__ import annotations

from workbench.errors import BadInput


def _datasets(specs: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for spec in specs or []:
        if ":" not in spec:
            raise BadInput(f"--dataset must look like ID:field,field (e.g. police_crime_victim:crime_ref,age); "
                           f"found {spec!r}.")
        ds, fields = spec.split(":", 1)
        out.setdefault(ds.strip(), []).extend(f.strip() for f in fields.split(",") if f.strip())
    return out


def _subjects(specs: list[str]) -> dict[str, dict[str, list[str]]]:
    """``ID:COLUMN=V1,V2`` (repeatable) → {dataset: {column: [values]}}."""
    out: dict[str, dict[str, list[str]]] = {}
    for spec in specs or []:
        if ":" not in spec or "=" not in spec.split(":", 1)[1]:
            raise BadInput(f"--subject must look like ID:COLUMN=VALUE,VALUE (e.g. "
                           f"police_crime_victim:crime_ref=C1,C2); found {spec!r}.")
        ds, rest = spec.split(":", 1)
        col, values = rest.split("=", 1)
        out.setdefault(ds.strip(), {}).setdefault(col.strip(), []).extend(
            v.strip() for v in values.split(",") if v.strip())
    return out


def register_request(sub, common, run, admin) -> None:
    """Add the ``request`` command group to the subparsers ``sub`` (``common`` adds the shared
    options, ``run`` wraps a handler, ``admin`` checks the acting user is an administrator).

    Examples
    --------
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="workbench")
    >>> sub = parser.add_subparsers(dest="command")
    >>> register_request(sub, lambda p, as_user=True: None, lambda f: f, lambda reg, a: None)
    >>> a = parser.parse_args(["request", "add", "--purpose", "service_delivery", "--question", "Who?",
    ...     "--dataset", "police_crime_victim:crime_ref,address", "--legal-basis", "crime_and_disorder_act_s115",
    ...     "--supplying-agency", "Notts Police", "--expires", "2026-03-31",
    ...     "--subject", "police_crime_victim:crime_ref=C1,C2"])
    >>> _subjects(a.subject), a.whole_population
    ({'police_crime_victim': {'crime_ref': ['C1', 'C2']}}, None)
    """
    from workbench.commands.common import acting_user
    from workbench.privacy import foi
    from workbench.privacy import requests as pr
    from workbench.privacy.retention import purge

    g = sub.add_parser("request", help="personal-data requests (guidance 4.3) and FOI requests (2.4.2.4)")
    gs = g.add_subparsers(dest="request_command", metavar="ACTION", required=True)

    p = gs.add_parser("add", help="record a personal-data request (steps 1-3)")
    common(p)
    p.add_argument("--purpose", required=True, choices=pr.PURPOSES)
    p.add_argument("--question", action="append", required=True, help="a question it answers (repeatable)")
    p.add_argument("--dataset", action="append", required=True, metavar="ID:FIELD,FIELD",
                   help="dataset and the fields needed (repeatable)")
    p.add_argument("--legal-basis", action="append", required=True, choices=pr.LEGAL_BASES)
    p.add_argument("--supplying-agency", required=True)
    p.add_argument("--expires", required=True, help="YYYY-MM-DD")
    p.add_argument("--partnership")
    p.add_argument("--subject", action="append", default=[], metavar="ID:COLUMN=VALUE,VALUE",
                   help="who the request is about: people or references (offender_ref=…, crime_ref=…) or "
                        "criteria (flag_domestic=Y); repeatable; the release holds only their rows. "
                        "Required for every dataset of the request unless --whole-population is given")
    p.add_argument("--whole-population", metavar="WHY",
                   help="the request deliberately covers every row of its datasets (no --subject): why "
                        "that is the minimum necessary; recorded, audited, shown to the DLO, whose "
                        "approval then needs --note")
    p.set_defaults(func=run(lambda reg, a: pr.create(
        reg, acting_user(a), a.purpose, a.question, _datasets(a.dataset), a.legal_basis,
        a.supplying_agency, a.expires, a.partnership, subjects=_subjects(a.subject),
        whole_population=a.whole_population)))

    for action, approve in (("approve", True), ("refuse", False)):
        p = gs.add_parser(action, help=f"{action} a request (DLO of the supplying agency)")
        common(p)
        p.add_argument("id", type=int)
        p.add_argument("--note")
        p.set_defaults(func=run(lambda reg, a, approve=approve: pr.decide(
            reg, a.id, acting_user(a), approve, a.note)))

    p = gs.add_parser("caldicott", help="the supplying health body's Caldicott guardian approves (or --refuse)")
    common(p)
    p.add_argument("id", type=int)
    p.add_argument("--refuse", action="store_true")
    p.add_argument("--note")

    def _caldicott(reg, a):
        from workbench.privacy import caldicott

        return caldicott.decide(reg, a.id, acting_user(a), not a.refuse, a.note)
    p.set_defaults(func=run(_caldicott))

    p = gs.add_parser("consent", help="another originating agency's DLO consents to release of its rows")
    common(p)
    p.add_argument("id", type=int)
    p.add_argument("--agency", required=True)
    p.set_defaults(func=run(lambda reg, a: pr.consent(reg, a.id, a.agency, acting_user(a))))

    p = gs.add_parser("release", help="extract the named fields to an encrypted copy (steps 4-6)")
    common(p)
    p.add_argument("id", type=int)
    p.set_defaults(func=run(lambda reg, a: pr.release(reg, a.id, acting_user(a))))

    p = gs.add_parser("complete", help="purpose served: close the request and purge its copies")
    common(p)
    p.add_argument("id", type=int)
    p.set_defaults(func=run(lambda reg, a: pr.complete(reg, a.id, acting_user(a))))

    p = gs.add_parser("purge", help="delete copies of expired/completed requests (DPA principle 5)")
    common(p)
    p.add_argument("--id", type=int, help="purge this request's copies only (admin)")

    def _purge(reg, a):
        actor = acting_user(a)
        if a.id is not None:
            actor = admin(reg, a)
        return purge(reg, actor=actor, request_id=a.id)
    p.set_defaults(func=run(_purge))

    p = gs.add_parser("list", help="list requests")
    common(p, as_user=False)
    p.add_argument("--status", choices=pr.STATUSES)
    p.set_defaults(func=run(lambda reg, a: {"requests": [r.to_dict() for r in pr.list_requests(reg, a.status)]}))

    p = gs.add_parser("show", help="show one request")
    common(p, as_user=False)
    p.add_argument("id", type=int)
    p.set_defaults(func=run(lambda reg, a: pr.get(reg, a.id)))

    # FOI
    p = gs.add_parser("foi-add", help="record an FOI request (admin)")
    common(p)
    p.add_argument("--requester", required=True)
    p.add_argument("--information", required=True)
    p.add_argument("--dataset", action="append", default=[])
    p.add_argument("--agency", action="append", required=True, help="originating agency (repeatable)")
    p.set_defaults(func=run(lambda reg, a: foi.record(reg, acting_user(a), a.requester, a.information,
                                                      a.dataset, a.agency)))
    p = gs.add_parser("foi-consult", help="record an originating agency's answer (its DLO)")
    common(p)
    p.add_argument("id", type=int)
    p.add_argument("--agency", required=True)
    p.add_argument("--refuse", action="store_true")
    p.set_defaults(func=run(lambda reg, a: foi.consult(reg, a.id, a.agency, not a.refuse, acting_user(a))))
    p = gs.add_parser("foi-decide", help="release (needs every consent) or refuse (admin)")
    common(p)
    p.add_argument("id", type=int)
    p.add_argument("--release", action="store_true")
    p.add_argument("--note")
    p.set_defaults(func=run(lambda reg, a: foi.decide(reg, a.id, acting_user(a), a.release, a.note)))
    p = gs.add_parser("foi-list", help="list FOI requests")
    common(p, as_user=False)
    p.set_defaults(func=run(lambda reg, a: {"foi": [r.to_dict() for r in foi.list_foi(reg)]}))
