"""The product library: rendered NIM products a dashboard user may read and download.

Products are written by ``workbench product … --out DIR`` (HTML, PDF, executed notebook);
the library reads the products directory beside the hub (``data/restricted/products``).
Each product's protective marking comes from its metadata sidecar (``<name>.json`` or
``product.json`` with a ``marking`` field) or else from the marking printed in the HTML.

Who may read what (deny by default; guidance 2.1 D, 3.4):

- ``OFFICIAL`` and ``OFFICIAL-SENSITIVE`` products (Government Security Classifications,
  :mod:`workbench.catalogue.classification`; products rendered before it, marked
  ``RESTRICTED``, read as OFFICIAL-SENSITIVE) are for the partnership: any user with
  dashboard access may read them (they go to the partnership's members, never further; the
  dashboards are only reachable after log-in).
- a product with the ``PERSONAL`` descriptor (a subject profile; formerly ``PERSONAL DATA``)
  is never listed: nobody reads personal data on a dashboard.
- a product with no recognisable marking is not listed.
- a user who may not see depersonalised records (a ``viewer``; :attr:`Viewer.sees_records`,
  the same rule that decides whether the dashboards suppress their counts) sees only the
  **disclosure-controlled edition** (metadata ``disclosure.controlled``; built by default,
  :func:`workbench.products.build.build_product`), and gets its HTML only after it passes the
  independent check again (:func:`workbench.privacy.outputs.check_html`): no count of 1–4,
  no hidden cell recoverable from a total (guidance 2.4.1.2). Analysts, DLOs and
  administrators may also read the analysts' edition (``--unsuppressed``).
- a viewer who may not see every partnership of the hub (guidance 2.2.4) sees only products
  whose metadata names the partnership(s) they cover (``partnership`` or ``partnerships``
  in the sidecar), all of them visible to the viewer: a product rendered from the whole hub
  may hold any partnership's figures.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from workbench.catalogue import classification as gsc
from workbench.errors import AccessDenied
from workbench.dashboard_data.access import Viewer

READABLE_MARKINGS = gsc.LEVELS
DOWNLOAD_SUFFIXES = (".html", ".pdf")


@dataclass(frozen=True)
class Product:
    """One rendered product: its files, title, kind and protective marking.

    Examples
    --------
    >>> from pathlib import Path
    >>> Product("sa.html", "Strategic assessment", "strategic-assessment", "OFFICIAL-SENSITIVE", False,
    ...         "2025-07-01 09:00", (Path("sa.html"),), controlled=5).to_dict()["files"]
    ['sa.html']
    """

    key: str
    title: str
    kind: str
    marking: str
    personal: bool
    created: str
    files: tuple
    partnerships: tuple = ()
    #: the small-count threshold of the disclosure-controlled edition; None: not controlled
    controlled: int | None = None

    def to_dict(self) -> dict:
        return {"key": self.key, "title": self.title, "kind": self.kind, "marking": self.marking,
                "personal": self.personal, "created": self.created,
                "files": [f.name for f in self.files], "partnerships": list(self.partnerships),
                "controlled": self.controlled}


def _controlled(meta: dict) -> int | None:
    d = meta.get("disclosure")
    if not isinstance(d, dict) or d.get("controlled") is not True:
        return None
    t = d.get("threshold")
    return t if isinstance(t, int) and not isinstance(t, bool) and t >= 5 else None


def _partnerships(meta: dict) -> tuple:
    value = meta.get("partnerships", meta.get("partnership"))
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)):
        return ()
    return tuple(sorted(str(v) for v in value if isinstance(v, str) and v))


def _metadata(html_path: Path) -> dict:
    for candidate in (html_path.with_suffix(".json"), html_path.parent / "product.json"):
        if candidate.exists():
            try:
                return json.loads(candidate.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return {}
    return {}


def _marking(html_path: Path, meta: dict) -> tuple[str | None, bool]:
    text = meta.get("marking")
    if isinstance(text, dict):
        found = gsc.normalise(text.get("label"))
        return (found[0], bool(text.get("personal")) or found[1]) if found else (None, False)
    if isinstance(text, str):
        return gsc.normalise(text) or (None, False)
    head = html_path.read_text(encoding="utf-8", errors="replace")[:200_000]
    found = gsc.find_in_text(head)
    if not found:
        return None, False
    return found[0][0], any(p for _, p in found)


def _title(html_path: Path, meta: dict) -> str:
    if meta.get("title"):
        return str(meta["title"])
    head = html_path.read_text(encoding="utf-8", errors="replace")[:20_000]
    m = re.search(r"<title>(.*?)</title>", head, re.S | re.I)
    return re.sub(r"\s+", " ", m.group(1)).strip() if m else html_path.stem


def products(directory: Path) -> list[Product]:
    """Every rendered product (an ``.html`` file) under ``directory``, newest first.

    Examples
    --------
    >>> d = _example_products()
    >>> [(p.key, p.marking, p.controlled) for p in products(d)]  # doctest: +NORMALIZE_WHITESPACE
    [('analysts.html', 'OFFICIAL-SENSITIVE', None), ('controlled.html', 'OFFICIAL-SENSITIVE', 5)]
    """
    directory = Path(directory)
    if not directory.exists():
        return []
    out = []
    for html_path in sorted(directory.rglob("*.html")):
        meta = _metadata(html_path)
        marking, personal = _marking(html_path, meta)
        files = tuple(p for p in (html_path, html_path.with_suffix(".pdf")) if p.exists())
        created = datetime.fromtimestamp(html_path.stat().st_mtime, timezone.utc)
        out.append(Product(str(html_path.relative_to(directory)), _title(html_path, meta),
                           str(meta.get("product") or meta.get("kind") or html_path.parent.name),
                           marking or "unmarked", personal, created.strftime("%Y-%m-%d %H:%M"),
                           files, _partnerships(meta), _controlled(meta)))
    return sorted(out, key=lambda p: p.created, reverse=True)


def may_read(viewer: Viewer, product: Product) -> bool:
    """Deny by default: only marked, non-personal products, of the viewer's partnerships
    when the viewer may not see every partnership, and only the disclosure-controlled
    edition for a viewer who may not see records (module docstring).

    Examples
    --------
    >>> viewer, analyst = _example_viewers()
    >>> [(p.key, may_read(viewer, p), may_read(analyst, p)) for p in products(_example_products())]
    [('analysts.html', False, True), ('controlled.html', True, True)]
    """
    if viewer.partnerships is not None and not (
            product.partnerships and set(product.partnerships) <= set(viewer.partnerships)):
        return False
    if not viewer.sees_records and product.controlled is None:
        return False
    return product.marking in READABLE_MARKINGS and not product.personal


def readable(directory: Path, viewer: Viewer) -> list[Product]:
    """The products ``viewer`` may read.

    Examples
    --------
    >>> viewer, analyst = _example_viewers()
    >>> [p.key for p in readable(_example_products(), viewer)]
    ['controlled.html']
    """
    return [p for p in products(directory) if may_read(viewer, p)]


def table(items: list[Product]) -> pd.DataFrame:
    """The library's listing: title, kind, marking, creation time and file types.

    Examples
    --------
    >>> list(table(products(_example_products()))["files"])
    ['html', 'html']
    """
    return pd.DataFrame([{"title": p.title, "kind": p.kind, "marking": p.marking,
                          "created (UTC)": p.created, "files": ", ".join(f.suffix[1:] for f in p.files)}
                         for p in items], columns=["title", "kind", "marking", "created (UTC)", "files"])


def open_file(directory: Path, viewer: Viewer, key: str, suffix: str) -> Path:
    """The file of product ``key`` with ``suffix`` if ``viewer`` may read it, else AccessDenied.

    For a viewer who may not see records the HTML is checked again
    (:func:`workbench.privacy.outputs.check_html`) before it is handed over.

    Examples
    --------
    >>> viewer, analyst = _example_viewers()
    >>> d = _example_products()
    >>> open_file(d, viewer, "controlled.html", ".html").name
    'controlled.html'
    >>> open_file(d, viewer, "analysts.html", ".html")
    Traceback (most recent call last):
    ...
    workbench.errors.AccessDenied: Product 'analysts' (OFFICIAL-SENSITIVE) is not readable on a dashboard by your role: ...
    """
    for p in products(directory):
        if p.key == key:
            if not may_read(viewer, p):
                raise AccessDenied(f"Product '{p.title}' ({p.marking}) is not readable on a dashboard"
                                   + ("" if viewer.sees_records or p.controlled else
                                      " by your role: only its disclosure-controlled edition is (ask "
                                      "the analyst to render it without --unsuppressed)") + ".")
            if not viewer.sees_records:
                from workbench.privacy.outputs import check_html

                html_file = next(f for f in p.files if f.suffix == ".html")
                problems = check_html(html_file.read_text(encoding="utf-8", errors="replace"), p.controlled)
                if problems:
                    raise AccessDenied(f"Product '{p.title}' failed the disclosure check and is withheld "
                                       f"({problems[0]}; guidance 2.4.1.2).")
            for f in p.files:
                if f.suffix == suffix and f.resolve().is_relative_to(Path(directory).resolve()):
                    return f
            raise AccessDenied(f"Product '{p.title}' has no {suffix} file.")
    raise AccessDenied(f"No product '{key}'.")


def _example_products() -> Path:
    """A products folder for this module's examples: a controlled edition (a 3 hidden, its
    complement too) and an analysts' edition (the 3 shown), both OFFICIAL-SENSITIVE."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="wb-library-"))
    rows = {"controlled": ("[c]", "[c]"), "analysts": ("3", "40")}
    for name, (a, b) in rows.items():
        (folder / f"{name}.html").write_text(
            f"<html><title>{name}</title><table class='data'><thead><tr><th data-key='1'>ward</th>"
            f"<th>crimes</th></tr></thead><tbody><tr><td>A</td><td>{a}</td></tr><tr><td>B</td><td>{b}</td>"
            f"</tr><tr><td>C</td><td>60</td></tr></tbody></table></html>", encoding="utf-8")
        (folder / f"{name}.json").write_text(json.dumps({
            "title": name, "marking": "OFFICIAL-SENSITIVE",
            "disclosure": {"controlled": name == "controlled", "threshold": 5}}), encoding="utf-8")
        os.utime(folder / f"{name}.html", (1_750_000_000, 1_750_000_000))   # same time: stable order
    return folder


def _example_viewers() -> tuple[Viewer, Viewer]:
    """A viewer (aggregates only) and an analyst (sees records), for the examples."""
    return Viewer("vic", "Council", "viewer"), Viewer("ana", "Council", "analyst", records=True)

