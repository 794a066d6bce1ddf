"""Product library: rendered assessments and profiles the user may read, with download.

Which products are listed is decided by :mod:`workbench.dashboard_data.library` (protective marking,
deny by default); every download is recorded in the audit chain.
"""

from __future__ import annotations

import html
import io

import panel as pn
import param

from dashboards.base import DashboardApp, html_pane, tabulator
from workbench.dashboard_data import library


class ProductLibrary(DashboardApp):
    """The products in ``data/restricted/products`` that the user may read.

    Examples
    --------
    A viewer is offered only the disclosure-controlled edition; a download is audited.

    >>> import shutil
    >>> from workbench.registry import open_registry
    >>> from workbench.dashboard_data.access import Viewer
    >>> from workbench.dashboard_data.library import _example_products
    >>> from workbench.dashboard_data.partners import _example_source
    >>> source = _example_source()
    >>> _ = shutil.copytree(_example_products(), source.products_dir)
    >>> lib = ProductLibrary(source=source, viewer=Viewer("vic", "Council", "viewer"))
    >>> list(lib.param.product.objects), lib.product
    (['controlled.html'], 'controlled.html')
    >>> lib._download(".html")().read()[:20]
    b'<html><title>control'
    >>> with open_registry(source.hub) as reg:
    ...     [(e.actor, e.target) for e in reg.audit_entries() if e.action == "product.download"]
    [('vic', 'controlled.html')]
    >>> analyst = Viewer("ana", "Council", "analyst", records=True)
    >>> list(ProductLibrary(source=source, viewer=analyst).param.product.objects)
    ['analysts.html', 'controlled.html']
    """

    product = param.Selector(default=None, objects={}, doc="The product to download.")
    title = param.String(default="Product library")

    def __init__(self, **params):
        super().__init__(**params)
        self._items = library.readable(self.source.products_dir, self.viewer)
        self.param.product.objects = {f"{p.title} ({p.created})": p.key for p in self._items}
        if self._items:
            self.product = self._items[0].key

    def _download(self, suffix: str):
        def fetch():
            from workbench.registry import open_registry

            path = library.open_file(self.source.products_dir, self.viewer, self.product, suffix)
            with open_registry(self.source.hub) as reg:
                reg.audit(self.viewer.name, "product.download", self.product, {"file": path.name})
            return io.BytesIO(path.read_bytes())
        return fetch

    @param.depends("product")
    def _downloads(self):
        if not self.product:
            return html_pane("<p class='wb-note'>No products you may read yet. Analysts "
                                "create them with <code>workbench product …</code>.</p>")
        item = next(p for p in self._items if p.key == self.product)
        buttons = []
        for f in item.files:
            buttons.append(pn.widgets.FileDownload(
                callback=self._download(f.suffix), filename=f.name,
                label=f"Download {f.suffix[1:].upper()}", width=200))
        return pn.Column(
            html_pane(f"<p><b>{html.escape(item.title)}</b> — marked "
                         f"<b>{html.escape(item.marking)}</b>. Handle and store it as marked.</p>"),
            pn.Row(*buttons))

    def __panel__(self):
        return pn.Column(
            pn.pane.Markdown("## Product library"),
            tabulator(library.table(self._items),
                                 height=300, sizing_mode="stretch_width"),
            pn.widgets.Select.from_param(self.param.product, width=520),
            self._downloads, sizing_mode="stretch_width")
