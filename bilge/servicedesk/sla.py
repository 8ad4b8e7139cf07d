"""Due times on the business calendar: first response and resolution targets per request type
and priority, in business minutes; time waiting for the requester does not count."""

from __future__ import annotations

import datetime

from bilge.servicedesk.models import Ticket

# Business minutes when a request type sets no target: {priority: (first response, resolution)}.
DEFAULT_TARGETS = {1: (30, 4 * 60), 2: (60, 8 * 60), 3: (4 * 60, 3 * 8 * 60), 4: (8 * 60, 10 * 8 * 60)}


def targets(ticket: Ticket) -> tuple[int, int]:
    configured = (ticket.request_type.sla or {}).get(str(ticket.priority))
    if configured:
        return int(configured["response"]), int(configured["resolution"])
    return DEFAULT_TARGETS[ticket.priority]


def calendar_for(ticket: Ticket):
    from bilge.core.calendar import BusinessCalendar

    return BusinessCalendar.for_institution(ticket.institution_id)


def set_due_times(ticket: Ticket, start: datetime.datetime) -> None:
    response, resolution = targets(ticket)
    ticket.sla_started_at = start
    calendar = calendar_for(ticket)
    ticket.due_response_at = calendar.add_business_minutes(start, response)
    ticket.due_resolution_at = calendar.add_business_minutes(start, resolution)


def shift_due_times(ticket: Ticket, paused_from: datetime.datetime, paused_to: datetime.datetime) -> None:
    """The business time spent waiting for the requester is added to the due times."""
    calendar = calendar_for(ticket)
    paused = calendar.business_minutes_between(paused_from, paused_to)
    if paused <= 0:
        return
    if ticket.due_response_at and ticket.first_response_at is None:
        ticket.due_response_at = calendar.add_business_minutes(ticket.due_response_at, paused)
    if ticket.due_resolution_at:
        ticket.due_resolution_at = calendar.add_business_minutes(ticket.due_resolution_at, paused)


WARN_AT = 0.75  # share of the resolution time after which the chief is warned


def check(now: datetime.datetime | None = None) -> dict:
    """Mark open tickets at 75 % of their resolution time and at breach, and tell the service's
    chief (and the technician) once for each. Tickets waiting for the requester are paused."""
    from django.db import transaction
    from django.db.models import Q
    from django.utils import timezone

    from bilge.core.calendar import BusinessCalendar
    from bilge.core.events import emit
    from bilge.core.notify import notify

    now = now or timezone.now()
    counts = {"warned": 0, "breached": 0, "escalated": 0}
    candidates = (Ticket.objects.filter(status__in=Ticket.QUEUE_STATUSES, due_resolution_at__isnull=False,
                                        sla_started_at__isnull=False)
                  .exclude(status=Ticket.Status.WAITING_REQUESTER)
                  .filter(Q(sla_warned_at__isnull=True) | Q(sla_breached_at__isnull=True, due_resolution_at__lte=now))
                  .select_related("service__chief__user", "assignee__user").order_by("id"))
    calendars = {}
    for ticket in candidates.iterator(chunk_size=500):
        calendar = calendars.setdefault(ticket.institution_id, BusinessCalendar.for_institution(ticket.institution_id))
        total = calendar.business_minutes_between(ticket.sla_started_at, ticket.due_resolution_at)
        used = calendar.business_minutes_between(ticket.sla_started_at, now)
        breached = now >= ticket.due_resolution_at
        warn = breached or (total > 0 and used >= WARN_AT * total)
        chief = getattr(ticket.service.chief, "user", None) if ticket.service.chief_id else None
        technician = getattr(ticket.assignee, "user", None) if ticket.assignee_id else None
        with transaction.atomic():
            if breached and ticket.sla_breached_at is None:
                Ticket.objects.filter(pk=ticket.pk).update(sla_breached_at=now, sla_warned_at=ticket.sla_warned_at or now)
                emit("ticket.sla_breached", ticket, None, due=ticket.due_resolution_at.isoformat())
                from bilge.servicedesk.services import escalate

                counts["escalated"] += escalate(ticket)
                notify([chief, technician], "sla_breach",
                       {"number": ticket.number, "title": ticket.title, "due": ticket.due_resolution_at},
                       ticket.get_absolute_url())
                counts["breached"] += 1
            elif warn and ticket.sla_warned_at is None:
                Ticket.objects.filter(pk=ticket.pk).update(sla_warned_at=now)
                emit("ticket.sla_warning", ticket, None, due=ticket.due_resolution_at.isoformat())
                notify([chief, technician], "sla_warning",
                       {"number": ticket.number, "title": ticket.title, "due": ticket.due_resolution_at},
                       ticket.get_absolute_url())
                counts["warned"] += 1
    return counts


def _local(moment) -> str:
    from django.utils import timezone
    from django.utils.formats import date_format

    return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
