"""The registry beside the hub: partnerships, agencies, users, audit chain, requests.

>>> from workbench.registry import open_registry   # doctest: +SKIP
>>> reg = open_registry("data/restricted/hub.duckdb")   # doctest: +SKIP
"""

from workbench.registry.partnerships import Agency, Partnership
from workbench.registry.registry import Registry, open_registry
from workbench.registry.users import User

__all__ = ["Agency", "Partnership", "Registry", "User", "open_registry"]
