"""Domain events. A service announces what happened with ``emit()`` inside its own transaction;
receivers (webhooks today, other integrations later) write what they need — e.g. a delivery row
in their outbox — in that same transaction. So an event is never lost when a process dies after
the commit, and never announced for work that was rolled back.

Receivers connect to ``event``; they get ``name`` (one of ``EVENTS``), ``instance``, ``actor``
(the user, or None for the system) and ``data`` (a small dict of extra facts)."""

from __future__ import annotations

from django.dispatch import Signal
from django.utils.translation import gettext_lazy as _

event = Signal()

EVENTS = {
    "ticket.created": _("ticket created"),
    "ticket.approval_decided": _("approval decided"),
    "ticket.assigned": _("ticket assigned"),
    "ticket.started": _("work started"),
    "ticket.on_hold": _("ticket on hold"),
    "ticket.phase_changed": _("phase changed"),
    "ticket.resolved": _("ticket resolved"),
    "ticket.closed": _("ticket closed"),
    "ticket.reopened": _("ticket reopened"),
    "ticket.cancelled": _("ticket cancelled"),
    "ticket.commented": _("comment added"),
    "ticket.rated": _("ticket rated"),
    "ticket.sla_warning": _("SLA warning"),
    "ticket.sla_breached": _("SLA breached"),
    "ticket.escalated": _("ticket escalated"),
    "ticket.merged": _("ticket merged into another"),
    "ticket.linked": _("tickets linked"),
}


def emit(name: str, instance, actor=None, **data) -> None:
    """Announce ``name`` about ``instance``. Call it inside the transaction that made the change."""
    if name not in EVENTS:
        raise ValueError(f"unknown event {name!r}")
    event.send(sender=name, name=name, instance=instance, actor=actor, data=data)
