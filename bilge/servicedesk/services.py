"""Service-desk operations. Every state change of a ticket goes through here: it checks that the
move is allowed from the current state and that the user has the right, runs in one transaction,
and lands in the audit trail (the models are audited)."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bilge.core import audit, configcache, numbering
from bilge.core.events import emit
from bilge.core.models import Delegation, Person, Unit
from bilge.core.notify import localized, notify, preferences
from bilge.core.permissions import authorize, person_of
from bilge.core.turkish import fold
from bilge.servicedesk.forms_schema import clean_answers
from bilge.servicedesk.models import (
    Approval,
    Comment,
    RequestType,
    Ticket,
    TicketLink,
    TicketSequence,
    WorkLog,
)

S = Ticket.Status
DPO_POSITIONS = ("Kişisel Verileri Koruma Sorumlusu", "KVKK Sorumlusu", "Veri Koruma Sorumlusu")
APPROVAL_LINK_SALT = "bilge.servicedesk.approval"

# Which moves are allowed from which state (besides approvals, which open or reject a ticket).
TRANSITIONS = {
    "assign": {S.OPEN, S.ASSIGNED, S.IN_PROGRESS, S.WAITING_REQUESTER, S.WAITING_VENDOR},
    "start": {S.OPEN, S.ASSIGNED, S.WAITING_REQUESTER, S.WAITING_VENDOR},
    "wait_requester": {S.OPEN, S.ASSIGNED, S.IN_PROGRESS},
    "wait_vendor": {S.OPEN, S.ASSIGNED, S.IN_PROGRESS},
    "resolve": {S.OPEN, S.ASSIGNED, S.IN_PROGRESS, S.WAITING_REQUESTER, S.WAITING_VENDOR},
    "close": {S.RESOLVED},
    "reopen": {S.RESOLVED, S.CLOSED},
    "phase": {S.OPEN, S.ASSIGNED, S.IN_PROGRESS, S.WAITING_REQUESTER, S.WAITING_VENDOR},
    "categorize": {S.OPEN, S.ASSIGNED, S.IN_PROGRESS, S.WAITING_REQUESTER, S.WAITING_VENDOR, S.RESOLVED},
    "cancel": {S.NEW, S.AWAITING_APPROVAL, S.OPEN, S.ASSIGNED, S.IN_PROGRESS, S.WAITING_REQUESTER,
               S.WAITING_VENDOR},
}


class Conflict(Exception):
    """Someone else changed the ticket since it was read: nothing was overwritten."""


def priority_for(impact: int, urgency: int) -> int:
    """Impact × urgency (each 1 high … 3 low) → priority 1 (critical) … 4 (low)."""
    score = impact + urgency
    return 1 if score <= 2 else 2 if score == 3 else 3 if score == 4 else 4


# --- numbering ---------------------------------------------------------------------------------

def next_number(year: int) -> str:
    """The next number of the year, e.g. 2026-000123: unique and gapless also under concurrent
    creation (the year's counter row is locked until the creating transaction ends)."""
    return f"{year}-{numbering.take(TicketSequence, year=year):06d}"


# --- creating -----------------------------------------------------------------------------------

def _approver_for(step: dict, requester: Person) -> Person:
    kind = step["kind"]
    inst = requester.institution_id
    if kind == "unit_manager":
        unit = requester.unit
        while unit is not None:
            if unit.manager_id and unit.manager_id != requester.pk:
                return unit.manager
            unit = unit.parent
        raise ValidationError(_("No manager is recorded for %(unit)s or the units above it; the request "
                                "cannot be routed for approval.") % {"unit": requester.unit})
    if kind == "position":
        ids = [u.pk for u in requester.unit.ancestors(include_self=True)]
        found = (Person.objects.current().filter(institution=inst, unit_id__in=ids, position__name=step["position"])
                 .exclude(pk=requester.pk).order_by("pk").first())
        if found is None:
            raise ValidationError(_("Nobody holds the position %(position)s for this unit.") % step)
        return found
    if kind == "person":
        found = Person.objects.current().filter(institution=inst, registration_no=step["registration_no"]).first()
        if found is None:
            raise ValidationError(_("The approver %(registration_no)s is not a current member of staff.") % step)
        return found
    found = Person.objects.current().filter(institution=inst, position__name__in=DPO_POSITIONS).order_by("pk").first()
    if found is None:
        raise ValidationError(_("No data-protection officer is recorded (a person with the position "
                                "'Kişisel Verileri Koruma Sorumlusu')."))
    return found


@transaction.atomic
def create_ticket(user, *, requester: Person, request_type: RequestType, title: str, description: str = "",
                  answers: dict | None = None, impact: int | None = None, urgency: int | None = None,
                  channel: str = Ticket.Channel.PORTAL, related_devices: str = "", files=()) -> Ticket:
    """Record a fault or request. The requester files their own; IT staff may record one on
    someone's behalf (phone, walk-in). Nothing is written when anything is wrong."""
    if request_type.is_archived:
        raise ValidationError(_("This request type is no longer offered."))
    if not title.strip():
        raise ValidationError({"title": [_("A subject is required.")]})
    cleaned = clean_answers(request_type.form, answers or {}, institution=requester.institution_id)
    from bilge.servicedesk import attachments

    files = list(files or [])
    attachments.check_files(files)
    impact = impact or request_type.default_impact
    urgency = urgency or request_type.default_urgency
    if impact not in (1, 2, 3) or urgency not in (1, 2, 3):
        raise ValidationError(_("Impact and urgency are 1, 2 or 3."))
    ticket = Ticket(
        phase=(request_type.phases[0]["key"] if request_type.phases else ""),
        institution_id=requester.institution_id, requester=requester, requester_unit_id=requester.unit_id,
        created_by=user,
        channel=channel, request_type=request_type, category=request_type.category, service=request_type.service,
        service_unit_id=request_type.service.unit_id, impact=impact, urgency=urgency,
        priority=priority_for(impact, urgency), title=title.strip()[:200], description=description.strip(),
        form_data=cleaned, form_schema=request_type.form, related_devices=related_devices.strip()[:300],
    )
    allowed, principal = authorize(user, "add", ticket)
    if not allowed:
        raise PermissionError(_("You may not record a request for this person."))
    steps = [(step, _approver_for(step, requester)) for step in request_type.approval_chain]
    ticket.status = S.AWAITING_APPROVAL if steps else S.OPEN
    # Everything that only reads comes first. The year's counter and the audit chain are locked
    # from their first write until commit, for every creation at once: both are taken at the end,
    # and the requester's notification preferences are read before.
    with audit.batched():
        if not steps:
            _start_clock(ticket)
        recipient = _user_of(requester)
        prefs = preferences([recipient]) if recipient is not None else {}
        with audit.acting_for(user, principal):
            ticket.number = next_number(timezone.localdate().year)
            ticket.save()
            from bilge.assets.services.devices import link_form_devices

            link_form_devices(ticket)  # a "device" field holding a known sicil no links that device
            chosen = getattr(ticket, "_auto_assigned_to", None)
            if chosen is not None and chosen.user_id:
                notify(chosen.user, "assigned", {"number": ticket.number, "title": ticket.title},
                       ticket.get_absolute_url())
            for index, (step, approver) in enumerate(steps, start=1):
                approval = Approval.objects.create(
                    ticket=ticket, step=index, label=step.get("label", ""), approver=approver,
                    decision=Approval.Decision.PENDING if index == 1 else Approval.Decision.WAITING)
                if index == 1:
                    _ask_for_approval(approval)
            # Files are written last, when everything else is known to be valid.
            attachments.store(ticket, files, user)
            emit("ticket.created", ticket, user)
            notify(recipient, "created",
                   {"number": ticket.number, "title": ticket.title, "awaiting_approval": bool(steps),
                    "type": localized(tr=request_type.name_tr, en=request_type.name_en)}, ticket.get_absolute_url(),
                   prefs=prefs)
    return ticket


def _user_of(person):
    return getattr(person, "user", None) if person is not None else None


def _ask_for_approval(approval: Approval) -> None:
    """The approver (and whoever deputises for them) gets the signed link that opens the decision."""
    ticket = approval.ticket
    link = reverse("servicedesk:approval_link", args=[approval_link_token(approval)])
    recipients = [_user_of(approval.approver)] + [_user_of(p) for p in deputies_for(approval.approver)]
    notify(recipients, "approval_needed",
           {"number": ticket.number, "title": ticket.title, "requester": ticket.requester.full_name,
            "type": localized(tr=ticket.request_type.name_tr, en=ticket.request_type.name_en)}, link)


# --- approvals ------------------------------------------------------------------------------------

def deputies_for(person: Person):
    """People acting for ``person`` today (both kinds of delegation carry approvals)."""
    today = timezone.localdate()
    return Person.objects.filter(delegations_received__principal=person, delegations_received__start_date__lte=today,
                                 delegations_received__end_date__gte=today,
                                 delegations_received__archived_at__isnull=True)


def can_decide(user, approval: Approval) -> bool:
    person = person_of(user)
    if person is None or approval.decision != Approval.Decision.PENDING:
        return False
    return person.pk == approval.approver_id or deputies_for(approval.approver).filter(pk=person.pk).exists()


def pending_approvals_for(user):
    """The approvals waiting for the user: their own and those of people they deputise for."""
    person = person_of(user)
    if person is None:
        return Approval.objects.none()
    today = timezone.localdate()
    principals = Delegation.objects.filter(delegate=person, start_date__lte=today, end_date__gte=today,
                                           archived_at__isnull=True).values("principal_id")
    from django.db.models import Q

    return (Approval.objects.filter(decision=Approval.Decision.PENDING)
            .filter(Q(approver=person) | Q(approver_id__in=principals))
            .select_related("ticket", "ticket__requester", "ticket__request_type", "approver").order_by("ticket_id"))


@transaction.atomic
def decide(user, approval: Approval, approve: bool, note: str = "") -> Approval:
    approval = Approval.objects.select_for_update().select_related("approver", "ticket").get(pk=approval.pk)
    if not can_decide(user, approval):
        raise PermissionError(_("This approval is not yours to decide (or it is already decided)."))
    if not approve and not note.strip():
        raise ValidationError({"note": [_("Say why the request is rejected.")]})
    person = person_of(user)
    deputy = person.pk != approval.approver_id
    approval.decision = Approval.Decision.APPROVED if approve else Approval.Decision.REJECTED
    approval.note = note.strip()
    approval.decided_by = user
    approval.on_behalf_of = approval.approver if deputy else None
    approval.decided_at = timezone.now()
    ticket = Ticket.objects.select_for_update().get(pk=approval.ticket_id)
    ctx = audit.current_context()
    principal_user = approval.approver.user if deputy else None
    with audit.acting_as(user, ip=ctx.ip, source=ctx.source, on_behalf_of=principal_user):
        approval.save()
        if not approve:
            ticket.status = S.REJECTED
            ticket.approvals.filter(decision=Approval.Decision.WAITING).update(decision=Approval.Decision.SKIPPED)
        else:
            following = ticket.approvals.filter(step__gt=approval.step).order_by("step").first()
            if following is not None:
                following.decision = Approval.Decision.PENDING
                following.save(update_fields=["decision", "updated_at"])
                _ask_for_approval(following)
            else:
                ticket.status = S.OPEN
                _start_clock(ticket)
        ticket.version += 1
        ticket.save()
        emit("ticket.approval_decided", ticket, user, step=approval.step, approved=approve,
             approver=approval.approver.full_name, on_behalf_of=deputy)
        if ticket.status in (S.OPEN, S.REJECTED):
            notify(_user_of(ticket.requester), "decision",
                   {"number": ticket.number, "title": ticket.title, "approved": approve, "note": approval.note},
                   ticket.get_absolute_url())
    return approval


def _start_clock(ticket: Ticket) -> None:
    """The ticket reaches the IT queue (after any approval): the SLA clock starts and the
    assignment rules pick a technician."""
    from bilge.servicedesk.sla import set_due_times

    set_due_times(ticket, timezone.now())
    auto_assign(ticket)


def assignment_rules(service_id: int) -> list[dict]:
    """The service's current assignment rules in their order, as plain data: read at every ticket
    that reaches the queue, so each process keeps them until a rule changes (configcache)."""
    from bilge.servicedesk.models import AssignmentRule

    def load():
        rules = (AssignmentRule.objects.filter(service_id=service_id, archived_at__isnull=True)
                 .prefetch_related("members").order_by("order", "id"))
        return [{"pk": rule.pk, "request_type_id": rule.request_type_id, "category": fold(rule.category),
                 "requester_unit_id": rule.requester_unit_id, "strategy": rule.strategy,
                 "members": tuple(sorted(m.pk for m in rule.members.all()))} for rule in rules]

    return configcache.get(("assignment-rules", service_id), load)


def auto_assign(ticket: Ticket):
    """Apply the service's first matching rule (in order): round robin, or the member with the
    fewest unfinished tickets. Returns the technician, or None (the ticket stays in the queue)."""
    from bilge.servicedesk.models import AssignmentRule

    for rule in assignment_rules(ticket.service_id):
        if rule["request_type_id"] and rule["request_type_id"] != ticket.request_type_id:
            continue
        if rule["category"] and rule["category"] != fold(ticket.category):
            continue
        if rule["requester_unit_id"] and ticket.requester_unit_id not in Unit.objects.descendant_ids(
                rule["requester_unit_id"]):
            continue
        # The members themselves are read now: one may have left since the rule was kept.
        members = list(Person.objects.filter(pk__in=rule["members"], archived_at__isnull=True)
                       .select_related("user").order_by("pk"))
        if not members:
            continue
        if rule["strategy"] == AssignmentRule.Strategy.ROUND_ROBIN:
            # The rule's turn is locked until commit: tickets created at once take turns in order.
            last = (AssignmentRule.objects.select_for_update().filter(pk=rule["pk"])
                    .values_list("last_assigned_id", flat=True).first())
            ids = [m.pk for m in members]
            after = ids.index(last) + 1 if last in ids else 0
            chosen = members[after % len(members)]
        else:
            load = dict(Ticket.objects.filter(assignee__in=members).exclude(status__in=Ticket.FINISHED_STATUSES)
                        .values_list("assignee").annotate(n=Count("id")))
            chosen = min(members, key=lambda m: (load.get(m.pk, 0), m.pk))
        # Whose turn it is: bookkeeping (the audit trail records it; kept rules stay kept).
        AssignmentRule.objects.filter(pk=rule["pk"]).update(last_assigned=chosen)
        ticket.assignee = chosen
        if ticket.status == S.OPEN:
            ticket.status = S.ASSIGNED
        if ticket.pk and chosen.user_id:
            notify(chosen.user, "assigned", {"number": ticket.number, "title": ticket.title},
                   ticket.get_absolute_url())
        ticket._auto_assigned_to = chosen
        return chosen
    return None


def technicians(unit_id: int | None, limit: int = 300):
    """The current staff of an IT unit and the units below it, by name: who a ticket of that
    unit's services can be assigned to."""
    if not unit_id:
        return Person.objects.none()
    return (Person.objects.current().filter(unit_id__in=Unit.objects.descendant_ids(unit_id))
            .order_by("last_name", "first_name")[:limit])


def approval_link_token(approval: Approval) -> str:
    """The signed token of the e-mail link that opens this approval (expires, see approval_from_token)."""
    return signing.dumps({"a": approval.pk, "p": approval.approver_id}, salt=APPROVAL_LINK_SALT, compress=True)


def approval_from_token(token: str) -> Approval:
    max_age = getattr(settings, "SERVICEDESK_APPROVAL_LINK_DAYS", 7) * 24 * 3600
    try:
        data = signing.loads(token, salt=APPROVAL_LINK_SALT, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise ValidationError(_("This approval link has expired; open the request from your approvals list.")) from exc
    except signing.BadSignature as exc:
        raise ValidationError(_("This approval link is not valid.")) from exc
    approval = Approval.objects.filter(pk=data.get("a"), approver_id=data.get("p")).select_related("ticket").first()
    if approval is None:
        raise ValidationError(_("This approval link is not valid."))
    return approval


# --- working a ticket -------------------------------------------------------------------------------

def _locked(ticket: Ticket, expected_version: int | None) -> Ticket:
    current = Ticket.objects.select_for_update().get(pk=ticket.pk)
    _check_version(current, expected_version)
    return current


def _check_version(current: Ticket, expected_version: int | None) -> None:
    if expected_version is not None and current.version != expected_version:
        raise Conflict(_("%(number)s was changed by someone else while you were working on it. Reload the page "
                         "to see the changes; nothing was overwritten.") % {"number": current.number})


def _move(user, ticket: Ticket, move: str, expected_version: int | None, action: str = "change") -> Ticket:
    current = _locked(ticket, expected_version)
    allowed, principal = authorize(user, action, current)
    if not allowed:
        raise PermissionError(_("You may not change this ticket."))
    if current.status not in TRANSITIONS[move]:
        raise ValidationError(_("A ticket that is %(status)s cannot be %(move)s.")
                              % {"status": current.get_status_display(), "move": MOVE_LABELS[move]})
    current._principal = principal
    return current


MOVE_LABELS = {
    "assign": _("assigned"), "start": _("started"), "wait_requester": _("put on hold for the requester"),
    "wait_vendor": _("put on hold for the vendor"), "resolve": _("resolved"), "close": _("closed"),
    "reopen": _("reopened"), "cancel": _("cancelled"), "phase": _("moved to another phase"),
    "categorize": _("recategorized"),
}


def _save(user, ticket: Ticket, event: str | None = None, **data) -> Ticket:
    ticket.version += 1
    with audit.acting_for(user, getattr(ticket, "_principal", None)):
        ticket.save()
    if event:
        emit(event, ticket, user, **data)
    return ticket


def _mark_first_response(ticket: Ticket) -> None:
    if ticket.first_response_at is None:
        ticket.first_response_at = timezone.now()


@transaction.atomic
def assign(user, ticket: Ticket, technician: Person, expected_version: int | None = None) -> Ticket:
    current = _move(user, ticket, "assign", expected_version)
    if not technician.unit.is_it or technician.is_archived:
        raise ValidationError({"assignee": [_("Tickets are assigned to current IT staff.")]})
    current.assignee = technician
    if current.status == S.OPEN:
        current.status = S.ASSIGNED
    _mark_first_response(current)
    _save(user, current, "ticket.assigned", technician=technician.full_name)
    if technician.user_id and technician.user_id != user.pk:
        notify(technician.user, "assigned", {"number": current.number, "title": current.title},
               current.get_absolute_url())
    return current


@transaction.atomic
def start(user, ticket: Ticket, expected_version: int | None = None) -> Ticket:
    current = _move(user, ticket, "start", expected_version)
    if current.assignee_id is None:
        current.assignee = person_of(user)
    _resume_clock(current)
    current.status = S.IN_PROGRESS
    _mark_first_response(current)
    return _save(user, current, "ticket.started")


@transaction.atomic
def hold(user, ticket: Ticket, for_requester: bool, expected_version: int | None = None) -> Ticket:
    current = _move(user, ticket, "wait_requester" if for_requester else "wait_vendor", expected_version)
    current.status = S.WAITING_REQUESTER if for_requester else S.WAITING_VENDOR
    if for_requester:
        current.paused_since = timezone.now()  # waiting for the requester does not count
    _mark_first_response(current)
    return _save(user, current, "ticket.on_hold", waiting_for="requester" if for_requester else "vendor")


def _resume_clock(ticket: Ticket) -> None:
    """Leaving "waiting for the requester": push the due times by the business time paused."""
    if ticket.paused_since is None:
        return
    from bilge.servicedesk.sla import shift_due_times

    shift_due_times(ticket, ticket.paused_since, timezone.now())
    ticket.paused_since = None


@transaction.atomic
def resolve(user, ticket: Ticket, resolution: str, expected_version: int | None = None) -> Ticket:
    current = _move(user, ticket, "resolve", expected_version)
    if not resolution.strip():
        raise ValidationError({"resolution": [_("Write what was done.")]})
    _resume_clock(current)
    current.status = S.RESOLVED
    current.resolution = resolution.strip()
    current.resolved_at = timezone.now()
    _mark_first_response(current)
    _save(user, current, "ticket.resolved")
    notify(_user_of(current.requester), "resolved",
           {"number": current.number, "title": current.title, "resolution": current.resolution},
           current.get_absolute_url())
    return current


@transaction.atomic
def close(user, ticket: Ticket, expected_version: int | None = None) -> Ticket:
    current = _move(user, ticket, "close", expected_version)
    current.status = S.CLOSED
    current.closed_at = timezone.now()
    return _save(user, current, "ticket.closed")


@transaction.atomic
def reopen(user, ticket: Ticket, reason: str, expected_version: int | None = None) -> Ticket:
    current = _locked(ticket, expected_version)
    person = person_of(user)
    is_requester = person is not None and person.pk == current.requester_id
    allowed, principal = authorize(user, "change", current)
    if not (allowed or is_requester):
        raise PermissionError(_("You may not reopen this ticket."))
    if current.status not in TRANSITIONS["reopen"]:
        raise ValidationError(_("Only a resolved or closed ticket can be reopened."))
    days = getattr(settings, "SERVICEDESK_REOPEN_DAYS", 10)
    if current.resolved_at and (timezone.now() - current.resolved_at).days > days:
        raise ValidationError(_("It is more than %(days)s days since it was resolved: open a new request.")
                              % {"days": days})
    if not reason.strip():
        raise ValidationError({"reason": [_("Say what is still wrong.")]})
    current.status = S.ASSIGNED if current.assignee_id else S.OPEN
    current.resolved_at = None
    current.closed_at = None
    current._principal = principal
    _save(user, current, "ticket.reopened", reason=reason.strip())
    Comment.objects.create(ticket=current, author=user, body=reason.strip())
    return current


@transaction.atomic
def cancel(user, ticket: Ticket, reason: str = "", expected_version: int | None = None) -> Ticket:
    current = _locked(ticket, expected_version)
    person = person_of(user)
    if person is None or person.pk != current.requester_id:
        raise PermissionError(_("Only the requester can withdraw a request."))
    if current.status not in TRANSITIONS["cancel"]:
        raise ValidationError(_("This request is already finished."))
    current.status = S.CANCELLED
    current.closed_at = timezone.now()
    current.approvals.filter(decision__in=[Approval.Decision.PENDING, Approval.Decision.WAITING]).update(
        decision=Approval.Decision.SKIPPED)
    _save(user, current, "ticket.cancelled")
    if reason.strip():
        Comment.objects.create(ticket=current, author=user, body=reason.strip())
    return current


@transaction.atomic
def attach(user, ticket: Ticket, files) -> list[str]:
    """Add files to a ticket (its requester, or staff who may change it)."""
    from bilge.servicedesk import attachments

    person = person_of(user)
    is_requester = person is not None and person.pk == ticket.requester_id
    allowed, _principal = authorize(user, "change", ticket)
    if not (allowed or is_requester):
        raise PermissionError(_("You may not add files to this ticket."))
    files = list(files or [])
    if not files:
        raise ValidationError({"attachments": [_("Choose a file.")]})
    attachments.check_files(files)
    return attachments.store(ticket, files, user)


@transaction.atomic
def add_comment(user, ticket: Ticket, body: str, internal: bool = False) -> Comment:
    if not body.strip():
        raise ValidationError({"body": [_("The comment is empty.")]})
    person = person_of(user)
    is_requester = person is not None and person.pk == ticket.requester_id
    staff_allowed, _principal = authorize(user, "change", ticket)
    if not (staff_allowed or is_requester):
        raise PermissionError(_("You may not comment on this ticket."))
    if internal and not staff_allowed:
        raise PermissionError(_("Only IT staff write internal comments."))
    comment = Comment.objects.create(ticket=ticket, author=user, body=body.strip(), is_internal=internal)
    emit("ticket.commented", ticket, user, comment=comment.pk, internal=internal)
    if not internal:
        other = _user_of(ticket.assignee) if is_requester else _user_of(ticket.requester)
        if other is not None and other.pk != user.pk:
            notify(other, "comment", {"number": ticket.number, "title": ticket.title, "comment": comment.body,
                                      "author": person.full_name if person else user.get_username()},
                   ticket.get_absolute_url())
    if staff_allowed and not is_requester and not internal and ticket.first_response_at is None:
        Ticket.objects.filter(pk=ticket.pk).update(first_response_at=timezone.now())
    return comment


@transaction.atomic
def log_work(user, ticket: Ticket, minutes: int, note: str, work_date=None) -> WorkLog:
    allowed, _principal = authorize(user, "change", ticket)
    person = person_of(user)
    if not allowed or person is None:
        raise PermissionError(_("You may not log work on this ticket."))
    if not (0 < int(minutes) <= 24 * 60):
        raise ValidationError({"minutes": [_("Between 1 minute and 24 hours.")]})
    if not note.strip():
        raise ValidationError({"note": [_("Say what was done.")]})
    return WorkLog.objects.create(ticket=ticket, person=person, minutes=int(minutes), note=note.strip(),
                                  work_date=work_date or timezone.localdate())


@transaction.atomic
def set_phase(user, ticket: Ticket, phase: str, expected_version: int | None = None) -> Ticket:
    """Move a phased request (e.g. a software request: analysis → approval → development → test →
    delivery) to one of its type's phases."""
    current = _move(user, ticket, "phase", expected_version)
    keys = [p["key"] for p in current.phases]
    if phase not in keys:
        raise ValidationError({"phase": [_("This request type has no such phase.")]})
    current.phase = phase
    if current.status != S.IN_PROGRESS:
        _resume_clock(current)
        current.status = S.IN_PROGRESS
    _mark_first_response(current)
    return _save(user, current, "ticket.phase_changed", phase=phase)


@transaction.atomic
def categorize(user, ticket: Ticket, category: str, expected_version: int | None = None) -> Ticket:
    """IT staff put the ticket in the right category (the requester picked the type, not this)."""
    current = _move(user, ticket, "categorize", expected_version)
    current.category = category.strip()[:100]
    return _save(user, current)


@transaction.atomic
def rate(user, ticket: Ticket, rating: int, comment: str = "") -> Ticket:
    """The requester's satisfaction (1–5 and a comment), once, after the ticket is resolved."""
    current = Ticket.objects.select_for_update().get(pk=ticket.pk)
    person = person_of(user)
    if person is None or person.pk != current.requester_id:
        raise PermissionError(_("Only the requester rates a request."))
    if current.status not in (S.RESOLVED, S.CLOSED):
        raise ValidationError(_("A request is rated after it is resolved."))
    if current.rating is not None:
        raise ValidationError(_("This request is already rated."))
    if rating not in (1, 2, 3, 4, 5):
        raise ValidationError({"rating": [_("Choose from 1 (poor) to 5 (excellent).")]})
    current.rating = rating
    current.rating_comment = comment.strip()[:2000]
    current.rated_at = timezone.now()
    return _save(user, current, "ticket.rated", rating=rating)


# --- merging, linking, escalation, bulk work -------------------------------------------------------

def _lock_pair(a: Ticket, b: Ticket) -> tuple[Ticket, Ticket]:
    """Lock two tickets in id order (two people merging crosswise never deadlock)."""
    locked = {t.pk: t for t in Ticket.objects.select_for_update().filter(pk__in=[a.pk, b.pk]).order_by("pk")}
    return locked[a.pk], locked[b.pk]


def _find_ticket(user, reference, institution_id) -> Ticket:
    """A ticket the user may see, by id or by its number (e.g. 2026-000123)."""
    reference = str(reference or "").strip()
    qs = Ticket.objects.visible_to(user, "view").filter(institution_id=institution_id)
    found = qs.filter(number=reference).first() or (qs.filter(pk=int(reference)).first() if reference.isdigit()
                                                      else None)
    if found is None:
        raise ValidationError({"target": [_("No ticket %(number)s that you may see.") % {"number": reference}]})
    return found


@transaction.atomic
def merge(user, duplicate: Ticket, target: Ticket, expected_version: int | None = None) -> Ticket:
    """Close ``duplicate`` as a duplicate of ``target``: the work continues on the target, which
    gets the duplicate's description as an internal note and a link; the duplicate's requester is
    told. Both must be in the IT queue and changeable by the user."""
    if duplicate.pk == target.pk:
        raise ValidationError({"target": [_("A ticket cannot be merged into itself.")]})
    duplicate, target = _lock_pair(duplicate, target)
    _check_version(duplicate, expected_version)
    allowed, principal = authorize(user, "change", duplicate)
    if not allowed or not authorize(user, "change", target)[0]:
        raise PermissionError(_("You may not change both tickets."))
    if duplicate.institution_id != target.institution_id:
        raise ValidationError({"target": [_("Tickets of different institutions cannot be merged.")]})
    for ticket in (duplicate, target):
        if ticket.status not in Ticket.QUEUE_STATUSES:
            raise ValidationError({"target": [_("%(number)s is %(status)s: only tickets in the IT queue are merged.")
                                              % {"number": ticket.number, "status": ticket.get_status_display()}]})
    now = timezone.now()
    _resume_clock(duplicate)
    duplicate.status = S.CLOSED
    duplicate.merged_into = target
    duplicate.resolution = _("Merged into %(number)s; the work continues there.") % {"number": target.number}
    duplicate.resolved_at = duplicate.closed_at = now
    duplicate._principal = principal
    _save(user, duplicate, "ticket.merged", into=target.number)
    TicketLink.objects.create(from_ticket=duplicate, to_ticket=target, kind=TicketLink.Kind.DUPLICATE, created_by=user)
    Comment.objects.create(
        ticket=target, author=user, is_internal=True,
        body=_("Merged from %(number)s (%(requester)s): %(title)s\n\n%(description)s")
        % {"number": duplicate.number, "requester": duplicate.requester.full_name, "title": duplicate.title,
           "description": duplicate.description})
    extra = [d for d in duplicate.related_devices.split() if d not in target.related_devices.split()]
    if extra:
        target.related_devices = " ".join([target.related_devices, *extra]).strip()[:300]
    _save(user, target)
    notify(_user_of(duplicate.requester), "resolved",
           {"number": duplicate.number, "title": duplicate.title, "merged_into": target.number},
           duplicate.get_absolute_url())
    return duplicate


@transaction.atomic
def link(user, ticket: Ticket, other: Ticket) -> TicketLink:
    """Mark two tickets as related (e.g. the same network outage); shown on both."""
    if ticket.pk == other.pk:
        raise ValidationError({"target": [_("A ticket cannot be linked to itself.")]})
    if not authorize(user, "change", ticket)[0] or not Ticket.objects.visible_to(user, "view").filter(
            pk=other.pk).exists():
        raise PermissionError(_("You may not link these tickets."))
    if TicketLink.objects.filter(Q(from_ticket=ticket, to_ticket=other) | Q(from_ticket=other, to_ticket=ticket)).exists():
        raise ValidationError({"target": [_("These tickets are already linked.")]})
    created = TicketLink.objects.create(from_ticket=ticket, to_ticket=other, created_by=user)
    emit("ticket.linked", ticket, user, to=other.number)
    return created


@transaction.atomic
def unlink(user, ticket: Ticket, link_id: int) -> None:
    found = TicketLink.objects.filter(Q(from_ticket=ticket) | Q(to_ticket=ticket), pk=link_id,
                                      kind=TicketLink.Kind.RELATED).first()
    if found is None:
        raise ValidationError(_("No such link."))
    if not authorize(user, "change", ticket)[0]:
        raise PermissionError(_("You may not change this ticket."))
    found.delete()


def links_of(user, ticket: Ticket) -> list[dict]:
    """The ticket's links in both directions, with the other ticket if the user may see it."""
    visible = Ticket.objects.visible_to(user, "view")
    rows = []
    for found in (TicketLink.objects.filter(Q(from_ticket=ticket) | Q(to_ticket=ticket))
                  .select_related("from_ticket", "to_ticket").order_by("id")):
        outgoing = found.from_ticket_id == ticket.pk
        other = found.to_ticket if outgoing else found.from_ticket
        if found.kind == TicketLink.Kind.DUPLICATE:
            label = _("duplicate of") if outgoing else _("merged here")
        else:
            label = _("related")
        rows.append({"link": found, "other": other, "label": label,
                     "visible": visible.filter(pk=other.pk).exists()})
    return rows


@transaction.atomic
def link_article(user, ticket: Ticket, article_id, remove: bool = False) -> None:
    """Record which knowledge-base article helped with (or explains) a ticket."""
    if not authorize(user, "change", ticket)[0]:
        raise PermissionError(_("You may not change this ticket."))
    article = articles_for(user).filter(pk=int(article_id) if str(article_id or "").isdigit() else 0).first()
    if article is None:
        raise ValidationError({"article": [_("Choose an article.")]})
    if remove:
        ticket.articles.remove(article)
    else:
        ticket.articles.add(article)


def escalate(ticket: Ticket) -> bool:
    """The service's action on a breached ticket (the worker calls it inside its transaction):
    hand it to the chief or a named person, or put it back in the queue. Says whether it changed
    the ticket."""
    from bilge.servicedesk.models import BreachAction

    service = ticket.service
    action = service.breach_action
    if action == BreachAction.NOTIFY:
        return False
    current = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if current.status not in Ticket.QUEUE_STATUSES or current.status == S.WAITING_REQUESTER:
        return False
    target = {BreachAction.CHIEF: service.chief, BreachAction.PERSON: service.escalation_person}.get(action)
    if action == BreachAction.QUEUE:
        if current.assignee_id is None:
            return False
        current.assignee = None
        current.status = S.OPEN
    elif target is None or target.is_archived or target.pk == current.assignee_id:
        return False
    else:
        current.assignee = target
        if current.status == S.OPEN:
            current.status = S.ASSIGNED
    current.version += 1
    current.save()
    emit("ticket.escalated", current, None, action=action, technician=target.full_name if target else "")
    if target is not None and target.user_id:
        notify(target.user, "assigned", {"number": current.number, "title": current.title, "escalated": True},
               current.get_absolute_url())
    return True


class BulkError(ValidationError):
    """Some tickets of a bulk action could not be changed; none was (``failures`` says why)."""

    def __init__(self, failures: list[tuple[str, str]]):
        self.failures = failures
        super().__init__([f"{number}: {reason}" for number, reason in failures])


BULK_MOVES = ("assign", "start", "wait_vendor", "resolve", "close", "comment", "merge")


@transaction.atomic
def bulk(user, ticket_ids, move: str, data) -> int:
    """Apply one move to many tickets at once — all of them or none: if any ticket refuses, nothing
    is changed and every refusal is reported with its ticket number."""
    if move not in BULK_MOVES:
        raise ValidationError(_("This action cannot be applied to many tickets."))
    ids = sorted({int(i) for i in ticket_ids if str(i).isdigit()})
    if not ids:
        raise ValidationError(_("Select at least one ticket."))
    if len(ids) > 500:
        raise ValidationError(_("At most 500 tickets at once."))
    tickets = list(Ticket.objects.visible_to(user, "view").filter(pk__in=ids).order_by("pk"))
    failures = [(str(pk), _("not found or not visible to you")) for pk in sorted(set(ids) - {t.pk for t in tickets})]
    for ticket in tickets:
        try:
            with transaction.atomic():
                perform(user, ticket, move, data)
        except (ValidationError, PermissionError, Conflict) as exc:
            reason = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            failures.append((ticket.number, reason))
    if failures:
        transaction.set_rollback(True)
        raise BulkError(failures)
    return len(tickets)


MOVES = ("assign", "start", "wait_requester", "wait_vendor", "resolve", "close", "reopen", "cancel", "comment",
         "worklog", "phase", "categorize", "rate", "merge", "link", "unlink", "link_article", "unlink_article")


def perform(user, ticket: Ticket, move: str, data, version: int | None = None):
    """One entry for every move of a ticket from the web page and the API: ``data`` holds the
    move's values (assignee, resolution, reason, body, internal, minutes, note, phase, rating, comment)."""

    def text(key):
        return str(data.get(key) or "")

    def number(key):
        value = data.get(key)
        return int(value) if str(value or "").isdigit() else 0

    if move == "assign":
        technician = Person.objects.filter(pk=number("assignee"), institution=ticket.institution).first()
        if technician is None:
            raise ValidationError({"assignee": [_("Choose a technician.")]})
        return assign(user, ticket, technician, version)
    if move == "start":
        return start(user, ticket, version)
    if move in ("wait_requester", "wait_vendor"):
        return hold(user, ticket, move == "wait_requester", version)
    if move == "resolve":
        return resolve(user, ticket, text("resolution"), version)
    if move == "close":
        return close(user, ticket, version)
    if move == "reopen":
        return reopen(user, ticket, text("reason"), version)
    if move == "cancel":
        return cancel(user, ticket, text("reason"), version)
    if move == "comment":
        internal = data.get("internal") in (True, "on", "true", "1")
        return add_comment(user, ticket, text("body"), internal=internal)
    if move == "worklog":
        return log_work(user, ticket, number("minutes"), text("note"))
    if move == "phase":
        return set_phase(user, ticket, text("phase"), version)
    if move == "categorize":
        return categorize(user, ticket, text("category"), version)
    if move == "rate":
        return rate(user, ticket, number("rating"), text("comment"))
    if move == "merge":
        return merge(user, ticket, _find_ticket(user, data.get("target"), ticket.institution_id), version)
    if move == "link":
        return link(user, ticket, _find_ticket(user, data.get("target"), ticket.institution_id))
    if move == "unlink":
        return unlink(user, ticket, number("link"))
    if move in ("link_article", "unlink_article"):
        return link_article(user, ticket, data.get("article"), remove=move == "unlink_article")
    raise ValidationError(_("Unknown action."))


# --- portal lists ----------------------------------------------------------------------------------

def own_tickets(person, limit: int = 100):
    if person is None:
        return Ticket.objects.none()
    return Ticket.objects.filter(requester=person).select_related("service", "request_type").order_by("-id")[:limit]


def unit_tickets_for_manager(user, person, limit: int = 100):
    """For a unit manager: the requests of the units they manage (within what they may see)."""
    if person is None or not person.managed_units.exists():
        return Ticket.objects.none()
    return (Ticket.objects.visible_to(user, "view").filter(requester_unit__in=person.managed_units.all())
            .exclude(requester=person).select_related("requester", "service").order_by("-id")[:limit])


def queue_overview(user, now=None) -> list[dict]:
    """Per IT service the user may see: tickets in the queue, unassigned ones, breached ones and
    those past 75 % (warned), and the user's own open work there — one grouped query."""
    from django.db.models import Count, Q

    from bilge.servicedesk.models import Service

    person = person_of(user)
    mine = Q(assignee=person) if person is not None else Q(pk__in=[])
    counts = {row["service"]: row for row in (
        Ticket.objects.visible_to(user, "view").filter(status__in=Ticket.QUEUE_STATUSES).values("service")
        .annotate(total=Count("id"), unassigned=Count("id", filter=Q(assignee__isnull=True)),
                  breached=Count("id", filter=Q(sla_breached_at__isnull=False)),
                  warned=Count("id", filter=Q(sla_warned_at__isnull=False, sla_breached_at__isnull=True)),
                  mine=Count("id", filter=mine)).order_by())}
    rows = []
    for service in Service.objects.visible_to(user, "view").filter(archived_at__isnull=True).order_by("name"):
        found = counts.get(service.pk, {})
        rows.append({"service": service, **{key: found.get(key, 0)
                                             for key in ("total", "unassigned", "breached", "warned", "mine")}})
    return rows


# --- knowledge base ----------------------------------------------------------------------------------

def articles_for(user):
    """Current articles the user may read: their institution's articles for all staff, and the
    IT-only ones for IT staff (those who may change tickets)."""
    from bilge.core.permissions import has_module_perm
    from bilge.servicedesk.models import Article

    if getattr(user, "is_superuser", False):
        return Article.objects.filter(archived_at__isnull=True)
    person = person_of(user)
    if person is None or not has_module_perm(user, "servicedesk", "view"):
        return Article.objects.none()
    qs = Article.objects.filter(institution_id=person.institution_id, archived_at__isnull=True)
    if not has_module_perm(user, "servicedesk", "change"):
        qs = qs.filter(visibility=Article.Visibility.ALL)
    return qs


def suggest_articles(user, request_type=None, words: str = "", limit: int = 5):
    """Articles to read before filing a request: those linked to the type, then by the words typed."""
    qs = articles_for(user)
    linked = list(qs.filter(request_types=request_type)[:limit]) if request_type is not None else []
    found = []
    for word in [w for w in fold(words).split() if len(w) > 2][:5]:
        found += [a for a in qs.filter(search_text__contains=word)[:limit] if a not in linked and a not in found]
    return (linked + found)[:limit]


@transaction.atomic
def save_article(user, article, form_save) -> object:
    """Save an article through its form, keeping the previous text as a version."""
    from bilge.servicedesk.models import Article, ArticleVersion

    if article.pk:
        previous = Article.objects.select_for_update().get(pk=article.pk)
        ArticleVersion.objects.create(article=previous, version=previous.version, title=previous.title,
                                      body=previous.body, saved_by=user)
        article.version = previous.version + 1
    return form_save()


@transaction.atomic
def attach_to_article(user, article, files) -> list[str]:
    """Add files (screenshots, guides) to an article; the same checks as for tickets."""
    from bilge.servicedesk import attachments

    if not authorize(user, "change", article)[0]:
        raise PermissionError(_("You may not change this article."))
    files = list(files or [])
    if not files:
        raise ValidationError({"attachments": [_("Choose a file.")]})
    attachments.check_files(files)
    return attachments.store(article, files, user)


# --- the duty catalog ----------------------------------------------------------------------------------

def tickets_per_duty(duty_ids: list[int]) -> dict[int, int]:
    """Work recorded per duty: tickets of request types that fulfil the duty."""
    rows = (RequestType.duties.through.objects.filter(duty_id__in=duty_ids)
            .values("duty_id").annotate(n=Count("requesttype__tickets")))
    return {row["duty_id"]: row["n"] for row in rows}
