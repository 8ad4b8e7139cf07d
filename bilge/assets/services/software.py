"""Software, licences and certificates (D md.8.3/r; F md.10/23; B md.12/d): assigning licence
seats (never beyond what was bought), compliance figures (owned vs assigned vs installed), and
revoking certificates."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from bilge.assets.models import Certificate, Installation, Licence, LicenceAssignment, Software
from bilge.core import audit
from bilge.core.permissions import authorize


def _check(user, action, obj, message):
    allowed, principal = authorize(user, action, obj)
    if not allowed:
        raise PermissionError(message)
    return principal


# --- licence seats --------------------------------------------------------------------------------

def assign_licence(user, licence: Licence, *, person=None, device=None) -> LicenceAssignment:
    """Give one seat of ``licence`` to a person or a device. Refused beyond the seats bought, for
    an expired or archived licence, for a target of another institution, and twice to the same target."""
    principal = _check(user, "change", licence, _("You may not assign this licence (outside your scope)."))
    if (person is None) == (device is None):
        raise ValidationError(_("Assign the licence to a person or to a device."))
    if licence.kind == Licence.Kind.PER_USER and person is None:
        raise ValidationError(_("A per-user licence is assigned to a person."))
    if licence.kind == Licence.Kind.PER_DEVICE and device is None:
        raise ValidationError(_("A per-device licence is assigned to a device."))
    target = person or device
    if target.institution_id != licence.institution_id:
        raise ValidationError(_("%(target)s belongs to another institution.") % {"target": target})
    with transaction.atomic(), audit.acting_for(user, principal):
        # The licence row stays locked until the seat is recorded: two people assigning the last
        # seat at the same moment cannot both succeed.
        locked = Licence.objects.select_for_update().get(pk=licence.pk)
        if not locked.in_force():
            raise ValidationError(_("This licence has expired or is archived; it cannot be assigned."))
        assignments = LicenceAssignment.objects.filter(licence=locked)
        if assignments.filter(person=person, device=device).exists():
            raise ValidationError(_("%(target)s already has this licence.") % {"target": target})
        used = assignments.count()
        if not locked.unlimited and used >= locked.quantity:
            raise ValidationError(
                _("All %(seats)s seats of this licence are assigned (%(used)s). Unassign one or record more "
                  "seats before assigning it to %(target)s.") % {"seats": locked.quantity, "used": used,
                                                                 "target": target})
        assignment = LicenceAssignment(licence=locked, person=person, device=device)
        assignment.full_clean()
        assignment.save()
    return assignment


def unassign_licence(user, assignment: LicenceAssignment) -> None:
    """Free a seat (the assignment is removed; the audit trail keeps who had it)."""
    principal = _check(user, "change", assignment.licence, _("You may not change this licence (outside your scope)."))
    with transaction.atomic(), audit.acting_for(user, principal):
        assignment.delete()


def record_installation(user, device, software: Software, version: str = "", source: str = "manual") -> Installation:
    """Record (or refresh) that ``software`` is installed on ``device``."""
    if device.institution_id != software.institution_id:
        raise ValidationError(_("The software and the device belong to different institutions."))
    candidate = Installation(device=device, software=software, version=version, source=source)
    principal = _check(user, "add", candidate, _("You may not record software on this device."))
    with transaction.atomic(), audit.acting_for(user, principal):
        existing = Installation.objects.select_for_update().filter(device=device, software=software).first()
        if existing is not None:
            existing.version, existing.source = version or existing.version, source
            existing.save()
            return existing
        candidate.full_clean()
        candidate.save()
        return candidate


# --- compliance -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Compliance:
    """Seats owned (None: unlimited, a site licence), assigned and installations known."""

    owned: int | None
    assigned: int
    installed: int
    open_source: bool = False

    @property
    def known(self) -> bool:
        """Compliance can be judged once installations are recorded."""
        return self.installed > 0

    @property
    def shortfall(self) -> int:
        """Installations beyond the seats owned (0 when compliant or unlimited)."""
        if self.owned is None or self.open_source:
            return 0
        return max(self.installed - self.owned, 0)

    @property
    def free(self) -> int | None:
        return None if self.owned is None else max(self.owned - self.assigned, 0)

    @property
    def status(self) -> str:
        if self.open_source:
            return "not_needed"
        if not self.known:
            return "unknown"
        return "over" if self.shortfall else "compliant"

    @property
    def status_label(self) -> str:
        return {"not_needed": _("no licence needed (open source)"),
                "unknown": _("unknown: no installations recorded"),
                "over": _("%(n)s installations beyond the seats owned") % {"n": self.shortfall},
                "compliant": _("compliant")}[self.status]


def licence_compliance(licence: Licence) -> Compliance:
    """The licence's seats, its assignments, and the installations of its software."""
    installed = Installation.objects.filter(software_id=licence.software_id).count()
    return Compliance(owned=None if licence.unlimited else licence.quantity,
                      assigned=licence.assignments.count(), installed=installed,
                      open_source=licence.software.is_open_source)


def _owned_q(today):
    return (Q(licences__archived_at__isnull=True)
            & (Q(licences__kind=Licence.Kind.PERPETUAL) | Q(licences__expiry_date__isnull=True)
               | Q(licences__expiry_date__gte=today)))


def software_compliance(software_qs, today: datetime.date | None = None) -> dict[int, Compliance]:
    """Compliance of each software of ``software_qs`` by id, in three grouped queries: seats of the
    licences in force, their assignments, installations."""
    today = today or timezone.localdate()
    owned_q = _owned_q(today)
    rows = software_qs.order_by().values("pk", "is_open_source").annotate(
        seats=Sum("licences__quantity", filter=owned_q & ~Q(licences__kind=Licence.Kind.SITE)),
        site=Count("licences", filter=owned_q & Q(licences__kind=Licence.Kind.SITE)))
    ids = [r["pk"] for r in rows]
    assigned = dict(LicenceAssignment.objects.filter(licence__software_id__in=ids).order_by()
                    .values_list("licence__software_id").annotate(n=Count("pk")).values_list("licence__software_id", "n"))
    installed = dict(Installation.objects.filter(software_id__in=ids).order_by().values_list("software_id")
                     .annotate(n=Count("pk")).values_list("software_id", "n"))
    return {r["pk"]: Compliance(owned=None if r["site"] else (r["seats"] or 0), assigned=assigned.get(r["pk"], 0),
                                installed=installed.get(r["pk"], 0), open_source=r["is_open_source"])
            for r in rows}


# --- certificates ---------------------------------------------------------------------------------

def revoke_certificate(user, certificate: Certificate, on: datetime.date | None = None, reason: str = "") -> Certificate:
    """Record that the certificate was revoked (at the issuer: KamuSM, the CA). Expiry and
    revocation reminders stop for it."""
    principal = _check(user, "change", certificate, _("You may not change this certificate (outside your scope)."))
    on = on or timezone.localdate()
    if certificate.revoked_at is not None:
        raise ValidationError(_("This certificate was already revoked on %(date)s.")
                              % {"date": certificate.revoked_at.strftime("%d.%m.%Y")})
    if on > timezone.localdate():
        raise ValidationError(_("The revocation date cannot be in the future."))
    with transaction.atomic(), audit.acting_for(user, principal):
        certificate.revoked_at = on
        if reason:
            certificate.notes = (certificate.notes + "\n" if certificate.notes else "") + reason
        certificate.full_clean()
        certificate.save()
    return certificate


def departed_holders_q(today: datetime.date | None = None) -> Q:
    """Certificates whose holder has left: archived, or past their end date."""
    today = today or timezone.localdate()
    return Q(holder__archived_at__isnull=False) | Q(holder__end_date__lt=today)
