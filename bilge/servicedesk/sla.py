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
