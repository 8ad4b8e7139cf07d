"""Devices: registering (with the sicil no), changing, status moves, relations."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bilge.assets.models import Device, DeviceLink, SicilSequence
from bilge.core import audit, numbering
from bilge.core.permissions import authorize


def next_sicil_no(code: str, year: int) -> str:
    """The next sicil no of a taşınır code in a year, e.g. ``255.01.02.01/26/000123``: unique and
    gapless also under concurrent registration (``bilge.core.numbering``)."""
    return sicil_no(code, year, numbering.take(SicilSequence, code=code, year=year))


def sicil_no(code: str, year: int, sequence: int) -> str:
    return f"{code}/{year % 100:02d}/{sequence:06d}"


def register_device(user, device: Device, *, year: int | None = None) -> Device:
    """Save a new device with its sicil no (from its taşınır code and the registration year)."""
    if device.pk is not None:
        raise ValueError("register_device() is for new devices")
    allowed, principal = authorize(user, "add", device)
    if not allowed:
        raise PermissionError(_("You may not register this device (outside your scope)."))
    with transaction.atomic(), audit.acting_for(user, principal):
        if not device.tasinir_code_id:
            device.tasinir_code_id = device.device_type.tasinir_code_id
        year = year or (device.purchase_date.year if device.purchase_date else timezone.localdate().year)
        device.sicil_no = next_sicil_no(device.tasinir_code.code, year)
        device.created_by = user if getattr(user, "is_authenticated", False) else None
        device.full_clean(exclude=["sicil_no"])
        device.save()
    return device


def normalise_mac(value: str) -> str:
    """``aa-bb-cc-dd-ee-ff``, ``AABB.CCDD.EEFF``, ``aabbccddeeff`` → ``AA:BB:CC:DD:EE:FF``."""
    digits = "".join(ch for ch in (value or "") if ch.isalnum()).upper()
    if not digits:
        return ""
    if len(digits) != 12 or any(ch not in "0123456789ABCDEF" for ch in digits):
        raise ValidationError(_("%(value)s is not a MAC address.") % {"value": value})
    return ":".join(digits[i:i + 2] for i in range(0, 12, 2))


# --- changing a device ------------------------------------------------------------------------------

# Fields a form or the API never changes directly: the sicil no, the status (``set_status``) and
# the holder (custody services).
PROTECTED_FIELDS = ("sicil_no", "status", "holder", "created_by", "institution")


def clean_attributes(device_type, data: dict) -> dict:
    """The type's own fields (CPU, RAM…) typed and checked against the type's schema; a
    ValidationError names each bad field by its key."""
    from bilge.servicedesk.forms_schema import clean_answers

    return clean_answers(device_type.fields or [], data or {})


def _prepare(device: Device) -> None:
    device.mac_address = normalise_mac(device.mac_address)
    device.host_name = (device.host_name or "").strip()
    if device.device_type_id:
        if device.model_id and device.model.device_type_id != device.device_type_id:
            raise ValidationError({"model": [_("This model is of another device type.")]})
        try:
            device.attributes = clean_attributes(device.device_type, device.attributes)
        except ValidationError as exc:
            raise ValidationError({"attributes": exc.messages}) from exc
    if device.serial and device.model_id:
        clash = Device.objects.filter(model_id=device.model_id, serial=device.serial).exclude(pk=device.pk)
        if clash.exists():
            raise ValidationError({"serial": [_("A device of this model with this serial number is already "
                                                "registered (%(sicil)s).") % {"sicil": clash.first().sicil_no}]})


def create_device(user, device: Device, *, year: int | None = None) -> Device:
    """Register a new device from a form or the API: MAC normalised, the type's fields checked,
    status in the warehouse and no holder (custody gives it one), then the sicil no."""
    device.status = Device.Status.IN_WAREHOUSE
    device.holder = None
    if device.device_type_id and not device.tasinir_code_id:
        device.tasinir_code_id = device.device_type.tasinir_code_id
    _prepare(device)
    return register_device(user, device, year=year)


def update_device(user, device: Device) -> Device:
    """Save the changes of a form or the API. The sicil no, status and holder are kept as stored:
    they change only through ``set_status`` and the custody services."""
    if device.pk is None:
        raise ValueError("update_device() is for registered devices")
    allowed, principal = authorize(user, "change", device)
    if not allowed:
        raise PermissionError(_("You may not change this device (outside your scope)."))
    with transaction.atomic(), audit.acting_for(user, principal):
        stored = Device.objects.select_for_update().get(pk=device.pk)
        if stored.is_disposed:
            raise ValidationError(_("%(sicil)s is disposed; its record is kept as it was.") % {"sicil": stored.sicil_no})
        for name in PROTECTED_FIELDS:
            field = Device._meta.get_field(name)
            setattr(device, field.attname, getattr(stored, field.attname))
        _prepare(device)
        device.full_clean()
        device.save()
    return device


# --- status ---------------------------------------------------------------------------------------

S = Device.Status
# in_warehouse → in_use ⇄ in_repair / lent → awaiting_disposal → disposed. "disposed" is set only
# by the disposal service (``_mark_disposed``), with the committee's decision and wiping evidence.
TRANSITIONS = {
    S.IN_WAREHOUSE: {S.IN_USE, S.IN_REPAIR, S.LENT, S.AWAITING_DISPOSAL},
    S.IN_USE: {S.IN_REPAIR, S.LENT, S.IN_WAREHOUSE, S.AWAITING_DISPOSAL},
    S.IN_REPAIR: {S.IN_USE, S.IN_WAREHOUSE, S.AWAITING_DISPOSAL},
    S.LENT: {S.IN_USE, S.IN_WAREHOUSE, S.AWAITING_DISPOSAL},
    S.AWAITING_DISPOSAL: {S.IN_WAREHOUSE, S.DISPOSED},
    S.DISPOSED: set(),
}


def allowed_statuses(device: Device) -> list[str]:
    """The statuses ``set_status`` may move the device to (never "disposed")."""
    return [s for s in S.values if s in TRANSITIONS[device.status] and s != S.DISPOSED]


def set_status(user, device: Device, status: str, note: str = "") -> Device:
    """Move a device along its states (checked against the graph, the user's right and custody)."""
    if status not in S.values:
        raise ValidationError(_("Unknown status %(status)s.") % {"status": status})
    if status == S.DISPOSED:
        raise ValidationError(_("A device is marked disposed only through a disposal decision."))
    allowed, principal = authorize(user, "change", device)
    if not allowed:
        raise PermissionError(_("You may not change this device (outside your scope)."))
    with transaction.atomic(), audit.acting_for(user, principal):
        device = Device.objects.select_for_update().get(pk=device.pk)
        if status == device.status:
            raise ValidationError(_("%(sicil)s is already %(status)s.") % {
                "sicil": device.sicil_no, "status": device.get_status_display()})
        if status not in TRANSITIONS[device.status]:
            raise ValidationError(_("%(sicil)s cannot go from %(old)s to %(new)s.") % {
                "sicil": device.sicil_no, "old": device.get_status_display(), "new": S(status).label})
        if status == S.IN_WAREHOUSE and device.holder_id:
            raise ValidationError(_("%(sicil)s is held by %(person)s: take it back with a Taşınır Teslim Belgesi.")
                                  % {"sicil": device.sicil_no, "person": device.holder.full_name})
        old = device.status
        device.status = status
        device.save(update_fields=["status", "updated_at"])
        audit.record("status", device, {"status": [old, status], "note": note})
    return device


def _mark_disposed(device: Device) -> Device:
    """For ``services.disposal`` only, inside its transaction (which checks the decision, the
    wiping evidence, the right and records the act): the device becomes "disposed"."""
    if not connection.in_atomic_block:
        raise RuntimeError("_mark_disposed() must run inside the disposal transaction")
    device = Device.objects.select_for_update().get(pk=device.pk)
    if device.status != S.AWAITING_DISPOSAL:
        raise ValidationError(_("%(sicil)s is not awaiting disposal (it is %(status)s).") % {
            "sicil": device.sicil_no, "status": device.get_status_display()})
    if device.holder_id:
        raise ValidationError(_("%(sicil)s is still held by %(person)s: take it back first.") % {
            "sicil": device.sicil_no, "person": device.holder.full_name})
    device.status = S.DISPOSED
    device.save(update_fields=["status", "updated_at"])
    return device


# --- relations --------------------------------------------------------------------------------------

def add_link(user, source: Device, kind: str, target: Device) -> DeviceLink:
    """Relate two devices (PC ↔ monitor, server ↔ rack, camera ↔ recorder)."""
    if kind not in DeviceLink.Kind.values:
        raise ValidationError(_("Unknown relation %(kind)s.") % {"kind": kind})
    if source.pk == target.pk:
        raise ValidationError(_("A device cannot be related to itself."))
    allowed, principal = authorize(user, "change", source)
    if not allowed:
        raise PermissionError(_("You may not change this device (outside your scope)."))
    with transaction.atomic(), audit.acting_for(user, principal):
        link = DeviceLink.objects.filter(source=source, kind=kind, target=target).first()
        if link is not None and not link.is_archived:
            raise ValidationError(_("This relation is already recorded."))
        if link is not None:
            link.restore()
            return link
        return DeviceLink.objects.create(source=source, kind=kind, target=target)


def remove_link(user, link: DeviceLink) -> None:
    allowed, principal = authorize(user, "change", link.source)
    if not allowed:
        raise PermissionError(_("You may not change this device (outside your scope)."))
    with transaction.atomic(), audit.acting_for(user, principal):
        link.archive(_("relation removed"))


def links_of(device: Device):
    """Current relations of a device in both directions: (link, other device, outgoing?)."""
    rows = []
    for link in device.links_out.filter(archived_at__isnull=True).select_related("target"):
        rows.append((link, link.target, True))
    for link in device.links_in.filter(archived_at__isnull=True).select_related("source"):
        rows.append((link, link.source, False))
    return rows


# --- the service desk's side -----------------------------------------------------------------------

def find_by_sicil(institution_id, sicil_no: str) -> Device | None:
    sicil_no = (sicil_no or "").strip()
    if not sicil_no:
        return None
    return Device.objects.filter(institution_id=institution_id, sicil_no=sicil_no).first()


def link_ticket(user, ticket, sicil_no: str) -> Device:
    """A technician links a device to a ticket by its sicil no (recorded in the audit trail)."""
    allowed, principal = authorize(user, "change", ticket)
    if not allowed:
        raise PermissionError(_("You may not change this ticket."))
    device = find_by_sicil(ticket.institution_id, sicil_no)
    if device is None:
        raise ValidationError(_("No device has the sicil no %(sicil)s.") % {"sicil": sicil_no.strip()})
    with transaction.atomic(), audit.acting_for(user, principal):
        if ticket.devices.filter(pk=device.pk).exists():
            raise ValidationError(_("%(sicil)s is already linked to this ticket.") % {"sicil": device.sicil_no})
        ticket.devices.add(device)
    return device


def unlink_ticket(user, ticket, device: Device) -> None:
    allowed, principal = authorize(user, "change", ticket)
    if not allowed:
        raise PermissionError(_("You may not change this ticket."))
    with transaction.atomic(), audit.acting_for(user, principal):
        ticket.devices.remove(device)


def link_form_devices(ticket) -> list[Device]:
    """When a ticket is created: each answer of a "device" field that is a known sicil no links
    that device (answers that match nothing stay as typed)."""
    keys = [f["key"] for f in (ticket.form_schema or []) if f.get("type") == "device"]
    found = []
    for key in keys:
        device = find_by_sicil(ticket.institution_id, str((ticket.form_data or {}).get(key) or ""))
        if device is not None:
            found.append(device)
    if found:
        ticket.devices.add(*found)
    return found


def vendor_calls(device: Device, today=None) -> list[dict]:
    """Whom to call for a fault (the ticket and device pages): each active contract covering the
    device, then its warranty — :func:`bilge.assets.services.contracts.support_for` as template data."""
    from bilge.assets.services.contracts import support_for

    return [{"vendor": s.vendor, "phone": s.phone, "number": s.contract.number if s.contract else "",
             "terms": s.terms if s.contract else "", "end": s.end_date, "contract": s.contract,
             "warranty": s.contract is None}
            for s in support_for(device, today)]


def ticket_devices(ticket, today=None) -> list[dict]:
    """The devices linked to a ticket, each with whom to call (for the ticket page)."""
    return [{"device": d, "calls": vendor_calls(d, today)}
            for d in ticket.devices.select_related("model__manufacturer", "device_type").order_by("sicil_no")]


def fault_history(user, device: Device):
    """The tickets linked to a device that the user may see, newest first."""
    from bilge.servicedesk.models import Ticket

    return (Ticket.objects.visible_to(user, "view").filter(devices=device)
            .only("id", "number", "title", "status", "created_at").order_by("-id"))


# --- the taşınır code list ---------------------------------------------------------------------------

def load_tasinir_codes(path=None) -> tuple[int, int]:
    """Load the code list (``bilge/assets/data/tasinir_codes.yaml`` or an institution's own file):
    (created, updated). Idempotent: nothing changes the second time; nothing is deleted."""
    from pathlib import Path

    import yaml

    from bilge.assets.models import TasinirCode

    path = Path(path) if path else Path(__file__).resolve().parent.parent / "data" / "tasinir_codes.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(_("The code list cannot be read: %(error)s") % {"error": exc}) from exc
    rows = data.get("codes") if isinstance(data, dict) else None
    if not isinstance(rows, list):
        raise ValueError(_("The code list file has no \"codes\" list."))
    created = updated = 0
    with transaction.atomic():
        known = {c.code: c for c in TasinirCode.objects.all()}
        for index, row in enumerate(rows, start=1):
            code, name = str(row.get("code", "")).strip(), str(row.get("name", "")).strip()
            if not code or not name or not all(part.isdigit() for part in code.split(".")):
                raise ValueError(_("Line %(n)s of the code list needs a code like 255.01.02 and a name.") % {"n": index})
            parent = None
            if "." in code:
                parent = known.get(code.rsplit(".", 1)[0])
                if parent is None:
                    raise ValueError(_("%(code)s comes before its upper level.") % {"code": code})
            obj = known.get(code)
            if obj is None:
                obj = TasinirCode.objects.create(code=code, name=name, parent=parent)
                known[code] = obj
                created += 1
            elif obj.name != name or obj.parent_id != (parent.pk if parent else None):
                obj.name, obj.parent = name, parent
                obj.save()
                updated += 1
    return created, updated
