"""Background tasks of the core app.

Tasks use Django's tasks API (``django.tasks``); the engine behind it is a setting (``TASKS``):
Huey in production (its embedded SQLite queue, or Redis when REDIS_URL is set), run by
``bilge run_huey``; the immediate backend in tests. Periodic jobs are Huey periodic tasks, run by
the same worker's scheduler.

``audited_task`` is ``django.tasks.task`` plus the audit context: writes a task makes are
recorded with the source ``task:<name>`` (a worker thread has no context of its own, so they
would otherwise appear as ``system``). Other apps' tasks use it too.
"""

from __future__ import annotations

import functools
import logging
from importlib import import_module

from django.conf import settings
from django.tasks import task
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from bilge.core.audit import audit_context

logger = logging.getLogger("bilge.tasks")


def _with_audit_source(func):
    @functools.wraps(func)
    def run(*args, **kwargs):
        with audit_context(source=f"task:{func.__name__}"[:60]):
            return func(*args, **kwargs)

    return run


def audited_task(function=None, **options):
    """``@audited_task`` or ``@audited_task(priority=..., queue_name=...)``: a Django task whose
    writes are recorded in the audit trail as ``task:<function name>``."""

    def decorate(func):
        return task(_with_audit_source(func), **options)

    return decorate(function) if function is not None else decorate


def audited_periodic_task(schedule, **options):
    """A Huey periodic task (run by the worker's scheduler, with database connections managed like
    a request's), recorded in the audit trail as ``task:<function name>``."""

    def decorate(func):
        return db_periodic_task(schedule, **options)(_with_audit_source(func))

    return decorate


@audited_task
def ping(value=None):
    """Return ``value``: proves that a worker takes tasks from the queue (health checks, tests)."""
    return value


# Daily at 00:30 UTC (03:30 in Türkiye), when nobody works. Huey's schedules are in UTC.
@audited_periodic_task(crontab(minute="30", hour="0"))
def clear_expired_sessions():
    """Delete expired sign-in sessions (the ``clearsessions`` command, scheduled)."""
    engine = import_module(settings.SESSION_ENGINE)
    try:
        engine.SessionStore.clear_expired()
    except NotImplementedError:  # an engine that expires sessions itself (cache, signed cookies)
        logger.info("Session engine %s expires sessions itself; nothing to clear.", settings.SESSION_ENGINE)
        return
    logger.info("Expired sessions cleared.")


@audited_periodic_task(crontab(minute="*"))
def send_pending_notifications():
    """E-mail the notifications that are due (the outbox), retrying failures with back-off."""
    from bilge.core.notify import send_pending

    counts = send_pending()
    if counts["sent"] or counts["failed"]:
        logger.info("Notifications: %(sent)s sent, %(failed)s failed (will retry).", counts)
    return counts
