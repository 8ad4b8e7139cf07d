"""The assets app's notification kinds (found by bilge.core.notification_kinds on first use).
Default texts: bilge/assets/templates/notifications/<kind>.subject.txt and .body.txt."""

from django.utils.translation import gettext_lazy as _

from bilge.core.notification_kinds import NotificationKind, register

register(NotificationKind(
    key="stock_reorder", module="assets", label=_("Stock at reorder level"),
    description=_("To the warehouse's taşınır kayıt yetkilisi and the manager of the unit keeping the warehouse, "
                  "once, when an accepted movement brings a stock level to or below its reorder level."),
    variables={"warehouse": _("warehouse code and name"), "item": _("stock item code and name"),
               "quantity": _("quantity left"), "reorder_level": _("the reorder level"),
               "measure": _("unit of measure, e.g. adet")},
    sample={"warehouse": "BT Bilgi İşlem Ambarı", "item": "TN-2456 HP 59A toner", "quantity": 2,
            "reorder_level": 3, "measure": "adet"},
))

# --- warranties, contracts, licences, certificates (bilge.assets.services.reminders) -------------

import datetime  # noqa: E402

from bilge.core.notify import localized  # noqa: E402

DAYS_LEFT = _("days left until the end (90, 30, 15 or 7 at the threshold; fewer when a run was missed)")
SAMPLE_END = datetime.date(2027, 3, 31)

register(NotificationKind(
    key="asset_contract_expiring", module="assets", label=_("Maintenance contract ending"),
    description=_("To the person following the contract (else the IT department's manager) 90, 30 and 7 days "
                  "before a maintenance or support contract ends."),
    variables={"number": _("contract number"), "title": _("contract title"), "vendor": _("vendor"),
               "end_date": _("end date"), "days": DAYS_LEFT},
    sample={"number": "2026/14", "title": "Yazıcı bakım onarım hizmeti", "vendor": "Örnek Bilişim Ltd. Şti.",
            "end_date": SAMPLE_END, "days": 30},
))
register(NotificationKind(
    key="asset_warranty_expiring", module="assets", label=_("Device warranties ending"),
    description=_("To the IT department's manager 90, 30 and 7 days before devices' warranties end: one message "
                  "per end date, naming the devices."),
    variables={"count": _("number of devices"), "devices": _("their sicil numbers (the first 20)"),
               "end_date": _("warranty end date"), "days": DAYS_LEFT},
    sample={"count": 2, "devices": "255.01.02.01/26/000123, 255.01.02.01/26/000124", "end_date": SAMPLE_END,
            "days": 90},
))
register(NotificationKind(
    key="asset_licence_expiring", module="assets", label=_("Licence expiring"),
    description=_("To the person following the licence (else the IT department's manager) 90, 30 and 15 days "
                  "before a software licence or subscription expires."),
    variables={"software": _("software name"), "reference": _("licence reference (agreement or order no)"),
               "kind": _("licence kind, in the reader's language"), "seats": _("number of seats"),
               "expiry_date": _("expiry date"), "days": DAYS_LEFT},
    sample={"software": "Microsoft 365 E3", "reference": "EA-2024-118",
            "kind": localized(tr="abonelik", en="subscription"), "seats": 250, "expiry_date": SAMPLE_END, "days": 15},
))
register(NotificationKind(
    key="asset_certificate_expiring", module="assets", label=_("Certificate expiring"),
    description=_("To the certificate's holder and the person following it 90, 30 and 15 days before an SSL/TLS, "
                  "e-signature or code-signing certificate expires."),
    variables={"kind": _("certificate kind, in the reader's language"), "subject": _("domain or holder name"),
               "serial": _("serial number"), "holder": _("holder's name"), "valid_to": _("valid until"),
               "days": DAYS_LEFT,
               "renewable_from": _("for a KamuSM e-signature: the day renewal opens (3 months before expiry)")},
    sample={"kind": localized(tr="e-imza (personel)", en="e-signature (staff)"), "subject": "İpek Ünal",
            "serial": "7A3F19", "holder": "İpek Ünal", "valid_to": SAMPLE_END, "days": 90,
            "renewable_from": datetime.date(2026, 12, 31)},
))
register(NotificationKind(
    key="asset_certificate_revoke", module="assets", label=_("Certificate to revoke"),
    description=_("To the person following the certificate (else the IT department's manager), once, when the "
                  "holder of a valid certificate has left the institution."),
    variables={"kind": _("certificate kind, in the reader's language"), "subject": _("domain or holder name"),
               "serial": _("serial number"), "holder": _("holder's name"),
               "left_on": _("the holder's end date (empty when only archived)"), "valid_to": _("valid until")},
    sample={"kind": localized(tr="e-imza (personel)", en="e-signature (staff)"), "subject": "Oya Cem",
            "serial": "5C11E0", "holder": "Oya Cem", "left_on": datetime.date(2026, 11, 30), "valid_to": SAMPLE_END},
))
