"""A Spark session for the workbench, offline and quiet (``pyspark`` with the machine's Java 17).

``pyspark`` comes from the package registry with its own Spark jars; nothing else is downloaded.
``local[N]`` runs N executor threads on this machine; a cluster URL (``spark://host:7077``)
scales the same code out.

Parquet modular encryption (the store of :mod:`workbench.engine.store`): every session names
``PropertiesDrivenCryptoFactory`` and the workbench's KMS client (``workbench/engine/java/
KeyFileKms.java``, compiled by the machine's ``javac`` on first use into a cache folder named by
the source's checksum: :func:`kms_jar`). The tier keys are not session settings: each read or
write passes its tier's key as that operation's option
(:meth:`workbench.engine.store.ParquetStore.spark_options`), so one session reads both tiers
with their separate keys.

Examples
--------
>>> conf_for("local[2]", kms=False)["spark.master"]
'local[2]'
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import warnings
import zipfile
from pathlib import Path

from workbench.errors import BadInput

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

#: the KMS client class Spark's Parquet encryption calls (workbench/engine/java/KeyFileKms.java)
KMS_CLASS = "workbench.parquet.KeyFileKms"
CRYPTO_FACTORY = "org.apache.parquet.crypto.keytools.PropertiesDrivenCryptoFactory"
KMS_SOURCE = Path(__file__).with_name("java") / "KeyFileKms.java"

_SESSIONS: dict[str, object] = {}


def spark_jars() -> Path:
    """The folder of Spark's own jars (pyspark's ``jars``: parquet-hadoop, hadoop-client-api).

    Examples
    --------
    >>> any(p.name.startswith("parquet-hadoop") for p in spark_jars().iterdir())
    True
    """
    import importlib.util

    return Path(importlib.util.find_spec("pyspark").origin).parent / "jars"


def kms_jar(cache: Path | str | None = None, *, javac: str | None = None) -> Path:
    """The jar of the KMS client, compiled with the machine's ``javac`` on first use.

    The jar sits in ``cache`` (default ``$XDG_CACHE_HOME/csp-workbench`` or
    ``~/.cache/csp-workbench``) as ``kms-<sha256 of the source and Spark's jar names>.jar``: a
    changed source or Spark version compiles anew; nothing is downloaded. ``javac`` names the
    compiler (default: the one on ``PATH``); without one it refuses with
    :class:`~workbench.errors.BadInput`.

    Examples
    --------
    >>> kms_jar(tempfile.mkdtemp(), javac="/nonexistent/javac")
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: Spark's Parquet encryption needs the workbench's KMS client, compiled by a Java 17 compiler (javac); none found at /nonexistent/javac.
    """
    jars = spark_jars()
    digest = hashlib.sha256(KMS_SOURCE.read_bytes())
    digest.update("\n".join(sorted(p.name for p in jars.glob("*.jar"))).encode())
    folder = Path(cache or os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / (
        "" if cache else "csp-workbench")
    jar = folder / f"kms-{digest.hexdigest()[:16]}.jar"
    if jar.exists():
        return jar
    compiler = javac or shutil.which("javac")
    if not compiler or not Path(compiler).exists():
        raise BadInput("Spark's Parquet encryption needs the workbench's KMS client, compiled by a "
                       f"Java 17 compiler (javac); none found at {compiler or 'PATH'}.")
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="wb-kms-") as out:
        done = subprocess.run([compiler, "--release", "17", "-nowarn", "-cp", str(jars / "*"), "-d", out,
                               str(KMS_SOURCE)], capture_output=True, text=True)
        if done.returncode:
            raise BadInput(f"Compiling the KMS client failed: {done.stderr.strip()[-500:]}")
        tmp = folder / f".{jar.name}.{os.getpid()}"
        with zipfile.ZipFile(tmp, "w") as z:
            z.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n")
            for f in sorted(Path(out).rglob("*.class")):
                z.write(f, f.relative_to(out).as_posix())
        os.replace(tmp, jar)                              # atomic: a concurrent first use is safe
    return jar


def conf_for(master: str, *, kms: bool = True) -> dict:
    """The session settings for ``master``: :data:`DEFAULTS`, Python workers running this
    interpreter (``PYSPARK_PYTHON`` overrides: a cluster's workers name their own), and with
    ``kms`` Parquet encryption through the workbench's KMS client (:func:`kms_jar`, on the
    driver's and executors' class path; a cluster's workers need the jar at the same path).

    Examples
    --------
    >>> conf = conf_for("spark://cluster:7077")
    >>> conf["spark.master"], conf["spark.ui.enabled"], conf["spark.io.encryption.enabled"]
    ('spark://cluster:7077', 'false', 'true')
    >>> conf["spark.hadoop.parquet.encryption.kms.client.class"]
    'workbench.parquet.KeyFileKms'
    >>> conf["spark.hadoop.parquet.crypto.factory.class"].rsplit(".", 1)[1]
    'PropertiesDrivenCryptoFactory'
    >>> conf["spark.driver.extraClassPath"] == str(kms_jar())
    True
    """
    python = os.environ.get("PYSPARK_PYTHON", sys.executable)
    conf = {"spark.master": master, "spark.app.name": "csp-workbench", "spark.pyspark.python": python,
            **DEFAULTS}
    if kms:
        jar = str(kms_jar())
        conf.update({"spark.hadoop.parquet.crypto.factory.class": CRYPTO_FACTORY,
                     "spark.hadoop.parquet.encryption.kms.client.class": KMS_CLASS,
                     "spark.jars": jar, "spark.driver.extraClassPath": jar,
                     "spark.executor.extraClassPath": jar})
    return conf


def session(master: str = "local[2]", *, java: str | None = None):
    """A SparkSession on ``master`` (one per master per process).

    ``java`` names the Java runtime to check (default: ``java`` on ``PATH`` or ``JAVA_HOME``);
    without one the session is refused with :class:`~workbench.errors.BadInput` before Spark
    starts.

    Examples
    --------
    >>> spark = session("local[1]")                        # Java starts once per process (about 8 s)
    >>> spark.conf.get("spark.sql.session.timeZone"), session("local[1]") is spark
    ('UTC', True)

    Without Java the refusal is immediate:

    >>> session("local[2]", java="/nonexistent/java")
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: Spark needs a Java 17 runtime; none found at /nonexistent/java (install OpenJDK 17 or set JAVA_HOME).
    """
    runtime = java or (str(Path(os.environ["JAVA_HOME"]) / "bin" / "java") if os.environ.get("JAVA_HOME")
                       else shutil.which("java"))
    if not runtime or not Path(runtime).exists():
        raise BadInput(f"Spark needs a Java 17 runtime; none found at {runtime or 'PATH'} "
                       "(install OpenJDK 17 or set JAVA_HOME).")
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
