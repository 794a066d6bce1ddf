"""Engines: the heavy aggregations defined once and run on DuckDB (default) or Apache Spark.

See :mod:`workbench.engine.aggregate` and ``docs/scale.md``.
"""
