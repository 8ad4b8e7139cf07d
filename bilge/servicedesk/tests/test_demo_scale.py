"""The demo ticket generator (bilge.servicedesk.demo) at a tiny scale: consistent data."""

import datetime as dt
from collections import defaultdict

import pytest
from django.db import connection
from django.utils import timezone

from bilge.core.demo import generate
from bilge.core.models import AuditEntry
from bilge.servicedesk.catalog_loader import load_catalog
from bilge.servicedesk.demo import generate_tickets
from bilge.servicedesk.models import Approval, Comment, Ticket, TicketSequence, WorkLog

NOW = dt.datetime(2026, 11, 20, 11, 0, tzinfo=dt.UTC)
QUEUE = set(Ticket.QUEUE_STATUSES)


@pytest.fixture
def institution(db):
    inst = generate("small", seed=3).institution
    load_catalog(inst.slug)
    return inst


def _check(inst, expected_count):
    tickets = list(Ticket.objects.filter(institution=inst).select_related(
        "requester", "request_type", "service", "assignee__unit").order_by("id"))
    assert len(tickets) == expected_count
    by_year = defaultdict(list)
    for t in tickets:
        year, serial = t.number.split("-")
        local = timezone.localtime(t.created_at)
        assert int(year) == local.year, t.number  # the number's year is the (local) year it was created
        by_year[int(year)].append(int(serial))
        assert t.created_at <= NOW
    # Numbers follow creation order.
    numbers_in_id_order = [t.number for t in tickets]
    assert sorted(numbers_in_id_order) == numbers_in_id_order
    for year, serials in by_year.items():
        assert sorted(serials) == list(range(1, len(serials) + 1)), year  # consecutive, no gaps
        assert TicketSequence.objects.get(year=year).last == len(serials)
    approvals = defaultdict(list)
    for a in Approval.objects.filter(ticket__institution=inst).order_by("step"):
        approvals[a.ticket_id].append(a)
    for t in tickets:
        assert t.requester_unit_id == t.requester.unit_id
        assert t.service_id == t.request_type.service_id and t.service_unit_id == t.service.unit_id
        assert t.search_text == t.build_search_text()
        chain = t.request_type.approval_chain
        decisions = [a.decision for a in approvals[t.pk]]
        assert len(decisions) == len(chain)
        if t.status == "awaiting_approval":
            assert "pending" in decisions and "rejected" not in decisions
            assert t.sla_started_at is None and t.assignee_id is None
        elif t.status == "rejected":
            assert "rejected" in decisions and t.sla_started_at is None
        elif chain:
            assert set(decisions) == {"approved"}
            assert all(a.decided_at and a.decided_by_id for a in approvals[t.pk])
            assert t.sla_started_at == max(a.decided_at for a in approvals[t.pk])
        if t.status in QUEUE | {"resolved", "closed"}:
            assert t.sla_started_at >= t.created_at
            assert t.sla_started_at <= t.due_response_at <= t.due_resolution_at
        if t.status in QUEUE:
            assert t.resolved_at is None and t.closed_at is None and t.rating is None
            assert (t.assignee_id is None) == (t.status == "open")
            assert t.first_response_at is None or t.first_response_at <= NOW
            assert (t.paused_since is not None) == (t.status == "waiting_requester")
        if t.status in ("resolved", "closed"):
            assert t.assignee_id and t.resolution
            assert t.sla_started_at <= t.first_response_at <= t.resolved_at <= NOW
            assert (t.closed_at is not None) == (t.status == "closed")
            if t.closed_at:
                assert t.resolved_at <= t.closed_at <= NOW
            if t.rating is not None:
                assert 1 <= t.rating <= 5 and t.resolved_at <= t.rated_at <= NOW
        else:
            assert t.rating is None and t.resolved_at is None
        if t.status == "cancelled":
            assert t.closed_at is not None and t.closed_at <= NOW
        if t.sla_breached_at is not None:
            assert t.sla_breached_at >= t.due_resolution_at and t.sla_warned_at is not None
            assert t.sla_breached_at <= (t.resolved_at or NOW)
        if t.sla_warned_at is not None:
            assert t.sla_warned_at >= t.sla_started_at
        if t.assignee_id:
            assert t.assignee.unit.is_it
    for log in WorkLog.objects.filter(ticket__institution=inst).select_related("ticket"):
        assert log.person_id == log.ticket.assignee_id and 0 < log.minutes <= 24 * 60
    for comment in Comment.objects.filter(ticket__institution=inst).select_related("ticket"):
        assert comment.ticket.first_response_at <= comment.created_at <= NOW
    return tickets


def test_generated_tickets_are_consistent(institution):
    result = generate_tickets(institution, 400, years=3, seed=5, now=NOW, recent_boost=20.0, copy=False)
    assert result.created and result.tickets == 400 and result.method == "bulk_create"
    tickets = _check(institution, 400)
    statuses = {t.status for t in tickets}
    assert {"closed", "open", "assigned", "in_progress"} <= statuses  # old work done, a living queue
    assert set(result.per_year) == {2024, 2025, 2026} and result.per_year[2024] < result.per_year[2025]
    assert any(t.sla_breached_at for t in tickets) and any(t.rating for t in tickets)
    # Mostly created in working hours, on weekdays.
    working = sum(1 for t in tickets if timezone.localtime(t.created_at).weekday() < 5
                  and 8 <= timezone.localtime(t.created_at).hour < 18)
    assert working > 0.85 * len(tickets)
    # Small loads are audited row by row, like the rest of the demo.
    assert AuditEntry.objects.filter(object_type="servicedesk.ticket", action="create").count() == 400
    # A second run adds nothing.
    assert generate_tickets(institution, 400, years=3, now=NOW).created is False


def test_tickets_created_after_the_demo_continue_the_numbers(institution):
    generate_tickets(institution, 120, years=1, seed=2, now=timezone.now(), copy=False)
    from bilge.servicedesk import services

    year = timezone.localdate().year
    last = TicketSequence.objects.get(year=year).last
    from django.db import transaction

    with transaction.atomic():
        assert services.next_number(year) == f"{year}-{last + 1:06d}"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_copy_load_is_consistent_and_audited_once_per_table(institution):
    result = generate_tickets(institution, 500, years=2, seed=9, now=NOW, recent_boost=20.0, copy=True)
    assert result.method == "COPY"
    _check(institution, 500)
    entries = AuditEntry.objects.filter(object_type="servicedesk.ticket")
    assert entries.count() == 1 and entries.get().changes["demo_bulk_load"]["rows"] == 500
    # Indexes were rebuilt and the id sequence moved past the loaded rows.
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE tablename = 'servicedesk_ticket'")
        assert cursor.fetchone()[0] >= 10
        cursor.execute("SELECT nextval(pg_get_serial_sequence('servicedesk_ticket', 'id'))")
        assert cursor.fetchone()[0] > max(Ticket.objects.values_list("pk", flat=True))
