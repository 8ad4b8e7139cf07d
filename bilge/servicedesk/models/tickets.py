"""Tickets: faults and requests, their approvals, comments and work."""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bilge.core.models import BaseModel
from bilge.core.permissions import RestrictedQuerySet


class TicketSequence(models.Model):
    """The last ticket number of a year, taken under a row lock (gapless and unique)."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    audit_exclude = True  # a counter; each number it hands out is recorded with its ticket

    def __str__(self):
        return f"{self.year}: {self.last}"


class Priority(models.IntegerChoices):
    CRITICAL = 1, _("critical")
    HIGH = 2, _("high")
    MEDIUM = 3, _("medium")
    LOW = 4, _("low")


class TicketQuerySet(RestrictedQuerySet):
    def in_queue(self):
        """Tickets the IT queues work on (approved, not finished)."""
        return self.filter(status__in=Ticket.QUEUE_STATUSES)


class Ticket(BaseModel):
    class Status(models.TextChoices):
        NEW = "new", _("new")
        AWAITING_APPROVAL = "awaiting_approval", _("awaiting approval")
        OPEN = "open", _("open")
        ASSIGNED = "assigned", _("assigned")
        IN_PROGRESS = "in_progress", _("in progress")
        WAITING_REQUESTER = "waiting_requester", _("waiting for the requester")
        WAITING_VENDOR = "waiting_vendor", _("waiting for the vendor")
        RESOLVED = "resolved", _("resolved")
        CLOSED = "closed", _("closed")
        REJECTED = "rejected", _("rejected")
        CANCELLED = "cancelled", _("cancelled")

    class Channel(models.TextChoices):
        PORTAL = "portal", _("portal")
        PHONE = "phone", _("phone")
        WALK_IN = "walk_in", _("walk-in")
        EMAIL = "email", _("e-mail")
        API = "api", _("API")

    QUEUE_STATUSES = ("open", "assigned", "in_progress", "waiting_requester", "waiting_vendor")
    FINISHED_STATUSES = ("resolved", "closed", "rejected", "cancelled")

    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    # No index of their own for these keys: the composite indexes in Meta begin with them, and each
    # index more is work on every ticket written.
    institution = models.ForeignKey("core.Institution", on_delete=models.PROTECT, related_name="tickets",
                                    verbose_name=_("institution"), db_index=False)
    requester = models.ForeignKey("core.Person", on_delete=models.PROTECT, related_name="tickets",
                                  verbose_name=_("requester"), db_index=False)
    requester_unit = models.ForeignKey("core.Unit", on_delete=models.PROTECT, related_name="tickets",
                                       verbose_name=_("requester's unit"), db_index=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("recorded by"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.PORTAL)
    request_type = models.ForeignKey("servicedesk.RequestType", on_delete=models.PROTECT, related_name="tickets",
                                     verbose_name=_("request type"))
    category = models.CharField(_("category"), max_length=100, blank=True)
    service = models.ForeignKey("servicedesk.Service", on_delete=models.PROTECT, related_name="tickets",
                                verbose_name=_("IT service"))
    service_unit = models.ForeignKey("core.Unit", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("IT unit"), editable=False, db_index=False)
    impact = models.PositiveSmallIntegerField(_("impact"), choices=[(1, _("institution-wide")), (2, _("a unit")),
                                                                   (3, _("one person"))], default=3)
    urgency = models.PositiveSmallIntegerField(_("urgency"), choices=[(1, _("work has stopped")),
                                                                     (2, _("work is hindered")),
                                                                     (3, _("can wait"))], default=2)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.MEDIUM)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW,
                              db_index=True)
    assignee = models.ForeignKey("core.Person", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="assigned_tickets", verbose_name=_("technician"), db_index=False)
    title = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    form_data = models.JSONField(_("form answers"), default=dict, blank=True)
    form_schema = models.JSONField(_("form"), default=list, blank=True, editable=False,
                                   help_text=_("The form as it was when the ticket was created."))
    related_devices = models.CharField(_("related devices"), max_length=300, blank=True,
                                       help_text=_("Sicil or serial numbers as typed (older tickets, devices not in "
                                                   "the inventory)."))
    devices = models.ManyToManyField("assets.Device", blank=True, related_name="tickets",
                                     verbose_name=_("devices"))
    phase = models.CharField(_("phase"), max_length=40, blank=True,
                             help_text=_("The current work phase, for request types with phases."))
    resolution = models.TextField(_("resolution"), blank=True)
    due_response_at = models.DateTimeField(_("first response due"), null=True, blank=True)
    due_resolution_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    paused_since = models.DateTimeField(_("SLA paused since"), null=True, blank=True, editable=False)
    sla_started_at = models.DateTimeField(_("SLA started"), null=True, blank=True, editable=False)
    sla_warned_at = models.DateTimeField(_("SLA warning sent"), null=True, blank=True, editable=False)
    sla_breached_at = models.DateTimeField(_("SLA breached"), null=True, blank=True, editable=False)
    rating = models.PositiveSmallIntegerField(_("satisfaction"), null=True, blank=True,
                                              choices=[(n, str(n)) for n in range(1, 6)])
    rating_comment = models.TextField(_("satisfaction comment"), blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    merged_into = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged",
                                    verbose_name=_("merged into"), editable=False)
    articles = models.ManyToManyField("servicedesk.Article", blank=True, related_name="tickets",
                                      verbose_name=_("knowledge-base articles"))
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = TicketQuerySet.as_manager()

    permission_module = "servicedesk"
    # The form a ticket was filled with is a copy of its request type's form of that day (each
    # change of which is recorded with the type), set once at creation and never changed: kept out
    # of the ticket's entries, where it took half of every creation entry.
    audit_ignored_fields = ("form_schema",)
    search_fields = ("number", "title", "requester__first_name", "requester__last_name", "related_devices")
    scope_paths = {"institution": "institution", "unit": "requester_unit", "owner": "requester",
                   "service": "service_unit"}
    # Until approved, the IT queues do not see a ticket.
    scope_conditions = {"it_service": (~Q(status__in=("new", "awaiting_approval", "rejected")),
                                       lambda t: t.status not in ("new", "awaiting_approval", "rejected"))}

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["service_unit", "status", "-id"], name="ticket_queue"),
            models.Index(fields=["requester", "-id"], name="ticket_requester"),
            models.Index(fields=["assignee", "status"], name="ticket_assignee"),
            models.Index(fields=["requester_unit", "-id"], name="ticket_unit"),
            # The reports of a period (SLA compliance, times, satisfaction, trend) read only this
            # index on PostgreSQL, not the tickets themselves: a year of a metropolitan
            # municipality (390,000 tickets) is 30 MB of index against 4.7 GB of table.
            models.Index(fields=["institution", "created_at"], name="ticket_report_cover",
                         include=["service", "service_unit", "requester_unit", "requester", "assignee", "status",
                                  "merged_into", "sla_started_at", "first_response_at", "due_response_at",
                                  "resolved_at", "due_resolution_at", "sla_breached_at", "rating"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(priority__gte=1, priority__lte=4), name="ticket_priority_range"),
            models.CheckConstraint(condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                                   name="ticket_rating_range"),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    def get_absolute_url(self):
        return reverse("servicedesk:ticket_detail", args=[self.pk])

    @property
    def phases(self) -> list:
        return self.request_type.phases or []

    @property
    def phase_name(self) -> str:
        from django.utils.translation import get_language

        lang = (get_language() or "tr")[:2]
        for p in self.phases:
            if p["key"] == self.phase:
                return p.get(f"name_{lang}") or p["name_tr"]
        return ""

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED_STATUSES


class Approval(BaseModel):
    class Decision(models.TextChoices):
        WAITING = "waiting", _("not yet due")
        PENDING = "pending", _("pending")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")
        SKIPPED = "skipped", _("skipped")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="approvals", verbose_name=_("ticket"))
    step = models.PositiveSmallIntegerField(_("step"), validators=[MaxValueValidator(50)])
    label = models.CharField(_("step"), max_length=150, blank=True)
    approver = models.ForeignKey("core.Person", on_delete=models.PROTECT, related_name="approvals",
                                 verbose_name=_("approver"))
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, default=Decision.WAITING)
    note = models.TextField(_("note"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    on_behalf_of = models.ForeignKey("core.Person", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("on behalf of"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    permission_module = "servicedesk"
    scope_paths = {"institution": "ticket__institution", "unit": "ticket__requester_unit",
                   "owner": "approver", "service": "ticket__service_unit"}

    class Meta:
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        ordering = ["ticket", "step"]
        constraints = [models.UniqueConstraint(fields=["ticket", "step"], name="approval_step_unique")]
        indexes = [models.Index(fields=["approver", "decision"], name="approval_inbox")]

    def __str__(self):
        return f"{self.ticket.number} #{self.step} {self.get_decision_display()}"

    def get_absolute_url(self):
        return self.ticket.get_absolute_url()


class Comment(BaseModel):
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="comments", verbose_name=_("ticket"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("author"))
    body = models.TextField(_("comment"))
    is_internal = models.BooleanField(_("internal"), default=False,
                                      help_text=_("Seen by IT staff only, not by the requester."))

    permission_module = "servicedesk"
    scope_paths = {"institution": "ticket__institution", "unit": "ticket__requester_unit",
                   "owner": "ticket__requester", "service": "ticket__service_unit"}

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["id"]

    def __str__(self):
        return f"{self.ticket.number}: {self.body[:40]}"

    def get_absolute_url(self):
        return self.ticket.get_absolute_url()


class WorkLog(BaseModel):
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="work_logs", verbose_name=_("ticket"))
    person = models.ForeignKey("core.Person", on_delete=models.PROTECT, related_name="work_logs",
                               verbose_name=_("technician"))
    minutes = models.PositiveIntegerField(_("minutes"))
    note = models.TextField(_("work done"))
    work_date = models.DateField(_("date"))

    permission_module = "servicedesk"
    scope_paths = {"institution": "ticket__institution", "unit": "ticket__requester_unit",
                   "owner": "person", "service": "ticket__service_unit"}

    class Meta:
        verbose_name = _("work log")
        verbose_name_plural = _("work logs")
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(minutes__gt=0, minutes__lte=24 * 60),
                                              name="worklog_minutes_range")]

    def __str__(self):
        return f"{self.ticket.number}: {self.minutes} min"

    def get_absolute_url(self):
        return self.ticket.get_absolute_url()


class TicketLink(BaseModel):
    """Two tickets that belong together: related (same cause, same event), or one a duplicate of
    the other (written by a merge). A link is shown on both tickets."""

    class Kind(models.TextChoices):
        RELATED = "related", _("related")
        DUPLICATE = "duplicate", _("duplicate of")

    from_ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_out",
                                    verbose_name=_("ticket"))
    to_ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_in",
                                  verbose_name=_("linked ticket"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.RELATED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("linked by"))

    permission_module = "servicedesk"
    scope_paths = {"institution": "from_ticket__institution", "unit": "from_ticket__requester_unit",
                   "owner": "from_ticket__requester", "service": "from_ticket__service_unit"}

    class Meta:
        verbose_name = _("ticket link")
        verbose_name_plural = _("ticket links")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["from_ticket", "to_ticket"], name="ticket_link_unique"),
            models.CheckConstraint(condition=~Q(from_ticket=models.F("to_ticket")), name="ticket_link_not_self"),
        ]

    def __str__(self):
        return f"{self.from_ticket_id} → {self.to_ticket_id} ({self.kind})"

    def get_absolute_url(self):
        return self.from_ticket.get_absolute_url()
