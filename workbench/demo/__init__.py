"""The demo area: Nottingham and Nottinghamshire, from committed open data plus a seeded
synthetic generator for every other dataset (``docs/demo.md`` lists the planted effects).

>>> from workbench.demo import build_demo   # doctest: +SKIP
"""


def build_demo(hub_path, **options):
    """Build or reuse the demo hub; see :func:`workbench.demo.build.build_demo`.

    Examples
    --------
    >>> build_demo("examples/demo/hub.duckdb", start="2023-01-01", end="2024-06-30", scale=0.01,
    ...            quiet=True, registry=False).rows["police_crime_offence"]   # the smallest demo: about 9 s
    639
    """
    from workbench.demo.build import build_demo as _build

    return _build(hub_path, **options)


__all__ = ["build_demo"]
