"""Count the rows of a SPARQL results document while it is being written.

pyoxigraph serializes only the solutions of its own evaluation, so a SELECT answer is
counted from its serialized bytes: a ``CountingWriter`` is the file pyoxigraph writes to,
keeps every byte in memory, and refuses the next write once the rows passed the limit,
or the bytes would pass theirs, which stops the serialization (and the evaluation behind
it) early. A ``LimitedWriter`` does the same for bytes alone (graphs, counted by triple).

Each counter reads the format as pyoxigraph 0.5 writes it, in chunks that may split
anywhere, with a little state carried from one chunk to the next; the counting is done
by ``bytes.count``, ``split`` and ``re`` on whole chunks, never by a Python loop per byte.

- XML: every ``<result>`` (or ``<result/>``) tag is a row; text and attribute values
  escape ``<``, so the tag cannot occur inside a value.
- TSV: every line after the header; values escape newlines as ``\\n``.
- CSV: every line after the header, counting ``\\n`` outside double quotes. A value with
  a quote, comma, CR or LF is quoted (RFC 4180), with quotes doubled inside; the literals
  of an RDF 1.2 triple term are quoted the same way, so quotes always come in pairs. Bare
  CR or LF outside quotes occur only in the ``\\r\\n`` that ends a row.
- JSON: every object of ``results.bindings``. Outside strings, a row object starts with
  ``[{`` (the first) or ``,{``; nowhere else is ``{`` preceded by ``[`` or ``,`` (a term's
  object, a triple term's ``value`` included, follows ``:``, and inside an object a comma
  is followed by a key's ``"``). Inside strings, ``\\`` escapes the next character.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from typing import Protocol


class RowCounter(Protocol):
    """Counts the rows of one results document fed to it chunk by chunk."""

    rows: int
    """Rows seen so far; exact once the whole document was fed, never more than the truth before."""

    def feed(self, chunk: bytes) -> None:
        """Count the rows in the next bytes of the document."""
        ...


class XmlRows:
    """Rows of SPARQL results XML: its ``<result>`` tags."""

    _TAGS = (b"<result>", b"<result/>")

    def __init__(self) -> None:
        self.rows = 0
        self._tail = b""  # the last bytes of the document, as long as the longest tag less one

    def feed(self, chunk: bytes) -> None:
        """Count whole tags in the chunk and those split between it and the bytes before."""
        for tag in self._TAGS:
            keep = len(tag) - 1
            self.rows += chunk.count(tag) + (self._tail[-keep:] + chunk[:keep]).count(tag)
        self._tail = (self._tail + chunk[-8:])[-8:]


class TsvRows:
    """Rows of SPARQL results TSV: its lines after the header."""

    def __init__(self) -> None:
        self.rows = 0
        self._lines = 0

    def feed(self, chunk: bytes) -> None:
        """Count the line ends in the chunk."""
        self._lines += chunk.count(b"\n")
        self.rows = max(self._lines - 1, 0)


class CsvRows:
    """Rows of SPARQL results CSV: its line ends outside quoted fields, after the header."""

    def __init__(self) -> None:
        self.rows = 0
        self._lines = 0
        self._quoted = False  # the document so far ends inside a quoted field

    def feed(self, chunk: bytes) -> None:
        """Count the line ends outside quotes; an odd number of quotes flips the state for the next chunk."""
        if not self._quoted and b'"' not in chunk:
            self._lines += chunk.count(b"\n")
        else:
            parts = chunk.split(b'"')
            self._lines += b"".join(parts[1 if self._quoted else 0 :: 2]).count(b"\n")
            self._quoted ^= len(parts) % 2 == 0
        self.rows = max(self._lines - 1, 0)


_ESCAPE = re.compile(rb"\\.", re.DOTALL)


class JsonRows:
    """Rows of SPARQL results JSON: the objects that start after ``[`` or ``,`` outside strings."""

    def __init__(self) -> None:
        self.rows = 0
        self._in_string = False  # the document so far ends inside a string
        self._escaped = False  # ... and its last byte is the backslash of an escape
        self._last = b""  # the last byte outside strings ('"' stands for a whole string)

    def feed(self, chunk: bytes) -> None:
        """Drop escapes, reduce each string to one '"', then count the row starts that remain."""
        if self._escaped and chunk:
            chunk, self._escaped = chunk[1:], False
        if b"\\" in chunk:
            chunk = _ESCAPE.sub(b"", chunk)  # only a lone backslash at the very end can remain
            if chunk.endswith(b"\\"):
                chunk, self._escaped = chunk[:-1], True
        parts = chunk.split(b'"')
        outside = b'"'.join(parts[1 if self._in_string else 0 :: 2])
        ends_in_string = self._in_string ^ (len(parts) % 2 == 0)
        text = self._last + (b'"' if self._in_string else b"") + outside + (b'"' if ends_in_string else b"")
        self.rows += text.count(b"[{") + text.count(b",{")
        self._in_string = ends_in_string
        self._last = text[-1:]


COUNTERS: dict[str, Callable[[], RowCounter]] = {
    "xml": XmlRows,
    "tsv": TsvRows,
    "csv": CsvRows,
    "json": JsonRows,
}
"""A row counter for each results format of ``server.formats``, by format name."""


class LimitExceeded(Exception):
    """Raised from a writer's ``write`` to stop a serialization that passed one of its limits."""


class RowLimitExceeded(LimitExceeded):
    """Raised from ``CountingWriter.write`` past the row limit."""


class ByteLimitExceeded(LimitExceeded):
    """Raised from ``LimitedWriter.write`` past the byte limit."""


class LimitedWriter:
    """A binary file for pyoxigraph to serialize into, that keeps every byte up to a limit.

    A write that would take the bytes kept past ``max_bytes`` is refused before any of it
    is copied (pyoxigraph hands a long value over in one write): ``over_bytes`` is then True
    and every write raises ``ByteLimitExceeded``.
    """

    def __init__(self, max_bytes: int) -> None:
        self._max_bytes = max_bytes
        self._chunks: list[bytes] = []
        self.size = 0
        """Bytes kept so far."""
        self.over_bytes = False
        """True once a write was refused for the byte limit."""

    def write(self, data: bytes) -> int:
        """Keep the bytes; raise instead when they would pass the byte limit."""
        if self.over_bytes or self.size + len(data) > self._max_bytes:
            self.over_bytes = True
            raise ByteLimitExceeded(f"more than {self._max_bytes} bytes")
        chunk = bytes(data)
        self._chunks.append(chunk)
        self.size += len(chunk)
        return len(chunk)

    def flush(self) -> None:
        """Nothing to flush: the bytes stay in memory."""

    def getvalue(self) -> bytes:
        """Everything written so far."""
        return b"".join(self._chunks)


class CountingWriter(LimitedWriter):
    """A ``LimitedWriter`` for a results format that also refuses more rows than a limit.

    Once more than ``limit`` rows were written, ``exceeded`` is True and every write raises
    ``RowLimitExceeded``.
    """

    def __init__(self, format_name: str, limit: int, max_bytes: int = sys.maxsize) -> None:
        super().__init__(max_bytes)
        self._counter: RowCounter = COUNTERS[format_name]()
        self._limit = limit

    @property
    def rows(self) -> int:
        """Rows written so far (all of them once the serialization finished)."""
        return self._counter.rows

    @property
    def exceeded(self) -> bool:
        """True when more rows than the limit were written."""
        return self._counter.rows > self._limit

    def write(self, data: bytes) -> int:
        """Keep and count the bytes; raise once the rows passed the limit, or the bytes would."""
        if self.exceeded:
            raise RowLimitExceeded(f"more than {self._limit} rows")
        written = super().write(data)
        self._counter.feed(self._chunks[-1])
        if self.exceeded:
            raise RowLimitExceeded(f"more than {self._limit} rows")
        return written
