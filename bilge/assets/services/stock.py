"""Warehouses and stock: every movement is a numbered Varlık İşlem Fişi (Taşınır Mal Yönetmeliği).

Rules kept here (the views, forms, API and importers call these functions):

* numbers run per warehouse and fiscal year from 1, gapless (``2026/000001``);
* a receipt from purchase waits for inspection: its stock and its devices are not usable until the
  taşınır kontrol yetkilisi (or someone with ``assets.approve``) accepts it. Devices of a receipt are
  registered at once (they get their sicil no, status "in the warehouse"), but no issue, transfer or
  custody may take them while the receipt is pending (:func:`awaiting_inspection`); a cancelled
  receipt archives them;
* nothing leaves the warehouse without an approved request (the service desk's hardware and material
  request, approved) or the manager's recorded written order, recorded by someone with the right to
  approve issues (F md.11/26);
* stock never goes below zero; everything of one movement is written or nothing is;
* an accepted movement that brings a level to or below its reorder level alerts the warehouse's
  kayıt officer and the manager of the unit keeping the warehouse, once until the level rises again.
"""

from __future__ import annotations

import datetime
from collections import OrderedDict

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bilge.assets.models import (
    Device,
    Movement,
    MovementLine,
    MovementSequence,
    StockItem,
    StockLevel,
    Warehouse,
)
from bilge.core import audit, numbering
from bilge.core.permissions import authorize, can, person_of

K = Movement.Kind
ST = Movement.State
# The refusal of an issue that rests on nothing (F md.11/26).
NO_BASIS = gettext_lazy(
    "Nothing leaves the warehouse without an approved request: choose the approved material request it "
    "rests on, or record the manager's written order (F md.11/26).")
# Ticket states in which a material request counts as approved (past approval, not refused or withdrawn).
NOT_APPROVED_STATUSES = ("new", "awaiting_approval", "rejected", "cancelled")


# --- numbering ------------------------------------------------------------------------------------

def next_movement_number(warehouse: Warehouse, year: int) -> str:
    """The next Varlık İşlem Fişi number of ``warehouse`` in fiscal ``year``, e.g. ``2026/000001``:
    from 1 each year, gapless also under concurrent movements (``bilge.core.numbering``)."""
    return f"{year}/{numbering.take(MovementSequence, warehouse=warehouse, year=year):06d}"


# --- the basis of an issue ------------------------------------------------------------------------

def approved_requests(user=None, institution=None):
    """Material requests an issue may rest on: hardware/material requests past approval, with every
    approval step approved (at least one) and none refused or still open."""
    from bilge.servicedesk.models import Approval, Ticket

    qs = Ticket.objects.visible_to(user, "view") if user is not None else Ticket.objects.all()
    if institution is not None:
        qs = qs.filter(institution=institution)
    open_or_refused = Approval.objects.filter(ticket=OuterRef("pk")).exclude(
        decision__in=(Approval.Decision.APPROVED, Approval.Decision.SKIPPED))
    approved = Approval.objects.filter(ticket=OuterRef("pk"), decision=Approval.Decision.APPROVED)
    return (qs.filter(request_type__kind="hardware", merged_into__isnull=True)
            .exclude(status__in=NOT_APPROVED_STATUSES)
            .filter(Exists(approved)).exclude(Exists(open_or_refused)))


def request_refusal(ticket, institution_id) -> str:
    """Why ``ticket`` cannot carry an issue ('' when it can)."""
    if ticket.institution_id != institution_id:
        return _("%(number)s belongs to another institution.") % {"number": ticket.number}
    if ticket.request_type.kind != "hardware":
        return _("%(number)s is not a hardware or material request.") % {"number": ticket.number}
    if not approved_requests(institution=None).filter(pk=ticket.pk).exists():
        return _("%(number)s is not approved (status: %(status)s).") % {
            "number": ticket.number, "status": ticket.get_status_display()}
    return ""


def _check_basis(user, movement: Movement) -> None:
    if movement.ticket_id:
        reason = request_refusal(movement.ticket, movement.institution_id)
        if reason:
            raise ValidationError({"ticket": _("Nothing leaves the warehouse without an approved request: "
                                               "%(reason)s") % {"reason": reason}})
        return
    if movement.order_ref.strip():
        if not can(user, "approve", movement):
            raise ValidationError({"order_ref": _(
                "Only someone with the right to approve issues may record the manager's written order.")})
        return
    raise ValidationError(str(NO_BASIS))


# --- lines ----------------------------------------------------------------------------------------

def awaiting_inspection(device: Device) -> Movement | None:
    """The pending receipt a device came with, while it waits for inspection (not usable yet)."""
    line = (MovementLine.objects.filter(device=device, movement__kind=K.RECEIPT,
                                        movement__state=ST.PENDING_INSPECTION)
            .select_related("movement").first())
    return line.movement if line else None


def _clean_lines(lines, institution_id, *, new_devices: bool = False) -> list[dict]:
    if not lines:
        raise ValidationError(_("Add at least one line."))
    cleaned = []
    for number, line in enumerate(lines, start=1):
        item, device = line.get("item"), line.get("device")
        if (item is None) == (device is None):
            raise ValidationError(_("Line %(n)s: choose either a stock item or a device.") % {"n": number})
        quantity = 1 if device is not None else line.get("quantity")
        try:
            quantity = int(quantity)
        except (TypeError, ValueError):
            quantity = 0
        if quantity < 1:
            raise ValidationError(_("Line %(n)s: the quantity must be at least 1.") % {"n": number})
        if item is not None and (item.institution_id != institution_id or item.is_archived):
            raise ValidationError(_("Line %(n)s: %(item)s is not a current stock item of this institution.")
                                  % {"n": number, "item": item})
        if device is not None:
            if device.pk is not None:  # the row as it is now, locked until the movement is written
                device = Device.objects.select_for_update().get(pk=device.pk)
            if device.pk is None and not new_devices:
                raise ValidationError(_("Line %(n)s: only a receipt registers new devices.") % {"n": number})
            if device.pk is not None and device.institution_id != institution_id:
                raise ValidationError(_("Line %(n)s: %(device)s belongs to another institution.")
                                      % {"n": number, "device": device})
        for_device = line.get("for_device")
        if for_device is not None and for_device.institution_id != institution_id:
            raise ValidationError(_("Line %(n)s: %(device)s belongs to another institution.")
                                  % {"n": number, "device": for_device})
        cleaned.append({"item": item, "device": device, "quantity": quantity, "for_device": for_device,
                        "unit_price": line.get("unit_price")})
    devices = [line["device"].pk for line in cleaned if line["device"] is not None and line["device"].pk]
    if len(devices) != len(set(devices)):
        raise ValidationError(_("A device appears on two lines."))
    return cleaned


def _write_lines(movement: Movement, lines: list[dict]) -> None:
    for line in lines:
        MovementLine.objects.create(movement=movement, item=line["item"], device=line["device"],
                                    quantity=line["quantity"], unit_price=line["unit_price"],
                                    for_device=line["for_device"])


def _level(warehouse: Warehouse, item: StockItem) -> StockLevel:
    level = StockLevel.objects.select_for_update().filter(warehouse=warehouse, item=item).first()
    if level is None:
        try:
            with transaction.atomic():
                StockLevel.objects.create(warehouse=warehouse, item=item)
        except IntegrityError:
            pass  # created by a concurrent transaction
        level = StockLevel.objects.select_for_update().get(warehouse=warehouse, item=item)
    return level


def _apply_stock(warehouse: Warehouse, lines: list[dict], sign: int) -> list[StockLevel]:
    """Add (+1) or take (-1) the item lines' quantities; never below zero."""
    totals: OrderedDict = OrderedDict()
    for line in lines:
        if line["item"] is not None:
            totals.setdefault(line["item"].pk, [line["item"], 0])[1] += line["quantity"]
    levels = []
    for item, quantity in sorted(totals.values(), key=lambda pair: pair[0].pk):  # one lock order: no deadlock
        level = _level(warehouse, item)
        if sign < 0 and level.quantity < quantity:
            raise ValidationError(_(
                "Only %(left)s %(measure)s of %(item)s left in warehouse %(warehouse)s; %(wanted)s asked.")
                % {"left": level.quantity, "measure": item.measure, "item": item, "warehouse": warehouse.code,
                   "wanted": quantity})
        level.quantity += sign * quantity
        level.save()
        levels.append(level)
    return levels


def _usable_in(device: Device, warehouse: Warehouse) -> None:
    if device.status != Device.Status.IN_WAREHOUSE or device.warehouse_id != warehouse.pk:
        raise ValidationError(_("%(device)s is not in warehouse %(warehouse)s (status: %(status)s).") % {
            "device": device, "warehouse": warehouse.code, "status": device.get_status_display()})
    if device.is_archived:
        raise ValidationError(_("%(device)s is archived.") % {"device": device})
    pending = awaiting_inspection(device)
    if pending is not None:
        raise ValidationError(_("%(device)s waits for the inspection of receipt %(number)s and cannot be used "
                                "before it is accepted.") % {"device": device, "number": pending.number})


# --- recording ------------------------------------------------------------------------------------

def _new_movement(user, warehouse: Warehouse, kind: str, *, date=None, state=ST.ACCEPTED, **fields) -> Movement:
    if warehouse.is_archived:
        raise ValidationError(_("Warehouse %(code)s is archived.") % {"code": warehouse.code})
    date = date or timezone.localdate()
    movement = Movement(institution_id=warehouse.institution_id, warehouse=warehouse, kind=kind, state=state,
                        date=date, year=date.year, created_by=user, **fields)
    allowed, principal = authorize(user, "add", movement)
    if not allowed:
        raise PermissionError(_("You may not record movements of warehouse %(code)s.") % {"code": warehouse.code})
    movement._principal = principal
    if state == ST.ACCEPTED:
        movement.accepted_by, movement.accepted_at = user, timezone.now()
    return movement


def _save_numbered(movement: Movement) -> Movement:
    """Number and save: last, when everything else is known to be valid (the counter stays locked
    from here to the commit)."""
    movement.number = next_movement_number(movement.warehouse, movement.year)
    movement.sequence = int(movement.number.split("/")[1])
    movement.save()
    return movement


def record_device_movement(user, warehouse: Warehouse, kind: str, devices, *, note: str = "", order_ref: str = "",
                           state: str = ST.ACCEPTED) -> Movement:
    """A Varlık İşlem Fişi of today with one line per device, for another service that has checked
    the user's right itself (a completed disposal; the differences a closed count proposes)."""
    today = timezone.localdate()
    movement = Movement(institution_id=warehouse.institution_id, warehouse=warehouse, kind=kind, state=state,
                        date=today, year=today.year, created_by=user, note=note, order_ref=order_ref)
    if state == ST.ACCEPTED:
        movement.accepted_by, movement.accepted_at = user, timezone.now()
    _save_numbered(movement)
    _write_lines(movement, [{"item": None, "device": d, "quantity": 1, "unit_price": d.price, "for_device": None}
                            for d in devices])
    return movement


@transaction.atomic
def receive(user, warehouse: Warehouse, lines, supplier: str = "", invoice_no: str = "", procurement_ref: str = "",
            date: datetime.date | None = None, note: str = "") -> Movement:
    """Record a receipt from purchase (pending inspection). Item lines change no stock until
    :func:`accept`; device lines (unsaved ``Device`` objects) are registered with their sicil no in
    the warehouse and stay unusable until then."""
    movement = _new_movement(user, warehouse, K.RECEIPT, date=date, state=ST.PENDING_INSPECTION,
                             supplier=supplier.strip(), invoice_no=invoice_no.strip(),
                             procurement_ref=procurement_ref.strip(), note=note.strip())
    lines = _clean_lines(lines, warehouse.institution_id, new_devices=True)
    if any(line["device"] is not None and line["device"].pk is not None for line in lines):
        raise ValidationError(_("A receipt registers new devices; a device already recorded comes back "
                                "with a return."))
    from bilge.assets.services.devices import register_device

    with audit.acting_for(user, movement._principal):
        for line in lines:
            device = line["device"]
            if device is None:
                continue
            device.institution_id = warehouse.institution_id
            device.warehouse, device.status = warehouse, Device.Status.IN_WAREHOUSE
            device.supplier = device.supplier or movement.supplier
            device.invoice_no = device.invoice_no or movement.invoice_no
            device.procurement_ref = device.procurement_ref or movement.procurement_ref
            device.purchase_date = device.purchase_date or movement.date
            if device.price is None and line["unit_price"] is not None:
                device.price = line["unit_price"]
            register_device(user, device)
        _save_numbered(movement)
        _write_lines(movement, lines)
    return movement


def can_accept(user, movement: Movement) -> bool:
    if movement.state != ST.PENDING_INSPECTION:
        return False
    person = person_of(user)
    officer = person is not None and person.pk == movement.warehouse.kontrol_officer_id
    return (officer and can(user, "view", movement)) or can(user, "approve", movement)


@transaction.atomic
def accept(user, movement: Movement) -> Movement:
    """The inspection: the kontrol officer (or someone with ``assets.approve``) accepts the receipt;
    its stock is added and its devices become usable."""
    movement = Movement.objects.select_for_update().select_related("warehouse").get(pk=movement.pk)
    if movement.state != ST.PENDING_INSPECTION:
        raise ValidationError(_("%(number)s is not waiting for inspection.") % {"number": movement.number})
    if not can_accept(user, movement):
        raise PermissionError(_("Only the taşınır kontrol yetkilisi of the warehouse, or someone with the right "
                                "to approve, may accept this movement."))
    lines = [{"item": line.item, "quantity": line.quantity} for line in movement.lines.select_related("item")]
    with audit.acting_for(user, authorize(user, "approve", movement)[1]):
        levels = _apply_stock(movement.warehouse, lines, -1 if movement.kind == K.COUNT_SHORTAGE else +1)
        movement.state, movement.accepted_by, movement.accepted_at = ST.ACCEPTED, user, timezone.now()
        movement.save()
        _settle_count_devices(movement)
        _check_reorder(levels)
    return movement


def _settle_count_devices(movement: Movement) -> None:
    """An accepted count difference changes the records of its devices: a surplus puts the device
    found in the warehouse (in its stock, unless someone holds it); a shortage archives the device
    as missing (it stays findable, with the count's number as the reason)."""
    if movement.kind not in (K.COUNT_SURPLUS, K.COUNT_SHORTAGE):
        return
    for line in movement.lines.filter(device__isnull=False).select_related("device"):
        device = line.device
        if movement.kind == K.COUNT_SURPLUS:
            device.warehouse = movement.warehouse
            if device.holder_id is None and device.status in (Device.Status.IN_USE, Device.Status.LENT):
                device.status = Device.Status.IN_WAREHOUSE
            device.save()
        else:
            device.archive(_("Missing at count %(count)s (%(number)s)") % {
                "count": movement.order_ref, "number": movement.number})


@transaction.atomic
def cancel(user, movement: Movement, reason: str) -> Movement:
    """Cancel a receipt still waiting for inspection; the devices it registered are archived (their
    sicil numbers stay used). An accepted movement is corrected by a new movement, not cancelled."""
    movement = Movement.objects.select_for_update().get(pk=movement.pk)
    if movement.state != ST.PENDING_INSPECTION:
        raise ValidationError(_("Only a movement waiting for inspection can be cancelled; correct an accepted "
                                "movement with a new movement."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the receipt is cancelled.")})
    allowed, principal = authorize(user, "change", movement)
    if not allowed:
        raise PermissionError(_("You may not cancel this movement."))
    with audit.acting_for(user, principal):
        movement.state = ST.CANCELLED
        movement.note = (movement.note + "\n" if movement.note else "") + _("Cancelled: %(reason)s") % {
            "reason": reason.strip()}
        movement.save()
        if movement.kind == K.RECEIPT:  # devices a cancelled count proposal names stay as they are
            for line in movement.lines.filter(device__isnull=False).select_related("device"):
                line.device.archive(_("Receipt %(number)s cancelled") % {"number": movement.number})
    return movement


def _hand_out(user, devices: list[Device], movement: Movement) -> None:
    """Issued devices go into use: to a person through a Taşınır Teslim Belgesi (custody), to a
    unit without one. Their warehouse stays recorded as the one they return to."""
    if not devices:
        return
    if movement.to_person is not None:
        from bilge.assets.services.custody import hand_over

        hand_over(user, devices, receiver=movement.to_person, date=movement.date,
                  note=_("Varlık İşlem Fişi %(number)s") % {"number": f"{movement.warehouse.code} {movement.number}"})
        return
    for device in devices:
        device.status, device.unit, device.holder = Device.Status.IN_USE, movement.to_unit, None
        device.save()


def _take_in(user, devices: list[Device], warehouse: Warehouse, movement: Movement) -> None:
    """Returned devices come back to the warehouse: those in a person's custody (or a shared room)
    through a Taşınır Teslim Belgesi of return, one per holder; the others directly."""
    from bilge.assets.services.custody import take_back

    held: dict = {}
    for device in devices:
        if device.holder_id or (device.location_id and device.location.shared):
            held.setdefault((device.holder_id, device.location_id if not device.holder_id else None), []).append(
                device)
        else:
            device.status, device.warehouse, device.unit = Device.Status.IN_WAREHOUSE, warehouse, warehouse.unit
            device.save()
    note = _("Varlık İşlem Fişi %(number)s") % {"number": f"{warehouse.code} {movement.number}"}
    for group in held.values():
        take_back(user, group, date=movement.date, note=note, warehouse=warehouse)


@transaction.atomic
def issue(user, warehouse: Warehouse, lines, *, ticket=None, order_ref: str = "", to_unit=None, to_person=None,
          date: datetime.date | None = None, note: str = "") -> Movement:
    """Issue stock and devices to a unit or person, only against an approved material request or the
    manager's recorded written order (F md.11/26)."""
    if ticket is not None and to_unit is None and to_person is None:
        to_unit = ticket.requester_unit
    if to_person is not None and to_unit is None:
        to_unit = to_person.unit
    movement = _new_movement(user, warehouse, K.ISSUE, date=date, ticket=ticket, order_ref=order_ref.strip(),
                             to_unit=to_unit, to_person=to_person, note=note.strip())
    _check_basis(user, movement)
    if to_unit is None:
        raise ValidationError({"to_unit": _("Say which unit or person receives it.")})
    if to_unit.institution_id != warehouse.institution_id:
        raise ValidationError({"to_unit": _("The receiving unit belongs to another institution.")})
    lines = _clean_lines(lines, warehouse.institution_id)
    for line in lines:
        if line["device"] is not None:
            _usable_in(line["device"], warehouse)
    with audit.acting_for(user, movement._principal):
        levels = _apply_stock(warehouse, lines, -1)
        _save_numbered(movement)
        _write_lines(movement, lines)
        _hand_out(user, [line["device"] for line in lines if line["device"] is not None], movement)
        _check_reorder(levels)
    return movement


@transaction.atomic
def transfer(user, from_warehouse: Warehouse, to_warehouse: Warehouse, lines, *,
             date: datetime.date | None = None, note: str = "") -> Movement:
    """Move stock and devices between two warehouses of the institution (numbered in the sending one)."""
    if from_warehouse.pk == to_warehouse.pk:
        raise ValidationError({"to_warehouse": _("Choose another warehouse to transfer to.")})
    if from_warehouse.institution_id != to_warehouse.institution_id or to_warehouse.is_archived:
        raise ValidationError({"to_warehouse": _("Choose a current warehouse of the same institution.")})
    movement = _new_movement(user, from_warehouse, K.TRANSFER, date=date, to_warehouse=to_warehouse,
                             note=note.strip())
    if not can(user, "add", Movement(institution_id=to_warehouse.institution_id, warehouse=to_warehouse)):
        raise PermissionError(_("You may not record movements of warehouse %(code)s.") % {"code": to_warehouse.code})
    lines = _clean_lines(lines, from_warehouse.institution_id)
    for line in lines:
        if line["device"] is not None:
            _usable_in(line["device"], from_warehouse)
    with audit.acting_for(user, movement._principal):
        levels = _apply_stock(from_warehouse, lines, -1) + _apply_stock(to_warehouse, lines, +1)
        _save_numbered(movement)
        _write_lines(movement, lines)
        for line in lines:
            if line["device"] is not None:
                line["device"].warehouse = to_warehouse
                line["device"].save()
        _check_reorder(levels)
    return movement


@transaction.atomic
def return_to_stock(user, warehouse: Warehouse, lines, from_unit=None, from_person=None, *,
                    date: datetime.date | None = None, note: str = "") -> Movement:
    """Take unused stock or devices back into the warehouse (the unit or person it comes from is
    recorded in the movement's "to unit" / "to person", the other side of the movement)."""
    if from_person is not None and from_unit is None:
        from_unit = from_person.unit
    movement = _new_movement(user, warehouse, K.RETURN, date=date, to_unit=from_unit, to_person=from_person,
                             note=note.strip())
    lines = _clean_lines(lines, warehouse.institution_id)
    for line in lines:
        device = line["device"]
        if device is not None and device.status in (Device.Status.IN_WAREHOUSE, Device.Status.DISPOSED,
                                                    Device.Status.AWAITING_DISPOSAL):
            raise ValidationError(_("%(device)s cannot come back to the warehouse (status: %(status)s).")
                                  % {"device": device, "status": device.get_status_display()})
    with audit.acting_for(user, movement._principal):
        levels = _apply_stock(warehouse, lines, +1)
        _save_numbered(movement)
        _write_lines(movement, lines)
        _take_in(user, [line["device"] for line in lines if line["device"] is not None], warehouse, movement)
        _check_reorder(levels)
    return movement


# --- reorder alerts -------------------------------------------------------------------------------

def alert_recipients(warehouse: Warehouse) -> list:
    """The warehouse's kayıt officer and the manager of the unit keeping it (or of the nearest unit
    above with a manager)."""
    users = []
    if warehouse.kayit_officer_id and warehouse.kayit_officer.user_id:
        users.append(warehouse.kayit_officer.user)
    unit = warehouse.unit
    while unit is not None and not unit.manager_id:
        unit = unit.parent
    if unit is not None and unit.manager.user_id:
        users.append(unit.manager.user)
    return users


def _check_reorder(levels: list[StockLevel]) -> None:
    from bilge.core.notify import notify

    for level in levels:
        threshold = level.threshold
        if level.below_reorder and level.alerted_at is None:
            warehouse, item = level.warehouse, level.item
            notify(alert_recipients(warehouse), "stock_reorder",
                   {"warehouse": f"{warehouse.code} {warehouse.name}", "item": f"{item.code} {item.name}",
                    "quantity": level.quantity, "reorder_level": threshold, "measure": item.measure},
                   level.get_absolute_url())
            level.alerted_at = timezone.now()
            level.save(update_fields=["alerted_at"])
        elif level.alerted_at is not None and not level.below_reorder:
            level.alerted_at = None
            level.save(update_fields=["alerted_at"])


# --- consumption ----------------------------------------------------------------------------------

def consumption(user, date_from: datetime.date, date_to: datetime.date, warehouse: Warehouse | None = None):
    """Issued quantities by item per receiving unit and per device (printer) in a date range, from
    the accepted issues the user may see: ``{"units": [...], "devices": [...]}``."""
    movements = Movement.objects.visible_to(user, "view").filter(
        kind=K.ISSUE, state=ST.ACCEPTED, date__gte=date_from, date__lte=date_to)
    if warehouse is not None:
        movements = movements.filter(warehouse=warehouse)
    lines = MovementLine.objects.filter(movement__in=movements.values("pk"), item__isnull=False)
    units = list(lines.values("movement__to_unit__name", "item__code", "item__name", "item__measure")
                 .annotate(total=Sum("quantity")).order_by("movement__to_unit__name", "item__code"))
    devices = list(lines.filter(for_device__isnull=False)
                   .values("for_device__sicil_no", "for_device__name", "for_device__model__name", "item__code",
                           "item__name", "item__measure")
                   .annotate(total=Sum("quantity")).order_by("for_device__sicil_no", "item__code"))
    return {"units": units, "devices": devices}


def movement_total(movement: Movement):
    """The sum of quantity × unit price over the lines that have a price."""
    total = 0
    for line in movement.lines.all():
        if line.unit_price is not None:
            total += line.unit_price * line.quantity
    return total


def levels_below_reorder(qs):
    """Levels at or under their reorder level (the level's own, else the item's; 0 means no alert)."""
    from django.db.models import F
    from django.db.models.functions import Coalesce

    return qs.annotate(_threshold=Coalesce("reorder_level", "item__reorder_level")).filter(
        _threshold__gt=0, quantity__lte=F("_threshold"))

