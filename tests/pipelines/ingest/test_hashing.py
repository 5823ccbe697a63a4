"""The file hash: read at once, or computed on a thread from the bytes a stream hands it."""

from __future__ import annotations

import hashlib

import pytest

from pipelines.ingest.hashing import Hasher, sha256_of


def _file(tmp_path, size: int = 3 * (1 << 20) + 17):
    data = bytes((i * 7) % 251 for i in range(size))
    path = tmp_path / "gros.csv"
    path.write_bytes(data)
    return path, data


def test_sha256_of_reads_the_whole_file(tmp_path):
    path, data = _file(tmp_path)
    assert sha256_of(path) == (hashlib.sha256(data).hexdigest(), len(data))


def test_hasher_fills_gaps_and_skips_overlaps_from_the_file(tmp_path):
    path, data = _file(tmp_path)
    hasher = Hasher(path)
    # fed out of the head (a gap before), then twice the same bytes (an overlap), then stopped early
    hasher.feed(memoryview(data)[100:1000], 100)
    hasher.feed(memoryview(data)[500:2_000_000], 500)
    assert hasher.result() == hashlib.sha256(data).hexdigest()


def test_hasher_reports_an_unreadable_file(tmp_path):
    hasher = Hasher(tmp_path / "absent.csv")
    with pytest.raises(OSError):
        hasher.result()
