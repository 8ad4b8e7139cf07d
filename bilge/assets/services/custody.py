"""Custody (zimmet): handing devices to a person or a shared room, taking them back, moving them
from one person to another. Each act is one Taşınır Teslim Belgesi (F md.11/21, 11/25), numbered
per year without gaps, written in one transaction with the devices' new holder and status, and
recorded in the audit trail. The receiver confirms it in the portal ("my devices")."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bilge.assets.models import Custody, CustodyLine, CustodySequence, Device, Location
from bilge.assets.services.stock import awaiting_inspection
from bilge.core import audit, numbering
from bilge.core.permissions import authorize, person_of

S = Device.Status
PREFIX = "TTB"


def next_custody_number(year: int) -> str:
    """The next Taşınır Teslim Belgesi number of a year, e.g. ``TTB-2026-000001``: unique and
    gapless under concurrent writers (``bilge.core.numbering``)."""
    return f"{PREFIX}-{year}-{numbering.take(CustodySequence, year=year):06d}"


# --- checks -----------------------------------------------------------------------------------------

def _actor(user):
    person = person_of(user)
    if person is None:
        raise ValidationError(_("No person is linked to your account: a Taşınır Teslim Belgesi names who hands over."))
    return person


def _locked_devices(devices) -> list[Device]:
    ids = []
    for device in devices:
        pk = device.pk if isinstance(device, Device) else int(device)
        if pk not in ids:
            ids.append(pk)
    if not ids:
        raise ValidationError(_("Choose at least one device."))
    rows = {d.pk: d for d in Device.objects.select_for_update().filter(pk__in=ids)}
    if len(rows) != len(ids):
        raise ValidationError(_("A chosen device does not exist."))
    # select_for_update() cannot join nullable relations on PostgreSQL: read them afterwards.
    locked = [rows[pk] for pk in ids]
    related = {d.pk: d for d in Device.objects.filter(pk__in=ids).select_related(
        "holder", "location", "model__manufacturer", "tasinir_code", "device_type")}
    for device in locked:
        device.holder = related[device.pk].holder
        device.location = related[device.pk].location
    return locked


def _check_rights(user, devices, custody: Custody):
    principal = None
    for device in devices:
        allowed, principal = authorize(user, "change", device)
        if not allowed:
            raise PermissionError(_("You may not hand over %(sicil)s (outside your scope).") % {"sicil": device.sicil_no})
    allowed, principal = authorize(user, "add", custody)
    if not allowed:
        raise PermissionError(_("You may not record this Taşınır Teslim Belgesi (outside your scope)."))
    return principal


def _not_disposed(devices):
    errors = [_("%(sicil)s is disposed.") % {"sicil": d.sicil_no} for d in devices if d.status == S.DISPOSED]
    if errors:
        raise ValidationError(errors)


def _same_institution(devices, institution_id):
    if any(d.institution_id != institution_id for d in devices):
        raise ValidationError(_("The devices and the receiver belong to different institutions."))


def _write(user, custody: Custody, devices, principal, changes: dict) -> Custody:
    with audit.acting_for(user, principal):
        custody.number = next_custody_number(custody.date.year)
        receiver_is_user = custody.receiver_id is not None and custody.receiver_id == getattr(
            person_of(user), "pk", None)
        if receiver_is_user:  # the receiver records it themselves: that is their confirmation
            custody.confirmed_at = timezone.now()
            custody.confirmed_by = user
        custody.full_clean(exclude=["number"])
        custody.save()
        CustodyLine.objects.bulk_create([CustodyLine(custody=custody, device=d) for d in devices])
        for device in devices:
            for name, value in changes.items():
                setattr(device, name, value(device) if callable(value) else value)
            device.save(update_fields=[*changes, "updated_at"])
        audit.record(custody.kind, custody, {"devices": [d.sicil_no for d in devices]})
    return custody


# --- the three acts ----------------------------------------------------------------------------------

@transaction.atomic
def hand_over(user, devices, receiver=None, room: Location | None = None, date: datetime.date | None = None,
              note: str = "") -> Custody:
    """Hand devices from the warehouse to a person, or put them in a shared room (they then go
    on the room's Dayanıklı Taşınırlar Listesi)."""
    if (receiver is None) == (room is None):
        raise ValidationError(_("Hand the devices to a person or to a shared room (one of them)."))
    if room is not None and (room.kind != Location.Kind.ROOM or not room.shared):
        raise ValidationError(_("%(room)s is not a shared room.") % {"room": room})
    if receiver is not None and (receiver.is_archived or (receiver.end_date and receiver.end_date < timezone.localdate())):
        raise ValidationError(_("%(person)s no longer works here.") % {"person": receiver.full_name})
    giver = _actor(user)
    devices = _locked_devices(devices)
    _not_disposed(devices)
    errors = []
    for d in devices:
        if d.holder_id:
            errors.append(_("%(sicil)s is already held by %(person)s.") % {"sicil": d.sicil_no,
                                                                            "person": d.holder.full_name})
        elif d.status != S.IN_WAREHOUSE:
            errors.append(_("%(sicil)s is not available in the warehouse (it is %(status)s).") % {
                "sicil": d.sicil_no, "status": d.get_status_display()})
        elif (receipt := awaiting_inspection(d)) is not None:
            errors.append(_("%(sicil)s waits for the inspection of receipt %(number)s and cannot be handed over "
                            "yet.") % {"sicil": d.sicil_no, "number": receipt.number})
    if errors:
        raise ValidationError(errors)
    institution_id = receiver.institution_id if receiver is not None else room.institution_id
    _same_institution(devices, institution_id)
    unit = receiver.unit if receiver is not None else room.unit
    custody = Custody(institution_id=institution_id, kind=Custody.Kind.HANDOVER,
                      date=date or timezone.localdate(), giver=giver, receiver=receiver, room=room, unit=unit,
                      warehouse_id=devices[0].warehouse_id, note=note, created_by=user)
    principal = _check_rights(user, devices, custody)
    changes = {"holder": receiver, "unit": unit, "status": S.IN_USE}
    if room is not None:
        changes["location"] = room
    return _write(user, custody, devices, principal, changes)


@transaction.atomic
def take_back(user, devices, date: datetime.date | None = None, note: str = "", warehouse=None) -> Custody:
    """Take devices back into the warehouse from their holder (or from a shared room)."""
    taker = _actor(user)
    devices = _locked_devices(devices)
    _not_disposed(devices)
    errors = [_("%(sicil)s is in nobody's custody.") % {"sicil": d.sicil_no}
              for d in devices if not d.holder_id and not (d.location_id and d.location.shared and d.status == S.IN_USE)]
    if errors:
        raise ValidationError(errors)
    holders = {d.holder_id for d in devices}
    rooms = {d.location_id for d in devices if not d.holder_id}
    if len(holders) > 1 or (rooms and holders != {None}) or len(rooms) > 1:
        raise ValidationError(_("One Taşınır Teslim Belgesi covers the devices of one person or one room; "
                                "take the others back on another."))
    holder = devices[0].holder
    room = devices[0].location if holder is None else None
    warehouse = warehouse or next((d.warehouse for d in devices if d.warehouse_id), None)
    custody = Custody(institution_id=devices[0].institution_id, kind=Custody.Kind.RETURN,
                      date=date or timezone.localdate(), giver=holder or taker, receiver=taker, room=room,
                      unit=holder.unit if holder else room.unit, warehouse=warehouse, note=note, created_by=user)
    principal = _check_rights(user, devices, custody)

    def status(device):
        return S.IN_WAREHOUSE if device.status in (S.IN_USE, S.LENT) else device.status

    changes = {"holder": None, "status": status}
    if warehouse is not None:
        changes.update(warehouse=warehouse, unit=warehouse.unit, location=warehouse.location)
    else:
        changes["location"] = None
    return _write(user, custody, devices, principal, changes)


@transaction.atomic
def transfer(user, devices, receiver, date: datetime.date | None = None, note: str = "") -> Custody:
    """Move devices from the person who holds them to another person (one document, both named)."""
    _actor(user)
    devices = _locked_devices(devices)
    _not_disposed(devices)
    errors = [_("%(sicil)s is in nobody's custody.") % {"sicil": d.sicil_no} for d in devices if not d.holder_id]
    if errors:
        raise ValidationError(errors)
    if len({d.holder_id for d in devices}) > 1:
        raise ValidationError(_("One Taşınır Teslim Belgesi covers the devices of one person; "
                                "transfer the others on another."))
    holder = devices[0].holder
    if holder.pk == receiver.pk:
        raise ValidationError(_("%(person)s already holds these devices.") % {"person": receiver.full_name})
    if receiver.is_archived or (receiver.end_date and receiver.end_date < timezone.localdate()):
        raise ValidationError(_("%(person)s no longer works here.") % {"person": receiver.full_name})
    _same_institution(devices, receiver.institution_id)
    custody = Custody(institution_id=receiver.institution_id, kind=Custody.Kind.TRANSFER,
                      date=date or timezone.localdate(), giver=holder, receiver=receiver, unit=receiver.unit,
                      warehouse_id=devices[0].warehouse_id, note=note, created_by=user)
    principal = _check_rights(user, devices, custody)
    return _write(user, custody, devices, principal, {"holder": receiver, "unit": receiver.unit})


@transaction.atomic
def confirm(user, custody: Custody) -> Custody:
    """The receiver confirms the document (in the portal); recorded with the time."""
    person = person_of(user)
    custody = Custody.objects.select_for_update().get(pk=custody.pk)
    if person is None or custody.receiver_id != person.pk:
        raise PermissionError(_("Only the receiver confirms a Taşınır Teslim Belgesi."))
    if custody.confirmed_at is not None:
        raise ValidationError(_("%(number)s is already confirmed.") % {"number": custody.number})
    custody.confirmed_at = timezone.now()
    custody.confirmed_by = user
    with audit.acting_as(user):
        custody.save(update_fields=["confirmed_at", "confirmed_by", "updated_at"])
    return custody


# --- reading --------------------------------------------------------------------------------------------

def open_items(person):
    """The devices a person holds (what they must hand back before leaving or changing unit)."""
    return (Device.objects.filter(holder=person).exclude(status=S.DISPOSED)
            .select_related("device_type", "model__manufacturer").order_by("sicil_no"))


def unconfirmed(person):
    return (Custody.objects.filter(receiver=person, confirmed_at__isnull=True)
            .select_related("giver").order_by("-date", "-id"))


def documents_of(person):
    """Documents naming a person as giver or receiver, newest first."""
    from django.db.models import Q

    return (Custody.objects.filter(Q(receiver=person) | Q(giver=person))
            .select_related("giver", "receiver", "room").order_by("-date", "-id"))


def can_read(user, custody: Custody) -> bool:
    """Those the rights allow, and the two people the document names."""
    from bilge.core.permissions import can

    person = person_of(user)
    if person is not None and person.pk in (custody.giver_id, custody.receiver_id):
        return True
    return can(user, "view", custody)


def room_devices(room: Location):
    return (Device.objects.filter(location=room, holder__isnull=True).exclude(status=S.DISPOSED)
            .select_related("device_type", "model__manufacturer", "tasinir_code").order_by("sicil_no"))


# --- documents ----------------------------------------------------------------------------------------

def _item(device: Device) -> dict:
    return {"sicil_no": device.sicil_no, "code": device.tasinir_code.code, "code_name": device.tasinir_code.name,
            "type": device.device_type.name,
            "brand": device.model.manufacturer.name if device.model_id else "",
            "model": device.model.name if device.model_id else "", "serial": device.serial, "quantity": 1}


def custody_pdf(custody: Custody, user=None) -> bytes:
    """The Taşınır Teslim Belgesi as PDF."""
    from bilge.web.pdf import render_pdf

    custody = (Custody.objects.select_related("institution", "giver__unit", "giver__position", "receiver__unit",
                                              "receiver__position", "room", "unit", "warehouse").get(pk=custody.pk))
    lines = (custody.lines.select_related("device__tasinir_code", "device__device_type",
                                          "device__model__manufacturer").order_by("device__sicil_no"))
    context = _pdf_context(custody.institution, "Taşınır Teslim Belgesi", user, custody=custody,
                           items=[_item(line.device) for line in lines])
    return render_pdf("assets/custody_pdf.html", context)


def room_list_pdf(room: Location, user=None) -> bytes:
    """The Dayanıklı Taşınırlar Listesi of a shared room."""
    from bilge.web.pdf import render_pdf

    context = _pdf_context(room.institution, "Dayanıklı Taşınırlar Listesi", user, room=room,
                           items=[_item(d) for d in room_devices(room)])
    return render_pdf("assets/custody_room_pdf.html", context)


def _pdf_context(institution, title, user, **extra) -> dict:
    person = person_of(user) if user is not None else None
    by = ""
    if user is not None and getattr(user, "is_authenticated", False):
        by = (person.full_name if person else "") or user.get_full_name() or user.get_username()
    return {"title": title, "institution": institution, "generated_at": timezone.localtime(),
            "generated_by": by, **extra}
