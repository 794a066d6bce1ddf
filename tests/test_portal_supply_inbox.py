"""The supply upload inbox (issue 15): AES-256-GCM records appended to one file per upload.

A resumable piece is appended without reading back what has arrived (the old encrypted DuckDB
inbox re-read every received byte for each 8 MB piece: quadratic, 3 MB/s at 60 MB); a record
cut off by a crash is not counted as received; a changed, moved or missing record is refused.
"""

from __future__ import annotations

import os

import pytest
from cryptography.exceptions import InvalidTag

from workbench.portal import uploads as U

MB = 1024 * 1024


@pytest.fixture
def hub(tmp_path, monkeypatch):
    monkeypatch.delenv("WORKBENCH_PORTAL_KEY", raising=False)
    return tmp_path / "hub.duckdb"


def _start(hub, size: int) -> str:
    upload_id = U.new_id()
    U.start_resumable(hub, upload_id, agency="City Council", user="an.lee", dataset="council_asb",
                      filename="asb.csv", metadata={}, size=size)
    return upload_id


def test_pieces_are_appended_without_decrypting_what_has_arrived(hub, monkeypatch):
    first, second = os.urandom(3 * MB + 5), os.urandom(MB // 2)
    upload_id = _start(hub, len(first) + len(second))

    def no_decryption(*args, **kwargs):
        raise AssertionError("the append path decrypted the upload")

    monkeypatch.setattr(U, "_records", no_decryption)
    assert U.append_chunk(hub, upload_id, 0, first, len(first) + len(second)) == len(first)
    assert U.received(hub, upload_id) == len(first)
    assert U.append_chunk(hub, upload_id, len(first), second, len(first) + len(second)) == len(first) + len(second)
    monkeypatch.undo()
    raw = U.upload_file(hub, upload_id).read_bytes()
    assert first[:64] not in raw and second[:64] not in raw          # encrypted at rest
    assert oct(U.upload_file(hub, upload_id).stat().st_mode & 0o777) == "0o600"
    assert U.read_plain(hub, upload_id) == first + second


def test_a_record_cut_off_by_a_crash_is_not_received_and_the_upload_carries_on(hub):
    first, second = os.urandom(MB + 7), os.urandom(1000)
    upload_id = _start(hub, len(first) + len(second))
    U.append_chunk(hub, upload_id, 0, first, len(first) + len(second))
    with U.upload_file(hub, upload_id).open("ab") as fh:                 # a crash in the middle of a record
        fh.write((MB + 16).to_bytes(4, "big") + os.urandom(12) + os.urandom(300))
    assert U.received(hub, upload_id) == len(first)
    assert U.read_plain(hub, upload_id) == first
    assert U.append_chunk(hub, upload_id, len(first), second, len(first) + len(second)) == len(first) + len(second)
    assert U.read_plain(hub, upload_id) == first + second


def test_a_refused_piece_leaves_nothing(hub):
    upload_id = _start(hub, 10)
    U.append_chunk(hub, upload_id, 0, b"Ref,", 10)
    before = U.upload_file(hub, upload_id).read_bytes()
    with pytest.raises(ValueError, match="expected at most 6 more bytes; found 20"):
        U.append_chunk(hub, upload_id, 4, b"x" * 20, 10)
    assert U.upload_file(hub, upload_id).read_bytes() == before and U.received(hub, upload_id) == 4


def test_a_changed_or_moved_record_is_refused(hub):
    data = os.urandom(2 * U.CHUNK)                                      # two records of equal length
    upload_id = _start(hub, len(data))
    U.append_chunk(hub, upload_id, 0, data, len(data))
    path = U.upload_file(hub, upload_id)
    raw = bytearray(path.read_bytes())
    head, rec = U._HEAD, len(raw[U._HEAD:]) // 2
    swapped = raw[:head] + raw[head + rec:] + raw[head:head + rec]
    path.write_bytes(bytes(swapped))
    with pytest.raises(InvalidTag):
        U.read_plain(hub, upload_id)
    raw[head + 100] ^= 1
    path.write_bytes(bytes(raw))
    with pytest.raises(InvalidTag):
        U.read_plain(hub, upload_id)


def test_only_the_portal_key_opens_an_upload(hub, monkeypatch):
    w = U.EncryptedWriter(hub, "a" * 24)
    w.write(b"Ref No,Date Reported\nA1,01/03/2024\n")
    w.close()
    monkeypatch.setenv("WORKBENCH_PORTAL_KEY", "another-key-" + "0" * 40)
    with pytest.raises(InvalidTag):
        U.read_plain(hub, "a" * 24)


def test_the_worker_refuses_an_upload_shorter_than_was_queued(hub):
    w = U.EncryptedWriter(hub, "a" * 24)
    w.write(b"Ref No,Date Reported\n")
    w.close()
    U.enqueue(hub, "a" * 24, agency="City Council", user="an.lee", dataset="council_asb", filename="asb.csv",
              metadata={}, size=35)
    called = []
    [out] = U.drain(hub, lambda hub, entry, path: called.append(path))
    assert called == [] and out.state == "failed"
    assert "holds 21 bytes; expected 35" in out.detail["message"]
    assert not U.upload_file(hub, "a" * 24).exists()
