"""Reading supply files before they touch the hub: hashing, encoding, line endings, metadata.

A supply's identity is the SHA-256 of its file(s) (guidance Box 2 keeps supplies as
received; idempotence comes from the supply, never from de-duplicating rows). Metadata is
the list of guidance 3.4, read from a YAML/JSON sidecar or given as a dict; missing fields
are flagged, never invented.
"""

from __future__ import annotations

import codecs
import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from workbench.errors import BadInput, Problem

#: guidance 3.4 metadata fields (DATASETS.md "Metadata for every supply")
METADATA_FIELDS = (
    "agency", "supplier_name", "supplier_contact", "dataset", "period_start", "period_end",
    "file_format", "record_count", "date_supplied", "fields", "field_notes", "caveats",
    "coding_systems", "geocoding_method",
)

SUPPLY_SUFFIXES = (".csv", ".xlsx", ".txt")


@dataclass
class FileScan:
    path: Path
    sha256: str
    size: int
    line_ending: str
    problems: list[Problem] = field(default_factory=list)
    #: no byte above 0x7F: staging may use the cheaper ASCII trim (``validate.trim_expr``)
    ascii: bool = False

    def to_dict(self) -> dict:
        return {"name": self.path.name, "sha256": self.sha256, "bytes": self.size,
                "line_ending": self.line_ending}


def expand(paths) -> list[Path]:
    """Files named directly, plus the supply files inside named folders (sorted)."""
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            # links inside a supply folder are not followed (a link to a key file must not be read)
            out += sorted(f for f in p.iterdir()
                          if f.suffix.lower() in SUPPLY_SUFFIXES and not f.is_symlink() and f.is_file())
        elif p.exists():
            out.append(p)
        else:
            raise BadInput(f"Supply file '{p}' does not exist.")
    if not out:
        raise BadInput("No supply files given (folders are searched for .csv/.xlsx files).")
    return out


def scan(path: Path, *, check_text: bool = True, chunk: int = 1 << 23) -> FileScan:
    """Hash a file and check it is UTF-8 text, in one streaming pass.

    Problems found: an empty file; bytes that are not UTF-8 (named with their line, e.g. a
    cp1252 export); a NUL byte. Line endings (LF/CRLF) are recorded, both are accepted.

    Cheap by construction, since every supply passes here (``bench/ingest_bench.py``):
    the hash of one block runs in a helper thread (hashlib releases the GIL) while the
    next block is read and checked; a block of pure ASCII is valid UTF-8 by definition, so
    only blocks with a byte above 0x7F (or a character left open by the previous block) go
    through the decoder; line numbers are counted only when there is a problem to name.
    """
    from concurrent.futures import ThreadPoolExecutor

    h = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    size = 0
    crlf = False
    ascii_only = True
    problems: list[Problem] = []
    with open(path, "rb") as fh, ThreadPoolExecutor(max_workers=1) as hasher:
        pending = None
        while True:
            block = fh.read(chunk)
            if not block:
                break
            if pending is not None:
                pending.result()
            pending = hasher.submit(h.update, block)
            is_ascii = block.isascii()
            ascii_only = ascii_only and is_ascii
            if check_text and not problems and (not is_ascii or decoder.getstate()[0]):
                try:
                    decoder.decode(block)
                except UnicodeDecodeError as exc:
                    bad = block[exc.start: exc.start + 4]
                    problems.append(Problem(path.name, _line_at(path, size + exc.start), None,
                                            "UTF-8 text", f"bytes {bad!r} (is the file "
                                            f"cp1252/Latin-1? save it as UTF-8)"))
            if check_text and not problems and b"\x00" in block:
                problems.append(Problem(path.name, _line_at(path, size + block.index(b"\x00")), None,
                                        "text", "a NUL byte (binary data)"))
            # a one-byte search (memchr) first: searching for the pair costs more than the hash
            if not crlf and b"\r" in block and b"\r\n" in block:
                crlf = True
            size += len(block)
        if pending is not None:
            pending.result()
    if check_text and not problems:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            problems.append(Problem(path.name, _line_at(path, size), None, "UTF-8 text",
                                    "a truncated multi-byte character at the end"))
    if size == 0:
        problems.append(Problem(path.name, 1, None, "a header row and records", "an empty file"))
    return FileScan(path, h.hexdigest(), size, "CRLF" if crlf else "LF", problems,
                    ascii=ascii_only)


def _line_at(path: Path, offset: int) -> int:
    """The 1-based line holding byte ``offset`` of ``path`` (only when naming a problem)."""
    lines = 1
    with open(path, "rb") as fh:
        while offset > 0:
            block = fh.read(min(offset, 1 << 23))
            if not block:
                break
            lines += block.count(b"\n")
            offset -= len(block)
    return lines


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in 1 MiB blocks (exports and released copies record it)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def combined_hash(scans: list[FileScan]) -> str:
    h = hashlib.sha256()
    for s in sorted(scans, key=lambda s: s.sha256):
        h.update(s.sha256.encode())
    return h.hexdigest()


def load_metadata(metadata, dataset_id: str) -> dict:
    """Read 3.4 metadata from a dict or a YAML/JSON file; check the fields that can be checked."""
    if metadata is None:
        return {}
    if isinstance(metadata, (str, Path)):
        path = Path(metadata)
        if not path.is_file():
            raise BadInput(f"Metadata file '{path}' does not exist or is not a file; give the "
                           f"YAML/JSON file of guidance 3.4 metadata.")
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise BadInput(f"Metadata file '{path}' cannot be read as UTF-8 text "
                           f"({type(exc).__name__}); save it as UTF-8 YAML or JSON.") from None
        try:
            if path.suffix.lower() == ".json":
                data = json.loads(text)
            else:
                import yaml

                data = yaml.safe_load(text)
        except Exception as exc:
            raise BadInput(f"Metadata file '{path}' is not valid YAML/JSON: {exc}") from None
        if not isinstance(data, dict):
            raise BadInput(f"Metadata file '{path}': expected a mapping of 3.4 fields, found "
                           f"{type(data).__name__}.")
        src = str(path)
    else:
        data, src = dict(metadata), "metadata"
    unknown = sorted(set(data) - set(METADATA_FIELDS), key=str)
    if unknown:
        # names only, shortened: a wrong file given as metadata is not echoed into logs
        shown = [str(u)[:30] for u in unknown[:5]] + (["…"] if len(unknown) > 5 else [])
        raise BadInput(f"{src}: unknown metadata field(s) {shown}; guidance 3.4 fields are "
                       f"{', '.join(METADATA_FIELDS)}.")
    if data.get("dataset") not in (None, dataset_id):
        raise BadInput(f"{src}: field 'dataset' expected '{dataset_id}', found '{data['dataset']}'.")
    for k in ("period_start", "period_end", "date_supplied"):
        v = data.get(k)
        if v is not None and not isinstance(v, date):
            try:
                data[k] = date.fromisoformat(str(v))
            except ValueError:
                raise BadInput(f"{src}: field '{k}' expected a date YYYY-MM-DD, found '{v}'.") from None
    if data.get("record_count") is not None:
        try:
            data["record_count"] = int(data["record_count"])
        except (TypeError, ValueError):
            raise BadInput(f"{src}: field 'record_count' expected a whole number, found "
                           f"'{data['record_count']}'.") from None
    return data


def missing_metadata(meta: dict) -> list[str]:
    return [f for f in METADATA_FIELDS if meta.get(f) in (None, "", [])]
