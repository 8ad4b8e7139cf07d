"""Assets demo data for ``bilge demo``: the device types of an IT department with their own fields,
manufacturers and models, the taşınır code list, locations (main building, remote units with their
internet line, shared rooms), a warehouse with its two officers, devices with their custody history
(Taşınır Teslim Belgeleri: handovers, transfers, take-backs), and — at the small scale — contracts,
licences, certificates nearing expiry and stock items with levels.

small: 400 devices (``make run``); metro: 300,000 devices and about 650,000 custody documents.
Deterministic (seeded). Rows go through the audited ``bulk_create`` (one entry per row) up to
``COPY_THRESHOLD`` devices; beyond it (metro, PostgreSQL) with COPY, the load recorded by one audit
entry per table naming the rows, as the service desk's ticket load does."""

from __future__ import annotations

import datetime as dt
import json
import operator
import random
import time
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from bilge.assets.models import (
    Certificate,
    Contract,
    Custody,
    CustodyLine,
    CustodySequence,
    Device,
    DeviceModel,
    DeviceType,
    Licence,
    Location,
    Manufacturer,
    SicilSequence,
    Software,
    StockItem,
    StockLevel,
    TasinirCode,
    Warehouse,
)
from bilge.core import audit
from bilge.core.models import Person, Unit
from bilge.core.turkish import fold

COPY_THRESHOLD = 20_000
SCALES = {"small": {"devices": 400, "rooms_per_unit": 1, "years": 6},
          "metro": {"devices": 300_000, "rooms_per_unit": 3, "years": 10}}
CHUNK = 20_000


def _f(key, kind, tr, en, choices=None, required=False):
    field = {"key": key, "type": kind, "label_tr": tr, "label_en": en, "required": required}
    if choices:
        field["choices"] = [[c, c] for c in choices]
    return field


CPU, RAM, DISK = (_f("cpu", "text", "İşlemci", "CPU"), _f("ram_gb", "number", "Bellek (GB)", "Memory (GB)"),
                  _f("disk_gb", "number", "Disk (GB)", "Disk (GB)"))
OS = _f("os", "choice", "İşletim sistemi", "Operating system", ["Windows 11", "Windows 10", "Pardus", "Ubuntu"])
# code, Turkish, English, taşınır code, stores data, on the network, fields, weight, held by a person,
# {manufacturer: models}, price range (TL)
TYPES = [
    ("pc", "Masaüstü bilgisayar", "Desktop computer", "255.01.02.01", True, True, [CPU, RAM, DISK, OS], 30, True,
     {"Casper": ["Nirvana D46", "Nirvana M5H"], "Dell": ["OptiPlex 7010"], "HP": ["ProDesk 400 G9"],
      "Lenovo": ["ThinkCentre M70s"]}, (18_000, 34_000)),
    ("laptop", "Dizüstü bilgisayar", "Laptop", "255.01.02.02", True, True, [CPU, RAM, DISK, OS], 7, True,
     {"Casper": ["Excalibur G870"], "Dell": ["Latitude 5440"], "Lenovo": ["ThinkPad E14"]}, (25_000, 48_000)),
    ("monitor", "Monitör", "Monitor", "255.01.02.04", False, False,
     [_f("size_inch", "number", "Ekran (inç)", "Size (inches)")], 24, True,
     {"Dell": ["P2423"], "Philips": ["243V7"], "Samsung": ["S24R350"]}, (3_500, 7_500)),
    ("printer", "Yazıcı", "Printer", "255.01.02.05", True, True,
     [_f("color", "choice", "Renk", "Colour", ["Siyah-beyaz", "Renkli"]), _f("duplex", "choice", "Çift taraf",
                                                                              "Duplex", ["Evet", "Hayır"])], 8, False,
     {"HP": ["LaserJet M404", "Color LaserJet M479"], "Canon": ["i-SENSYS MF455"], "Brother": ["HL-L5100"]},
     (6_000, 22_000)),
    ("switch", "Ağ anahtarı", "Network switch", "255.01.02.08", False, True,
     [_f("ports", "number", "Port sayısı", "Ports"), _f("poe", "choice", "PoE", "PoE", ["Evet", "Hayır"])], 2, False,
     {"Cisco": ["Catalyst 9200"], "HPE Aruba": ["2930F"], "Huawei": ["S5735"]}, (15_000, 90_000)),
    ("router", "Yönlendirici", "Router", "255.01.02.08", False, True, [], 0.3, False, {"Cisco": ["ISR 4331"]},
     (40_000, 120_000)),
    ("firewall", "Güvenlik duvarı", "Firewall", "255.01.02.08", True, True, [], 0.1, False,
     {"Fortinet": ["FortiGate 200F"], "Palo Alto": ["PA-440"]}, (150_000, 600_000)),
    ("server", "Sunucu", "Server", "255.01.02.03", True, True, [CPU, RAM, DISK, OS], 0.5, False,
     {"Dell": ["PowerEdge R750"], "HPE": ["ProLiant DL380 Gen10"], "Lenovo": ["ThinkSystem SR650"]},
     (250_000, 900_000)),
    ("rack", "Sistem dolabı", "Rack cabinet", "255.01.02.10", False, False, [_f("units", "number", "U", "U")], 0.3,
     False, {"Canovate": ["42U 800x1000"]}, (12_000, 40_000)),
    ("ups", "Kesintisiz güç kaynağı", "UPS", "255.01.02.09", False, True, [_f("kva", "number", "Güç (kVA)", "kVA")],
     2, False, {"APC": ["Smart-UPS 1500"], "Eaton": ["9SX 3000"]}, (8_000, 70_000)),
    ("camera", "IP kamera", "IP camera", "253.02.03.01", False, True,
     [_f("resolution", "choice", "Çözünürlük", "Resolution", ["2 MP", "4 MP", "8 MP"]),
      _f("recorder", "text", "Kayıt cihazı", "Recorder")], 3, False, {"Hikvision": ["DS-2CD2143"],
                                                                        "Dahua": ["IPC-HFW2431"]}, (2_500, 9_000)),
    ("nvr", "Kamera kayıt cihazı (NVR)", "Network video recorder", "253.02.03.02", True, True,
     [_f("channels", "number", "Kanal", "Channels"), DISK], 0.3, False, {"Hikvision": ["DS-7616NI"]},
     (12_000, 45_000)),
    ("kiosk", "Kiosk", "Kiosk", "255.01.02.11", True, True, [], 0.2, False, {"Probil": ["Kiosk 32"]},
     (35_000, 80_000)),
    ("led_screen", "LED ekran", "LED screen", "255.01.03.02", False, True,
     [_f("size_m2", "number", "Alan (m²)", "Area (m²)")], 0.1, False, {"Samsung": ["IER P2.5"]}, (90_000, 400_000)),
    ("queue_machine", "Sıramatik", "Queue machine", "255.01.02.12", False, True, [], 0.2, False,
     {"Probil": ["Sıramatik S1"]}, (20_000, 45_000)),
    ("pdks", "PDKS terminali", "Time-attendance terminal", "255.01.02.13", True, True,
     [_f("reader", "choice", "Okuyucu", "Reader", ["Kart", "Parmak izi", "Yüz"])], 0.3, False,
     {"ZKTeco": ["SpeedFace V5L"], "Perkotek": ["PDKS 900"]}, (6_000, 18_000)),
    ("pbx", "Telefon santrali", "Phone exchange", "253.02.02.01", True, True,
     [_f("extensions", "number", "Dahili sayısı", "Extensions")], 0.05, False, {"Karel": ["MS48"]},
     (60_000, 250_000)),
    ("ip_phone", "IP telefon", "IP phone", "253.02.02.02", False, True, [_f("extension", "text", "Dahili",
                                                                            "Extension")], 10, True,
     {"Yealink": ["T43U"], "Karel": ["IP1141"]}, (1_800, 4_500)),
    ("radio", "Telsiz", "Radio", "253.02.01.01", False, False, [_f("frequency", "text", "Frekans", "Frequency")], 3,
     True, {"Motorola": ["DP4400e"], "Hytera": ["PD785"]}, (8_000, 20_000)),
]
SITES = [("Zabıta Karakolu (Körfez)", "Türk Telekom", "100 Mbit/s"), ("İtfaiye Merkez Grup", "Türksat", "50 Mbit/s"),
         ("Kültür Merkezi", "Türk Telekom", "200 Mbit/s"), ("Park Bahçeler Şantiyesi", "Turkcell Superonline",
                                                                  "50 Mbit/s")]
SUPPLIERS = ["Anadolu Bilişim Ltd. Şti.", "Körfez Bilgisayar A.Ş.", "Marmara Teknoloji Ltd. Şti.",
             "Doğu Sistem Entegrasyon A.Ş.", "Öz Ağ Çözümleri Ltd. Şti."]


@dataclass
class AssetsDemoResult:
    devices: int = 0
    custodies: int = 0
    method: str = ""
    seconds: float = 0.0
    created: bool = True


def generate_assets(institution, scale: str = "small", seed: int = 11, progress=None) -> AssetsDemoResult:
    """The assets of the scale, once (nothing when the institution already has that many devices)."""
    started = time.perf_counter()
    with transaction.atomic():
        result = _generate(institution, SCALES[scale], random.Random(seed), progress)
    if result.created and result.devices > 100_000 and connection.vendor == "postgresql" \
            and not connection.in_atomic_block:
        if progress:
            progress("  vacuuming the assets tables")
        with connection.cursor() as cursor:  # rows written by COPY carry no visibility information yet
            cursor.execute("VACUUM (ANALYZE) assets_device, assets_custody, assets_custodyline, assets_location")
    result.seconds = time.perf_counter() - started
    return result


def _generate(institution, config, rng, progress) -> AssetsDemoResult:
    existing = Device.objects.filter(institution=institution).count()
    if existing >= config["devices"]:
        return AssetsDemoResult(devices=existing, created=False)
    if not TasinirCode.objects.filter(code="255.01.02.01").exists():
        from bilge.assets.services.devices import load_tasinir_codes

        load_tasinir_codes()
    types, models = _catalogue()
    people = list(Person.objects.filter(institution=institution, archived_at__isnull=True)
                  .order_by("pk").values_list("pk", "unit_id", "first_name", "last_name"))
    if len(people) < 3:
        raise ValueError("The assets demo needs the demo's people (bilge demo generates them first).")
    it_people = list(Person.objects.filter(institution=institution, unit__is_it=True, archived_at__isnull=True)
                     .order_by("pk").values_list("pk", flat=True)) or [p[0] for p in people[:2]]
    kayit, kontrol = it_people[0], it_people[1] if len(it_people) > 1 else people[1][0]
    warehouse = _warehouse(institution, kayit, kontrol)
    rooms, server_room = _locations(institution, config, rng)
    count = config["devices"] - existing
    use_copy = connection.vendor == "postgresql" and count > COPY_THRESHOLD
    writer = _Writer(use_copy)
    result = AssetsDemoResult(method="COPY" if use_copy else "bulk_create")
    officer_user = _officer_user(kayit)
    gen = _Devices(institution, config, rng, types, models, people, rooms, server_room, warehouse, kayit,
                   officer_user)
    for start in range(0, count, CHUNK):
        rows = [gen.device() for _ in range(min(CHUNK, count - start))]
        writer.write(Device, rows)
        result.devices += len(rows)
        if progress and use_copy and result.devices % 100_000 == 0:
            progress(f"  {result.devices:,} devices")
    result.custodies = gen.write_custody(writer)
    for (code, year), last in gen.sicil.items():
        SicilSequence.objects.update_or_create(code=code, year=year, defaults={"last": last})
    if use_copy:
        for model, n in ((Device, result.devices), (Custody, result.custodies), (CustodyLine, result.custodies)):
            audit.record("create", object_type=audit.object_type_of(model), object_id="",
                         object_repr=f"Demo: {n} {model._meta.verbose_name_plural} (toplu yükleme)",
                         changes={"demo_bulk_load": {"rows": n}})
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in ("assets_device", "assets_custody", "assets_custodyline"):
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                               f"COALESCE((SELECT MAX(id) FROM {table}), 1))")
    if not existing and config["devices"] < COPY_THRESHOLD:
        _small_extras(institution, rng, warehouse, kayit)
    return result


def _catalogue():
    codes = dict(TasinirCode.objects.values_list("code", "pk"))
    types, models = {}, defaultdict(list)
    for code, tr, en, tasinir, stores, network, fields, *_rest, makers, _prices in TYPES:
        types[code], _ = DeviceType.objects.get_or_create(code=code, defaults={
            "name_tr": tr, "name_en": en, "tasinir_code_id": codes[tasinir], "stores_data": stores,
            "is_network": network, "fields": fields})
        for maker, names in makers.items():
            manufacturer, _ = Manufacturer.objects.get_or_create(name=maker)
            for name in names:
                model, _ = DeviceModel.objects.get_or_create(manufacturer=manufacturer, name=name,
                                                             defaults={"device_type": types[code]})
                model.manufacturer = manufacturer
                models[code].append(model)
    return types, models


def _warehouse(institution, kayit, kontrol):
    it_unit = Unit.objects.filter(institution=institution, is_it=True).order_by("pk").first() \
        or Unit.objects.filter(institution=institution).order_by("pk").first()
    warehouse, _ = Warehouse.objects.get_or_create(institution=institution, code="BT", defaults={
        "name": "Bilgi İşlem Ambarı", "unit": it_unit, "kayit_officer_id": kayit, "kontrol_officer_id": kontrol})
    return warehouse


def _officer_user(person_id):
    """The kayıt officer records the documents: their account (unusable password until set)."""
    person = Person.objects.get(pk=person_id)
    if person.user_id is None:
        User = get_user_model()
        user = User.objects.filter(username="demo.tasinir").first() or User(username="demo.tasinir")
        user.first_name, user.last_name = person.first_name, person.last_name
        user.set_unusable_password()
        user.save()
        person.user = user
        person.save(update_fields=["user", "updated_at"])
    return person.user_id


def _locations(institution, config, rng):
    """Rooms per unit ({unit id: [room ids]}) and the server room; created once."""
    if Location.objects.filter(institution=institution).exists():
        rooms = defaultdict(list)
        for pk, unit in Location.objects.filter(institution=institution, kind="room", shared=False) \
                .values_list("pk", "unit_id"):
            rooms[unit].append(pk)
        server = Location.objects.filter(institution=institution, kind="room", shared=True).order_by("pk").first()
        return rooms, server.pk if server else None

    def add(kind, name, parent=None, **fields):
        return Location.objects.create(institution=institution, kind=kind, name=name, parent=parent, **fields)

    main = add("site", "Hizmet Binası", address="Merkez Mah. Belediye Cad. No:1")
    buildings = [add("building", f"{b} Blok", main) for b in "ABC"]
    floors = [add("floor", f"{n}. Kat" if n else "Zemin Kat", building) for building in buildings for n in range(6)]
    server = add("room", "Sistem Odası", floors[0], code="SR-01", shared=True)
    add("room", "Toplantı Salonu", floors[1], code="TS-01", shared=True)
    remote = [add("site", name, is_remote=True, internet_provider=provider, internet_speed=speed,
                  circuit_no=f"KOC{rng.randint(100000, 999999)}") for name, provider, speed in SITES]
    units = list(Unit.objects.filter(institution=institution).order_by("pk").values_list("pk", "code"))
    rooms = defaultdict(list)
    for index, (unit, code) in enumerate(units):
        for r in range(config["rooms_per_unit"]):
            parent = remote[index % len(remote)] if index % 9 == 8 else floors[index % len(floors)]
            room = add("room", f"Oda {100 + index}{'abc'[r % 3] if r else ''}", parent, unit_id=unit,
                       code=f"{code}-{r + 1}" if code else "")
            rooms[unit].append(room.pk)
    return rooms, server.pk


class _Devices:
    """Devices, and the custody events of the held ones (numbered when all are known)."""

    def __init__(self, institution, config, rng, types, models, people, rooms, server_room, warehouse, kayit,
                 user_id):
        self.inst, self.rng, self.types, self.models = institution.pk, rng, types, models
        self.people, self.rooms, self.server_room = people, rooms, server_room
        self.warehouse, self.kayit, self.user_id = warehouse, kayit, user_id
        self.names = {pk: f"{first} {last}" for pk, _unit, first, last in people}
        self.unit_of = {pk: unit for pk, unit, *_ in people}
        self.codes = dict(TasinirCode.objects.values_list("pk", "code"))
        self.sicil = dict(((code, year), last) for code, year, last in
                          SicilSequence.objects.values_list("code", "year", "last"))
        self.today = timezone.localdate()
        self.first_day = self.today.toordinal() - 365 * config["years"]
        self.spec = {t[0]: t for t in TYPES}
        self.type_codes = [t[0] for t in TYPES]
        self.weights = [t[7] for t in TYPES]
        with connection.cursor() as cursor:
            cursor.execute("SELECT COALESCE(MAX(id), 0) FROM assets_device")
            self.next_id = cursor.fetchone()[0] + 1
        self.events = []  # (date ordinal, device id, kind, giver, receiver, unit)
        self.now = timezone.now()

    def device(self) -> dict:
        rng, pk = self.rng, self.next_id
        self.next_id += 1
        code = rng.choices(self.type_codes, self.weights)[0]
        spec, device_type = self.spec[code], self.types[code]
        model = rng.choice(self.models[code])
        # More purchases in recent years.
        bought = dt.date.fromordinal(int(self.first_day + (self.today.toordinal() - self.first_day)
                                         * (1 - rng.random() ** 1.6)))
        key = (self.codes[device_type.tasinir_code_id], bought.year)
        self.sicil[key] = self.sicil.get(key, 0) + 1
        sicil = f"{key[0]}/{bought.year % 100:02d}/{self.sicil[key]:06d}"
        low, high = spec[10]
        row = {"id": pk, "institution_id": self.inst, "sicil_no": sicil, "tasinir_code_id": device_type.tasinir_code_id,
               "device_type_id": device_type.pk, "model_id": model.pk, "serial": f"{model.manufacturer.name[:2].upper()}"
               f"{bought.year % 100:02d}{pk:08d}", "purchase_date": bought, "price": Decimal(rng.randint(low, high)),
               "supplier": rng.choice(SUPPLIERS), "procurement_ref": f"{bought.year}/{rng.randint(10000, 99999)}",
               "invoice_no": f"F{bought.year}{pk:07d}", "warranty_end": bought + dt.timedelta(days=365 * rng.choice(
                   (2, 2, 3, 3, 5))), "attributes": self._attributes(device_type.fields, rng), "approved": rng.random() < 0.96,
               "created_by_id": self.user_id, "created_at": self.now, "updated_at": self.now, "name": "",
               "mac_address": "", "host_name": "", "ip_address": None, "warehouse_id": self.warehouse.pk,
               "location_id": None, "unit_id": None, "holder_id": None, "status": "in_use"}
        if device_type.is_network:
            row["ip_address"] = f"10.{(pk >> 16) & 255}.{(pk >> 8) & 255}.{pk & 255 or 1}"
            row["mac_address"] = ":".join(f"{b:02X}" for b in (0, 0x1A, (pk >> 24) & 255, (pk >> 16) & 255,
                                                                 (pk >> 8) & 255, pk & 255))
        age = (self.today - bought).days
        roll = rng.random()
        if spec[8]:  # handed to people, with a custody history
            if roll < 0.05 or (age > 2500 and roll < 0.25):
                row["status"] = "awaiting_disposal" if age > 2000 else "in_warehouse"
                self._history(row, bought, ends_returned=True)
            else:
                holder = self._history(row, bought)
                row["status"] = "in_repair" if roll > 0.97 else "in_use"
                row["holder_id"], row["unit_id"] = holder, self.unit_of[holder]
                rooms = self.rooms.get(row["unit_id"])
                row["location_id"] = rng.choice(rooms) if rooms else None
                if code in ("pc", "laptop"):
                    row["host_name"] = f"PC-{pk:07d}"
        elif roll < 0.06:
            row["status"] = "in_warehouse"
        else:
            placed = code in ("server", "rack", "firewall", "router", "pbx", "nvr") and self.server_room
            unit = self.warehouse.unit_id if placed else rng.choice(self.people)[1]
            row["unit_id"], row["status"] = unit, "in_repair" if roll > 0.98 else "in_use"
            row["location_id"] = self.server_room if placed else rng.choice(self.rooms.get(unit) or [None])
            if code in ("server", "switch", "firewall", "router"):
                row["host_name"] = f"{code.upper()}-{pk:06d}"
        row["search_text"] = fold(" ".join(filter(None, (row["sicil_no"], row["serial"], row["host_name"],
                                                         row["mac_address"], model.name, model.manufacturer.name,
                                                         self.names.get(row["holder_id"], "")))))
        return row

    @staticmethod
    def _attributes(fields, rng) -> dict:
        values = {}
        for field in fields:
            if field["type"] == "choice":
                values[field["key"]] = rng.choice(field["choices"])[0]
            elif field["type"] == "number":
                values[field["key"]] = str(rng.choice((4, 8, 16, 24, 32, 48)))
            elif field["key"] == "cpu":
                values["cpu"] = rng.choice(("Intel i5-12400", "Intel i7-12700", "AMD Ryzen 5 5600G"))
        return values

    def _history(self, row, bought, ends_returned=False) -> int:
        """Custody events from the purchase to now; the last holder (or the last before a take-back)."""
        rng = self.rng
        n = rng.choices((1, 2, 3, 4, 5), (20, 30, 25, 15, 10))[0]
        start, end = bought.toordinal() + 3, self.today.toordinal()
        days = sorted(rng.randint(start, max(start, end)) for _ in range(n + (1 if ends_returned else 0)))
        holder = rng.choice(self.people)[0]
        self.events.append((days[0], row["id"], "handover", self.kayit, holder, self.unit_of[holder]))
        for day in days[1:n]:
            new = rng.choice(self.people)[0]
            if rng.random() < 0.7:
                self.events.append((day, row["id"], "transfer", holder, new, self.unit_of[new]))
            else:
                self.events.append((day, row["id"], "return", holder, self.kayit, self.unit_of[holder]))
                self.events.append((day, row["id"], "handover", self.kayit, new, self.unit_of[new]))
            holder = new
        if ends_returned:
            self.events.append((days[-1], row["id"], "return", holder, self.kayit, self.unit_of[holder]))
        return holder

    def write_custody(self, writer) -> int:
        self.events.sort(key=operator.itemgetter(0, 1))
        sequences = dict(CustodySequence.objects.values_list("year", "last"))
        with connection.cursor() as cursor:
            cursor.execute("SELECT COALESCE(MAX(id), 0) FROM assets_custody")
            next_id = cursor.fetchone()[0] + 1
        custodies, lines, names = [], [], self.names
        for day, device_id, kind, giver, receiver, unit in self.events:
            date = dt.date.fromordinal(day)
            sequences[date.year] = sequences.get(date.year, 0) + 1
            number = f"TTB-{date.year}-{sequences[date.year]:06d}"
            moment = timezone.make_aware(dt.datetime.combine(date, dt.time(10, 0)))
            custodies.append({"id": next_id, "institution_id": self.inst, "number": number, "kind": kind,
                              "date": date, "giver_id": giver, "receiver_id": receiver, "unit_id": unit,
                              "warehouse_id": self.warehouse.pk, "created_by_id": self.user_id, "created_at": moment,
                              "updated_at": moment, "note": "", "room_id": None, "confirmed_at": None,
                              "confirmed_by_id": None, "search_text": fold(f"{number} {names[giver]} {names[receiver]}")})
            lines.append({"custody_id": next_id, "device_id": device_id, "condition": ""})
            next_id += 1
            if len(custodies) >= 50_000:
                writer.write(Custody, custodies)
                writer.write(CustodyLine, lines)
                custodies, lines = [], []
        writer.write(Custody, custodies)
        writer.write(CustodyLine, lines)
        for year, last in sequences.items():
            CustodySequence.objects.update_or_create(year=year, defaults={"last": last})
        return len(self.events)


class _Writer:
    """Rows (dicts of column values) to a table: COPY (PostgreSQL, big loads) or the audited bulk_create."""

    def __init__(self, copy: bool):
        self.copy = copy
        if copy:
            with connection.cursor() as cursor:  # skip the foreign-key triggers when allowed (superuser)
                try:
                    with transaction.atomic():
                        cursor.execute("SET LOCAL session_replication_role = replica")
                    cursor.execute("SET LOCAL session_replication_role = replica")
                except Exception:
                    pass

    def write(self, model, rows: list[dict]) -> None:
        if not rows:
            return
        if not self.copy:
            model.objects.bulk_create([model(**row) for row in rows], batch_size=2000)
            return
        defaults = {}
        for f in model._meta.concrete_fields:  # columns the generator leaves to their defaults
            if f.attname not in rows[0] and not f.primary_key:
                defaults[f.attname] = f.get_default() if f.has_default() else (
                    "" if f.empty_strings_allowed and not f.null else None)
        names = list(rows[0]) + list(defaults)
        rows = ({**row, **defaults} for row in rows) if defaults else rows
        json_fields = {f.attname for f in model._meta.concrete_fields if f.get_internal_type() == "JSONField"}
        cols = ", ".join(connection.ops.quote_name(model._meta.get_field(n).column) for n in names)
        get = operator.itemgetter(*names)
        jsons = [i for i, n in enumerate(names) if n in json_fields]
        with connection.cursor() as cursor, cursor.cursor.copy(
                f"COPY {model._meta.db_table} ({cols}) FROM STDIN") as copy:
            for row in rows:
                values = list(get(row))
                for i in jsons:
                    values[i] = json.dumps(values[i], ensure_ascii=False)
                copy.write_row(values)


def _small_extras(institution, rng, warehouse, kayit):
    """Contracts, licences and certificates (some nearing expiry), stock items with levels."""
    today = timezone.localdate()
    it_unit = warehouse.unit
    printers = list(Device.objects.filter(institution=institution, device_type__code="printer")[:20])
    servers = list(Device.objects.filter(institution=institution, device_type__code__in=("server", "switch"))[:20])
    for number, title, vendor, days, devices in (
            ("2025/114", "Yazıcı bakım ve onarım sözleşmesi", "Marmara Teknoloji Ltd. Şti.", 25, printers),
            ("2024/087", "Sunucu ve ağ cihazları destek sözleşmesi", "Doğu Sistem Entegrasyon A.Ş.", 80, servers),
            ("2026/011", "Kamera sistemi bakım sözleşmesi", "Öz Ağ Çözümleri Ltd. Şti.", 400, [])):
        contract = Contract.objects.create(
            institution=institution, number=number, title=title, vendor=vendor, vendor_phone="0262 000 00 00",
            start_date=today - dt.timedelta(days=365 - days), end_date=today + dt.timedelta(days=days),
            response_terms="4 saat içinde yerinde müdahale", cost=Decimal(rng.randint(50, 400) * 1000),
            unit=it_unit, responsible_id=kayit)
        contract.devices.set(devices)
    for name, publisher, kind, qty, days in (("Microsoft Office LTSC 2021", "Microsoft", "perpetual", 150, None),
                                             ("Kaspersky Endpoint Security", "Kaspersky", "subscription", 400, 20),
                                             ("AutoCAD", "Autodesk", "subscription", 12, 75),
                                             ("Netcad", "Netcad", "per_user", 25, 200)):
        software = Software.objects.create(institution=institution, name=name, publisher=publisher)
        Licence.objects.create(institution=institution, software=software, kind=kind, quantity=qty,
                               start_date=today - dt.timedelta(days=300),
                               expiry_date=today + dt.timedelta(days=days) if days else None, responsible_id=kayit)
    esign_holders = Person.objects.filter(institution=institution).order_by("pk")[3:6]
    for subject, kind, days, holder in [("*.kocaeli.bel.tr", "tls", 12, None), ("ebys.kocaeli.bel.tr", "tls", 60, None),
                                        *[(f"{p.full_name} nitelikli e-imza", "esign", 40 + 30 * i, p)
                                          for i, p in enumerate(esign_holders)]]:
        Certificate.objects.create(institution=institution, kind=kind, subject=subject, holder=holder,
                                   issuer="KamuSM" if kind == "esign" else "TÜRKTRUST", serial=f"{rng.getrandbits(48):X}",
                                   valid_from=today - dt.timedelta(days=3 * 365 - days),
                                   valid_to=today + dt.timedelta(days=days), responsible_id=kayit)
    for code, name, kind, quantity, reorder in (("TNR-59A", "HP 59A toner", "toner", 14, 5),
                                                ("TNR-MF455", "Canon 057 toner", "toner", 2, 4),
                                                ("DRM-59A", "HP 59A drum", "drum", 3, 1),
                                                ("CAT6-3M", "Cat6 patch kablo 3 m", "cable", 120, 30),
                                                ("SSD-512", "SSD 512 GB", "disk", 6, 4)):
        item = StockItem.objects.create(institution=institution, code=code, name=name, kind=kind,
                                        reorder_level=reorder)
        StockLevel.objects.create(warehouse=warehouse, item=item, quantity=quantity)
