"""gunicorn settings for Channelcast: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

Command-line flags override these (e.g. `--bind 0.0.0.0:8000 --workers 8`), and so does
gunicorn's own WEB_CONCURRENCY for the number of workers. Every setting of the app itself still
comes from its environment (see the README's settings table); this file only shapes the server.
"""

from __future__ import annotations

import multiprocessing
import os
from typing import Any

from gunicorn.glogging import Logger

# Loopback by default: in production a reverse proxy (TLS) sits in front and forwards here.
bind = ["127.0.0.1:8000"]

# One process per core, each with eight threads: the threads keep a core busy while some requests
# wait on PostgreSQL, Redis or a slow client downloading a kit. Measured on 2 cores (bench/web.py,
# bench/tracking.py, alternated with two processes per core of four threads each): the tail was
# shorter in every round, on the preference page and the tracking endpoints alike. See the README.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
worker_class = "gthread"
threads = 8

# Load the app once in the master, then fork: workers start in milliseconds and share memory.
preload_app = True

timeout = 30  # a request stuck this long is killed and logged (kits stream in well under it)
graceful_timeout = 20  # SIGTERM: finish what is in flight, then stop
keepalive = 5
# Recycle a worker now and then, staggered, so a slow leak can never grow without bound. Not too
# often: the keep-alive clients of a recycled worker wait for it to go (seconds at the tail while
# newsletter opens arrive at 2,000 a second, bench/tracking.py); every 50,000 requests or so.
max_requests = 50_000
max_requests_jitter = 5_000
# The heartbeat file in memory, not on a disk that may stall (Debian and most Linux have /dev/shm).
SHARED_MEMORY = "/dev/shm"  # noqa: S108 (gunicorn's own heartbeat files, not our data)
worker_tmp_dir = SHARED_MEMORY if os.path.isdir(SHARED_MEMORY) else None

# gunicorn 24+ opens a control socket in the home directory by default; several gunicorns on one
# machine (or one user) would fight over it, and nothing here uses it.
control_socket_disable = True

accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'


class RedactingLogger(Logger):
    """gunicorn's access log without the secret of a signed link (core.logs.redact_secrets).

    A request the app has logged itself (its JSON line, with the request id and the same redaction) is not
    logged again here; what the app never saw (the tracking endpoints, a request gunicorn refused) is.
    """

    def access(self, resp: Any, req: Any, environ: Any, request_time: Any) -> None:
        from core.logs import LOGGED_BY_APP

        if not environ.get(LOGGED_BY_APP):
            super().access(resp, req, environ, request_time)

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        from core.logs import redact_secrets

        found: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        for atom in ("r", "U"):  # the request line and the path
            found[atom] = redact_secrets(str(found[atom]))
        return found


logger_class = RedactingLogger


def pre_fork(server: Any, worker: Any) -> None:
    """Move the loaded app's objects out of the garbage collector's sight before forking.

    About 160,000 objects live as long as the process; without this every full collection walks
    them all (tenths of a second on a busy machine, measured), and every request waiting in that
    worker waits with it. Frozen, they are never scanned again, and stay shared with the master.
    """
    import gc

    gc.freeze()


def post_fork(server: Any, worker: Any) -> None:
    """A forked worker must not share the master's pooled database connections."""
    import wsgi

    wsgi.app.extensions["channelcast.db"].engine.dispose(close=False)


def worker_exit(server: Any, worker: Any) -> None:
    """Write the opens and clicks this worker still holds before it goes (restart, max_requests, stop)."""
    import wsgi
    from campaigns.tracking import tracking_buffer

    buffer = tracking_buffer(wsgi.app)
    if buffer is not None:
        buffer.close()
