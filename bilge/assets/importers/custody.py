"""Custody from Excel/CSV: existing devices (by sicil no or serial) handed to people with a date;
one Taşınır Teslim Belgesi per receiver and date, through the custody service."""

from __future__ import annotations

from collections import Counter

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from bilge.assets.importers import register
from bilge.assets.importers.base import CheckResult, Column, Importer, RowError, parse_date
from bilge.assets.importers.readers import cell_text
from bilge.core.permissions import can, person_of

CHUNK = 2000


@register
class CustodyImporter(Importer):
    kind = "custody"
    label = _l("custody (handovers)")
    columns = (
        Column("sicil_no", "Sicil no", "Inventory number", _l("The device's sicil no (or give its serial number)."),
               True, "255.01.02.01/26/000123"),
        Column("serial", "Seri no", "Serial number", _l("Used when the sicil no is empty; must match one device."),
               example="SN123456"),
        Column("receiver", "Teslim alan sicil no", "Receiver registration no",
               _l("Registration number of the person who receives the device."), True, "1002"),
        Column("date", "Tarih", "Date", _l("Date of the handover, dd.mm.yyyy (not in the future)."), True,
               "02.01.2026"),
        Column("note", "Not", "Note", _l("Printed on the Taşınır Teslim Belgesi.")),
    )

    def optional_if_other(self, key, present):
        return key == "sicil_no" and "serial" in present

    def problems(self):
        if person_of(self.user) is None:
            return [_("No person is linked to your account: a Taşınır Teslim Belgesi names who hands over.")]
        return []

    def prepare(self):
        from bilge.core.models import Person

        self.people = {}
        for person in Person.objects.filter(institution=self.institution, archived_at__isnull=True) \
                .only("pk", "registration_no", "first_name", "last_name", "end_date"):
            if person.registration_no:
                self.people[person.registration_no] = person

    def clean_row(self, number, row):
        text = {k: cell_text(v) for k, v in row.items()}
        sicil, serial = text.get("sicil_no", ""), text.get("serial", "")
        if not sicil and not serial:
            raise RowError(_("Give the sicil no or the serial number of the device."), "sicil_no")
        reg = text.get("receiver", "")
        if not reg:
            raise RowError(_("The receiver is required."), "receiver")
        person = self.people.get(reg)
        if person is None:
            raise RowError(_("No person with registration number “%(value)s”.") % {"value": reg}, "receiver")
        today = timezone.localdate()
        if person.end_date and person.end_date < today:
            raise RowError(_("%(person)s no longer works here.") % {"person": person.full_name}, "receiver")
        try:
            date = parse_date(row.get("date"))
        except ValueError as exc:
            raise RowError(str(exc), "date") from None
        if date is None:
            raise RowError(_("The date is required."), "date")
        if date > today:
            raise RowError(_("The date is in the future."), "date")
        return {"sicil_no": sicil, "serial": serial, "receiver_id": person.pk, "date": date,
                "note": text.get("note", "")}

    def finish_check(self, result: CheckResult, rows: list[dict]) -> None:
        from bilge.assets.models import Device

        devices = Device.objects.filter(institution=self.institution).select_related("holder").only(
            "pk", "sicil_no", "serial", "status", "holder__first_name", "holder__last_name", "institution_id",
            "unit_id", "holder_id")
        by_sicil, by_serial = {}, {}
        sicils = [r["sicil_no"] for r in rows if r["sicil_no"]]
        serials = [r["serial"] for r in rows if not r["sicil_no"]]
        for i in range(0, len(sicils), CHUNK):
            by_sicil.update({d.sicil_no: d for d in devices.filter(sicil_no__in=sicils[i:i + CHUNK])})
        for i in range(0, len(serials), CHUNK):
            for d in devices.filter(serial__in=serials[i:i + CHUNK]).exclude(status="disposed"):
                by_serial.setdefault(d.serial, []).append(d)
        seen = {}
        statuses = dict(Device.Status.choices)
        for row in rows:
            number = row["_row"]
            if row["sicil_no"]:
                device = by_sicil.get(row["sicil_no"])
                if device is None:
                    self.add_error(result, number, "sicil_no", _("No device with sicil no %(value)s.")
                                   % {"value": row["sicil_no"]})
                    continue
            else:
                found = by_serial.get(row["serial"], [])
                if len(found) != 1:
                    self.add_error(result, number, "serial", (_("No device with serial number %(value)s.") if not found
                                   else _("Serial number %(value)s matches %(n)s devices: give the sicil no."))
                                   % {"value": row["serial"], "n": len(found)})
                    continue
                device = found[0]
            if device.pk in seen:
                self.add_error(result, number, "sicil_no", _("%(sicil)s appears also in row %(row)s.")
                               % {"sicil": device.sicil_no, "row": seen[device.pk]})
                continue
            seen[device.pk] = number
            if device.holder_id:
                self.add_error(result, number, "sicil_no", _("%(sicil)s is already held by %(person)s.")
                               % {"sicil": device.sicil_no, "person": device.holder.full_name})
            elif device.status != Device.Status.IN_WAREHOUSE:
                self.add_error(result, number, "sicil_no", _("%(sicil)s is not available in the warehouse (it is "
                               "%(status)s).") % {"sicil": device.sicil_no, "status": statuses[device.status]})
            elif not can(self.user, "change", device):
                self.add_error(result, number, "sicil_no", _("You may not hand over %(sicil)s (outside your scope).")
                               % {"sicil": device.sicil_no})
            row["device_id"], row["device_sicil"] = device.pk, device.sicil_no

    def summarise(self, rows):
        return {"devices": len(rows), "handovers": len({(r["receiver_id"], r["date"], r["note"]) for r in rows}),
                "people": len({r["receiver_id"] for r in rows})}

    def preview_headers(self):
        return [_("Row"), _("Sicil no"), _("Receiver"), _("Date")]

    def preview_row(self, row):
        person = next((p for p in self.people.values() if p.pk == row["receiver_id"]), None)
        return [row["_row"], row.get("device_sicil", ""), f"{person.registration_no} {person.full_name}" if person
                else "", row["date"].strftime("%d.%m.%Y")]

    def write(self, rows, progress) -> int:
        from bilge.assets.services.custody import hand_over
        from bilge.core.models import Person

        groups = {}
        for row in rows:
            groups.setdefault((row["receiver_id"], row["date"], row["note"]), []).append(row["device_id"])
        people = Person.objects.in_bulk([key[0] for key in groups])
        done = 0
        for (receiver_id, date, note), device_ids in groups.items():
            hand_over(self.user, device_ids, receiver=people[receiver_id], date=date, note=note)
            done += len(device_ids)
            progress(done)
        self.written_counts = Counter(documents=len(groups))
        return done
