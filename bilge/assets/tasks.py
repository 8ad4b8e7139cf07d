"""Background jobs of the assets app (found by the worker: ``bilge run_huey`` discovers every
app's ``tasks`` module)."""

import datetime
import logging

from huey import crontab

from bilge.core.tasks import audited_periodic_task, audited_task

logger = logging.getLogger("bilge.assets")


# Daily at 05:00 UTC (08:00 in Türkiye): the reminders arrive at the start of the working day.
@audited_periodic_task(crontab(minute="0", hour="5"))
def send_expiry_reminders_daily():
    """Contract, warranty, licence and certificate reminders, and certificates to revoke."""
    from bilge.assets.services.reminders import send_reminders

    return send_reminders()


@audited_task
def send_expiry_reminders(today: str | None = None):
    """The same on demand (``today`` as YYYY-MM-DD to rerun a missed day): enqueue it to have a worker
    send what is due now."""
    from bilge.assets.services.reminders import send_reminders

    return send_reminders(datetime.date.fromisoformat(today) if today else None)
