"""Expiry reminders (D md.7/ı, 8.3/g; B md.12/d), run daily by the worker (``bilge.assets.tasks``).

* a maintenance/support contract's end and a device's warranty end: 90, 30 and 7 days before;
* a licence's expiry and a certificate's end: 90, 30 and 15 days before;
* a certificate whose holder has left and that is not revoked: once, to have it revoked.

Each threshold is sent once per item and due date (``Reminder`` rows; a changed date starts
afresh). When the worker did not run on the very day a threshold was reached, the nearest
threshold crossed is sent, never the ones before it: 40 days before, after a missed 90-day run,
nothing is sent (the 90-day notice would be stale), 29 days before the 30-day notice is.

Recipients: the record's ``responsible`` person ("followed by"); for a certificate also its holder
while they still work here. Nobody named (and for device warranties, which name nobody): the
manager of the institution's IT department (its top IT unit), and if it has none, everyone with
the assets change right over the whole institution. Warranty reminders are grouped: one message
per institution, end date and threshold, naming the devices (a batch bought together ends
together)."""

from __future__ import annotations

import datetime
import logging

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from bilge.assets.models import Certificate, Contract, Device, Licence, Reminder
from bilge.assets.services.software import departed_holders_q
from bilge.core.notify import notify

log = logging.getLogger("bilge.assets")

CONTRACT_DAYS = (90, 30, 7)
WARRANTY_DAYS = CONTRACT_DAYS
LICENCE_DAYS = (90, 30, 15)
CERTIFICATE_DAYS = LICENCE_DAYS
DEVICES_NAMED = 20  # sicil numbers listed in one grouped warranty reminder


def threshold_due(due: datetime.date, today: datetime.date, thresholds=CONTRACT_DAYS) -> int | None:
    """The nearest threshold crossed on ``today`` for something ending on ``due`` (None: none yet,
    or already ended)."""
    left = (due - today).days
    if left < 0:
        return None
    crossed = [t for t in thresholds if left <= t]
    return min(crossed) if crossed else None


# --- recipients -----------------------------------------------------------------------------------

class Recipients:
    """Users to tell, with the IT department's fallback per institution (looked up once per run)."""

    def __init__(self):
        self._fallback: dict[int, list] = {}

    @staticmethod
    def users_of(*people) -> list:
        return [p.user for p in people if p is not None and p.user_id and p.user.is_active]

    def fallback(self, institution_id: int) -> list:
        if institution_id not in self._fallback:
            self._fallback[institution_id] = _it_fallback(institution_id)
        return self._fallback[institution_id]

    def for_people(self, institution_id: int, *people) -> list:
        return self.users_of(*people) or self.fallback(institution_id)


def _it_fallback(institution_id: int) -> list:
    from django.contrib.auth import get_user_model

    from bilge.core.models import RoleAssignment, Unit
    from bilge.core.permissions import SCOPE_INSTITUTION, SCOPE_IT_SERVICE, grant_matches

    tops = (Unit.objects.filter(institution_id=institution_id, is_it=True, archived_at__isnull=True,
                                manager__isnull=False)
            .exclude(parent__is_it=True).select_related("manager__user"))
    managers = [u.manager.user for u in tops if u.manager.user_id and u.manager.user.is_active]
    if managers:
        return managers
    ids = set()
    for ra in (RoleAssignment.objects.filter(scope__in=[SCOPE_INSTITUTION, SCOPE_IT_SERVICE])
               .select_related("role", "user__person")):
        person = getattr(ra.user, "person", None)
        inst = ra.institution_id or (person.institution_id if person else None)
        if inst == institution_id and any(grant_matches(g, "assets", "change") for g in ra.role.grants or []):
            ids.add(ra.user_id)
    return list(get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("pk"))


# --- sending --------------------------------------------------------------------------------------

def _already(object_type: str, ids) -> set[tuple[int, datetime.date, int]]:
    return set(Reminder.objects.filter(object_type=object_type, object_id__in=list(ids))
               .values_list("object_id", "due_date", "days_before"))


def _claim(object_type: str, pairs) -> bool:
    """Record the reminders (inside the caller's transaction); False when another worker did first."""
    try:
        with transaction.atomic():
            Reminder.objects.bulk_create([Reminder(object_type=object_type, object_id=pk, due_date=due, days_before=days)
                                          for pk, due, days in pairs])
    except IntegrityError:
        return False
    return True


def _due_items(rows, today, thresholds, object_type):
    """[(row, threshold)] of ``rows`` (each with ``pk`` and ``due``) not yet reminded at that threshold."""
    wanted = []
    for row in rows:
        days = threshold_due(row["due"], today, thresholds)
        if days is not None:
            wanted.append((row, days))
    sent = _already(object_type, [row["pk"] for row, _days in wanted])
    return [(row, days) for row, days in wanted if (row["pk"], row["due"], days) not in sent]


def _window(today, thresholds):
    return today, today + datetime.timedelta(days=max(thresholds))


def remind_contracts(today, recipients: Recipients) -> int:
    start, end = _window(today, CONTRACT_DAYS)
    qs = (Contract.objects.filter(archived_at__isnull=True, end_date__gte=start, end_date__lte=end)
          .select_related("responsible__user"))
    contracts = {c.pk: c for c in qs}
    rows = [{"pk": c.pk, "due": c.end_date} for c in contracts.values()]
    sent = 0
    for row, days in _due_items(rows, today, CONTRACT_DAYS, "contract"):
        contract = contracts[row["pk"]]
        with transaction.atomic():
            if not _claim("contract", [(contract.pk, contract.end_date, days)]):
                continue
            notify(recipients.for_people(contract.institution_id, contract.responsible), "asset_contract_expiring",
                   {"number": contract.number, "title": contract.title, "vendor": contract.vendor,
                    "end_date": contract.end_date, "days": (contract.end_date - today).days},
                   contract.get_absolute_url())
        sent += 1
    return sent


def remind_warranties(today, recipients: Recipients) -> int:
    start, end = _window(today, WARRANTY_DAYS)
    rows = list(Device.objects.filter(archived_at__isnull=True, warranty_end__gte=start, warranty_end__lte=end)
                .exclude(status=Device.Status.DISPOSED).order_by("sicil_no")
                .values("pk", "institution_id", "sicil_no", due=F("warranty_end")))
    groups: dict[tuple, list] = {}
    for row, days in _due_items(rows, today, WARRANTY_DAYS, "warranty"):
        groups.setdefault((row["institution_id"], row["due"], days), []).append(row)
    try:
        url = reverse("assets:report_warranty")
    except Exception:  # the reports are not installed
        url = ""
    sent = 0
    for (institution_id, due, days), members in groups.items():
        with transaction.atomic():
            if not _claim("warranty", [(m["pk"], due, days) for m in members]):
                continue
            names = ", ".join(m["sicil_no"] for m in members[:DEVICES_NAMED])
            if len(members) > DEVICES_NAMED:
                names += " …"
            notify(recipients.fallback(institution_id), "asset_warranty_expiring",
                   {"count": len(members), "devices": names, "end_date": due, "days": (due - today).days}, url)
        sent += 1
    return sent


def remind_licences(today, recipients: Recipients) -> int:
    start, end = _window(today, LICENCE_DAYS)
    qs = (Licence.objects.filter(archived_at__isnull=True, expiry_date__gte=start, expiry_date__lte=end)
          .select_related("software", "responsible__user"))
    licences = {lic.pk: lic for lic in qs}
    rows = [{"pk": lic.pk, "due": lic.expiry_date} for lic in licences.values()]
    sent = 0
    for row, days in _due_items(rows, today, LICENCE_DAYS, "licence"):
        lic = licences[row["pk"]]
        with transaction.atomic():
            if not _claim("licence", [(lic.pk, lic.expiry_date, days)]):
                continue
            notify(recipients.for_people(lic.institution_id, lic.responsible), "asset_licence_expiring",
                   {"software": lic.software.name, "reference": lic.reference,
                    "kind": Licence.Kind(lic.kind).label, "seats": lic.quantity, "expiry_date": lic.expiry_date,
                    "days": (lic.expiry_date - today).days}, lic.get_absolute_url())
        sent += 1
    return sent


def remind_certificates(today, recipients: Recipients) -> int:
    start, end = _window(today, CERTIFICATE_DAYS)
    qs = (Certificate.objects.filter(archived_at__isnull=True, revoked_at__isnull=True, valid_to__gte=start,
                                     valid_to__lte=end)
          .select_related("holder__user", "responsible__user"))
    certificates = {c.pk: c for c in qs}
    rows = [{"pk": c.pk, "due": c.valid_to} for c in certificates.values()]
    sent = 0
    for row, days in _due_items(rows, today, CERTIFICATE_DAYS, "certificate"):
        cert = certificates[row["pk"]]
        holder = cert.holder if cert.holder_id and not cert.holder_left else None
        with transaction.atomic():
            if not _claim("certificate", [(cert.pk, cert.valid_to, days)]):
                continue
            notify(recipients.for_people(cert.institution_id, cert.responsible, holder), "asset_certificate_expiring",
                   {"kind": Certificate.Kind(cert.kind).label, "subject": cert.subject, "serial": cert.serial,
                    "holder": cert.holder.full_name if cert.holder_id else "", "valid_to": cert.valid_to,
                    "days": (cert.valid_to - today).days, "renewable_from": cert.renewable_from},
                   cert.get_absolute_url())
        sent += 1
    return sent


def remind_revocations(today, recipients: Recipients) -> int:
    """Once per certificate: its holder has left and it is still valid and not revoked."""
    qs = (Certificate.objects.filter(archived_at__isnull=True, revoked_at__isnull=True,
                                     revocation_reminded_at__isnull=True, holder__isnull=False, valid_to__gte=today)
          .filter(departed_holders_q(today)).select_related("holder", "responsible__user"))
    sent = 0
    for cert in qs.order_by("pk"):
        with transaction.atomic():
            claimed = Certificate.objects.filter(pk=cert.pk, revocation_reminded_at__isnull=True).update(
                revocation_reminded_at=timezone.now())
            if not claimed:
                continue
            notify(recipients.for_people(cert.institution_id, cert.responsible), "asset_certificate_revoke",
                   {"kind": Certificate.Kind(cert.kind).label, "subject": cert.subject, "serial": cert.serial,
                    "holder": cert.holder.full_name, "left_on": cert.holder.end_date, "valid_to": cert.valid_to},
                   cert.get_absolute_url())
        sent += 1
    return sent


def send_reminders(today: datetime.date | None = None) -> dict:
    """Send every reminder due on ``today`` (default: the local date); returns counts by kind."""
    today = today or timezone.localdate()
    recipients = Recipients()
    counts = {
        "contracts": remind_contracts(today, recipients),
        "warranties": remind_warranties(today, recipients),
        "licences": remind_licences(today, recipients),
        "certificates": remind_certificates(today, recipients),
        "revocations": remind_revocations(today, recipients),
    }
    if any(counts.values()):
        log.info("Asset reminders: %s", counts)
    return counts
