"""Service-desk reports: the figures, computed in the database with a few GROUP BY queries each.

Every function takes the user first and covers only the tickets that user may see (see
:func:`tickets_for`), then optional filters: ``institution`` and ``service`` (an object or an id)
and, for the period reports, the period — ``year=2025`` or ``date_from``/``date_to`` (dates, both
inclusive; the default is the current year). ``now`` may be given to fix "now" (tests, reruns).

    from bilge.servicedesk import reports
    reports.sla_compliance(user, year=2025)            # {"by_service": [...], "by_month": [...], "total": {...}}
    reports.monthly_trend(user, date_from=date(2025, 1, 1), date_to=date(2025, 6, 30))

No function walks tickets in Python: each is one to four grouped queries with conditional
aggregation (``COUNT(*) FILTER (WHERE …)`` on PostgreSQL, ``CASE`` on SQLite); Python only adds up
the grouped rows (a few hundred at most) into totals. What each figure means and the time basis
are in docs/design/reports.md.

Period figures (SLA, times, satisfaction) are for the tickets **created** in the period, grouped
by the month of creation (local time). The monthly trend counts each event in its own month:
created by ``created_at``, resolved by ``resolved_at``, breached by ``sla_breached_at``. Open
tickets and aging are a snapshot of now.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, F, FloatField, Func, Q, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bilge.core.permissions import scope_filter
from bilge.servicedesk.models import Ticket

S = Ticket.Status
OPEN_STATUSES = (S.NEW, S.AWAITING_APPROVAL, *Ticket.QUEUE_STATUSES)
APPROVAL_STATUSES = (S.NEW, S.AWAITING_APPROVAL)
HOLD_STATUSES = (S.WAITING_REQUESTER, S.WAITING_VENDOR)
NOT_MEASURED = (S.REJECTED, S.CANCELLED)  # never worked on: no SLA, no times, no rating

# Aging buckets of open tickets: (key, label, lower bound in days, upper bound in days or None).
AGE_BUCKETS = (
    ("lt1", _("< 1 day"), 0, 1),
    ("d1_3", _("1–3 days"), 1, 3),
    ("d3_7", _("3–7 days"), 3, 7),
    ("d7_30", _("7–30 days"), 7, 30),
    ("gt30", _("> 30 days"), 30, None),
)

MAX_YEARS = 10  # the longest period a report covers
# What COUNT counts: a column never null and in the created_at index (not "id"), so PostgreSQL can
# answer from the index alone where one covers the other columns too.
ROWS = "created_at"


class ReportError(ValueError):
    """A filter the reports cannot use (shown to the user as it is)."""


class Seconds(Func):
    """``end - start`` in seconds, as a float, on PostgreSQL and SQLite."""

    output_field = FloatField()
    arity = 2
    template = "EXTRACT(EPOCH FROM (%(expressions)s))"
    arg_joiner = " - "

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="((julianday(%(expressions)s)) * 86400.0)",
                           arg_joiner=") - julianday(", **extra)


# --- period and scope ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    """[start, end) in local time, by whole days; ``months`` are (year, month) pairs in it."""

    first_day: datetime.date
    last_day: datetime.date  # inclusive
    start: datetime.datetime = field(compare=False)
    end: datetime.datetime = field(compare=False)

    @classmethod
    def make(cls, year: int | None = None, date_from: datetime.date | None = None,
             date_to: datetime.date | None = None) -> Period:
        if year is not None and (date_from or date_to):
            raise ReportError(_("Give either a year or a date range, not both."))
        if date_from or date_to:
            if not (date_from and date_to):
                raise ReportError(_("Give both the start and the end date."))
        else:
            year = year or timezone.localdate().year
            if not 2000 <= int(year) <= 2100:
                raise ReportError(_("The year must be between 2000 and 2100."))
            date_from, date_to = datetime.date(int(year), 1, 1), datetime.date(int(year), 12, 31)
        if date_from > date_to:
            raise ReportError(_("The start date is after the end date."))
        if date_to.year - date_from.year > MAX_YEARS or (date_to - date_from).days > 366 * MAX_YEARS:
            raise ReportError(_("A report covers at most %(years)s years.") % {"years": MAX_YEARS})
        tz = timezone.get_current_timezone()
        start = datetime.datetime.combine(date_from, datetime.time.min, tzinfo=tz)
        end = datetime.datetime.combine(date_to + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
        return cls(date_from, date_to, start, end)

    @property
    def months(self) -> list[tuple[int, int]]:
        months, year, month = [], self.first_day.year, self.first_day.month
        while (year, month) <= (self.last_day.year, self.last_day.month):
            months.append((year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return months

    def __str__(self):
        if self.first_day.month == 1 and self.first_day.day == 1 and self.last_day == datetime.date(
                self.first_day.year, 12, 31):
            return str(self.first_day.year)
        return f"{self.first_day:%d.%m.%Y} – {self.last_day:%d.%m.%Y}"


def tickets_for(user, institution=None, service=None):
    """The tickets whose figures ``user`` may see: those the service-desk view right shows them
    (``Ticket.objects.visible_to(user, "view")``) together with those in the scope of their
    "reports" view right (the same scopes — institution, unit tree, IT service… — applied to
    tickets). Nothing for anyone else."""
    desk = scope_filter(user, Ticket, "view")
    reporting = scope_filter(user, Ticket, "view", module="reports")
    scopes = [q for q in (desk, reporting) if q is not None]
    if not scopes:
        return Ticket.objects.none()
    qs = Ticket.objects.all()
    if all(scopes):  # an empty Q() is "everything": no filter then
        combined = scopes[0]
        for q in scopes[1:]:
            if q != combined:
                combined = combined | q
        qs = qs.filter(combined)
    if institution is not None:
        qs = qs.filter(institution_id=getattr(institution, "pk", institution))
    if service is not None:
        qs = qs.filter(service_id=getattr(service, "pk", service))
    return qs.order_by()


def may_view_reports(user) -> bool:
    """The reports pages are for those with the "reports" view right (unit managers, IT staff,
    auditors); the figures then cover what :func:`tickets_for` gives them."""
    from bilge.core.permissions import has_module_perm

    return has_module_perm(user, "reports", "view")


# --- helpers ----------------------------------------------------------------------------------------

def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _mean_hours(seconds: float | None, count: int) -> float | None:
    return round(seconds / count / 3600.0, 2) if count and seconds is not None else None


def _month_key(value) -> tuple[int, int] | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.year, value.month


def _month_label(key: tuple[int, int]) -> datetime.date:
    return datetime.date(key[0], key[1], 1)


def _names(model, ids, label) -> dict:
    ids = [i for i in ids if i is not None]
    return {obj.pk: label(obj) for obj in model.objects.filter(pk__in=ids)} if ids else {}


def _service_names(ids) -> dict:
    from bilge.servicedesk.models import Service

    return _names(Service, ids, lambda s: s.name)


def _person_names(ids) -> dict:
    from bilge.core.models import Person

    return _names(Person, ids, lambda p: p.full_name)


def _unit_names(ids) -> dict:
    from bilge.core.models import Unit

    return _names(Unit, ids, lambda u: u.name)


def _type_names(ids) -> dict:
    from bilge.servicedesk.models import RequestType

    return _names(RequestType, ids, lambda t: t.name)


def _add(total: dict, row: dict, keys) -> None:
    for key in keys:
        value = row.get(key)
        if value is not None:
            total[key] = (total.get(key) or 0) + value


def _sorted_rows(rows: dict, names: dict, none_label, keys) -> list[dict]:
    result = []
    for key, values in rows.items():
        label = names.get(key, none_label if key is None else str(key))
        result.append({"key": key, "label": label, **{k: values.get(k, 0) for k in keys}})
    return sorted(result, key=lambda r: (r["key"] is None, str(r["label"]).casefold()))


# --- (a) open tickets ------------------------------------------------------------------------------

OPEN_KEYS = ("total", "awaiting_approval", "unassigned", "on_hold", "overdue")


def _open_aggregates(now):
    in_queue = Q(status__in=Ticket.QUEUE_STATUSES)
    return {
        "total": Count(ROWS),
        "awaiting_approval": Count(ROWS, filter=Q(status__in=APPROVAL_STATUSES)),
        "unassigned": Count(ROWS, filter=in_queue & Q(assignee__isnull=True)),
        "on_hold": Count(ROWS, filter=Q(status__in=HOLD_STATUSES)),
        "overdue": Count(ROWS, filter=Q(sla_breached_at__isnull=False) | (
            in_queue & ~Q(status=S.WAITING_REQUESTER) & Q(due_resolution_at__lt=now))),
    }


def open_tickets(user, institution=None, service=None, now=None) -> dict:
    """Tickets not yet finished (new, awaiting approval, in the queue, on hold), now: counts by
    IT service, technician, requester's unit and request type, each with those awaiting
    approval, unassigned, on hold and overdue (resolution due time passed, or marked breached)."""
    now = now or timezone.now()
    qs = tickets_for(user, institution, service).filter(status__in=OPEN_STATUSES)
    aggregates = _open_aggregates(now)
    groups = {
        "by_service": ("service_id", _service_names, _("(none)")),
        "by_technician": ("assignee_id", _person_names, _("(unassigned)")),
        "by_unit": ("requester_unit_id", _unit_names, _("(none)")),
        "by_type": ("request_type_id", _type_names, _("(none)")),
    }
    result = {}
    total: dict = {}
    for name, (column, namer, none_label) in groups.items():
        rows = {row[column]: row for row in qs.values(column).annotate(**aggregates).order_by()}
        result[name] = _sorted_rows(rows, namer(rows.keys()), none_label, OPEN_KEYS)
        if name == "by_service":
            for row in rows.values():
                _add(total, row, OPEN_KEYS)
    result["total"] = {"label": _("Total"), **{k: total.get(k, 0) for k in OPEN_KEYS}}
    return result


# --- (b) aging ---------------------------------------------------------------------------------------

AGE_KEYS = tuple(b[0] for b in AGE_BUCKETS) + ("total",)


def aging(user, institution=None, service=None, now=None) -> dict:
    """Open tickets by age (now − created_at, calendar days) per IT service, in the buckets of
    ``AGE_BUCKETS``; a ticket exactly 1 day old is in "1–3 days"."""
    now = now or timezone.now()
    aggregates = {"total": Count(ROWS)}
    for key, _label, low, high in AGE_BUCKETS:
        condition = Q(created_at__lte=now - datetime.timedelta(days=low)) if low else Q()
        if high is not None:
            condition &= Q(created_at__gt=now - datetime.timedelta(days=high))
        aggregates[key] = Count(ROWS, filter=condition) if condition else Count(ROWS)
    qs = tickets_for(user, institution, service).filter(status__in=OPEN_STATUSES)
    rows = {row["service_id"]: row for row in qs.values("service_id").annotate(**aggregates).order_by()}
    total: dict = {}
    for row in rows.values():
        _add(total, row, AGE_KEYS)
    return {"by_service": _sorted_rows(rows, _service_names(rows.keys()), _("(none)"), AGE_KEYS),
            "total": {"label": _("Total"), **{k: total.get(k, 0) for k in AGE_KEYS}},
            "buckets": [(key, label) for key, label, _low, _high in AGE_BUCKETS]}


# --- (c) SLA compliance and (d) times: one query by service and month of creation --------------------

SLA_KEYS = ("tickets", "response_met", "response_breached", "response_due", "resolution_met",
            "resolution_breached", "resolution_due", "response_count", "response_seconds",
            "resolution_count", "resolution_seconds")


def _measured(user, period: Period, institution, service):
    return (tickets_for(user, institution, service)
            .filter(created_at__gte=period.start, created_at__lt=period.end, merged_into__isnull=True)
            .exclude(status__in=NOT_MEASURED))


def _sla_rows(user, period: Period, institution, service, now) -> list[dict]:
    """Per (service, month of creation): SLA outcomes and the sums behind the mean times."""
    started = Coalesce("sla_started_at", "created_at")
    response_breached = (Q(first_response_at__gt=F("due_response_at"))
                         | Q(first_response_at__isnull=True, due_response_at__lt=now))
    resolution_breached = (Q(sla_breached_at__isnull=False) | Q(resolved_at__gt=F("due_resolution_at"))
                           | (Q(resolved_at__isnull=True, due_resolution_at__lt=now) & ~Q(status=S.WAITING_REQUESTER)))
    responded = Q(first_response_at__isnull=False)
    resolved = Q(resolved_at__isnull=False)
    return list(
        _measured(user, period, institution, service)
        .annotate(month=TruncMonth("created_at"))
        .values("service_id", "month")
        .annotate(
            tickets=Count(ROWS),
            response_due=Count(ROWS, filter=Q(due_response_at__isnull=False)),
            response_met=Count(ROWS, filter=responded & Q(first_response_at__lte=F("due_response_at"))),
            response_breached=Count(ROWS, filter=Q(due_response_at__isnull=False) & response_breached),
            resolution_due=Count(ROWS, filter=Q(due_resolution_at__isnull=False)),
            resolution_met=Count(ROWS, filter=resolved & Q(resolved_at__lte=F("due_resolution_at"),
                                                            sla_breached_at__isnull=True)),
            resolution_breached=Count(ROWS, filter=Q(due_resolution_at__isnull=False) & resolution_breached),
            response_count=Count(ROWS, filter=responded),
            response_seconds=Sum(Seconds(F("first_response_at"), started), filter=responded),
            resolution_count=Count(ROWS, filter=resolved),
            resolution_seconds=Sum(Seconds(F("resolved_at"), started), filter=resolved),
        )
        .order_by()
    )


def _rollup(rows, key_of, keys) -> dict:
    grouped: dict = {}
    for row in rows:
        _add(grouped.setdefault(key_of(row), {}), row, keys)
    return grouped


def _sla_figures(values: dict) -> dict:
    get = lambda k: values.get(k) or 0  # noqa: E731
    response_pending = get("response_due") - get("response_met") - get("response_breached")
    resolution_pending = get("resolution_due") - get("resolution_met") - get("resolution_breached")
    return {
        "tickets": get("tickets"),
        "response_met": get("response_met"), "response_breached": get("response_breached"),
        "response_pending": response_pending,
        "response_pct": _pct(get("response_met"), get("response_met") + get("response_breached")),
        "resolution_met": get("resolution_met"), "resolution_breached": get("resolution_breached"),
        "resolution_pending": resolution_pending,
        "resolution_pct": _pct(get("resolution_met"), get("resolution_met") + get("resolution_breached")),
        "response_count": get("response_count"),
        "response_mean_hours": _mean_hours(values.get("response_seconds"), get("response_count")),
        "resolution_count": get("resolution_count"),
        "resolution_mean_hours": _mean_hours(values.get("resolution_seconds"), get("resolution_count")),
    }


def _by_service_and_month(rows, period: Period, figures) -> dict:
    by_service = _rollup(rows, lambda r: r["service_id"], SLA_KEYS)
    by_month = _rollup(rows, lambda r: _month_key(r["month"]), SLA_KEYS)
    total: dict = {}
    for values in by_service.values():
        _add(total, values, SLA_KEYS)
    names = _service_names(by_service.keys())
    service_rows = sorted(({"key": key, "label": names.get(key, str(key)), **figures(values)}
                           for key, values in by_service.items()), key=lambda r: str(r["label"]).casefold())
    month_rows = [{"key": month, "label": _month_label(month), **figures(by_month.get(month, {}))}
                  for month in period.months]
    return {"period": period, "by_service": service_rows, "by_month": month_rows,
            "total": {"label": _("Total"), **figures(total)}}


def sla_compliance(user, year=None, date_from=None, date_to=None, institution=None, service=None,
                   now=None) -> dict:
    """SLA compliance of the tickets created in the period, by IT service and by month.

    First response: met when ``first_response_at <= due_response_at``; breached when later, or
    when there is no response yet and the due time has passed. Resolution: met when resolved by
    ``due_resolution_at`` and never marked breached; breached when marked (``sla_breached_at``),
    resolved late, or unresolved past the due time (except while waiting for the requester, whose
    due time moves on). Neither yet: pending, left out of the percentage
    (``met / (met + breached)``). Rejected, cancelled and merged tickets are not counted."""
    now = now or timezone.now()
    period = Period.make(year, date_from, date_to)
    return _by_service_and_month(_sla_rows(user, period, institution, service, now), period, _sla_figures)


def response_times(user, year=None, date_from=None, date_to=None, institution=None, service=None,
                   now=None) -> dict:
    """Mean time to first response and to resolution, in hours of wall-clock (calendar) time,
    from the start of the SLA clock (when the ticket reached the IT queue — after approval; the
    creation time if it never waited for one) to ``first_response_at`` / ``resolved_at``; time
    on hold is included. Tickets created in the period, by IT service and month of creation."""
    now = now or timezone.now()
    period = Period.make(year, date_from, date_to)
    return _by_service_and_month(_sla_rows(user, period, institution, service, now), period, _sla_figures)


# --- (e) satisfaction ------------------------------------------------------------------------------

SAT_KEYS = ("resolved", "rated", "rating_sum", "r1", "r2", "r3", "r4", "r5")


def _sat_figures(values: dict) -> dict:
    get = lambda k: values.get(k) or 0  # noqa: E731
    rated = get("rated")
    return {"resolved": get("resolved"), "rated": rated, "rated_pct": _pct(rated, get("resolved")),
            "average": round(get("rating_sum") / rated, 2) if rated else None,
            **{f"r{n}": get(f"r{n}") for n in range(1, 6)}}


def satisfaction(user, year=None, date_from=None, date_to=None, institution=None, service=None,
                 now=None) -> dict:
    """Ratings (1–5) of the tickets created in the period that were resolved (or closed):
    average, how many gave each mark, and the share of resolved tickets that were rated — by
    IT service and by technician (the assignee)."""
    period = Period.make(year, date_from, date_to)
    rated = Q(rating__isnull=False)
    rows = list(
        _measured(user, period, institution, service).filter(resolved_at__isnull=False)
        .values("service_id", "assignee_id")
        .annotate(resolved=Count(ROWS), rated=Count(ROWS, filter=rated), rating_sum=Sum("rating", filter=rated),
                  **{f"r{n}": Count(ROWS, filter=Q(rating=n)) for n in range(1, 6)})
        .order_by()
    )
    by_service = _rollup(rows, lambda r: r["service_id"], SAT_KEYS)
    by_technician = _rollup(rows, lambda r: r["assignee_id"], SAT_KEYS)
    total: dict = {}
    for values in by_service.values():
        _add(total, values, SAT_KEYS)
    services, people = _service_names(by_service.keys()), _person_names(by_technician.keys())

    def table(grouped, names, none_label):
        return sorted(({"key": key, "label": names.get(key, none_label if key is None else str(key)),
                        **_sat_figures(values)} for key, values in grouped.items()),
                      key=lambda r: (r["key"] is None, str(r["label"]).casefold()))

    return {"period": period, "by_service": table(by_service, services, _("(none)")),
            "by_technician": table(by_technician, people, _("(unassigned)")),
            "total": {"label": _("Total"), **_sat_figures(total)}}


# --- (f) monthly trend -----------------------------------------------------------------------------

def monthly_trend(user, year=None, date_from=None, date_to=None, institution=None, service=None,
                  now=None) -> dict:
    """Per month of the period: tickets created (``created_at``), resolved (``resolved_at``;
    merged duplicates left out) and breached (``sla_breached_at``: the resolution due time passed
    unresolved) — each event counted in its own month, so a ticket created in March and resolved
    in April counts in both. Also the open balance: created − resolved."""
    period = Period.make(year, date_from, date_to)
    qs = tickets_for(user, institution, service)
    counts = {}
    for key, column, extra in (("created", "created_at", Q()), ("resolved", "resolved_at", Q(merged_into__isnull=True)),
                               ("breached", "sla_breached_at", Q())):
        rows = (qs.filter(extra, **{f"{column}__gte": period.start, f"{column}__lt": period.end})
                .annotate(month=TruncMonth(column)).values("month").annotate(n=Count(ROWS)).order_by())
        counts[key] = {}
        for row in rows:
            month = _month_key(row["month"])
            counts[key][month] = counts[key].get(month, 0) + row["n"]
    months = []
    for month in period.months:
        created, resolved = counts["created"].get(month, 0), counts["resolved"].get(month, 0)
        months.append({"key": month, "label": _month_label(month), "created": created, "resolved": resolved,
                       "breached": counts["breached"].get(month, 0), "balance": created - resolved})
    total = {key: sum(m[key] for m in months) for key in ("created", "resolved", "breached", "balance")}
    return {"period": period, "by_month": months, "total": {"label": _("Total"), **total}}
