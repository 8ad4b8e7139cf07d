"""Service-desk background jobs (run by the worker's scheduler)."""

import logging

from huey import crontab

from bilge.core.tasks import audited_periodic_task

logger = logging.getLogger("bilge.servicedesk")


@audited_periodic_task(crontab(minute="*/5"))
def check_sla():
    """Warn at 75 % of the resolution time and at breach (once each)."""
    from bilge.servicedesk.sla import check

    counts = check()
    if counts["warned"] or counts["breached"]:
        logger.info("SLA: %(warned)s warned, %(breached)s breached.", counts)
    return counts
