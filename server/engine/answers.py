"""Serialized answers kept per data load: the data is read-only, so a repeated query is free.

An answer is found again by its whole job (query text, dataset parameters, bindings,
accepted formats, row and byte limits): two requests that could be answered differently never
share an entry. Entries are kept least-recently-used first out, bounded by the bytes of
their bodies; an answer larger than a quarter of the bound is not kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from server.engine.interface import QueryAnswer, QueryJob


class AnswerCache:
    """A thread-safe LRU of serialized answers, bounded in bytes (0 keeps nothing)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[QueryJob, QueryAnswer] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, job: QueryJob) -> QueryAnswer | None:
        """The answer kept for this job, or None."""
        with self._lock:
            answer = self._entries.get(job)
            if answer is None:
                self.misses += 1
                return None
            self._entries.move_to_end(job)
            self.hits += 1
            return answer

    def put(self, job: QueryJob, answer: QueryAnswer) -> None:
        """Keep an answer, dropping the least recently used ones to stay within the bound."""
        size = len(answer.body)
        if size * 4 > self.max_bytes:
            return
        with self._lock:
            if job in self._entries:
                return
            self._entries[job] = answer
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= len(dropped.body)

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size(self) -> int:
        """Bytes of the bodies kept."""
        return self._bytes
