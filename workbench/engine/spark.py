"""A Spark session for the workbench, offline and quiet (``pyspark`` with the machine's Java 17).

``pyspark`` comes from the package registry with its own Spark jars; nothing else is downloaded.
``local[N]`` runs N executor threads on this machine; a cluster URL (``spark://host:7077``)
scales the same code out.

Examples
--------
>>> conf_for("local[2]")["spark.master"]
'local[2]'
"""

from __future__ import annotations

import os
import sys
import warnings

#: settings that keep a local session offline, quiet and small
DEFAULTS = {
    "spark.ui.enabled": "false",
    "spark.sql.shuffle.partitions": "8",
    "spark.sql.session.timeZone": "UTC",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.driver.host": "127.0.0.1",
    "spark.sql.ansi.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    # the grid comes back to the driver as pandas: the 1 GB default ran out at 1M synthetic records
    "spark.driver.memory": "4g",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    # shuffle and spill files hold row-level data: encrypted with a per-application key that
    # lives only in memory (AES-CTR; docs/scale.md on storage)
    "spark.io.encryption.enabled": "true",
}

_SESSIONS: dict[str, object] = {}


def conf_for(master: str) -> dict:
    """The session settings for ``master``: :data:`DEFAULTS`, and Python workers running this
    interpreter (``PYSPARK_PYTHON`` overrides: a cluster's workers name their own).

    Examples
    --------
    >>> conf = conf_for("spark://cluster:7077")
    >>> conf["spark.master"], conf["spark.ui.enabled"], conf["spark.io.encryption.enabled"]
    ('spark://cluster:7077', 'false', 'true')
    """
    python = os.environ.get("PYSPARK_PYTHON", sys.executable)
    return {"spark.master": master, "spark.app.name": "csp-workbench", "spark.pyspark.python": python,
            **DEFAULTS}


def session(master: str = "local[2]"):
    """A SparkSession on ``master`` (one per master per process).

    Examples
    --------
    >>> spark = session("local[1]")                        # Java starts once per process (about 8 s)
    >>> spark.conf.get("spark.sql.session.timeZone"), session("local[1]") is spark
    ('UTC', True)
    """
    if master in _SESSIONS:
        return _SESSIONS[master]
    from pyspark.sql import SparkSession

    # the JVM starts Python workers with PYSPARK_PYTHON: this interpreter (its packages)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    # pyspark 4.3 warns on every pandas conversion that pandas 3 is not fully supported; the
    # engines' equality tests (tests/test_engine_spark.py, test_publish_spark.py) are the check
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
    builder = SparkSession.builder
    for k, v in conf_for(master).items():
        builder = builder.config(k, v)
    s = builder.getOrCreate()
    s.sparkContext.setLogLevel("ERROR")
    _SESSIONS[master] = s
    return s
