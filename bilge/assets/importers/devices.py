"""Devices from Excel/CSV: one row per device, its sicil no given by the system (a block of
numbers per taşınır code and year, taken in one locked update); rows naming a holder are handed
over to them with a Taşınır Teslim Belgesi per person (the custody service)."""

from __future__ import annotations

import ipaddress
import re
from collections import Counter, defaultdict

from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import gettext_noop

from bilge.assets.importers import bulk, register
from bilge.assets.importers.base import (
    CheckResult,
    Column,
    Importer,
    RowError,
    header_key,
    parse_bool,
    parse_date,
    parse_decimal,
)
from bilge.assets.importers.readers import cell_text
from bilge.assets.services.devices import sicil_no
from bilge.core import numbering
from bilge.core.permissions import authorize, person_of
from bilge.core.turkish import fold

MAX_LENGTHS = (("serial", 100), ("name", 150), ("supplier", 200), ("procurement_ref", 100), ("invoice_no", 60))
HOST_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$")
CHUNK = 2000


def next_sicil_block(code: str, year: int, n: int) -> int:
    """Reserve ``n`` consecutive sicil sequences of a taşınır code in a year in one locked update
    and return the first (unique and gapless as with ``next_sicil_no``)."""
    from bilge.assets.models import SicilSequence

    return numbering.take(SicilSequence, n, code=code, year=year)


def _search_text(data: dict, model) -> str:
    """``Device.build_search_text`` for a new device (no holder yet) from its column values."""
    from bilge.assets.models import Device

    parts = []
    for name in Device.search_fields:
        if name.startswith("model__"):
            value = model
            for attr in name.split("__")[1:]:
                value = getattr(value, attr, None) if value is not None else None
        else:
            value = data.get(name) if "__" not in name else None
        if value:
            parts.append(str(value))
    return fold(" ".join(parts))


def path_key(text: str) -> str:
    return "/".join(header_key(part) for part in str(text).split("/"))


# The words a Turkish inventory list uses for the statuses (the file format, whatever the interface language).
STATUS_WORDS = {
    "depoda": "in_warehouse", "ambarda": "in_warehouse", "kullanimda": "in_use", "zimmetli": "in_use",
    "onarimda": "in_repair", "tamirde": "in_repair", "arizali": "in_repair", "oduncte": "lent", "odunc": "lent",
    "emanette": "lent", "kayittandusulecek": "awaiting_disposal", "hurdayaayrilacak": "awaiting_disposal",
    "kayittandusuldu": "disposed", "hurda": "disposed",
}


def _choice_keys(choices, words: dict | None = None) -> dict:
    """Key, Turkish and English label of each choice (and the given words) → key."""
    keys = dict(words or {})
    for value, label in choices:
        keys[header_key(value)] = value
        for lang in ("tr", "en"):
            with translation.override(lang):
                keys.setdefault(header_key(str(label)), value)
    return keys


@register
class DeviceImporter(Importer):
    kind = "devices"
    label = _l("devices")
    columns = (
        Column("type", "Tür kodu", "Type code", _l("Device type: its code (e.g. pc, printer) or its name."),
               True, "pc"),
        Column("manufacturer", "Marka", "Manufacturer", _l("Manufacturer as recorded in the catalogue."),
               example="Casper"),
        Column("model", "Model", "Model", _l("Model of that manufacturer and type, as recorded in the catalogue."),
               example="Nirvana D46"),
        Column("serial", "Seri no", "Serial number", _l("Serial number; unique per model."), example="SN123456"),
        Column("name", "Ad", "Name", _l("A short name people use for it."), example="Başkanlık yazıcısı"),
        Column("status", "Durum", "Status", _l("in the warehouse (default), in use, in repair, lent, awaiting "
                                               "disposal. With a holder: in use."), example="depoda"),
        Column("tasinir_code", "Taşınır kodu", "Taşınır code",
               _l("From the official code list; empty: the device type's code."), example="255.01.02.01"),
        Column("location", "Yer", "Location", _l("Full location (Site / Building / Floor / Room) or its code."),
               example="Hizmet Binası / A Blok / 3. Kat / Oda 312"),
        Column("warehouse", "Ambar kodu", "Warehouse code", _l("Two-character warehouse code."), example="BT"),
        Column("unit", "Birim kodu", "Unit code", _l("Code of the owning unit; empty: the holder's unit."),
               example="FEN"),
        Column("holder", "Zimmetli sicil no", "Holder registration no",
               _l("Registration number of the person it is handed to: a Taşınır Teslim Belgesi is made per "
                  "person."), example="1002"),
        Column("ip", "IP adresi", "IP address", _l("IPv4 or IPv6 address."), example="10.1.2.3"),
        Column("mac", "MAC adresi", "MAC address", _l("Hardware address, any usual notation."),
               example="AA:BB:CC:DD:EE:FF"),
        Column("host_name", "Bilgisayar adı", "Host name", _l("Host name on the network."), example="FEN-PC-012"),
        Column("approved", "Onaylı", "Approved", _l("Approved to be on the network: evet/hayır (yes/no)."),
               example="evet"),
        Column("purchase_date", "Alım tarihi", "Purchase date",
               _l("dd.mm.yyyy; its year is the year in the sicil no (else this year)."), example="15.03.2025"),
        Column("price", "Fiyat", "Price", _l("Purchase price in TL."), example="24.500,00"),
        Column("supplier", "Tedarikçi", "Supplier", example="ABC Bilişim Ltd. Şti."),
        Column("procurement_ref", "Alım referansı", "Procurement reference", _l("Tender or purchase file number."),
               example="2025/123456"),
        Column("invoice_no", "Fatura no", "Invoice number", example="ABC2025000123"),
        Column("warranty_end", "Garanti bitişi", "Warranty end", _l("dd.mm.yyyy"), example="15.03.2028"),
        Column("notes", "Not", "Notes"),
    )

    def __init__(self, institution, user):
        super().__init__(institution, user)
        self._extra = None

    # --- the type's own fields as extra columns ---
    def extra_columns(self) -> list[Column]:
        if self._extra is None:
            from bilge.assets.models import DeviceType

            fields = {}
            for device_type in DeviceType.objects.filter(archived_at__isnull=True).order_by("code"):
                for field in device_type.fields or []:
                    entry = fields.setdefault(field["key"], {"field": field, "types": []})
                    entry["types"].append(device_type.code)
            self._extra = [
                Column(f"attr:{key}", e["field"].get("label_tr") or key, e["field"].get("label_en") or key,
                       _("Field of the device types: %(types)s.") % {"types": ", ".join(e["types"])})
                for key, e in fields.items()]
        return self._extra

    def prepare(self):
        from bilge.assets.models import Device, DeviceModel, DeviceType, Location, TasinirCode, Warehouse
        from bilge.core.models import Person, Unit

        inst = self.institution
        self.types = {}
        for t in DeviceType.objects.filter(archived_at__isnull=True):
            for name in (t.code, t.name_tr, t.name_en):
                self.types.setdefault(header_key(name), t)
        self.models = {}
        self.models_by_name = defaultdict(list)
        for m in DeviceModel.objects.filter(archived_at__isnull=True).select_related("manufacturer"):
            self.models[(header_key(m.manufacturer.name), header_key(m.name))] = m
            self.models_by_name[header_key(m.name)].append(m)
        self._model_of = {m.pk: m for m in self.models.values()}
        self.codes = dict(TasinirCode.objects.values_list("code", "pk"))
        self.code_of = {pk: code for code, pk in self.codes.items()}
        self.locations = {}
        for pk, path, code in Location.objects.filter(institution=inst, archived_at__isnull=True) \
                .values_list("pk", "path", "code"):
            self.locations[path_key(path)] = pk
            if code:
                self.locations.setdefault(header_key(code), pk)
        self.warehouses = {header_key(c): pk for c, pk in Warehouse.objects.filter(
            institution=inst, archived_at__isnull=True).values_list("code", "pk")}
        self.units = {header_key(c): pk for c, pk in Unit.objects.filter(
            institution=inst, archived_at__isnull=True).values_list("code", "pk") if c}
        self.people = {r: (pk, unit) for r, pk, unit in Person.objects.filter(institution=inst,
                                                                              archived_at__isnull=True)
                       .values_list("registration_no", "pk", "unit_id") if r}
        self.statuses = _choice_keys(Device.Status.choices, STATUS_WORDS)
        self.status_labels = dict(Device.Status.choices)
        self.allowed = {}
        self.choice_maps = {}
        self.lookups = (
            ("location", lambda v: self.locations.get(path_key(v)) or self.locations.get(header_key(v)),
             gettext_noop("No location “%(value)s”.")),
            ("warehouse", lambda v: self.warehouses.get(header_key(v)), gettext_noop("No warehouse “%(value)s”.")),
            ("unit", lambda v: self.units.get(header_key(v)), gettext_noop("No unit with code “%(value)s”.")))

    def _may_add(self, unit_id) -> bool:
        if unit_id not in self.allowed:
            from bilge.assets.models import Device

            self.allowed[unit_id] = authorize(self.user, "add", Device(institution=self.institution,
                                                                         unit_id=unit_id))[0]
        return self.allowed[unit_id]

    def clean_row(self, number, row):
        text = {k: cell_text(v) for k, v in row.items()}
        get = text.get
        if not get("type"):
            raise RowError(_("The device type is required."), "type")
        device_type = self.types.get(header_key(get("type")))
        if device_type is None:
            raise RowError(_("No device type “%(value)s”.") % {"value": get("type")}, "type")
        model = None
        if get("model"):
            if get("manufacturer"):
                model = self.models.get((header_key(get("manufacturer")), header_key(get("model"))))
            else:
                found = [m for m in self.models_by_name.get(header_key(get("model")), [])
                         if m.device_type_id == device_type.pk]
                model = found[0] if len(found) == 1 else None
            if model is None:
                raise RowError(_("No model “%(model)s” of “%(maker)s” in the catalogue.")
                               % {"model": get("model"), "maker": get("manufacturer") or "?"}, "model")
            if model.device_type_id != device_type.pk:
                raise RowError(_("Model “%(model)s” is not a %(type)s.") % {"model": get("model"),
                                                                          "type": device_type.name_tr}, "model")
        elif get("manufacturer"):
            raise RowError(_("A manufacturer without a model: give the model too."), "model")
        for key, limit in MAX_LENGTHS:
            if len(get(key, "")) > limit:
                raise RowError(_("Longer than %(limit)s characters.") % {"limit": limit}, key)
        out = {"device_type_id": device_type.pk, "model_id": model.pk if model else None,
               "serial": get("serial", ""), "name": get("name", ""), "notes": get("notes", ""),
               "supplier": get("supplier", ""), "procurement_ref": get("procurement_ref", ""),
               "invoice_no": get("invoice_no", ""), "type_code": device_type.code}
        holder = None
        if get("holder"):
            holder = self.people.get(get("holder"))
            if holder is None:
                raise RowError(_("No person with registration number “%(value)s”.") % {"value": get("holder")},
                               "holder")
        out["holder_id"] = holder[0] if holder else None
        status = "in_use" if holder else "in_warehouse"
        if get("status"):
            status = self.statuses.get(header_key(get("status")))
            if status is None:
                raise RowError(_("Unknown status “%(value)s”.") % {"value": get("status")}, "status")
        if status == "disposed":
            raise RowError(_("Disposed devices are recorded through a disposal, not imported."), "status")
        if holder and status != "in_use":
            raise RowError(_("A device handed to a person is in use."), "status")
        if not holder and status == "in_use" and not get("location"):
            raise RowError(_("A device in use needs a holder or a location."), "holder")
        out["status"] = "in_warehouse" if holder else status
        code = get("tasinir_code")
        if code:
            if code not in self.codes:
                raise RowError(_("No taşınır code “%(value)s” in the code list.") % {"value": code}, "tasinir_code")
            out["tasinir_code_id"] = self.codes[code]
        else:
            out["tasinir_code_id"] = device_type.tasinir_code_id
        for key, lookup, message in self.lookups:
            value = get(key)
            out[f"{key}_id"] = lookup(value) if value else None
            if value and out[f"{key}_id"] is None:
                raise RowError(_(message) % {"value": value}, key)
        if out["unit_id"] is None and holder:
            out["unit_id"] = holder[1]
        if not self._may_add(out["unit_id"]):
            raise RowError(_("You may not register devices of this unit."), "unit")
        ip = get("ip")
        try:
            out["ip_address"] = str(ipaddress.ip_address(ip)) if ip else None
        except ValueError:
            raise RowError(_("“%(value)s” is not an IP address.") % {"value": ip}, "ip") from None
        from bilge.assets.services.devices import normalise_mac

        try:
            out["mac_address"] = normalise_mac(get("mac", ""))
        except ValidationError as exc:
            raise RowError(exc.messages[0], "mac") from None
        host = get("host_name", "")
        if host and not HOST_NAME.match(host):
            raise RowError(_("“%(value)s” is not a host name.") % {"value": host}, "host_name")
        out["host_name"] = host
        for key, parse in (("approved", parse_bool), ("purchase_date", parse_date), ("price", parse_decimal),
                           ("warranty_end", parse_date)):
            try:
                out[key] = parse(row.get(key))
            except (ValueError, TypeError) as exc:
                raise RowError(str(exc), key) from None
        if out["purchase_date"] and out["purchase_date"] > timezone.localdate():
            raise RowError(_("The purchase date is in the future."), "purchase_date")
        out["attributes"] = self._attributes(device_type, model, row)
        return out

    def _attributes(self, device_type, model, row) -> dict:
        from bilge.servicedesk.forms_schema import clean_answers

        schema = device_type.fields or []
        keys = {f["key"]: f for f in schema}
        data = dict(model.attributes) if model else {}
        for column, value in row.items():
            if not column.startswith("attr:"):
                continue
            key, value = column[5:], cell_text(value)
            if not value:
                continue
            field = keys.get(key)
            if field is None:
                raise RowError(_("A %(type)s has no field “%(field)s”.") % {"type": device_type.name_tr,
                                                                          "field": self.column_label(column)}, column)
            if field.get("type") == "date":
                try:
                    value = parse_date(row[column]).strftime("%d.%m.%Y")
                except ValueError as exc:
                    raise RowError(str(exc), column) from None
            elif field.get("type") == "choice":
                choices = self.choice_maps.get((device_type.pk, key))
                if choices is None:
                    choices = self.choice_maps[(device_type.pk, key)] = _choice_keys(
                        [(str(k), str(v)) for k, v in field.get("choices", [])])
                value = choices.get(header_key(value), value)
            data[key] = value
        try:
            return clean_answers(schema, data, institution=self.institution)
        except ValidationError as exc:
            key, messages = next(iter(exc.message_dict.items()))
            raise RowError(messages[0], f"attr:{key}") from None

    keeps_rows = True

    def still_valid(self, row) -> str:
        if not hasattr(self, "_valid"):
            self._valid = {
                "type": {t.pk for t in self.types.values()}, "model": set(self._model_of) | {None},
                "tasinir_code": set(self.codes.values()), "location": set(self.locations.values()) | {None},
                "warehouse": set(self.warehouses.values()) | {None}, "unit": set(self.units.values()) | {None},
                "holder": {pk for pk, _unit in self.people.values()} | {None}}
        valid = self._valid
        for column, key in (("type", "device_type_id"), ("model", "model_id"), ("tasinir_code", "tasinir_code_id"),
                            ("location", "location_id"), ("warehouse", "warehouse_id"), ("unit", "unit_id"),
                            ("holder", "holder_id")):
            if row[key] not in valid[column]:
                return column
        return "" if self._may_add(row["unit_id"]) else "unit"

    def finish_check(self, result: CheckResult, rows: list[dict]) -> None:
        from bilge.assets.models import Device

        serials, macs = {}, {}
        for row in rows:
            if row["serial"]:
                key = (row["model_id"] or f"t{row['device_type_id']}", row["serial"].upper())
                if key in serials:
                    self.add_error(result, row["_row"], "serial", _("Serial number %(serial)s appears also in row "
                                   "%(row)s.") % {"serial": row["serial"], "row": serials[key]})
                else:
                    serials[key] = row["_row"]
            if row["mac_address"]:
                if row["mac_address"] in macs:
                    self.add_error(result, row["_row"], "mac", _("MAC address %(mac)s appears also in row %(row)s.")
                                   % {"mac": row["mac_address"], "row": macs[row["mac_address"]]})
                else:
                    macs[row["mac_address"]] = row["_row"]
        by_serial = defaultdict(list)
        for (model_key, serial), number in serials.items():
            by_serial[serial].append((model_key, number))
        names = list({row["serial"] for row in rows if row["serial"]})
        for i in range(0, len(names), CHUNK):
            chunk = names[i:i + CHUNK]
            for model_id, type_id, serial, sicil in Device.objects.filter(
                    institution=self.institution, serial__in=chunk).values_list("model_id", "device_type_id",
                                                                                "serial", "sicil_no"):
                for model_key, number in by_serial.get(serial.upper(), []):
                    if model_key in (model_id, f"t{type_id}"):
                        self.add_error(result, number, "serial", _("Serial number %(serial)s is already recorded "
                                       "(%(sicil)s).") % {"serial": serial, "sicil": sicil})
        if macs:
            # One pass over the recorded addresses (not indexed; cheaper than many IN lists on a big inventory).
            recorded = Device.objects.exclude(mac_address="").exclude(status="disposed")
            if len(macs) <= CHUNK:
                recorded = recorded.filter(mac_address__in=list(macs))
            for mac, sicil in recorded.values_list("mac_address", "sicil_no").iterator(chunk_size=20_000):
                if mac in macs:
                    self.add_error(result, macs[mac], "mac", _("MAC address %(mac)s is already recorded "
                                                               "(%(sicil)s).") % {"mac": mac, "sicil": sicil})

        giver = next((r for r in rows if r["holder_id"]), None)
        if giver is not None and person_of(self.user) is None:
            self.add_error(result, giver["_row"], "holder", _("No person is linked to your account: a Taşınır "
                                                              "Teslim Belgesi names who hands over."))

    def summarise(self, rows):
        return {"devices": len(rows), "by_type": dict(Counter(r["type_code"] for r in rows).most_common()),
                "handovers": len({r["holder_id"] for r in rows if r["holder_id"]}),
                "held": sum(1 for r in rows if r["holder_id"])}

    def preview_headers(self):
        return [_("Row"), _("Type"), _("Model"), _("Serial number"), _("Name"), _("Status"), _("Holder")]

    def preview_row(self, row):
        if not hasattr(self, "_reg_of"):
            self._reg_of = {pk: reg for reg, (pk, _unit) in self.people.items()}
        model = self._model_of.get(row["model_id"])
        status = "in_use" if row["holder_id"] else row["status"]
        return [row["_row"], row["type_code"], str(model) if model else "", row["serial"], row["name"],
                str(self.status_labels.get(status, status)), self._reg_of.get(row["holder_id"], "")]

    # --- writing ---
    FIELDS = ("device_type_id", "model_id", "serial", "name", "status", "tasinir_code_id", "location_id",
              "warehouse_id", "unit_id", "ip_address", "mac_address", "host_name", "approved", "purchase_date",
              "price", "supplier", "procurement_ref", "invoice_no", "warranty_end", "attributes", "notes")

    def write(self, rows, progress) -> int:
        today = timezone.localdate()
        blocks = Counter((self.code_of[r["tasinir_code_id"]], (r["purchase_date"] or today).year) for r in rows)
        next_seq = {key: next_sicil_block(key[0], key[1], n) for key, n in sorted(blocks.items())}
        for row in rows:
            key = (self.code_of[row["tasinir_code_id"]], (row["purchase_date"] or today).year)
            row["sicil_no"] = sicil_no(key[0], key[1], next_seq[key])
            next_seq[key] += 1
        ids = self._write_copy(rows, progress) if bulk.available() else self._write_orm(rows, progress)
        held = defaultdict(list)
        for row, pk in zip(rows, ids, strict=True):
            if row["holder_id"]:
                held[row["holder_id"]].append(pk)
        if held:
            from bilge.assets.services.custody import hand_over
            from bilge.core.models import Person

            people = Person.objects.in_bulk(list(held))
            note = _("Handed over when the inventory was imported.")
            for person_id, devices in held.items():
                hand_over(self.user, devices, receiver=people[person_id], date=today, note=note)
        return len(ids)

    def _device(self, row, user_id, now):
        from bilge.assets.models import Device

        device = Device(institution_id=self.institution.pk, sicil_no=row["sicil_no"], created_by_id=user_id,
                        created_at=now, updated_at=now, **{f: row[f] for f in self.FIELDS})
        if row["model_id"]:
            device.model = self._model_of[row["model_id"]]  # for the search key and the name, without a query
        device.search_text = device.build_search_text()  # bulk writes do not save() each device
        return device

    def _write_orm(self, rows, progress) -> list[int]:
        """Audited bulk_create (one entry per device)."""
        from bilge.assets.models import Device

        user_id, now, ids = getattr(self.user, "pk", None), timezone.now(), []
        for i in range(0, len(rows), CHUNK):
            devices = [self._device(row, user_id, now) for row in rows[i:i + CHUNK]]
            Device.objects.bulk_create(devices, batch_size=CHUNK)
            ids += [d.pk for d in devices]
            progress(len(ids))
        return ids

    def _write_copy(self, rows, progress) -> list[int]:
        """PostgreSQL: COPY, and the same audit entries written by ``bulk.record_created``. The
        column values are built directly (a model instance per row would cost a quarter of the
        time); the search key and the name follow ``Device.build_search_text`` and ``__str__``."""
        from bilge.assets.models import Device

        user_id, now = getattr(self.user, "pk", None), timezone.now()
        ids = bulk.reserve_ids(Device, len(rows))
        fields = Device._meta.concrete_fields
        columns = [f.attname for f in fields]
        defaults = {f.attname: f.get_default() for f in fields}
        base = {**defaults, "institution_id": self.institution.pk, "created_by_id": user_id, "created_at": now,
                "updated_at": now}
        for i in range(0, len(rows), CHUNK):
            records, values = [], []
            for row, pk in zip(rows[i:i + CHUNK], ids[i:i + CHUNK], strict=True):
                data = {**base, **{f: row[f] for f in self.FIELDS}, "id": pk, "sicil_no": row["sicil_no"]}
                model = self._model_of.get(row["model_id"])
                data["search_text"] = _search_text(data, model)
                label = row["name"] or (str(model) if model else "")
                values.append(tuple(data[name] for name in columns))
                records.append((pk, f"{row['sicil_no']} {label}".strip(), data))
            bulk.copy_rows(Device, columns, values)
            bulk.record_created(Device, records)
            progress(i + len(values))
        return ids

    def extra_sheets(self, book):
        from bilge.assets.models import DeviceType

        sheet = book.create_sheet("Türler")
        for i, head in enumerate([_("Type code"), _("Name"), _("Taşınır code"), _("Fields")], start=1):
            sheet.cell(row=1, column=i, value=head)
        for r, t in enumerate(DeviceType.objects.filter(archived_at__isnull=True).select_related("tasinir_code")
                              .order_by("code"), start=2):
            sheet.cell(row=r, column=1, value=t.code)
            sheet.cell(row=r, column=2, value=t.name_tr)
            sheet.cell(row=r, column=3, value=t.tasinir_code.code)
            sheet.cell(row=r, column=4, value=", ".join(f.get("label_tr") or f["key"] for f in t.fields or []))
        for letter, width in zip("ABCD", (16, 30, 16, 60), strict=True):
            sheet.column_dimensions[letter].width = width
