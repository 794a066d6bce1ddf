"""``supply_files.scan``: the hash, the UTF-8 check and the line named, whatever the block size.

The scan reads a supply in blocks, hashes in a helper thread, skips the decoder for pure
ASCII blocks and counts lines only to name a problem (issue 2 §7). Block boundaries are
where such shortcuts go wrong, so hypothesis cuts the same text at many block sizes.
"""

from __future__ import annotations

import hashlib

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from workbench.hub.supply_files import scan

SETTINGS = settings(max_examples=120, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])

TEXT = st.text(alphabet=st.one_of(st.sampled_from("ab,\n\r \"1"), st.characters(min_codepoint=0x80,
                                                                               max_codepoint=0x10FFFF,
                                                                               blacklist_categories=("Cs",))),
               min_size=1, max_size=200)


@SETTINGS
@given(text=TEXT, chunk=st.integers(1, 64))
def test_valid_utf8_passes_at_every_block_size(tmp_path, text, chunk):
    data = _crlf(text.encode("utf-8"))
    path = tmp_path / "supply.csv"
    path.write_bytes(data)
    result = scan(path, chunk=chunk)
    assert result.problems == []
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.size == len(data)
    assert result.ascii == data.isascii()
    assert result.line_ending == ("CRLF" if b"\r\n" in data else "LF")


@SETTINGS
@given(text=TEXT, cut=st.integers(0, 10_000), bad=st.sampled_from([b"\xe9", b"\x92", b"\xff", b"\x00"]),
       chunk=st.integers(1, 64))
def test_a_bad_byte_is_named_with_its_line(tmp_path, text, cut, bad, chunk):
    data = text.encode("utf-8")
    # cut only between characters, so the inserted byte is the first problem
    pos = len(text[: cut % (len(text) + 1)].encode("utf-8"))
    data = _crlf(data[:pos]) + _crlf(data[pos:])   # every CR is part of a CRLF (a bare CR is a problem)
    pos = len(_crlf(text[: cut % (len(text) + 1)].encode("utf-8")))
    blob = data[:pos] + bad + data[pos:]
    path = tmp_path / "supply.csv"
    path.write_bytes(blob)
    problems = scan(path, chunk=chunk).problems
    assert problems, f"{bad!r} at byte {pos} not found"
    assert problems[0].line == blob[:pos].count(b"\n") + 1
    assert problems[0].expected == ("text" if bad == b"\x00" else "UTF-8 text")


def _crlf(data: bytes) -> bytes:
    """Every CR made part of a CRLF: a bare CR is refused (issue 11), tested below."""
    return data.replace(b"\r\n", b"\n").replace(b"\r", b"\r\n")


@SETTINGS
@given(text=TEXT, cut=st.integers(0, 10_000), chunk=st.integers(1, 64))
def test_a_bare_cr_is_named_with_its_line_at_every_block_size(tmp_path, text, cut, chunk):
    data = _crlf(text.encode("utf-8"))
    pos = len(_crlf(text[: cut % (len(text) + 1)].encode("utf-8")))
    blob = data[:pos] + b"\r" + b"x" + data[pos:]
    path = tmp_path / "supply.csv"
    path.write_bytes(blob)
    problems = scan(path, chunk=chunk).problems
    assert [(p.line, p.expected) for p in problems] == [(blob[:pos].count(b"\n") + 1,
                                                         "lines ending in LF or CRLF")]


@SETTINGS
@given(lengths=st.lists(st.integers(0, 40), min_size=1, max_size=30), bound=st.integers(1, 30),
       chunk=st.integers(1, 64), last_newline=st.booleans())
def test_the_first_line_over_the_bound_is_named_at_every_block_size(tmp_path, lengths, bound, chunk,
                                                                     last_newline, monkeypatch):
    monkeypatch.setenv("WORKBENCH_MAX_LINE_BYTES", str(bound))
    data = b"\n".join(b"a" * n for n in lengths) + (b"\n" if last_newline else b"")
    assume(data)
    path = tmp_path / "supply.csv"
    path.write_bytes(data)
    result = scan(path, chunk=chunk)
    over = [(i + 1, n) for i, n in enumerate(lengths) if n > bound]
    expected = [(over[0][0], f"a line of {over[0][1]:,} bytes")] if over else []
    assert [(p.line, p.found.split(" (")[0]) for p in result.problems] == expected
    assert result.lines == data.count(b"\n") + (0 if data.endswith(b"\n") else 1)


def test_a_character_cut_off_at_the_end_is_named(tmp_path):
    path = tmp_path / "supply.csv"
    path.write_bytes("a,b\nc,d\né".encode("utf-8")[:-1])
    problems = scan(path, chunk=2).problems
    assert [(p.line, p.found) for p in problems] == [(3, "a truncated multi-byte character at the end")]


def test_a_crlf_split_across_two_blocks_is_still_crlf(tmp_path):
    """Found by the property test above: with a block boundary between CR and LF the file was
    recorded as LF."""
    path = tmp_path / "s.csv"
    path.write_bytes(b"a,b\r\n1,2\r\n")
    assert scan(path, chunk=4).line_ending == "CRLF"      # the first CRLF spans blocks 1 and 2
    assert scan(path, chunk=1).line_ending == "CRLF"
