"""Rendering an executed product notebook to HTML and PDF, with the protective marking on every page.

HTML: a Jinja2 report (autoescaped) built from the notebook's outputs — the front sheet and
the section outputs emitted by :mod:`workbench.products.present` (tagged ``workbench`` in
their metadata) plus the analyst's markdown cells (raw HTML escaped; cells tagged ``prompt``
are the template's prompts to the analyst and are left out). CSS is embedded and figures are
inline PNG, so the file makes no request to any server (STACK.md: offline, no CDN);
:func:`external_urls` checks this and :func:`render_html` refuses a report that fails.

PDF: Debian Chromium driven by Playwright (``executable_path=/usr/bin/chromium``, STACK.md
launch flags), ``page.pdf()`` with a header and footer carrying the marking on every page.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import asdict, dataclass
from pathlib import Path

import jinja2
import mistune
import nbformat

from workbench.errors import BadInput, ResourceLocked
from workbench.products.frontsheet import FrontSheet
from workbench.products.present import TAG

TEMPLATES = Path(__file__).with_name("templates")
CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]
_URL_ATTR = re.compile(r"""(?:src|href|srcset|action|poster|data)\s*=\s*["']?\s*(?:https?:)?//""", re.I)
_CSS_URL = re.compile(r"""url\(\s*["']?\s*(?:https?:)?//""", re.I)
_IMPORT = re.compile(r"@import", re.I)

_markdown = mistune.create_markdown(escape=True, plugins=["table", "strikethrough"])


def external_urls(html_text: str) -> list[str]:
    """Attributes or CSS that would make a browser fetch something from a server.

    >>> external_urls("<img src='data:image/png;base64,AA'><a href='#x'>x</a>")
    []
    >>> external_urls('<script src="https://cdn.example/x.js"></script>')
    ['src="https://']
    """
    hits = [m.group(0) for m in _URL_ATTR.finditer(html_text)]
    hits += [m.group(0) for m in _CSS_URL.finditer(html_text)]
    hits += [m.group(0) for m in _IMPORT.finditer(html_text)]
    return hits


@dataclass
class Disclosure:
    """What disclosure control did to a product's edition for viewers (never the values).

    Examples
    --------
    >>> Disclosure(5, tables=2, cells_hidden=3).to_dict()["cells_hidden"]
    3
    """

    threshold: int
    tables: int = 0
    cells_hidden: int = 0
    tables_withheld: int = 0
    figures_withheld: int = 0

    def to_dict(self) -> dict:
        return {"controlled": True, **asdict(self)}


def _withheld(what: str) -> str:
    return (f"<div class='note'>{html_lib.escape(what)} left out of this disclosure-controlled edition: "
            f"it could show counts of 1 to 4 (guidance 2.4.1.2). The analysts' edition has it.</div>")


def collect(nb, disclosure: Disclosure | None = None) -> tuple[FrontSheet, list[str], list[dict]]:
    """The front sheet, the HTML blocks in order, and the headings (for the contents list).

    With ``disclosure`` (the edition a viewer may download) every table is rebuilt through
    :func:`workbench.products.present.controlled_table` (small counts, their complements and
    derived cells hidden), a table without its data is left out, and a figure is left out
    unless it was emitted ``safe``; ``disclosure`` counts what was done.

    Examples
    --------
    >>> import nbformat
    >>> from workbench.products import present
    >>> from workbench.products.frontsheet import FrontSheet
    >>> from workbench.products.marking import decide_marking
    >>> import pandas as pd
    >>> cell = nbformat.v4.new_code_cell("")
    >>> html = present.table(pd.DataFrame({"ward": ["A", "B", "C"], "crimes": [3, 40, 25]}))
    >>> meta = {"workbench": {"kind": "table", "table": {
    ...     "columns": ["ward", "crimes"], "keys": [], "caption": None, "max_rows": 40,
    ...     "values": [["A", 3], ["B", 40], ["C", 25]], "texts": [["A", "3"], ["B", "40"], ["C", "25"]]}}}
    >>> cell.outputs = [nbformat.v4.new_output("display_data", {"text/html": html}, metadata=meta)]
    >>> sheet = nbformat.v4.new_code_cell("")
    >>> sheet.outputs = [nbformat.v4.new_output("display_data", {"text/html": ""},
    ...     metadata={"workbench": {"kind": "front_sheet", "data": FrontSheet(
    ...         "strategic-assessment", "Test", None, [], "ana", "2025-01-01", "2025-01-01",
    ...         decide_marking(["police_uk_street"]), "partnership only", []).to_dict()}})]
    >>> d = Disclosure(5)
    >>> _, blocks, _ = collect(nbformat.v4.new_notebook(cells=[sheet, cell]), d)
    >>> ">3<" in blocks[0], d.cells_hidden
    (False, 2)
    """
    from workbench.products.present import controlled_table

    sheet, blocks, toc = None, [], []
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if cell.cell_type == "markdown":
            if "prompt" in tags or "parameters" in tags or not cell.source.strip():
                continue
            blocks.append(f"<div class='narrative'>{_markdown(cell.source)}</div>")
            continue
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            meta = out.get("metadata", {}).get(TAG)
            if out.get("output_type") not in ("display_data", "execute_result") or not meta:
                continue
            if meta["kind"] == "front_sheet":
                sheet = FrontSheet.from_dict(meta["data"])
                continue
            if meta["kind"] == "heading" and meta.get("level", 2) <= 2:
                toc.append({"text": meta["text"], "anchor": meta.get("anchor")})
            if disclosure is not None and meta["kind"] == "table":
                if not isinstance(meta.get("table"), dict):
                    disclosure.tables_withheld += 1
                    blocks.append(_withheld("A table"))
                    continue
                text, hidden = controlled_table(meta["table"], disclosure.threshold)
                disclosure.tables += 1
                disclosure.cells_hidden += hidden["primary"] + hidden["secondary"] + hidden["derived"]
                blocks.append(text)
                continue
            if disclosure is not None and meta["kind"] == "figure" and not meta.get("safe"):
                disclosure.figures_withheld += 1
                blocks.append(_withheld(f"The figure \"{meta.get('caption') or 'untitled'}\""))
                continue
            blocks.append(out["data"]["text/html"])
    if sheet is None:
        raise ValueError("The notebook emitted no front sheet: call "
                         "workbench.products.present.front_sheet(...) in a cell.")
    return sheet, blocks, toc


def render_html(nb_or_path, out: Path | str, *, product_title: str,
                disclosure: Disclosure | None = None) -> Path:
    """Write the HTML report for an executed notebook; return its path.

    ``disclosure``: write the disclosure-controlled edition (:func:`collect`) and refuse it
    (BadInput, nothing written) unless the independent check
    :func:`workbench.privacy.outputs.check_html` passes.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> d = Disclosure(5)
    >>> text = render_html(_example_notebook(), folder / "r.html", product_title="Example",
    ...                    disclosure=d).read_text()
    >>> "[c]" in text and "<td>3</td>" not in text, d.cells_hidden
    (True, 2)
    """
    nb = nbformat.read(str(nb_or_path), as_version=4) if isinstance(nb_or_path, str | Path) else nb_or_path
    sheet, blocks, toc = collect(nb, disclosure)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES),
                             autoescape=jinja2.select_autoescape(["html", "j2"]))
    text = env.get_template("report.html.j2").render(
        fs=sheet, blocks=blocks, toc=toc, product_title=product_title,
        css=(TEMPLATES / "report.css").read_text(),
        marking_class=sheet.marking.label.lower())
    bad = external_urls(text)
    if bad:
        raise ValueError(f"The report would fetch external assets ({bad[:3]}); products must render offline.")
    if disclosure is not None:
        from workbench.privacy.outputs import check_html

        problems = check_html(text, disclosure.threshold)
        if problems:
            raise BadInput("The disclosure-controlled edition failed the independent check (guidance "
                           "2.4.1.2), so nothing was written: " + "; ".join(problems[:5])
                           + ". A column that is not a count (a rank, code or rating) is declared with "
                             "present.table(..., keys=[...]); a number an analyst typed into a markdown "
                             "table must respect the threshold; or render the analysts' edition with "
                             "--unsuppressed (never offered to viewers).")
    out = Path(out)
    out.write_text(text, encoding="utf-8")
    return out


def _header(marking: str) -> str:
    m = html_lib.escape(marking)
    return ("<div style='width:100%;font-size:9px;font-family:DejaVu Sans,Arial,sans-serif;"
            f"text-align:center;font-weight:bold;letter-spacing:1px;color:#a4001d'>{m}</div>")


def _footer(marking: str, title: str) -> str:
    m, t = html_lib.escape(marking), html_lib.escape(title)
    return ("<div style='width:100%;font-size:8px;font-family:DejaVu Sans,Arial,sans-serif;"
            "padding:0 12mm;display:flex;justify-content:space-between;color:#333'>"
            f"<span>{t}</span><span style='font-weight:bold;color:#a4001d'>{m}</span>"
            "<span>page <span class='pageNumber'></span> of <span class='totalPages'></span></span></div>")


def chromium_available() -> bool:
    """Whether Debian's Chromium, which prints the PDFs, is installed (STACK.md).

    Examples
    --------
    >>> chromium_available() == CHROMIUM.exists()
    True
    """
    return CHROMIUM.exists()


def render_pdf(html_path: Path | str, out: Path | str, *, marking: str, title: str) -> Path:
    """Print the HTML report to PDF with the marking in the header and footer of every page.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> html = render_html(_example_notebook(), folder / "r.html", product_title="Example")
    >>> pdf = render_pdf(html, folder / "r.pdf", marking="OFFICIAL-SENSITIVE", title="Example")
    >>> all("OFFICIAL-SENSITIVE" in page for page in pdf_text(pdf))
    True
    """
    if not chromium_available():
        raise ResourceLocked(f"{CHROMIUM} is missing: install Debian's chromium "
                             "(`apt-get install -y chromium`, or `make browser-deps`) to render PDFs.")
    from playwright.sync_api import sync_playwright

    html_path, out = Path(html_path), Path(out)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            page = browser.new_page()
            # the report is self-contained; block any request that is not the report itself
            page.route("**/*", lambda route: route.continue_()
                       if route.request.url.startswith(("file:", "data:")) else route.abort())
            page.goto(html_path.resolve().as_uri(), wait_until="load")
            page.pdf(path=str(out), format="A4", print_background=True,
                     display_header_footer=True, header_template=_header(marking),
                     footer_template=_footer(marking, title),
                     margin={"top": "20mm", "bottom": "18mm", "left": "14mm", "right": "14mm"})
        finally:
            browser.close()
    return out


def pdf_text(path: Path | str) -> list[str]:
    """Text of each PDF page (pypdfium2), for checks of the marking and headings.

    Examples
    --------
    >>> import tempfile, pypdfium2 as pdfium
    >>> doc = pdfium.PdfDocument.new()
    >>> _ = doc.new_page(595, 842)
    >>> path = Path(tempfile.mkdtemp()) / "blank.pdf"
    >>> doc.save(str(path))
    >>> pdf_text(path)
    ['']
    """
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(path))
    try:
        return [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
    finally:
        doc.close()


def pdf_to_png(path: Path | str, out_dir: Path | str, *, pages=None, scale: float = 1.2) -> list[Path]:
    """Rasterise PDF pages to PNG (pypdfium2) so a person or a test can look at them.

    Examples
    --------
    >>> import tempfile, pypdfium2 as pdfium
    >>> doc = pdfium.PdfDocument.new()
    >>> _ = doc.new_page(595, 842)
    >>> folder = Path(tempfile.mkdtemp())
    >>> doc.save(str(folder / "blank.pdf"))
    >>> [p.name for p in pdf_to_png(folder / "blank.pdf", folder / "png")]
    ['blank-p1.png']
    """
    import pypdfium2 as pdfium

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    doc = pdfium.PdfDocument(str(path))
    written = []
    try:
        for i in (pages if pages is not None else range(len(doc))):
            img = doc[i].render(scale=scale).to_pil()
            p = out_dir / f"{Path(path).stem}-p{i + 1}.png"
            img.save(p)
            written.append(p)
    finally:
        doc.close()
    return written


def _example_notebook():
    """An executed-notebook stand-in for this module's examples: a front sheet and one table
    of crimes by ward (A: 3, B: 40, C: 25)."""
    import pandas as pd

    from workbench.products import present
    from workbench.products.marking import decide_marking

    sheet = FrontSheet("strategic-assessment", "Example", None, [], "A. Analyst", "2025-07-01", "2025-06-30",
                       decide_marking(["police_uk_street"]), "Partners only.", [])
    frame = pd.DataFrame({"ward": ["A", "B", "C"], "crimes": [3, 40, 25]})
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [
        nbformat.v4.new_output("display_data", {"text/html": present.front_sheet(sheet)},
                               metadata={TAG: {"kind": "front_sheet", "data": sheet.to_dict()}}),
        nbformat.v4.new_output("display_data", {"text/html": present.table(frame, caption="Crimes")},
                               metadata={TAG: {"kind": "table", "table": present.table_data(frame, caption="Crimes")}})]
    return nbformat.v4.new_notebook(cells=[cell])

