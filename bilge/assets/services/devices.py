"""Devices: registering (with the sicil no), changing, status moves, relations."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bilge.assets.models import Device, SicilSequence
from bilge.core import audit
from bilge.core.permissions import authorize


def next_sicil_no(code: str, year: int) -> str:
    """The next sicil no of a taşınır code in a year, e.g. ``255.01.02.01/26/000123``: unique and
    gapless also under concurrent registration (the counter row stays locked until the
    registering transaction ends)."""
    if not connection.in_atomic_block:
        raise RuntimeError("next_sicil_no() must run inside the registering transaction")
    table = SicilSequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET last = last + 1 WHERE code = %s AND year = %s RETURNING last",
                       [code, year])
        row = cursor.fetchone()
    if row is None:
        try:
            with transaction.atomic():
                SicilSequence.objects.get_or_create(code=code, year=year)
        except IntegrityError:
            pass  # created by a concurrent transaction
        seq = SicilSequence.objects.select_for_update().get(code=code, year=year)
        seq.last += 1
        seq.save(update_fields=["last"])
        last = seq.last
    else:
        last = row[0]
    return f"{code}/{year % 100:02d}/{last:06d}"


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
