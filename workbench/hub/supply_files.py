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

#: bounds on one line (record) and one field of a supply, in bytes (issue 11: a single 200 MB
#: field was silently dropped by the CSV reader). Generous for crime and partner data, where
#: the longest free text is a few kilobytes; overridable with these environment variables.
MAX_LINE_ENV, DEFAULT_MAX_LINE = "WORKBENCH_MAX_LINE_BYTES", 4 * 1024 * 1024
MAX_FIELD_ENV, DEFAULT_MAX_FIELD = "WORKBENCH_MAX_FIELD_BYTES", 1024 * 1024
#: the CSV reader's buffer (``adapters.csvfiles.READ_BUFFER``) caps any line bound
_LINE_CAP = 64 * 1024 * 1024


def _bound(env: str, default: int) -> int:
    import os

    raw = os.environ.get(env)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= _LINE_CAP:
        raise BadInput(f"{env} must be a whole number of bytes from 1 to {_LINE_CAP:,}; found {raw!r}.")
    return value


def max_line_bytes() -> int:
    """The longest line (or quoted multi-line record) a supply may hold, in bytes.

    >>> max_line_bytes() == DEFAULT_MAX_LINE or max_line_bytes() > 0
    True
    """
    return _bound(MAX_LINE_ENV, DEFAULT_MAX_LINE)


def max_field_bytes() -> int:
    """The largest single field a supply may hold, in bytes (checked during validation).

    Examples
    --------
    >>> import os
    >>> saved = os.environ.pop(MAX_FIELD_ENV, None)
    >>> max_field_bytes()                                  # 1 MiB unless WORKBENCH_MAX_FIELD_BYTES says otherwise
    1048576
    >>> if saved is not None: os.environ[MAX_FIELD_ENV] = saved
    """
    return _bound(MAX_FIELD_ENV, DEFAULT_MAX_FIELD)


@dataclass
class FileScan:
    r"""What :func:`scan` found in one supply file: its hash and size, line ending, problems, and whether it is pure ASCII.

    Examples
    --------
    >>> _ = Path("crlf.csv").write_bytes(b"x,y\r\n1,2\r\n")
    >>> s = scan(Path("crlf.csv"))
    >>> s.to_dict()["line_ending"], s.size, s.ascii, s.lines, s.problems
    ('CRLF', 10, True, 2, [])
    """

    path: Path
    sha256: str
    size: int
    line_ending: str
    problems: list[Problem] = field(default_factory=list)
    #: no byte above 0x7F: staging may use the cheaper ASCII trim (``validate.trim_expr``)
    ascii: bool = False
    #: physical lines (newlines, plus a last line without one) and whether any '"' occurs:
    #: staging uses them to number records exactly when quoted fields span lines
    lines: int = 0
    quotes: bool = False

    def to_dict(self) -> dict:
        return {"name": self.path.name, "sha256": self.sha256, "bytes": self.size,
                "line_ending": self.line_ending}


def expand(paths) -> list[Path]:
    r"""Files named directly, plus the supply files inside named folders (sorted).

    Examples
    --------
    >>> Path("supply").mkdir()
    >>> for name in ("b.csv", "a.xlsx", "readme.md"):
    ...     _ = Path("supply", name).write_text("x\n")
    >>> [p.name for p in expand(["supply"])]             # supply files only, sorted
    ['a.xlsx', 'b.csv']
    >>> expand(["missing.csv"])
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: Supply file 'missing.csv' does not exist.
    """
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
    r"""Hash a file and check it is UTF-8 text, in one streaming pass.

    Problems found: an empty file; bytes that are not UTF-8 (named with their line, e.g. a
    cp1252 export); a NUL byte. Line endings (LF/CRLF) are recorded, both are accepted.

    Cheap by construction, since every supply passes here (``bench/ingest_bench.py``):
    the hash of one block runs in a helper thread (hashlib releases the GIL) while the
    next block is read and checked; a block of pure ASCII is valid UTF-8 by definition, so
    only blocks with a byte above 0x7F (or a character left open by the previous block) go
    through the decoder; line numbers are counted only when there is a problem to name.

    Examples
    --------
    >>> _ = Path("latin1.csv").write_bytes(b"name\n\xe9t\xe9\n")          # a cp1252 export
    >>> s = scan(Path("latin1.csv"))
    >>> print(s.problems[0])
    latin1.csv, line 2: expected UTF-8 text; found "bytes b'\\xe9t\\xe9\\n' (is the file cp1252/Latin-1? save it as UTF-8)"
    >>> s.ascii
    False
    """
    from concurrent.futures import ThreadPoolExecutor

    h = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    size = 0
    crlf = False
    ascii_only = True
    problems: list[Problem] = []
    lines = _Lines(path, max_line_bytes()) if check_text else None
    with open(path, "rb") as fh, ThreadPoolExecutor(max_workers=1) as hasher:
        pending = None
        cr_ended = False   # the previous block ended with '\r'
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
            # a one-byte search (memchr) first: searching for the pair costs more than the hash;
            # a CRLF may also be split across two blocks
            if not crlf and ((b"\r" in block and b"\r\n" in block) or (cr_ended and block.startswith(b"\n"))):
                crlf = True
            cr_ended = block.endswith(b"\r")
            if lines is not None:
                lines.feed(block, problems)
            size += len(block)
        if pending is not None:
            pending.result()
    if lines is not None:
        lines.end(problems)
    if check_text and not problems:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            problems.append(Problem(path.name, _line_at(path, size), None, "UTF-8 text",
                                    "a truncated multi-byte character at the end"))
    if size == 0:
        problems.append(Problem(path.name, 1, None, "a header row and records", "an empty file"))
    return FileScan(path, h.hexdigest(), size, "CRLF" if crlf else "LF", problems,
                    ascii=ascii_only, lines=lines.count if lines else 0,
                    quotes=lines.quotes if lines else False)


class _Lines:
    """Streaming checks on the physical lines of a supply, block by block, at C speed.

    * every line is at most ``bound`` bytes: probing one window of ``bound`` bytes per step
      for a newline costs about one ``find`` per ``bound`` bytes, so a 1 GiB single-field
      record is named (file, line, size) without the CSV reader ever holding it;
    * a carriage return is only accepted as part of CRLF: a bare CR (an old Mac line end, or
      a stray character) is named with its line instead of a misleading reader error;
    * newlines and '"' are counted for exact record line numbers (staging).
    """

    def __init__(self, path: Path, bound: int):
        self.path, self.bound = path, bound
        self.count = 0          # newlines so far
        self.carry = 0          # bytes of the current line before this block
        self.quotes = False
        self.cr_pending = False  # the previous block ended with '\r'
        self.long_from = None    # line number of an over-long line still being measured

    def _too_long(self, problems, line: int, length: int) -> None:
        problems.append(Problem(self.path.name, line, None,
                                f"lines of at most {self.bound:,} bytes (WORKBENCH_MAX_LINE_BYTES)",
                                f"a line of {length:,} bytes (is a field unterminated, or far "
                                f"larger than any real value?)"))

    def feed(self, b: bytes, problems: list) -> None:
        if not self.quotes and b'"' in b:
            self.quotes = True
        if not problems and (self.cr_pending or b"\r" in b):
            self._bare_cr(b, problems)
        self.cr_pending = b.endswith(b"\r")
        n = b.count(b"\n")
        first = b.find(b"\n") if n else -1
        if first == -1:
            self.carry += len(b)
            if self.long_from is None and self.carry > self.bound and not problems:
                self.long_from = self.count + 1
            return
        if not problems:
            length = self.carry + first
            if self.long_from is not None or length > self.bound:
                self._too_long(problems, self.long_from or self.count + 1, length)
            self.long_from = None
            last = b.rfind(b"\n")
            start, bound = first + 1, self.bound
            while not problems and start <= last:
                stop = min(start + bound + 1, last + 1)
                k = b.rfind(b"\n", start, stop)
                if k == -1:    # no newline within bound bytes of this line's start: too long
                    end = b.find(b"\n", stop - 1)
                    self._too_long(problems, self.count + 1 + b.count(b"\n", 0, start), end - start)
                    break
                start = k + 1
        self.count += n
        self.carry = len(b) - b.rfind(b"\n") - 1

    def _bare_cr(self, b: bytes, problems: list) -> None:
        if self.cr_pending and not b.startswith(b"\n"):
            self._cr(problems, self.count + 1)
            return
        if b"\r" not in b or b.count(b"\r") == b.count(b"\r\n") + (1 if b.endswith(b"\r") else 0):
            return
        i = b.find(b"\r")
        while i != -1 and (b[i + 1:i + 2] == b"\n" or i == len(b) - 1):
            i = b.find(b"\r", i + 1)
        if i != -1:
            self._cr(problems, self.count + 1 + b.count(b"\n", 0, i))

    def _cr(self, problems: list, line: int) -> None:
        problems.append(Problem(self.path.name, line, None, "lines ending in LF or CRLF",
                                "a bare carriage return (CR without LF): an old Mac line ending "
                                "or a stray character; save the file with LF or CRLF line endings "
                                "and remove stray CRs"))

    def end(self, problems: list) -> None:
        if self.cr_pending and not problems:
            self._cr(problems, self.count + 1)
        if self.carry:
            if not problems and (self.long_from is not None or self.carry > self.bound):
                self._too_long(problems, self.long_from or self.count + 1, self.carry)
            self.count += 1


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
    """SHA-256 of a file, read in 1 MiB blocks (exports and released copies record it).

    Examples
    --------
    >>> _ = Path("abc.txt").write_bytes(b"abc")
    >>> file_sha256(Path("abc.txt"))
    'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
    """
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def combined_hash(scans: list[FileScan]) -> str:
    r"""One hash for a supply of several files, whatever order they were given in.

    Examples
    --------
    >>> _ = Path("one.csv").write_text("x\n1\n"); _ = Path("two.csv").write_text("x\n2\n")
    >>> a, b = scan(Path("one.csv")), scan(Path("two.csv"))
    >>> combined_hash([a, b]) == combined_hash([b, a]) != combined_hash([a])
    True
    """
    h = hashlib.sha256()
    for s in sorted(scans, key=lambda s: s.sha256):
        h.update(s.sha256.encode())
    return h.hexdigest()


def load_metadata(metadata, dataset_id: str) -> dict:
    """Read 3.4 metadata from a dict or a YAML/JSON file; check the fields that can be checked.

    Examples
    --------
    >>> m = load_metadata({"agency": "Notts Police", "period_end": "2025-12-31", "record_count": "120"},
    ...                   "police_crime_offence")
    >>> m["period_end"], m["record_count"]
    (datetime.date(2025, 12, 31), 120)
    >>> load_metadata({"period_end": "31/12/2025"}, "police_crime_offence")
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: metadata: field 'period_end' expected a date YYYY-MM-DD, found '31/12/2025'.
    """
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
    """The guidance 3.4 metadata fields that ``meta`` leaves empty.

    Examples
    --------
    >>> missing_metadata({f: "x" for f in METADATA_FIELDS if f != "caveats"} | {"fields": []})
    ['fields', 'caveats']
    """
    return [f for f in METADATA_FIELDS if meta.get(f) in (None, "", [])]
