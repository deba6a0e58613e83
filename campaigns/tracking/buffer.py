"""The in-process buffer between the tracking endpoints and the events table.

A request only appends a `Hit` to a deque (well under a microsecond, no lock, no database) and
answers. A background thread per web process writes what is older than `hold_seconds` every
`flush_seconds` in multi-row inserts, one short transaction per flush: an opening wave costs the
database a few statements a second instead of one transaction per request, and no request ever
waits on a lock. The hold lets one flush see a scanner's burst of clicks whole (see `machines`).

Nothing is lost on an orderly stop: `close()` (run at interpreter exit and by gunicorn's
`worker_exit` hook) stops the thread and writes everything left. A flush that fails keeps its
hits for the next one; each hit carries its own event id, so a write retried after a commit
whose answer was lost is recorded once. What a crashed process held (at most about
`hold_seconds + flush_seconds` of its hits) is lost: opens and clicks are measurements, not
orders. The thread starts in the process that serves the first hit (after gunicorn's fork).
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger("channelcast.tracking")
MAX_BUFFERED = 500_000  # a database down for minutes: beyond this the oldest hits are dropped, loudly


@dataclass(frozen=True, slots=True)
class Hit:
    """One pixel load or click, as the endpoint saw it (its link already checked against the body)."""

    event_id: str
    delivery_id: int
    at: dt.datetime
    machine: str = ""  # machines.AGENT or machines.HEAD when the request itself gave the machine away
    body_id: int | None = None  # clicks: the body, link, URL and item the token was checked against
    position: int | None = None
    url: str = ""
    content_item_id: int | None = None
    links_total: int = 0

    @property
    def is_click(self) -> bool:
        return self.position is not None


Writer = Callable[[list[Hit]], int]


class EventBuffer:
    def __init__(
        self,
        write: Writer,
        *,
        hold_seconds: float,
        flush_seconds: float = 0.25,
        background: Callable[[], bool] = lambda: True,
    ) -> None:
        self._write = write
        self.hold_seconds = hold_seconds
        self.flush_seconds = flush_seconds
        self._background = background
        self._hits: deque[tuple[float, Hit]] = deque()
        self._flush_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()

    def add(self, hit: Hit) -> None:
        if self._pid != os.getpid():
            self._after_fork()
        self._hits.append((time.monotonic(), hit))
        if self._thread is None and self._background():
            self._start()

    def __len__(self) -> int:
        return len(self._hits)

    def flush(self, *, everything: bool = False) -> int:
        """Write the hits older than the hold (all of them with `everything`); returns how many were new."""
        with self._flush_lock:
            cutoff = time.monotonic() - (0 if everything else self.hold_seconds)
            taken: list[Hit] = []
            while self._hits and self._hits[0][0] <= cutoff:
                taken.append(self._hits.popleft()[1])
            if not taken:
                return 0
            try:
                return self._write(taken)
            except Exception:
                log.exception("could not record %d tracking events; kept for the next flush", len(taken))
                self._keep(taken)
                return 0

    def close(self) -> None:
        """Stop the thread and write everything still held (an orderly shutdown loses nothing)."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)
        self.flush(everything=True)

    def _keep(self, hits: list[Hit]) -> None:
        stamp = time.monotonic() - self.hold_seconds  # due again at the next flush
        self._hits.extendleft((stamp, hit) for hit in reversed(hits))
        while len(self._hits) > MAX_BUFFERED:
            self._hits.popleft()
            log.error("tracking buffer full: the oldest event was dropped")

    def _start(self) -> None:
        with self._flush_lock:
            if self._thread is not None:
                return
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="tracking-flush", daemon=True)
            self._thread.start()
        atexit.register(self.close)

    def _run(self) -> None:
        while not self._stop.wait(self.flush_seconds):
            self.flush()

    def _after_fork(self) -> None:
        """A forked child (a gunicorn worker) starts empty, with its own lock and thread."""
        self._pid = os.getpid()
        self._hits = deque()
        self._flush_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = None
