"""A file's SHA-256 (the ledger's key: a file already taken is skipped), read once.

:func:`sha256_of` reads a file to hash it; :class:`Hasher` hashes a large file on another thread
while it streams in, from the bytes the streamed reader hands it.
"""

from __future__ import annotations

import hashlib
import queue
import threading
from pathlib import Path


def sha256_of(path: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


class Hasher(threading.Thread):
    """SHA-256 of a file computed on another thread (hashlib releases the GIL on large blocks).

    The streamed reader feeds it the bytes it reads (:meth:`feed`), so that a large file is read
    from disk once; any part it was not fed (the head above the first record, the rest of a file
    whose stream stopped early) it reads from the file itself, in order.
    """

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        self.path, self.digest, self.error = path, "", None
        self.sha, self.offset = hashlib.sha256(), 0  # bytes hashed so far
        self.chunks: queue.Queue = queue.Queue(maxsize=4)
        self.start()

    def feed(self, chunk: memoryview, offset: int) -> None:
        """The file's bytes from ``offset`` (chunks come in file order)."""
        self.chunks.put((offset, chunk))

    def run(self) -> None:
        try:
            with open(self.path, "rb") as fh:
                while (item := self.chunks.get()) is not None:
                    offset, chunk = item
                    if offset > self.offset:  # a gap: read it
                        self._read(fh, offset)
                    skip = self.offset - offset  # an overlap: already hashed
                    if skip < len(chunk):
                        self.sha.update(chunk[max(skip, 0) :])
                        self.offset = offset + len(chunk)
                self._read(fh, None)
            self.digest = self.sha.hexdigest()
        except OSError as err:
            self.error = err

    def _read(self, fh, until: int | None) -> None:
        fh.seek(self.offset)
        while until is None or self.offset < until:
            block = fh.read(1 << 20 if until is None else min(1 << 20, until - self.offset))
            if not block:
                return
            self.sha.update(block)
            self.offset += len(block)

    def result(self) -> str:
        if self.is_alive():
            self.chunks.put(None)
        self.join()
        if self.error:
            raise self.error
        return self.digest
