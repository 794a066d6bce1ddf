"""Encrypted, partitioned Parquet storage for the distributed mode (issue 17).

A hub that outgrows one DuckDB file keeps each tier as Parquet datasets a cluster can read in
parallel: ``<root>/<tier>/<dataset>/month=…/partnership=…/part-0.parquet`` (hive layout). The
files are encrypted at rest with **Parquet modular encryption** (AES-GCM; pyarrow's
``pyarrow.parquet.encryption``): every file has its own random data keys, wrapped by a key
management client whose master keys are derived from the tier's key — the hub's key file
(``hub.duckdb.key``) for the master tier, the shared tier's (``shared.duckdb.key``) for the
shared tier — and never written beside the data. Without the key a file's footer and columns
cannot be read, not even its schema.

The tiers are separate locations with separate keys (guidance 4.2.4: depersonalised data is
still managed securely, apart from the master). Writes are atomic: a dataset is written to a new
version folder, read back and verified (rows and a digest of the sorted rows), and only then does
the dataset's name (a symbolic link) switch to it by an atomic rename; the previous version is
removed after the switch. A failed write or verification leaves the previous version in place.

Master keys: HKDF-SHA256 of the tier key with the key identifier (``footer``, ``columns``) as
info, so one key file yields the two master keys Parquet's double wrapping needs; data keys are
wrapped with AES-GCM under them (:class:`KeyFileKms`).

Spark reads and writes the same files (:meth:`ParquetStore.write_spark`,
:meth:`ParquetStore.read_spark`): its Parquet encryption (parquet-mr's
``PropertiesDrivenCryptoFactory``) calls the Java twin of :class:`KeyFileKms`
(``workbench/engine/java/KeyFileKms.java``, :func:`workbench.engine.spark.kms_jar`), which derives
the same master keys and wraps the same way; both sides write parquet-mr's key material format
(double wrapping), so a file written by either opens with the other. The tier's key reaches the
Java client as the operation's ``parquet.encryption.key.access.token`` option, never a file.

Not built here: the supplies log and audit records for writes made through this store (the
DuckDB tiers keep both).

Examples
--------
>>> import pyarrow as pa, tempfile
>>> store = ParquetStore(tempfile.mkdtemp(), "shared", "0123456789abcdef" * 4)
>>> t = pa.table({"month": ["2024-01", "2024-02"], "partnership": ["nott", "nott"], "n": [3, 4]})
>>> store.write("police_uk_street", t).rows
2
>>> store.read("police_uk_street").num_rows
2
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from workbench.errors import BadInput

TIERS = ("master", "shared")
PARTITIONS = ("month", "partnership")
MASTER_KEY_IDS = ("footer", "columns")
_LINK_TMP = ".switch-"


def master_key(tier_key: str, key_id: str) -> bytes:
    """The 256-bit master key ``key_id`` derived from a tier's key (HKDF-SHA256).

    Examples
    --------
    >>> len(master_key("0123456789abcdef" * 4, "footer"))
    32
    >>> master_key("k" * 64, "footer") != master_key("k" * 64, "columns")
    True
    """
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    if key_id not in MASTER_KEY_IDS:
        raise BadInput(f"Unknown master key identifier {key_id!r} (expected one of {MASTER_KEY_IDS}).")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"csp-workbench parquet store",
                info=key_id.encode()).derive(tier_key.encode())


def _kms_class():
    import pyarrow.parquet.encryption as pe

    class KeyFileKms(pe.KmsClient):
        """Wraps Parquet data keys with AES-GCM under master keys derived from a tier's key."""

        def __init__(self, tier_key: str):
            super().__init__()
            self._keys = {k: master_key(tier_key, k) for k in MASTER_KEY_IDS}

        def wrap_key(self, key_bytes, master_key_identifier):
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM

            nonce = os.urandom(12)
            sealed = AESGCM(self._keys[master_key_identifier]).encrypt(
                nonce, bytes(key_bytes), master_key_identifier.encode())
            return base64.b64encode(nonce + sealed).decode()

        def unwrap_key(self, wrapped_key, master_key_identifier):
            from cryptography.exceptions import InvalidTag
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM

            raw = base64.b64decode(wrapped_key)
            try:
                return AESGCM(self._keys[master_key_identifier]).decrypt(
                    raw[:12], raw[12:], master_key_identifier.encode())
            except InvalidTag:
                raise BadInput("Wrong key for this Parquet store: a data key did not unwrap "
                               "(check the tier's key file).") from None

    return KeyFileKms


@dataclass
class WriteResult:
    """What :meth:`ParquetStore.write` wrote: where, how many rows, and their digest.

    Examples
    --------
    >>> import pyarrow as pa
    >>> store = ParquetStore("examples/store", "shared", "0123456789abcdef" * 4)
    >>> r = store.write("police_uk_street", pa.table({"month": ["2024-01", "2024-02"],
    ...                                              "partnership": ["nott", "nott"], "n": [3, 4]}))
    >>> r.tier, r.rows, r.files, len(r.digest)             # one file per month partition
    ('shared', 2, 2, 64)
    """

    dataset: str
    tier: str
    path: str
    rows: int
    digest: str
    files: int


def table_digest(table) -> str:
    """SHA-256 of a table's rows sorted as text (equal tables, equal digests, any row order).

    Examples
    --------
    >>> import pyarrow as pa
    >>> table_digest(pa.table({"a": [1, 2]})) == table_digest(pa.table({"a": [2, 1]}))
    True
    """
    rows = sorted(map(str, zip(*[table.column(c).to_pylist() for c in sorted(table.column_names)])))
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()


class ParquetStore:
    """One tier of the encrypted Parquet store (module docstring).

    Parameters
    ----------
    root : the store's folder; the tier lives in ``root/<tier>``.
    tier : ``'master'`` or ``'shared'``.
    key : the tier's key (:func:`workbench.hub.connect.read_key` of the hub or of its shared
        tier); kept in memory only.

    Examples
    --------
    >>> import pyarrow as pa, pyarrow.parquet as pq
    >>> store = ParquetStore("examples/store", "master", "0123456789abcdef" * 4)
    >>> _ = store.write("police_crime_offence", pa.table({"month": ["2024-01"], "partnership": ["nott"],
    ...                                                   "crime_ref": ["C1"]}))
    >>> store.datasets(), store.read("police_crime_offence").column("crime_ref").to_pylist()
    (['police_crime_offence'], ['C1'])
    >>> files = sorted(store.path.joinpath("police_crime_offence").resolve().rglob("*.parquet"))
    >>> pq.read_table(files[0])                            # no key, no data  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    OSError: ...
    >>> ParquetStore("examples/store", "shared", "short")
    Traceback (most recent call last):
    workbench.errors.BadInput: The store's key must be the tier's key (at least 32 characters); found a short or empty key.
    """

    def __init__(self, root: Path | str, tier: str, key: str):
        if tier not in TIERS:
            raise BadInput(f"`tier` must be one of {', '.join(TIERS)}; found {tier!r}.")
        if not key or len(key) < 32:
            raise BadInput("The store's key must be the tier's key (at least 32 characters); "
                           "found a short or empty key.")
        self.tier = tier
        self.path = Path(root) / tier
        self.path.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._key = key

    def _crypto(self):
        import pyarrow.parquet.encryption as pe

        kms = _kms_class()
        factory = pe.CryptoFactory(lambda _config, key=self._key: kms(key))
        return factory, pe.KmsConnectionConfig()

    def _format(self, *, write: bool):
        import pyarrow.dataset as pads
        import pyarrow.parquet.encryption as pe

        factory, kms = self._crypto()
        if write:
            enc = pe.EncryptionConfiguration(footer_key="footer", uniform_encryption=False,
                                             column_keys={"columns": []}, plaintext_footer=False)
            return enc, factory, kms
        dec = pads.ParquetDecryptionConfig(factory, kms, pe.DecryptionConfiguration())
        return pads.ParquetFileFormat(default_fragment_scan_options=pads.ParquetFragmentScanOptions(
            decryption_config=dec))

    def write(self, dataset: str, table, *, partition_by=PARTITIONS) -> WriteResult:
        """Write ``table`` as the new version of ``dataset``, verify it, then switch atomically."""
        import pyarrow.dataset as pads

        _check_name(dataset)
        missing = [c for c in partition_by if c not in table.column_names]
        if missing:
            raise BadInput(f"Cannot partition {dataset} by {', '.join(missing)}: no such column "
                           f"(columns: {', '.join(table.column_names)}).")
        enc, factory, kms = self._format(write=True)
        # every column but the partition keys (which are folder names) is encrypted
        enc.column_keys = {"columns": [c for c in table.column_names if c not in partition_by]}
        fmt = pads.ParquetFileFormat()
        options = fmt.make_write_options(encryption_config=pads.ParquetEncryptionConfig(factory, kms, enc))
        version = self.path / f"{dataset}.v{time.time_ns()}"
        try:
            pads.write_dataset(table, version, format=fmt, file_options=options,
                               partitioning=list(partition_by), partitioning_flavor="hive",
                               existing_data_behavior="error")
            back = self._read_dir(version, partition_by)
            expected = table.select(back.column_names) if set(back.column_names) == set(table.column_names) else None
            if expected is None or back.num_rows != table.num_rows or table_digest(back) != table_digest(expected):
                raise BadInput(f"The new version of {dataset} did not read back equal to what was "
                               "written; the previous version was kept.")
            digest = table_digest(back)
            files = sum(1 for _ in version.rglob("*.parquet"))
            self._switch(dataset, version)
        except BaseException:
            shutil.rmtree(version, ignore_errors=True)
            raise
        return WriteResult(dataset, self.tier, str(version), back.num_rows, digest, files)

    def _switch(self, dataset: str, version: Path) -> None:
        link = self.path / dataset
        previous = link.resolve() if link.is_symlink() else None
        if link.exists() and not link.is_symlink():
            raise BadInput(f"{link} is not a store version link; refusing to replace it.")
        tmp = self.path / f"{_LINK_TMP}{dataset}-{os.getpid()}"
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(version.name)
        os.replace(tmp, link)                       # the atomic switch
        if previous is not None and previous != version.resolve():
            shutil.rmtree(previous, ignore_errors=True)

    def _read_dir(self, path: Path, partition_by=PARTITIONS):
        import pyarrow as pa
        import pyarrow.dataset as pads

        part = pads.partitioning(pa.schema([(c, pa.string()) for c in partition_by]), flavor="hive")
        return pads.dataset(str(path), format=self._format(write=False), partitioning=part).to_table()

    def read(self, dataset: str, *, partition_by=PARTITIONS):
        """The current version of ``dataset`` as an Arrow table (partition keys as text)."""
        _check_name(dataset)
        link = self.path / dataset
        if not link.exists():
            raise BadInput(f"No dataset {dataset!r} in the {self.tier} tier of the store at {self.path}.")
        return self._read_dir(link.resolve(), partition_by)

    def spark_options(self, columns=None) -> dict:
        """The Spark read/write options that open this tier: its key as the KMS access token,
        and with ``columns`` (a write) the footer key and the column key over ``columns``.

        Examples
        --------
        >>> import tempfile
        >>> opts = ParquetStore(tempfile.mkdtemp(), "shared", "0123456789abcdef" * 4).spark_options(["n"])
        >>> opts["parquet.encryption.column.keys"], opts["parquet.encryption.footer.key"]
        ('columns:n', 'footer')
        """
        opts = {"parquet.encryption.key.access.token": self._key,
                "parquet.encryption.kms.instance.id": f"workbench-{self.tier}",
                # partition values are folder names: read them as text, as pyarrow does here
                "spark.sql.sources.partitionColumnTypeInference.enabled": "false"}
        if columns is not None:
            opts.update({"parquet.encryption.footer.key": "footer",
                         "parquet.encryption.column.keys": "columns:" + ",".join(columns),
                         "parquet.encryption.plaintext.footer": "false"})
        return opts

    def write_spark(self, dataset: str, df, *, partition_by=None) -> WriteResult:
        """Write the Spark DataFrame ``df`` as the new version of ``dataset`` (encrypted by the
        Java KMS client), verify it, then switch atomically as :meth:`write` does
        (:meth:`stage_spark` then :meth:`switch`).

        Examples
        --------
        Needs a Spark session (``tests/test_engine_store.py`` runs it):

        >>> store.write_spark("police_uk_street", df)     # doctest: +SKIP
        """
        staged = self.stage_spark(dataset, df, partition_by=partition_by)
        self.switch(staged)
        return staged

    def stage_spark(self, dataset: str, df, *, partition_by=None) -> WriteResult:
        """Write and verify a new version of ``dataset`` from the Spark DataFrame ``df`` without
        switching to it (rows, and an order-free digest of the rows computed by Spark on both
        sides). ``partition_by`` defaults to those of :data:`PARTITIONS` that ``df`` has.

        ``WriteResult.digest`` is Spark's digest (``count:sum of xxhash64`` over the rows as
        text), not :func:`table_digest`: the rows never come to the driver.

        Examples
        --------
        >>> staged = store.stage_spark("police_uk_street", df)     # doctest: +SKIP
        >>> store.switch(staged)     # doctest: +SKIP
        """
        _check_name(dataset)
        if partition_by is None:
            partition_by = tuple(c for c in PARTITIONS if c in df.columns)
        missing = [c for c in partition_by if c not in df.columns]
        if missing:
            raise BadInput(f"Cannot partition {dataset} by {', '.join(missing)}: no such column "
                           f"(columns: {', '.join(df.columns)}).")
        from pyspark.sql import Observation

        columns = [c for c in df.columns if c not in partition_by]
        version = self.path / f"{dataset}.v{time.time_ns()}"
        try:
            # the rows' digest is taken as they go to the writer, in the write's own job (one
            # pass over ``df`` rather than two); the files are then read back and digested
            written = Observation(f"wb_digest_{version.name.replace('.', '_')}")
            (df.observe(written, *_digest_columns(df)).write.options(**self.spark_options(columns))
             .partitionBy(*partition_by).parquet(str(version)))
            seen = written.get
            rows, digest = int(seen["n"]), int(seen["h"] or 0)
            back = self._spark_dir(df.sparkSession, version)
            if (rows, digest) != _spark_digest(back.select(*df.columns)):
                raise BadInput(f"The new version of {dataset} did not read back equal to what was "
                               "written; the previous version was kept.")
            files = sum(1 for _ in version.rglob("*.parquet"))
        except BaseException:
            shutil.rmtree(version, ignore_errors=True)
            raise
        return WriteResult(dataset, self.tier, str(version), rows, f"{rows}:{digest}", files)

    def switch(self, staged: WriteResult) -> None:
        """Make a staged version (:meth:`stage_spark`) the dataset's current one, atomically.

        Examples
        --------
        >>> store.switch(store.stage_spark("police_uk_street", df))     # doctest: +SKIP
        """
        self._switch(staged.dataset, Path(staged.path))

    def discard(self, staged: WriteResult) -> None:
        """Remove a staged version that was not switched to (a failed publish).

        Examples
        --------
        >>> store.discard(store.stage_spark("police_uk_street", df))     # doctest: +SKIP
        """
        link = self.path / staged.dataset
        if not (link.is_symlink() and link.resolve() == Path(staged.path).resolve()):
            shutil.rmtree(staged.path, ignore_errors=True)

    def _spark_dir(self, spark, path: Path):
        return spark.read.options(**self.spark_options()).parquet(str(path))

    def read_spark(self, spark, dataset: str):
        """The current version of ``dataset`` as a Spark DataFrame (partition keys as text).

        Examples
        --------
        >>> store.read_spark(spark, "police_uk_street").count()     # doctest: +SKIP
        600
        """
        _check_name(dataset)
        link = self.path / dataset
        if not link.exists():
            raise BadInput(f"No dataset {dataset!r} in the {self.tier} tier of the store at {self.path}.")
        return self._spark_dir(spark, link.resolve())

    def datasets(self) -> list[str]:
        """The datasets with a current version."""
        return sorted(p.name for p in self.path.iterdir() if p.is_symlink() and not p.name.startswith(_LINK_TMP))


def _spark_digest(df) -> tuple[int, int]:
    """Rows and an order-free digest of a Spark DataFrame: the sum of ``xxhash64`` of each row's
    columns as text (columns in name order), computed by Spark.

    Examples
    --------
    >>> _spark_digest(spark.range(3))     # doctest: +SKIP
    (3, ...)
    """
    row = df.agg(*_digest_columns(df)).collect()[0]
    return int(row["n"]), int(row["h"] or 0)


def _digest_columns(df) -> tuple:
    """The aggregates of :func:`_spark_digest`: ``n`` (rows) and ``h`` (the sum of the rows'
    ``xxhash64``), for ``df.agg`` or ``df.observe``."""
    from pyspark.sql import functions as F

    cols = [F.coalesce(F.col(c).cast("string"), F.lit("\u0000null")) for c in sorted(df.columns)]
    return F.count(F.lit(1)).alias("n"), F.sum(F.xxhash64(*cols).cast("decimal(38,0)")).alias("h")


def _check_name(dataset: str) -> None:
    if not dataset.replace("_", "").isalnum() or dataset.startswith("."):
        raise BadInput(f"A dataset name is letters, digits and underscores; found {dataset!r}.")
