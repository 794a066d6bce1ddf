"""Rendering products: offline HTML, PDF with the marking on every page, headings looked at
through pypdfium2 (text and PNG); commission -> problem profile end to end; subject profile
access (issue 5 "Done when")."""

import datetime as dt
import json
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from workbench.errors import AccessDenied, BadInput
from workbench.products import commissioning as cm
from workbench.products import present as show
from workbench.products import render
from workbench.products.frontsheet import DataSource, FrontSheet
from workbench.products.marking import decide_marking

needs_chromium = pytest.mark.skipif(not render.chromium_available(),
                                    reason="/usr/bin/chromium missing (make browser-deps installs it)")
PP_HEADINGS = ["Interpret", "Problem Analysis Triangle", "Hypotheses tested",
               "What the data cannot tell us", "Influence", "Key judgements", "Recommendations",
               "Knowledge gaps", "Impact", "Tactical options", "Evaluation plan"]


def _sheet(title="Night-time <script>alert(1)</script> violence", datasets=("health_ae_assault",)):
    return FrontSheet(product="problem-profile", title=title, commissioning_group="strategy group",
                      questions=["Where & when?"], author="A. Analyst", date="2025-07-01",
                      as_of="2025-06-30", marking=decide_marking(datasets), handling="Partners only.",
                      sources=[DataSource("health_ae_assault", "A&E assaults", "NHS", 1, "2025-07-01",
                                          "2025-01-01", "2025-06-30", 10, ["<b>caveat</b>"])],
                      periods={"current": ["2025-04-01", "2025-06-30"]})


def _out(kind, html, **meta):
    return nbformat.v4.new_output("display_data", data={"text/html": html, "text/plain": kind},
                                  metadata={"workbench": {"kind": kind, **meta}})


def _notebook(sheet):
    c1 = new_code_cell("front")
    c1.outputs = [_out("front_sheet", show.front_sheet(sheet), data=sheet.to_dict())]
    c2 = new_code_cell("body")
    c2.outputs = [_out("heading", show.heading("Interpret", 2), level=2, text="Interpret"),
                  _out("para", show.para("<img src=x onerror=alert(1)>")),
                  nbformat.v4.new_output("stream", name="stdout", text="debug print, not for the report")]
    return new_notebook(cells=[new_markdown_cell("Analyst's view: <script>bad()</script> **why**"),
                               new_markdown_cell("A prompt for the analyst", metadata={"tags": ["prompt"]}),
                               c1, c2])


def test_report_html_is_self_contained_escaped_and_marked(tmp_path):
    html = render.render_html(_notebook(_sheet()), tmp_path / "r.html", product_title="Problem profile")
    text = html.read_text()
    assert render.external_urls(text) == []
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "<img src=x" not in text and "&lt;b&gt;caveat&lt;/b&gt;" in text
    assert "A prompt for the analyst" not in text and "debug print" not in text
    assert "<strong>why</strong>" in text
    assert text.count("OFFICIAL-SENSITIVE") >= 3  # banner top and bottom, front sheet
    assert '<meta name="protective-marking" content="OFFICIAL-SENSITIVE">' in text


@pytest.mark.parametrize("snippet, bad", [
    ("<link rel=stylesheet href='https://cdn.x/a.css'>", True),
    ('<script src="//cdn.x/a.js"></script>', True),
    ("<style>body{background:url(http://x/y.png)}</style>", True),
    ("<style>@import 'a.css';</style>", True),
    ("<a href='#interpret'>x</a><img src='data:image/png;base64,AAA'>", False),
])
def test_external_url_check(snippet, bad):
    assert bool(render.external_urls(snippet)) is bad


def test_notebook_without_front_sheet_is_refused(tmp_path):
    with pytest.raises(ValueError, match="front sheet"):
        render.render_html(new_notebook(cells=[new_markdown_cell("x")]), tmp_path / "x.html",
                           product_title="x")


@needs_chromium
@pytest.mark.browser
def test_pdf_has_marking_on_every_page(tmp_path):
    nb = _notebook(_sheet(title="Long report"))
    nb.cells[-1].outputs += [_out("para", show.para("Padding paragraph. " * 40)) for _ in range(40)]
    html = render.render_html(nb, tmp_path / "r.html", product_title="Problem profile")
    pdf = render.render_pdf(html, tmp_path / "r.pdf", marking="OFFICIAL-SENSITIVE", title="Long report")
    pages = render.pdf_text(pdf)
    assert len(pages) >= 3
    assert all(p.count("OFFICIAL-SENSITIVE") >= 2 for p in pages)  # header and footer on every page
    assert all(f"page {i} of {len(pages)}" in p for i, p in enumerate(pages, 1))


# -- end to end on the demo hub (slow: papermill kernels, Chromium) -------------------------
@pytest.fixture(scope="module")
def render_hub(demo_hub, tmp_path_factory):
    """A private copy of the session's demo hub (the shared one is read-only): hub, shared tier,
    keys and registry."""
    import shutil

    folder = tmp_path_factory.mktemp("demo_copy")
    for f in Path(demo_hub).parent.iterdir():
        if f.is_file() and f.name != "built":
            shutil.copy2(f, folder / f.name)
    return folder / Path(demo_hub).name


def _cli(capsys, *args):
    from workbench.cli import main

    capsys.readouterr()
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@needs_chromium
@pytest.mark.slow
@pytest.mark.browser
def test_commission_on_demo_hub_becomes_problem_profile(render_hub, tmp_path, capsys):
    code, out, err = _cli(capsys, "commission", "add", "--hub", str(render_hub), "--as", "analyst",
                          "--title", "Night-time violence in the centre",
                          "--question", "Where and when does violence concentrate?",
                          "--question", "Who are the victims?", "--question", "What do door staff see?",
                          "--offences", "violence", "--current", "2024-01-01:2024-06-30",
                          "--baseline", "2023-01-01:2023-06-30", "--requested-by", "strategy group", "--json")
    assert code == 0, err
    cid = json.loads(out)["id"]
    code, out, err = _cli(capsys, "product", "problem-profile", "--hub", str(render_hub), "--as", "analyst",
                          "--commission", str(cid), "--out", str(tmp_path / "pp"), "--json")
    assert code == 0, err[-3000:]
    result = json.loads(out)
    assert result["marking"] == "OFFICIAL-SENSITIVE" and Path(result["pdf"]).exists()
    html = Path(result["html"]).read_text()
    assert render.external_urls(html) == []
    for h in PP_HEADINGS:
        assert f">{h}</h" in html, h
    nb = nbformat.read(result["notebook"], as_version=4)
    assert nb.metadata["protective_marking"] == "OFFICIAL-SENSITIVE"
    tables = [o["data"]["text/html"] for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("metadata", {}).get("workbench", {}).get("kind") == "table"
              and "Hypotheses, verdicts and evidence" in o["data"]["text/html"]]
    assert len(tables) == 1
    rows = tables[0].split("<tr>")[2:]
    assert len(rows) == 4
    for name in ("concentration", "seriousness", "premises", "reporting"):
        assert f"<td>{name}</td>" in tables[0]
    for row in rows:  # every hypothesis was tested and has a verdict
        assert any(f"<td>{v}</td>" in row for v in ("supported", "not supported", "inconclusive")), row
    assert "What do door staff see?" in html
    pages = render.pdf_text(result["pdf"])
    assert all("OFFICIAL-SENSITIVE" in p for p in pages)
    assert "Night-time violence in the centre" in pages[0] and "strategy group" in pages[0]
    joined = "\n".join(pages)
    for h in ("Interpret", "Problem Analysis Triangle", "Hypotheses tested", "Influence",
              "Key judgements", "Impact", "Tactical options", "Evaluation plan"):
        assert h in joined, h
    png = render.pdf_to_png(result["pdf"], tmp_path / "png", pages=[0])[0]
    from PIL import Image
    img = Image.open(png).convert("L")
    assert img.size[0] > 500 and img.getextrema()[0] < 60  # not blank: dark text/banner present
    c = cm.get_commission(render_hub, cid)
    assert c.status == "delivered" and cm.runs(render_hub, cid)[0]["marking"] == "OFFICIAL-SENSITIVE"


@needs_chromium
@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("name, headings", [
    ("strategic-assessment", ["Levels and patterns", "Three-year trends", "Priority assessment",
                              "PESTELO scan", "Performance against the partnership plan",
                              "Community views", "Recommended priorities"]),
    ("tactical-assessment", ["Emerging issues", "Hotspots and change", "Repeat locations and victims",
                             "Offender cohort and partner intelligence",
                             "Actions carried from the last meeting"]),
    # the Serious Violence Duty's strategic needs assessment (issue 16)
    ("serious-violence-sna", ["Definition of serious violence", "Violence profile", "Cohorts: who is affected",
                              "Places", "Times", "Drivers and protective factors", "Data gaps",
                              "Recommendations"]),
])
def test_assessments_render_from_demo_hub(render_hub, tmp_path, name, headings):
    from workbench.products.build import build_product

    r = build_product(name, render_hub, out=tmp_path / name, user="analyst", quiet=True)
    pages = render.pdf_text(r.pdf)
    assert all("OFFICIAL-SENSITIVE" in p for p in pages)
    joined = "\n".join(pages)
    for h in headings:
        assert h in joined, h
    assert render.external_urls(Path(r.html).read_text()) == []
    assert Path(r.html).stat().st_size < 3_000_000
    # the sidecar the product library lists and filters on: every partnership in the tier
    import json

    from workbench.products.build import tier_partnerships
    from workbench.dashboard_data import library

    meta = json.loads(Path(r.html).with_suffix(".json").read_text())
    assert meta["product"] == name and meta["marking"]["label"] == "OFFICIAL-SENSITIVE"
    assert meta["partnerships"] == tier_partnerships(render_hub) and meta["partnerships"]
    listed = {p.key: p for p in library.products(tmp_path)}
    assert listed[f"{name}/{name}.html"].partnerships == tuple(sorted(meta["partnerships"]))


def test_a_product_for_one_partnership(render_hub, tmp_path):
    """`workbench product … --partnership P` reads P's rows only, says so in its title and its
    sidecar, and the library lists it under P (guidance 2.2.4)."""
    import json

    from workbench.products.build import build_product, tier_partnerships

    partnership = next(p for p in tier_partnerships(render_hub) if not p.startswith("("))
    r = build_product("tactical-assessment", render_hub, out=tmp_path / "one", user="analyst",
                      quiet=True, pdf=False, partnership=partnership)
    meta = json.loads(Path(r.html).with_suffix(".json").read_text())
    assert meta["partnerships"] == [partnership]
    assert f"— {partnership}" in meta["title"]
    assert partnership in Path(r.html).read_text()
    with pytest.raises(BadInput, match="holds no data of partnership"):
        build_product("tactical-assessment", render_hub, out=tmp_path / "none", user="analyst",
                      quiet=True, pdf=False, partnership="Nowhere")


def test_product_refuses_mismatched_commission_and_missing_tier(tmp_path):
    from workbench.products.build import build_product

    hub = tmp_path / "hub.duckdb"
    c = cm.add_commission(hub, title="t", questions=["q"], product="tactical-assessment", quiet=True)
    with pytest.raises(BadInput, match="asks for a tactical-assessment"):
        build_product("problem-profile", hub, out=tmp_path / "o", commission_id=c.id)
    from workbench.errors import ResourceLocked
    with pytest.raises(ResourceLocked, match="publish"):
        build_product("tactical-assessment", hub, out=tmp_path / "o", commission_id=c.id)


# -- subject profile: personal tier, approved request, central group only ------------------
@pytest.fixture
def people(tmp_path):
    from governance_helpers import registry_with_people, victim_tables
    from hubs import make_hub

    victims = [(1, "Notts Police", "Nottingham",
                {"crime_ref": "C1", "gender": "F", "age": 34, "date_of_birth": dt.date(1991, 3, 2),
                 "address": "12 Acacia Avenue", "postcode": "NG1 5AW"}),
               (1, "Notts Police", "Nottingham",
                {"crime_ref": "C2", "gender": "M", "age": 51, "date_of_birth": dt.date(1974, 8, 9),
                 "address": "Rose Cottage", "postcode": "NG2 1AA"})]
    hub = make_hub(tmp_path, init=False, tables=victim_tables(victims))
    reg = registry_with_people(tmp_path)
    return hub, reg


def _approved_request(reg, requester="ana"):
    from workbench.privacy import requests as pr

    req = pr.create(reg, requester=requester, purpose="intelligence_product",
                    questions=["Is C1 a repeat victim needing a referral?"],
                    datasets={"police_crime_victim": ["crime_ref", "age", "address"]},
                    legal_basis=["crime_and_disorder_act_s115"], supplying_agency="Notts Police",
                    expires=dt.date.today() + dt.timedelta(days=30), partnership="Nottingham",
                    subjects={"police_crime_victim": {"crime_ref": ["C1", "C2"]}})
    pr.decide(reg, req.id, "pol_dlo", True)
    return req


def test_subject_profile_access_is_denied_and_audited(people, tmp_path):
    from workbench.products.build import build_product

    hub, reg = people
    with pytest.raises(BadInput, match="--request"):
        build_product("subject-profile", hub, out=tmp_path / "s", user="ana", subject="C1")
    with pytest.raises(AccessDenied):
        build_product("subject-profile", hub, out=tmp_path / "s", user="sec_ana", request_id=1, subject="C1")
    with pytest.raises(AccessDenied):
        build_product("subject-profile", hub, out=tmp_path / "s", user="vic", request_id=1, subject="C1")
    req = _approved_request(reg)
    with pytest.raises(AccessDenied, match="belongs to 'ana'"):
        build_product("subject-profile", hub, out=tmp_path / "s", user="coord", request_id=req.id, subject="C1")
    denied = [e for e in reg.audit_entries() if e.outcome == "denied"]
    assert {e.actor for e in denied} >= {"sec_ana", "vic", "coord"}
    assert not (tmp_path / "s" / "subject-profile.html").exists()


@needs_chromium
@pytest.mark.slow
@pytest.mark.browser
def test_subject_profile_under_approved_request(people, tmp_path):
    from workbench.privacy import requests as pr
    from workbench.products.build import build_product

    hub, reg = people
    req = _approved_request(reg)
    pr.release(reg, req.id, "ana")
    r = build_product("subject-profile", hub, out=tmp_path / "s", user="ana", request_id=req.id,
                      subject="C1", quiet=True)
    assert r.marking == "OFFICIAL-SENSITIVE PERSONAL"
    html = Path(r.html).read_text()
    assert "12 Acacia Avenue" in html and "Rose Cottage" not in html
    assert all("OFFICIAL-SENSITIVE PERSONAL" in p for p in render.pdf_text(r.pdf))
    assert reg.audit_entries(action="product.subject-profile")[-1].outcome == "ok"
