"""Disposal (kayıttan düşme): devices proposed, a committee of at least three with a chair and an
expert decides with date and number, data-bearing devices get wiping or destruction evidence
(guide measure 3.1.1.6), and completion marks them disposed — never deleted (F md.11/12)."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bilge.assets.models import Device, Disposal, DisposalItem, DisposalMember
from bilge.assets.models.disposal import DisposalSequence
from bilge.core import audit, numbering
from bilge.core.permissions import authorize

MIN_COMMITTEE = 3
S = Disposal.State


def next_disposal_number(year: int) -> str:
    """``KDT-2026-000001``: the year's next number, gapless and unique also under concurrent
    proposals (``bilge.core.numbering``)."""
    return f"KDT-{year}-{numbering.take(DisposalSequence, year=year):06d}"


def _require(user, action: str, disposal: Disposal):
    allowed, principal = authorize(user, action, disposal)
    if not allowed:
        if action == "approve":
            raise PermissionError(_("Deciding a disposal needs the right to approve (assets.approve)."))
        raise PermissionError(_("You may not do this with disposal %(number)s.") % {"number": disposal.number or "—"})
    return principal


def _set_status(device: Device, status: str) -> None:
    """Move a device's status inside the caller's transaction (recorded by the audit trail)."""
    device.status = status
    device.save(update_fields=["status", "updated_at"])


def _mark_disposed(device: Device) -> None:
    from bilge.assets.services import devices as device_services

    marker = getattr(device_services, "_mark_disposed", None)
    if marker is not None:
        marker(device)
    else:
        _set_status(device, Device.Status.DISPOSED)


def _lock(disposal: Disposal) -> Disposal:
    return Disposal.objects.select_for_update().get(pk=disposal.pk)


def _state_error(disposal: Disposal, doing: str) -> ValidationError:
    return ValidationError(_("Disposal %(number)s is %(state)s: it cannot be %(doing)s.") % {
        "number": disposal.number, "state": disposal.get_state_display(), "doing": doing})


# --- proposing -----------------------------------------------------------------------------------

def propose(user, devices, reason: str, method: str = Disposal.Method.SCRAP, warehouse=None) -> Disposal:
    """Propose ``devices`` for disposal: they become "awaiting disposal" (each remembers its status
    to go back to if the committee refuses), under a new ``KDT-<year>-<n>`` number."""
    devices = list(devices)
    if not devices:
        raise ValidationError(_("Choose at least one device to propose for disposal."))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Write why the devices are to be disposed of.")})
    if method not in Disposal.Method.values:
        raise ValidationError({"method": _("Choose how the devices are to be disposed of.")})
    institution_ids = {d.institution_id for d in devices}
    if len(institution_ids) != 1:
        raise ValidationError(_("The devices of one proposal must belong to one institution."))
    disposal = Disposal(institution_id=institution_ids.pop(), warehouse=warehouse, reason=reason.strip(),
                        method=method, proposed_by=user)
    if warehouse is not None and warehouse.institution_id != disposal.institution_id:
        raise ValidationError({"warehouse": _("The warehouse belongs to another institution.")})
    principal = _require(user, "add", disposal)
    with transaction.atomic(), audit.acting_for(user, principal):
        locked = list(Device.objects.select_for_update(of=("self",)).filter(pk__in=[d.pk for d in devices])
                      .select_related("holder").order_by("pk"))
        problems = []
        for device in locked:
            if not authorize(user, "change", device)[0]:
                problems.append(_("%(device)s: outside your scope") % {"device": device.sicil_no})
            elif device.status in (Device.Status.DISPOSED, Device.Status.AWAITING_DISPOSAL):
                problems.append(_("%(device)s: already %(status)s") % {
                    "device": device.sicil_no, "status": device.get_status_display()})
            elif device.holder_id:
                problems.append(_("%(device)s: in the custody of %(person)s; take it back first") % {
                    "device": device.sicil_no, "person": device.holder.full_name})
        if problems:
            raise ValidationError(_("These devices cannot be proposed for disposal: %(list)s.") % {
                "list": "; ".join(problems)})
        disposal.number = next_disposal_number(timezone.localdate().year)
        disposal.full_clean(exclude=["number", "proposed_by"])
        disposal.save()
        for device in locked:
            DisposalItem.objects.create(disposal=disposal, device=device, previous_status=device.status)
            _set_status(device, Device.Status.AWAITING_DISPOSAL)
    return disposal


# --- the committee -------------------------------------------------------------------------------

def committee_problems(disposal: Disposal, members) -> list[str]:
    """Why ``members`` [(person, is_chair, is_expert)] cannot be the committee ([] when they can)."""
    problems = []
    people = [m[0] for m in members]
    if len({p.pk for p in people}) != len(people):
        problems.append(_("A person is on the committee only once."))
    if len({p.pk for p in people}) < MIN_COMMITTEE:
        problems.append(_("The disposal committee has at least %(n)s members.") % {"n": MIN_COMMITTEE})
    chairs = sum(1 for m in members if m[1])
    if chairs != 1:
        problems.append(_("Exactly one member chairs the committee (now %(n)s).") % {"n": chairs})
    if not any(m[2] for m in members):
        problems.append(_("At least one member is marked as the expert (bilirkişi)."))
    others = [p.full_name for p in people if p.institution_id != disposal.institution_id]
    if others:
        problems.append(_("Not of this institution: %(names)s.") % {"names": ", ".join(others)})
    return problems


def current_committee(disposal: Disposal) -> list[tuple]:
    return [(m.person, m.is_chair, m.is_expert) for m in disposal.members.select_related("person")]


def set_committee(user, disposal: Disposal, members) -> Disposal:
    """Replace the committee: ``members`` is [(person, is_chair, is_expert)]; at least three
    people, exactly one chair, at least one expert."""
    members = [(m[0], bool(m[1]), bool(m[2])) for m in members]
    principal = _require(user, "change", disposal)
    with transaction.atomic(), audit.acting_for(user, principal):
        disposal = _lock(disposal)
        if disposal.state != S.PROPOSED:
            raise _state_error(disposal, _("given another committee"))
        problems = committee_problems(disposal, members)
        if problems:
            raise ValidationError(problems)
        disposal.members.all().delete()
        for person, chair, expert in members:
            DisposalMember.objects.create(disposal=disposal, person=person, is_chair=chair, is_expert=expert)
        audit.record("committee", disposal, {"committee": ", ".join(
            p.full_name + (" (" + _("chair") + ")" if c else "") + (" (" + _("expert") + ")" if e else "")
            for p, c, e in members)})
    return disposal


# --- deciding ------------------------------------------------------------------------------------

def decide(user, disposal: Disposal, approved: bool, decision_date: datetime.date | None,
           decision_no: str, note: str = "") -> Disposal:
    """The committee's decision, recorded by someone with ``assets.approve``. Refused: every device
    goes back to the status it had before the proposal."""
    principal = _require(user, "approve", disposal)
    with transaction.atomic(), audit.acting_for(user, principal):
        disposal = _lock(disposal)
        if disposal.state != S.PROPOSED:
            raise _state_error(disposal, _("decided again"))
        problems = committee_problems(disposal, current_committee(disposal))
        if problems:
            raise ValidationError([_("Record a valid committee first.")] + problems)
        errors = {}
        if decision_date is None:
            errors["decision_date"] = _("Enter the date of the committee's decision.")
        elif decision_date > timezone.localdate():
            errors["decision_date"] = _("The decision date cannot be in the future.")
        elif decision_date < timezone.localtime(disposal.created_at).date():
            errors["decision_date"] = _("The decision cannot be earlier than the proposal.")
        if not (decision_no or "").strip():
            errors["decision_no"] = _("Enter the number of the committee's decision.")
        if errors:
            raise ValidationError(errors)
        disposal.state = S.APPROVED if approved else S.REJECTED
        disposal.decision_date, disposal.decision_no = decision_date, decision_no.strip()
        disposal.decision_note = (note or "").strip()
        disposal.save(update_fields=["state", "decision_date", "decision_no", "decision_note", "updated_at"])
        if not approved:
            for item in disposal.items.select_related("device"):
                device = Device.objects.select_for_update().get(pk=item.device_id)
                if device.status == Device.Status.AWAITING_DISPOSAL:
                    _set_status(device, item.previous_status or Device.Status.IN_WAREHOUSE)
    return disposal


# --- wiping evidence (guide 3.1.1.6) --------------------------------------------------------------

def record_wiping(user, item: DisposalItem, method: str, evidence: str, wiped_by, wiped_at=None) -> DisposalItem:
    """Record how a device's data-bearing parts were wiped or destroyed, by whom, and the evidence
    (report number, certificate, the wiping tool's log reference)."""
    principal = _require(user, "change", item.disposal)
    with transaction.atomic(), audit.acting_for(user, principal):
        disposal = _lock(item.disposal)
        if disposal.state not in (S.PROPOSED, S.APPROVED):
            raise _state_error(disposal, _("given wiping evidence"))
        errors = {}
        if not (method or "").strip():
            errors["wipe_method"] = _("Write how the data was wiped or the storage destroyed.")
        if not (evidence or "").strip():
            errors["wipe_evidence"] = _("Give the evidence: report number, certificate or the tool's log reference.")
        if wiped_by is None:
            errors["wiped_by"] = _("Name the person who wiped or destroyed it.")
        elif wiped_by.institution_id != disposal.institution_id:
            errors["wiped_by"] = _("The person belongs to another institution.")
        if errors:
            raise ValidationError(errors)
        item = DisposalItem.objects.select_for_update().get(pk=item.pk)
        item.wipe_method, item.wipe_evidence = method.strip(), evidence.strip()
        item.wiped_by, item.wiped_at = wiped_by, wiped_at or timezone.now()
        item.save()
    return item


def missing_evidence(disposal: Disposal) -> list[DisposalItem]:
    """The data-bearing devices of the disposal without wiping or destruction evidence."""
    return [item for item in disposal.items.select_related("device__device_type").order_by("device__sicil_no")
            if item.device.device_type.stores_data and not (item.wipe_evidence and item.wiped_at)]


# --- completing ----------------------------------------------------------------------------------

def complete(user, disposal: Disposal) -> Disposal:
    """Mark the approved proposal's devices disposed. Refused while any data-bearing device lacks
    wiping evidence (each named). Disposed devices stay in the records."""
    principal = _require(user, "change", disposal)
    with transaction.atomic(), audit.acting_for(user, principal):
        disposal = _lock(disposal)
        if disposal.state != S.APPROVED:
            raise _state_error(disposal, _("completed (the committee must approve it first)"))
        missing = missing_evidence(disposal)
        if missing:
            raise ValidationError(_(
                "These devices store data and have no evidence of secure wiping or destruction yet "
                "(guide measure 3.1.1.6): %(list)s.") % {
                "list": ", ".join(f"{i.device.sicil_no} ({i.device.device_type})" for i in missing)})
        items = list(disposal.items.select_related("device"))
        for item in items:
            device = Device.objects.select_for_update().get(pk=item.device_id)
            _mark_disposed(device)
        disposal.movement = _disposal_movement(user, disposal, [i.device for i in items])
        disposal.state, disposal.completed_at = S.COMPLETED, timezone.now()
        disposal.save(update_fields=["state", "completed_at", "movement", "updated_at"])
    return disposal


def _disposal_movement(user, disposal: Disposal, devices):
    """The disposal's Varlık İşlem Fişi (None when no warehouse is known for its devices)."""
    from bilge.assets.models import Movement
    from bilge.assets.services.stock import record_device_movement

    warehouse = disposal.warehouse or next((d.warehouse for d in devices if d.warehouse_id), None)
    if warehouse is None:
        return None
    return record_device_movement(user, warehouse, Movement.Kind.DISPOSAL, devices,
                                  note=_("Disposal %(number)s, decision %(no)s") % {
                                      "number": disposal.number, "no": disposal.decision_no},
                                  order_ref=f"{disposal.number} / {disposal.decision_no}")
