"""Scheduled jobs: declared by addons with ``config.add_job``, run by ``zhanggui scheduler``.

Web workers never run jobs. See docs/scheduler.md for the guarantees.
"""
from __future__ import annotations

from .directive import JobContext, JobSpec

__all__ = ["JobContext", "JobSpec"]
