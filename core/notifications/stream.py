"""The unread count as server-sent events, cheap enough for one thread per open page.

waitress (and gunicorn's sync workers) hold a thread for as long as a stream is open,
so a stream:

* checks the count every ``interval`` seconds with one indexed COUNT on a connection
  taken from the pool for that query only (no session, no transaction between checks);
* sends an ``unread`` event only when the count changed, and a comment as heartbeat
  after ``heartbeat`` seconds of silence (a dead client is noticed on the next write);
* ends after ``max_seconds``, telling the browser to reconnect ``retry_ms`` later, so
  no thread is held for ever and a signed-out user's next attempt gets 401.

Settings (``zhanggui.`` prefix): ``sse_interval`` (5), ``sse_max_seconds`` (300; 0 turns
streams off: 204, and browsers stop asking), ``sse_heartbeat`` (25), ``sse_retry_ms`` (5000).
"""
from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections.abc import Callable, Iterator

import sqlalchemy as sa

from ..db import Database
from .services import unread_count

log = logging.getLogger(__name__)


@dataclasses.dataclass
class Clock:
    """Time for streams; tests replace ``registry.zg_sse_clock`` with a fake one."""

    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep


@dataclasses.dataclass(frozen=True)
class StreamSettings:
    interval: float = 5.0
    max_seconds: float = 300.0
    heartbeat: float = 25.0
    retry_ms: int = 5000

    @classmethod
    def from_settings(cls, settings: dict) -> StreamSettings:
        return cls(
            interval=max(0.001, float(settings.get("zhanggui.sse_interval", 5))),
            max_seconds=max(0.0, float(settings.get("zhanggui.sse_max_seconds", 300))),
            heartbeat=max(0.001, float(settings.get("zhanggui.sse_heartbeat", 25))),
            retry_ms=max(0, int(settings.get("zhanggui.sse_retry_ms", 5000))),
        )

    @property
    def enabled(self) -> bool:
        return self.max_seconds > 0


def event(count: int) -> bytes:
    return f"event: unread\ndata: {json.dumps({'count': count})}\n\n".encode()


def _check(database: Database, user_id: int) -> int:
    # A pooled connection for one statement; closing it ends its transaction.
    with database.engine.connect() as conn:
        return unread_count(conn, user_id)


def unread_events(database: Database, user_id: int, settings: StreamSettings,
                  clock: Clock | None = None) -> Iterator[bytes]:
    """The response body: ``retry:``, the current count, then changes and heartbeats.

    Holds nothing but ``database`` and ``user_id`` (no request, session or ORM object):
    it runs after the view returned and pyramid_tm ended the request's transaction.
    """
    clock = clock or Clock()
    started = clock.monotonic()
    yield f"retry: {settings.retry_ms}\n\n".encode()
    last_count: int | None = None
    last_write = started
    while True:
        try:
            count = _check(database, user_id)
        except sa.exc.DBAPIError:
            log.warning("unread count failed; ending the stream for user %s", user_id, exc_info=True)
            return
        now = clock.monotonic()
        if count != last_count:
            last_count, last_write = count, now
            yield event(count)
        elif now - last_write >= settings.heartbeat:
            last_write = now
            yield b": heartbeat\n\n"
        left = settings.max_seconds - (clock.monotonic() - started)
        if left <= 0:
            return
        clock.sleep(min(settings.interval, left))
