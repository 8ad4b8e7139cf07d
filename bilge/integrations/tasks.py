"""Webhook deliveries by the background worker: nudged right after the commit that created them,
and every minute for retries and for anything a missed nudge left behind."""

import logging

from huey import crontab

from bilge.core.tasks import audited_periodic_task, audited_task

logger = logging.getLogger("bilge.integrations")


def _run():
    from bilge.integrations.delivery import deliver_due

    counts = deliver_due()
    if any(counts.values()):
        logger.info("Webhooks: %(delivered)s delivered, %(retrying)s will retry, %(gave_up)s given up.", counts)
    return counts


@audited_task
def deliver_webhooks():
    """Send the webhook deliveries that are due (enqueued on commit by the event receiver)."""
    return _run()


@audited_periodic_task(crontab(minute="*"))
def send_due_webhooks():
    """Every minute: retries whose pause is over, and deliveries no worker took yet."""
    return _run()
