"""Telling the web workers that the host's code changed.

The web application configures every addon's routes, views and static files when a
worker starts, so new or upgraded addon code is served only by new workers. After
installing code the marketplace:

- bumps ``addons_serial`` in the operator database (``op_meta``): the host-wide count
  of code changes (what a web process serves compared with what the host has is
  :meth:`core.market.services.Market.reload_pending`);
- asks the web server for a graceful reload, as configured:
  ``zhanggui.reload_pidfile`` — SIGHUP to that gunicorn master: it starts new workers
  with the new code and lets the old ones finish their requests;
  ``zhanggui.reload_touch`` — touches that file: ``pserve --reload`` restarts when its
  ini file changes, uWSGI's ``touch-reload`` likewise.
"""
from __future__ import annotations

import os
import signal
from collections.abc import Mapping
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..tenants import services as tenants_services

SERIAL_KEY = "addons_serial"


def read_serial(connection: sa.Connection | Session) -> int:
    return max(tenants_services.read_serial(connection, SERIAL_KEY), 0)


def bump_serial(session: Session) -> int:
    return tenants_services.bump_serial(session, SERIAL_KEY)


def graceful_reload(settings: Mapping[str, str]) -> str:
    """Ask the web server to reload its workers; say what was done (or what to do)."""
    pidfile = (settings.get("zhanggui.reload_pidfile") or "").strip()
    touch = (settings.get("zhanggui.reload_touch") or "").strip()
    if pidfile:
        path = Path(pidfile)
        try:
            pid = int(path.read_text().strip())
            os.kill(pid, signal.SIGHUP)
        except FileNotFoundError:
            return f"no web server to reload: {path} does not exist (is gunicorn running?)"
        except (ValueError, ProcessLookupError):
            return f"no web server to reload: {path} names no running process"
        except PermissionError:
            return f"cannot signal the web server of {path}: not allowed (run as its user)"
        return f"graceful reload requested: SIGHUP sent to gunicorn (pid {pid})"
    if touch:
        path = Path(touch)
        try:
            path.touch()
        except OSError as exc:
            return f"cannot touch {path}: {exc.strerror or exc}"
        return f"graceful reload requested: touched {path}"
    return ("restart or reload the web server to serve the new code "
            "(zhanggui.reload_pidfile or zhanggui.reload_touch do it for you: docs/marketplace.md)")
