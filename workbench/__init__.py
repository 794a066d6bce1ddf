"""CSP analyst workbench: information hub, privacy tiers, analysis, NIM products, portal."""

__version__ = "0.1.0"
