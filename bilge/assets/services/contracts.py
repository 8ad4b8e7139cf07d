"""Warranties and maintenance contracts (D md.7/ı, 8.3/g): saving a contract with the devices it
covers, and who to call when a device breaks (``support_for``, shown on a fault ticket)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from bilge.assets.models import Contract, Device
from bilge.core import audit
from bilge.core.permissions import authorize


@dataclass(frozen=True)
class Support:
    """Whom to call for a device: under a contract, or under the manufacturer's warranty."""

    vendor: str
    phone: str
    email: str
    terms: str
    end_date: datetime.date
    contract: Contract | None = None  # None: the device's own warranty

    @property
    def is_warranty(self) -> bool:
        return self.contract is None

    @property
    def contract_number(self) -> str:
        return self.contract.number if self.contract is not None else ""

    @property
    def url(self) -> str:
        return self.contract.get_absolute_url() if self.contract is not None else ""


def active_contracts(device: Device, today: datetime.date | None = None):
    """The current (not archived, started, not ended) contracts covering ``device``, ending first first."""
    today = today or timezone.localdate()
    return (Contract.objects.filter(devices=device, archived_at__isnull=True, start_date__lte=today,
                                    end_date__gte=today).order_by("end_date", "pk"))


def support_for(device: Device, today: datetime.date | None = None) -> list[Support]:
    """Whom to call about ``device`` today: each active contract covering it (vendor, phone,
    contract, response terms), then its own warranty while it lasts. Empty: no support."""
    today = today or timezone.localdate()
    found = [Support(vendor=c.vendor, phone=c.vendor_phone, email=c.vendor_email,
                     terms=c.response_terms or c.get_kind_display(), end_date=c.end_date, contract=c)
             for c in active_contracts(device, today)]
    if device.warranty_end and device.warranty_end >= today:
        maker = device.model.manufacturer if device.model_id else None
        found.append(Support(vendor=device.supplier or (maker.name if maker else ""),
                             phone=getattr(maker, "support_phone", "") or "", email="",
                             terms=_("manufacturer's warranty"), end_date=device.warranty_end))
    return found


def expiring_contracts(queryset, days: int, today: datetime.date | None = None):
    """Contracts of ``queryset`` that end within ``days`` days (and have not ended yet)."""
    today = today or timezone.localdate()
    return queryset.filter(archived_at__isnull=True, end_date__gte=today,
                           end_date__lte=today + datetime.timedelta(days=days))


def resolve_devices(user, text: str, institution_id: int | None = None) -> list[Device]:
    """Devices named by their sicil numbers (or serials), separated by commas, spaces or lines;
    only those the user may see. Unknown numbers are named in the error."""
    words = [w.strip() for w in text.replace(",", " ").replace(";", " ").split() if w.strip()]
    if not words:
        return []
    if len(words) > 5000:
        raise ValidationError(_("At most 5,000 devices at once."))
    visible = Device.objects.visible_to(user, "view")
    if institution_id:
        visible = visible.filter(institution_id=institution_id)
    found = list(visible.filter(Q(sicil_no__in=words) | Q(serial__in=words)).only("id", "sicil_no", "serial"))
    known = {d.sicil_no for d in found} | {d.serial for d in found if d.serial}
    missing = [w for w in words if w not in known]
    if missing:
        raise ValidationError(_("No device with these sicil numbers: %(list)s")
                              % {"list": ", ".join(missing[:20]) + ("…" if len(missing) > 20 else "")})
    return list({d.pk: d for d in found}.values())


def save_contract(user, contract: Contract, devices: list[Device] | None = None) -> Contract:
    """Save a contract (new or changed) and, when given, the exact set of devices it covers."""
    allowed, principal = authorize(user, "add" if contract.pk is None else "change", contract)
    if not allowed:
        raise PermissionError(_("You may not save this contract (outside your scope)."))
    if devices is not None:
        foreign = [d.sicil_no for d in devices if d.institution_id != contract.institution_id]
        if foreign:
            raise ValidationError(_("These devices belong to another institution: %(list)s")
                                  % {"list": ", ".join(foreign[:20])})
    with transaction.atomic(), audit.acting_for(user, principal):
        contract.full_clean()
        contract.save()
        if devices is not None:
            contract.devices.set(devices)
    return contract
