"""``workbench product NAME``: execute the product notebook against the hub, render HTML and PDF.

1. check access: depersonalised products read only the shared tier; a **subject profile**
   reads personal data, so it needs a registered user of a *central*-group agency (never the
   second group: guidance 2.2.4) with ``read_personal`` and an approved, unexpired
   personal-data request (guidance 4.3) — every attempt is audited;
2. execute the notebook with papermill (parameters: hub, commission, as-of date …) into
   ``DIR/<product>.ipynb``;
3. render ``DIR/<product>.html`` (self-contained) and ``DIR/<product>.pdf`` (Chromium, marking
   on every page);
4. log the run in the registry (a commission becomes ``delivered``) and the audit chain.

Rerunning the same command after new supplies regenerates the product with the new data and
the new date (regulations appendix K: the cycle repeats).
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from workbench.errors import AccessDenied, BadInput
from workbench.products import commissioning as cm
from workbench.products import render
from workbench.products import validate as v
from workbench.products.authorise import UNATTRIBUTED
from workbench.privacy.outputs import published_threshold
from workbench.products.spec import NOTEBOOKS, PRODUCTS

PACKAGE_NOTEBOOKS = Path(__file__).with_name("templates")


def _ipc_kernel_manager():
    """A kernel manager whose kernel talks over local IPC sockets, not localhost TCP ports, so
    the kernel that reads the hub for a product is not reachable through a port (guidance
    4.2.4: data are securely managed)."""
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class IPCKernelManager(AsyncKernelManager):
        @default("transport")
        def _default_transport(self):
            return "ipc"

    return IPCKernelManager


@dataclass
class ProductResult:
    """What building one product wrote, its marking, and what disclosure control did.

    Examples
    --------
    >>> from workbench.demo.build import _example_demo
    >>> hub = _example_demo()                              # the smallest demo, built once (about 9 s)
    >>> r = build_product("tactical-assessment", hub, out="examples/products", pdf=False, quiet=True)
    >>> print(r.to_text())
    Tactical assessment [OFFICIAL-SENSITIVE]
      notebook: examples/products/tactical-assessment.ipynb
      html:     examples/products/tactical-assessment.html
      pdf:      (not rendered)
      edition:  disclosure-controlled (counts 1–4 hidden: 53 cell(s) in 5 table(s); 1 figure(s) left out)
    """
    product: str
    commission_id: int | None
    marking: str
    notebook: str
    html: str
    pdf: str | None
    run_id: int
    warnings: list[str]
    #: what disclosure control did to the HTML/PDF ({"controlled": False} for the analysts' edition)
    disclosure: dict | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    def to_text(self) -> str:
        lines = [f"{PRODUCTS[self.product].title} [{self.marking}]", f"  notebook: {self.notebook}",
                 f"  html:     {self.html}", f"  pdf:      {self.pdf or '(not rendered)'}"]
        d = self.disclosure or {}
        lines.append("  edition:  " + (f"disclosure-controlled (counts 1–{d['threshold'] - 1} hidden: "
                                       f"{d['cells_hidden']} cell(s) in {d['tables']} table(s); "
                                       f"{d['figures_withheld']} figure(s) left out)"
                                       if d.get("controlled") else "analysts' (unsuppressed; not for viewers)"))
        lines += [f"  warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def notebook_path(name: str) -> Path:
    """The notebook a product is executed from (the repository's, else the one installed with the package).

    Examples
    --------
    >>> notebook_path("tactical-assessment").name
    '05_tactical_assessment.ipynb'
    """
    spec = PRODUCTS[name]
    repo = NOTEBOOKS / spec.notebook
    return repo if repo.exists() else PACKAGE_NOTEBOOKS / spec.notebook


def _check_subject_access(hub: Path, user: str, request_id) -> None:
    from workbench.privacy import access, requests
    from workbench.registry import open_registry

    if request_id is None:
        raise BadInput("A subject profile uses personal data: give --request ID, an approved "
                       "personal-data request (guidance 4.3; `workbench request …`).")
    reg = open_registry(hub)
    try:
        u = access.require(reg, user, "read_personal", "police_ppo")
        if u.agency_group != "central":  # the matrix already refuses; say it in the product's terms
            reg.audit(u.name, "product.subject-profile", f"request:{request_id}",
                      {"reason": "second-group agency"}, outcome="denied")
            raise AccessDenied("Subject profiles are never produced for second-group agencies "
                               "(guidance 2.2.4).")
        requests.usable(reg, int(request_id), u)
        reg.audit(u.name, "product.subject-profile", f"request:{request_id}", {"outcome": "allowed"})
    finally:
        reg.close()



def tier_partnerships(hub: Path) -> list[str]:
    """The partnerships whose data the shared tier holds, from its sanitised ``supplies`` log
    (guidance 2.2.4); :data:`UNATTRIBUTED` too when a supply named none.

    Examples
    --------
    >>> from workbench.demo.build import _example_demo
    >>> hub = _example_demo()                              # the smallest demo, built once (about 9 s)
    >>> tier_partnerships(hub)
    ['Nottingham and Nottinghamshire']
    >>> from pathlib import Path
    >>> tier_partnerships(Path("examples/none/hub.duckdb"))   # nothing published
    []
    """
    from workbench.hub.connect import shared_path
    from workbench.privacy.shared import open_shared_tier

    if not shared_path(hub).exists():
        return []
    con = open_shared_tier(hub)
    try:
        names = [r[0] for r in con.execute("SELECT DISTINCT partnership FROM supplies").fetchall()]
    finally:
        con.close()
    return sorted(n for n in names if n) + ([UNATTRIBUTED] if None in names else [])


def _write_metadata(path: Path, name: str, sheet, hub: Path, commission_id, user: str,
                    partnership: str | None = None, disclosure=None) -> None:
    """``<product>.json`` beside the HTML: what the product library lists and filters on.

    ``partnerships`` names every partnership whose data the product may hold (the one it was
    built for, else every partnership of the shared tier), so the library shows it only to
    viewers who may see all of them (``workbench.dashboard_data.library``; deny by default).
    ``disclosure`` says whether the HTML and PDF are the disclosure-controlled edition
    (``{"controlled": true, "threshold": 5, …}``) or the analysts' (``{"controlled": false}``):
    the library gives users who may not see records only the controlled one.
    """
    import json

    personal = bool(sheet.marking.personal)
    meta = {"product": name, "title": sheet.title, "marking": sheet.marking.to_dict(),
            "commission": commission_id, "author": user, "as_of": str(sheet.as_of) if sheet.as_of else None,
            "partnerships": ([partnership] if partnership else tier_partnerships(hub)) if not personal else [],
            "datasets": sorted({s.dataset for s in sheet.sources}),
            "disclosure": disclosure.to_dict() if disclosure is not None else {"controlled": False},
            "rendered_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
    path.write_text(json.dumps(meta, indent=2), encoding="utf-8")


def build_product(name: str, hub: Path | str, *, out: Path | str, commission_id: int | None = None,
                  as_of: str | None = None, weeks: int = 4, request_id: int | None = None,
                  subject: str | None = None, pdf: bool = True, user: str | None = None,
                  quiet: bool = False, kernel: str = "python3",
                  partnership: str | None = None, unsuppressed: bool = False) -> ProductResult:
    """Execute, render and log one product (module docstring).

    ``partnership``: build it from that partnership's data only (guidance 2.2.4). Without
    it the product reads the whole shared tier, and only a user allowed to see every
    partnership the tier holds may render it.

    The HTML and PDF are the **disclosure-controlled edition** (guidance 2.4.1.2): every
    table through the dashboards' primary and secondary suppression at the threshold the
    shared tier was published with, figures that could show small counts left out, and the
    result checked independently (:func:`workbench.products.render.render_html`).
    ``unsuppressed=True`` renders the analysts' edition instead (figures as computed); the
    product library never offers it to users who may not see depersonalised records. A
    subject profile (personal data, never in the library) is always unsuppressed.

    Examples
    --------
    >>> from workbench.demo.build import _example_demo
    >>> hub = _example_demo()                              # the smallest demo, built once (about 9 s)
    >>> r = build_product("tactical-assessment", hub, out="examples/products", pdf=False, quiet=True)
    >>> r.marking, r.disclosure["controlled"], r.disclosure["cells_hidden"]
    ('OFFICIAL-SENSITIVE', True, 53)
    >>> build_product("subject-profile", hub, out="examples/products")
    Traceback (most recent call last):
    workbench.errors.BadInput: A subject profile uses personal data: give --request ID, an approved personal-data request (guidance 4.3; `workbench request …`).
    """
    import nbformat
    import papermill

    name = v.choice("product", name, PRODUCTS)
    hub = Path(hub).resolve()
    as_of_date = v.date("as_of", as_of)
    weeks = v.positive_int("weeks", weeks, maximum=26)
    user = user or "CSP analyst"
    commission = None
    if commission_id is not None:
        commission = cm.get_commission(hub, commission_id)
        if commission.product != name:
            raise BadInput(f"Commission {commission_id} asks for a {commission.product}, not a {name}; "
                           f"run `workbench product {commission.product} --commission {commission_id}`.")
        if commission.status == "withdrawn":
            raise BadInput(f"Commission {commission_id} was withdrawn; nothing to produce.")
    include_sensitive = True
    if name == "subject-profile":
        _check_subject_access(hub, user, request_id)
        if not subject:
            raise BadInput("Give --subject REF: the person or group reference the profile is about.")
    else:
        from workbench.products.authorise import authorise

        if partnership and partnership not in tier_partnerships(hub):
            raise BadInput(f"The shared tier holds no data of partnership '{partnership}'; it holds "
                           f"{', '.join(tier_partnerships(hub)) or 'none'}.")
        held = [partnership] if partnership else tier_partnerships(hub)
        include_sensitive = authorise(hub, user, "render", partnerships=held).include_sensitive
    from workbench.hub.connect import shared_path

    if name != "subject-profile" and not shared_path(hub).exists():
        from workbench.errors import ResourceLocked
        raise ResourceLocked(f"No shared tier beside '{hub}': run `workbench hub publish --hub {hub}` first.")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    executed = out / f"{name}.ipynb"
    params = {"hub": str(hub), "commission_id": commission_id, "as_of": str(as_of_date) if as_of_date else None,
              "weeks": weeks, "author": user, "request_id": request_id, "subject": subject,
              "include_sensitive": include_sensitive, "partnership": partnership}
    if commission and name == "problem-profile" and commission.current:
        params.update(current=list(commission.current), baseline=list(commission.baseline))
    if not quiet:
        print(f"Executing {notebook_path(name).name} against {hub} …", file=sys.stderr)
    papermill.execute_notebook(str(notebook_path(name)), str(executed), parameters=params,
                               kernel_name=kernel, progress_bar=False, log_output=False,
                               cwd=str(out), kernel_manager_class=_ipc_kernel_manager())
    nb = nbformat.read(str(executed), as_version=4)
    sheet, _, _ = render.collect(nb)
    nb.metadata["protective_marking"] = sheet.marking.banner  # the executed notebook is marked too
    nbformat.write(nb, str(executed))
    disclosure = None if (unsuppressed or name == "subject-profile") else \
        render.Disclosure(published_threshold(hub))
    html = render.render_html(nb, out / f"{name}.html", product_title=PRODUCTS[name].title,
                              disclosure=disclosure)
    warnings, pdf_path = [], None
    if pdf:
        if render.chromium_available():
            pdf_path = render.render_pdf(html, out / f"{name}.pdf", marking=sheet.marking.banner,
                                         title=sheet.title)
        else:
            warnings.append(f"{render.CHROMIUM} missing: PDF not rendered (apt-get install chromium).")
    outputs = {"notebook": str(executed), "html": str(html), "pdf": str(pdf_path) if pdf_path else None}
    _write_metadata(out / f"{name}.json", name, sheet, hub, commission_id, user, partnership, disclosure)
    run_id = cm.record_run(hub, name, commission_id, sheet.marking.label, outputs, user)
    cm.audit(hub, user, "product.render", f"{name}:{run_id}",
             {"commission": commission_id, "marking": sheet.marking.label,
              "disclosure": disclosure.to_dict() if disclosure is not None else {"controlled": False},
              "datasets": [s.dataset for s in sheet.sources], "as_of": sheet.as_of,
              "rendered_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")})
    return ProductResult(name, commission_id, sheet.marking.banner, str(executed), str(html),
                         str(pdf_path) if pdf_path else None, run_id, warnings,
                         disclosure.to_dict() if disclosure is not None else {"controlled": False})
