"""``workbench demo build``: the demo hub for Nottingham and Nottinghamshire.

Builds, in one encrypted hub:

1. the committed **real open data** of ``data/sample/`` through the hub's adapters (police.uk
   street crime for Nottingham City, OS Code-Point Open postcodes, LSOA 2011 boundaries, IMD
   2019), plus two clearly labelled synthetic supplies: households per postcode
   (``households_synthetic='Y'``) and LSOA population (a 3.4 ``caveats`` note);
2. a **seeded synthetic supply for every other dataset** of ``DATASETS.md``
   (:mod:`workbench.demo.generate`), one supply per dataset and calendar year, each with
   guidance 3.4 metadata saying it is synthetic — all through :func:`ingest_frame`, so every
   validation rule applies;
3. the published depersonalised tier (:func:`workbench.privacy.publish.publish`) and the demo
   partnership, agencies and log-ins in the registry — each only when that package is present.

Idempotent: a hub already holding a complete demo with the same parameters is reused; an
interrupted build resumes (identical supplies are no-ops). See ``docs/demo.md``.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path

from workbench import catalogue
from workbench.demo import context, effects as fx
from workbench.demo.generate import FROM_SAMPLE, generate, missing_datasets
from workbench.demo.timing import BuildPeriod
from workbench.demo.world import World, sample_files
from workbench.errors import BadInput, WorkbenchError

MARKER = "demo_build"

#: demo log-ins (DEMO ONLY: printed by `make run`; never use these passwords elsewhere)
DEMO_USERS = (
    ("admin", "Nottingham City Council", "admin", "demo-admin-pass"),
    ("analyst", "Nottingham City Council", "analyst", "demo-analyst-pass"),
    ("viewer", "Nottingham City Council", "viewer", "demo-viewer-pass"),
    ("dlo", "Nottinghamshire Police", "dlo", "demo-dlo-pass"),
    ("reviewer", "Nottinghamshire Police", "reviewer", "demo-reviewer-pass"),
    ("partner", "Nottingham City Homes", "partner", "demo-partner-pass"),
)
#: agency type (catalogue) → (demo agency name, guidance 2.2.4 group)
AGENCIES = {
    "police": ("Nottinghamshire Police", "central"),
    "local_authority": ("Nottingham City Council", "central"),
    "fire_and_rescue": ("Nottinghamshire Fire and Rescue Service", "central"),
    "probation": ("Probation Service (Nottinghamshire)", "central"),
    "health_trust": ("Nottingham University Hospitals NHS Trust", "central"),
    "health_ae": ("Nottingham University Hospitals NHS Trust", "central"),
    "ambulance": ("East Midlands Ambulance Service", "second"),
    "youth_offending_service": ("Nottingham Youth Justice Service", "central"),
    "prison_service": ("HM Prison and Probation Service", "second"),
    "drug_action_team": ("Nottingham Drug and Alcohol Service", "second"),
    "british_transport_police": ("British Transport Police", "second"),
    "tram_operator": ("Nottingham Express Transit", "second"),
    "bus_operator": ("Nottingham City Transport", "second"),
    "environment_agency": ("Environment Agency", "second"),
    "portal": ("Nottingham City Homes", "second"),
    "reference": ("Nottingham City Council", "central"),
}
#: left without 3.4 metadata on purpose, so the quality report shows the flag
NO_METADATA = ("ea_waste_site",)


@dataclass
class DemoBuild:
    """What ``build_demo`` did.

    Examples
    --------
    >>> b = _example_demo() and build_demo("examples/demo/hub.duckdb", start="2023-01-01", end="2024-06-30",
    ...                                    scale=0.01, quiet=True, registry=False)
    >>> print(b.to_text())  # doctest: +ELLIPSIS
    Reused the existing demo hub: examples/demo/hub.duckdb
      period 2023-01-01 – 2024-06-30, seed 20240601, scale 0.01; 66 supplies, 101,380 current rows
      planted current window ('2024-01-01', '2024-06-30') vs baseline ('2023-01-01', '2023-06-30')
      shared tier: existing examples/demo/shared.duckdb; registry: not run
    """

    hub: str
    reused: bool
    seed: int
    start: str
    end: str
    scale: float
    seconds: float = 0.0
    supplies: int = 0           # supplies in the hub
    rows: dict = field(default_factory=dict)
    windows: dict = field(default_factory=dict)
    published: str = "not run"
    registry: str = "not run"
    users: list = field(default_factory=list)
    commissions: list = field(default_factory=list)
    products: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)

    def to_text(self) -> str:
        head = "Reused the existing demo hub" if self.reused else f"Built the demo hub in {self.seconds:.0f} s"
        lines = [f"{head}: {self.hub}",
                 f"  period {self.start} – {self.end}, seed {self.seed}, scale {self.scale}; "
                 f"{self.supplies} supplies, {sum(self.rows.values()):,} current rows",
                 f"  planted current window {self.windows.get('current')} vs baseline {self.windows.get('baseline')}",
                 f"  shared tier: {self.published}; registry: {self.registry}"]
        if self.users:
            lines.append("  Demo log-ins (DEMO ONLY):")
            lines += [f"    {u['name']:<9} {u['password']:<20} {u['role']} ({u['agency']})" for u in self.users]
        if self.commissions:
            lines.append("  Commissions (workbench commission list): " + "; ".join(
                f"{c['id']} {c['product']} \u201c{c['title']}\u201d" for c in self.commissions))
        if self.products:
            lines.append("  Product library: " + ", ".join(self.products))
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


def _say(quiet: bool, msg: str) -> None:
    if not quiet:
        print(f"demo: {msg}", file=sys.stderr, flush=True)


def _metadata(ds_id: str, frame, *, synthetic: bool, seed: int, caveat: str = "") -> dict:
    ds = catalogue.get(ds_id)
    agency = AGENCIES.get(ds.agency, ("Nottingham City Council", "central"))[0]
    start = end = None
    col = ds.date_column
    if col and col in frame.columns and frame[col].notna().any():
        start, end = str(frame[col].dropna().min())[:10], str(frame[col].dropna().max())[:10]
    supplied = (date.fromisoformat(end) + timedelta(days=14)).isoformat() if end else None
    meta = {
        "agency": agency, "supplier_name": "Demo data officer", "supplier_contact": "demo@example.invalid",
        "dataset": ds_id, "period_start": start, "period_end": end, "file_format": "CSV (canonical)",
        "record_count": int(len(frame)), "date_supplied": supplied, "fields": list(frame.columns),
        "field_notes": "canonical columns of DATASETS.md",
        "caveats": (f"SYNTHETIC demo data generated by workbench.demo (seed {seed}); not real people "
                    f"or events. {caveat}".strip() if synthetic else caveat or "real open data"),
        "coding_systems": "Home Office offence codes; NICL incident categories; ICD-10" if synthetic else "",
        "geocoding_method": "postcode centroid (Code-Point Open) with synthetic address-point jitter",
    }
    return {k: v for k, v in meta.items() if v not in (None, "")}


#: guidance 3.4 metadata of the committed open data (data/sample/ATTRIBUTION.md)
SAMPLE_METADATA = {
    "police_uk_street": ("data.police.uk (Nottinghamshire Police)", "https://data.police.uk/",
                         "police.uk street-level crime CSV", "police.uk crime types and outcome categories",
                         "anonymised map points snapped by police.uk; LSOA 2011 (2018-19) and 2021 (2024) codes",
                         "Nottingham City rows only (LSOA name 'Nottingham …'); identical rows are separate "
                         "incidents; month precision only"),
    "ref_postcode": ("Ordnance Survey (Code-Point Open 2025.4.0)", "https://www.ordnancesurvey.co.uk/",
                     "headerless CSV + column-header file", "ONS GSS codes", "postcode unit centroids (BNG)",
                     "live postcodes of October 2025 only; no households (synthesised in a later supply)"),
    "ref_lsoa": ("ONS census boundaries (england_lsoa_2011_gen_clipped)", "https://geoportal.statistics.gov.uk/",
                 "GeoJSON (CRS84)", "LSOA 2011 codes", "generalised, clipped polygons",
                 "8 Nottinghamshire authorities; no population (synthesised in a later supply)"),
    "ref_imd": ("MHCLG English Indices of Deprivation 2019", "https://www.gov.uk/government/statistics/"
                "english-indices-of-deprivation-2019", "CSV (File 1)", "LSOA 2011 codes; rank 1 = most deprived",
                "not applicable", "Nottinghamshire LSOAs only"),
}


def _lines(path) -> int:
    with open(path, "rb") as fh:
        return sum(1 for _ in fh)


def _sample_metadata(ds_id: str, files: list, world) -> dict:
    """3.4 metadata for a committed open-data supply, with its exact record count."""
    supplier, contact, fmt, coding, geo, caveats = SAMPLE_METADATA[ds_id]
    if ds_id == "ref_lsoa":
        count = len(world.lsoas)
    else:
        data = [f for f in files if "Column_Headers" not in Path(f).name]
        header = 0 if ds_id == "ref_postcode" else 1
        count = sum(_lines(f) - header for f in data)
    meta = {"agency": "Nottingham City Council", "supplier_name": supplier, "supplier_contact": contact,
            "dataset": ds_id, "file_format": fmt, "record_count": count, "coding_systems": coding,
            "geocoding_method": geo, "caveats": f"real open data (data/sample/ATTRIBUTION.md); {caveats}",
            "field_notes": "see data/sample/ATTRIBUTION.md", "date_supplied": "2025-11-01"}
    if ds_id == "police_uk_street":
        meta.update(period_start="2018-10-01", period_end="2024-03-31")
    return meta


def _registry(hub: Path, build: DemoBuild) -> None:
    from workbench.registry import open_registry

    reg = open_registry(hub)
    try:
        names = {p.name for p in reg.list_partnerships()}
        if fx.PARTNERSHIP not in names:
            reg.add_partnership(fx.PARTNERSHIP, actor="demo")
        if fx.CITY_PARTNERSHIP not in names:
            reg.add_partnership(fx.CITY_PARTNERSHIP, parent=fx.PARTNERSHIP, actor="demo")
        have = {a.name for a in reg.list_agencies()}
        for agency, group in sorted(set(AGENCIES.values())):
            if agency not in have:
                reg.add_agency(agency, group, partnerships=(fx.CITY_PARTNERSHIP,), actor="demo")
                have.add(agency)
        users = {u.name for u in reg.list_users()}
        for name, agency, role, password in DEMO_USERS:
            if name not in users:
                reg.add_user(name, agency, role, password, actor="demo")
            build.users.append({"name": name, "password": password, "role": role, "agency": agency})
        _record_dpias(reg, have)
        build.registry = f"{len(DEMO_USERS)} demo users, partnership '{fx.CITY_PARTNERSHIP}' in '{fx.PARTNERSHIP}'"
    finally:
        reg.close()


#: the demo's commissioning register (guidance Appendix 2 Box 4): one commission per product the
#: partnership reads on its dashboards, in this order (ids 1, 2, 3 in a new demo)
def demo_commissions(windows: dict) -> list[dict]:
    """The demo commissions, with the planted current window and its baseline (``docs/demo.md``).

    >>> [c["product"] for c in demo_commissions({"current": ("2024-01-01", "2024-06-30"),
    ...                                          "baseline": ("2023-01-01", "2023-06-30")})]
    ['problem-profile', 'strategic-assessment', 'tactical-assessment']
    """
    current, baseline = ":".join(windows["current"]), ":".join(windows["baseline"])
    return [
        dict(product="problem-profile", title="Night-time economy violence in the city centre",
             questions=["Where and when does the violence concentrate?",
                        "Is the rise real, or more reporting by venue staff?",
                        "What do door staff and A&E see that the police do not?"],
             requested_by="strategy group", offences="violence", area="Nottingham City centre",
             aim="Understand the rise in night-time violence so that partners can act on it",
             current=current, baseline=baseline, panel=["licensing officer", "A&E consultant"],
             analyst="analyst"),
        dict(product="strategic-assessment", title="Strategic assessment of the year",
             questions=["Which issues should be the partnership's priorities next year?"],
             requested_by="strategy group", analyst="analyst"),
        dict(product="tactical-assessment", title="Tactical assessment for the tasking group",
             questions=["What has emerged in the last four weeks, and where?"],
             requested_by="partnership tasking group", analyst="analyst"),
    ]


def _commissions(hub: Path, build: DemoBuild) -> None:
    """The demo's commissions (idempotent: added only to an empty register)."""
    from workbench.products import commissioning as cm

    have = cm.list_commissions(hub)
    if not have:
        for spec in demo_commissions(build.windows):
            cm.add_commission(hub, **spec, created_by="admin", quiet=True)
        have = cm.list_commissions(hub)
    build.commissions = [{"id": c.id, "product": c.product, "title": c.title}
                         for c in sorted(have, key=lambda c: c.id)]


def _products(hub: Path, build: DemoBuild, quiet: bool) -> None:
    """Render one of each product the library lists (problem profile, strategic and tactical
    assessments) into ``products/`` beside the hub, as the demo analyst, from the demo's
    commissions; a product already rendered is kept. The subject profile is not built: it
    needs an approved personal-data request and is never listed in the library (PERSONAL)."""
    from workbench.products.build import build_product

    folder = hub.parent / "products"
    for c in build.commissions:
        if c["product"] == "subject-profile":
            continue
        out = folder / f"{c['product']}-{c['id']}"
        if not (out / f"{c['product']}.html").exists():
            _say(quiet, f"rendering the demo {c['product']} (commission {c['id']})…")
            build_product(c["product"], hub, out=out, commission_id=c["id"], user="analyst", quiet=True)
        build.products.append(str(out / f"{c['product']}.html"))


def _record_dpias(reg, agencies) -> None:
    """Each demo agency's sharing under a DPIA in force (UK GDPR Art 35; workbench.privacy.dpia),
    completed a month ago and due for review in a year, as a real partnership would have."""
    from datetime import timedelta

    from workbench.privacy import dpia

    today = reg.now().date()
    for agency in sorted(agencies):
        if dpia.current(reg, agency) is None:
            dpia.record(reg, "admin", agency, f"DPIA-DEMO-{agency[:24].upper().replace(' ', '-')}",
                        today - timedelta(days=30), today + timedelta(days=335))


def _publish(hub: Path, build: DemoBuild, quiet: bool) -> None:
    from workbench.privacy.publish import publish

    try:
        res = publish(hub, quiet=quiet)
    except WorkbenchError as exc:
        build.published = f"FAILED: {str(exc).splitlines()[0]}"
        print(f"demo: publish failed: {exc}", file=sys.stderr)
        return
    build.published = f"published to {getattr(res, 'shared', 'shared.duckdb')}"


def build_demo(hub_path, *, seed: int = fx.SEED, start: str = fx.DEFAULT_START, end: str = fx.DEFAULT_END,
               scale: float = fx.DEFAULT_SCALE, quiet: bool = False, publish: bool = True,
               registry: bool = True, products: bool = False) -> DemoBuild:
    """Build (or reuse) the Nottingham and Nottinghamshire demo hub at ``hub_path``.

    Parameters
    ----------
    hub_path : the master hub file (created with its key beside it when absent).
    seed : the random seed; the same seed, period and scale give the same hub.
    start, end : the synthetic period (``YYYY-MM-DD``); at least 18 months so the planted
        current window has a baseline one year earlier.
    scale : volume relative to Nottingham City's real crime (1.0 ≈ 3,800 crimes a month).
    quiet : no progress on stderr.
    publish, registry : also publish the shared tier / create the demo log-ins and commissions.
    products : also render one problem profile, strategic and tactical assessment into
        ``products/`` beside the hub for the product library (about 30 s each; ``make run``).

    Returns
    -------
    DemoBuild

    Examples
    --------
    >>> b = build_demo("examples/demo/hub.duckdb", start="2023-01-01", end="2024-06-30", scale=0.01,
    ...                quiet=True, registry=False)           # the smallest demo: about 9 s
    >>> b.rows["police_crime_offence"], b.windows["current"], Path("examples/demo/shared.duckdb").exists()
    (639, ('2024-01-01', '2024-06-30'), True)
    >>> build_demo("examples/demo/hub.duckdb", start="2023-01-01", end="2024-06-30", scale=0.01,
    ...            quiet=True, registry=False).reused       # the same parameters: reused, not rebuilt
    True
    """
    from workbench.hub.connect import open_hub
    from workbench.hub.ingest import ingest_files, ingest_frame
    from workbench.hub.schema import init_hub

    t0 = time.perf_counter()
    period = BuildPeriod.of(start, end)
    if period.n_days < 540:
        raise BadInput(f"The demo period {start}–{end} is {period.n_days} days; give at least 18 months "
                       "so the planted current window has a baseline a year earlier.")
    if not (0 < float(scale) <= 5):
        raise BadInput(f"`scale` must be between 0 and 5; got {scale!r}.")
    hub = Path(hub_path)
    params = {"seed": int(seed), "start": str(period.start), "end": str(period.end), "scale": float(scale)}
    build = DemoBuild(str(hub), False, **params, windows=period.windows())
    init_hub(hub)
    con = open_hub(hub)
    try:
        row = con.execute("SELECT value FROM hub_meta WHERE key = ?", [MARKER]).fetchone()
        if row:
            done = json.loads(row[0])
            if {k: done.get(k) for k in params} != params:
                raise BadInput(f"The hub '{hub}' already holds a demo built with {done}; use another --hub "
                               "or `make clean-demo` first.")
            if done.get("complete"):
                build.reused = True
        if not build.reused:
            con.execute("INSERT OR REPLACE INTO hub_meta VALUES (?, ?)", [MARKER, json.dumps(params)])
            con.execute("INSERT OR REPLACE INTO hub_meta VALUES ('partnership', ?)", [fx.PARTNERSHIP])
            world = World(seed=int(seed))
            _say(quiet, "ingesting the committed open data (data/sample)…")
            files = sample_files()
            for ds_id in ("ref_lsoa", "ref_postcode", "ref_imd", "police_uk_street"):
                ingest_files(hub, ds_id, files[ds_id], con=con, quiet=True, user="demo",
                                 metadata=_sample_metadata(ds_id, files[ds_id], world))
            for ds_id, frame, caveat in (
                ("ref_lsoa", context.lsoa_with_population(world),
                 "population is SYNTHETIC (synthetic households x 2.3); polygons and names are real"),
                ("ref_postcode", context.postcode_households(world),
                 "households are SYNTHETIC (households_synthetic='Y'); centroids are Code-Point Open"),
            ):
                ingest_frame(hub, ds_id, frame, source_name=f"demo_{ds_id}_synthetic", con=con, user="demo",
                                 metadata=_metadata(ds_id, frame, synthetic=True, seed=seed, caveat=caveat))
            _say(quiet, f"generating synthetic partner data {period.start} – {period.end} (seed {seed}, scale {scale})…")
            generated = generate(world, period.start, period.end, float(scale))
            missing = missing_datasets(generated)
            if missing:
                build.notes.append(f"no generator for {missing}")
            for ds_id, supplies in generated.items():
                for name, frame in supplies:
                    if len(frame) == 0:
                        continue
                    meta = None if ds_id in NO_METADATA else _metadata(ds_id, frame, synthetic=True, seed=seed)
                    ingest_frame(hub, ds_id, frame, source_name=f"demo_{name}", con=con, metadata=meta,
                                     user="demo")
                _say(quiet, f"  {ds_id}: {sum(len(f) for _, f in supplies):,} rows")
            done = dict(params, complete=True)
            con.execute("INSERT OR REPLACE INTO hub_meta VALUES (?, ?)", [MARKER, json.dumps(done)])
        for ds_id in catalogue.ids():
            build.rows[ds_id] = con.execute(f'SELECT count(*) FROM main."{ds_id}"').fetchone()[0]
        build.supplies = con.execute("SELECT count(*) FROM supplies").fetchone()[0]
        con.execute("CHECKPOINT")
    finally:
        con.close()
    from workbench.hub.connect import shared_path

    if publish and (not build.reused or not shared_path(hub).exists()):
        _say(quiet, "publishing the depersonalised shared tier…")
        _publish(hub, build, quiet)
    elif publish:
        build.published = f"existing {shared_path(hub)}"
    if registry:
        _registry(hub, build)
        _commissions(hub, build)
        if products and publish:
            _products(hub, build, quiet)
    build.seconds = round(time.perf_counter() - t0, 1)
    return build


__all__ = ["DEMO_USERS", "DemoBuild", "FROM_SAMPLE", "build_demo"]


def _example_demo(folder: str = "examples/demo") -> Path:
    """The smallest demo hub (scale 0.01, Jan 2023 – Jun 2024, published, no log-ins) in
    ``folder`` under the working directory, built once and reused: the data of the products'
    runnable examples (about 9 s to build)."""
    hub = Path(folder) / "hub.duckdb"
    build_demo(hub, start="2023-01-01", end="2024-06-30", scale=0.01, quiet=True, registry=False)
    return hub


def _example_tier():
    """The smallest demo's shared tier, read-only (:func:`_example_demo`): the products' examples' data."""
    from workbench.privacy.shared import open_shared_tier

    return open_shared_tier(_example_demo())


def _example_summary(product: str):
    """The smallest demo's summary for ``product`` (``'tactical'``, ``'strategic'``,
    ``'problem'`` or ``'sna'``), as the product's notebook gathers it."""
    from workbench.products import problem, sna, strategic, tactical

    build = {"tactical": tactical.tactical_summary, "strategic": strategic.strategic_summary,
             "problem": lambda tier: problem.problem_summary(tier, quiet=True), "sna": sna.sna_summary}
    return build[product](_example_tier())


def _example_parts(section, argument) -> list:
    """The ``(kind, html)`` parts a product section emits for ``argument`` (a summary, or the
    name of one of :func:`_example_summary`'s products)."""
    from workbench.products.present import captured

    with captured() as parts:
        section(_example_summary(argument) if isinstance(argument, str) else argument)
    return parts


def _example_dashboard():
    """``(source, analyst, last4)`` on the smallest demo: the dashboards' data source, an
    analyst who sees records, and the last four weeks against the 52 before."""
    from workbench.dashboard_data import crime, periods
    from workbench.dashboard_data.access import Viewer
    from workbench.dashboard_data.source import Source

    source = Source(_example_demo())
    return (source, Viewer("ana", "Notts Police", "analyst", records=True),
            periods.tactical(crime.latest_date(source), 4))
