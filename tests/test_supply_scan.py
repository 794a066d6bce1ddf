"""``supply_files.scan``: the hash, the UTF-8 check and the line named, whatever the block size.

The scan reads a supply in blocks, hashes in a helper thread, skips the decoder for pure
ASCII blocks and counts lines only to name a problem (issue 2 §7). Block boundaries are
where such shortcuts go wrong, so hypothesis cuts the same text at many block sizes.
"""

from __future__ import annotations

import hashlib

from hypothesis import HealthCheck, given, settings
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
    data = text.encode("utf-8")
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
    blob = data[:pos] + bad + data[pos:]
    path = tmp_path / "supply.csv"
    path.write_bytes(blob)
    problems = scan(path, chunk=chunk).problems
    assert problems, f"{bad!r} at byte {pos} not found"
    assert problems[0].line == blob[:pos].count(b"\n") + 1
    assert problems[0].expected == ("text" if bad == b"\x00" else "UTF-8 text")


def test_a_character_cut_off_at_the_end_is_named(tmp_path):
    path = tmp_path / "supply.csv"
    path.write_bytes("a,b\nc,d\né".encode("utf-8")[:-1])
    problems = scan(path, chunk=2).problems
    assert [(p.line, p.found) for p in problems] == [(3, "a truncated multi-byte character at the end")]
