"""Shared fixtures of the assets tests: catalogue, locations, a warehouse with its officers,
users with the built-in roles."""

import pytest


@pytest.fixture(autouse=True)
def _english_messages():
    """The assets tests read the services' messages in English (the source language); the Turkish
    interface is checked by the pages' own tests and by bilge/core/tests/test_i18n.py."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def client():
    """The test client of the assets tests asks for English pages (Accept-Language), like the
    messages above; tests of the Turkish pages set the header themselves."""
    from django.test import Client

    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def inv(org, make_user):
    from bilge.assets.models import DeviceModel, DeviceType, Location, Manufacturer, TasinirCode, Warehouse
    from bilge.core.models import Person
    from bilge.core.services import ensure_builtin_roles

    ensure_builtin_roles()
    inst, people = org["institution"], org["people"]
    people["emre"] = Person.objects.create(institution=inst, registration_no="1006", first_name="Emre",
                                           last_name="Güneş", unit=org["sys"], position=org["positions"]["staff"])
    root = TasinirCode.objects.create(code="255", name="Demirbaşlar")
    level = TasinirCode.objects.create(code="255.01", name="Büro ve işyeri makineleri", parent=root)
    computers = TasinirCode.objects.create(code="255.01.02", name="Bilgisayarlar ve çevre birimleri", parent=level)
    pc_code = TasinirCode.objects.create(code="255.01.02.01", name="Masaüstü bilgisayarlar", parent=computers)
    printer_code = TasinirCode.objects.create(code="255.01.02.05", name="Yazıcılar", parent=computers)
    pc = DeviceType.objects.create(
        code="pc", name_tr="Masaüstü bilgisayar", name_en="Desktop computer", tasinir_code=pc_code,
        stores_data=True, is_network=True,
        fields=[{"key": "cpu", "type": "text", "label_tr": "İşlemci", "label_en": "CPU"},
                {"key": "ram_gb", "type": "number", "label_tr": "Bellek (GB)", "label_en": "Memory (GB)"},
                {"key": "os", "type": "choice", "label_tr": "İşletim sistemi", "label_en": "Operating system",
                 "choices": [["win11", "Windows 11"], ["pardus", "Pardus"]]}])
    printer = DeviceType.objects.create(code="printer", name_tr="Yazıcı", name_en="Printer",
                                        tasinir_code=printer_code, is_network=True)
    maker = Manufacturer.objects.create(name="Casper")
    pc_model = DeviceModel.objects.create(manufacturer=maker, device_type=pc, name="Nirvana D46",
                                          attributes={"cpu": "i5-12400", "ram_gb": 16})
    hp = Manufacturer.objects.create(name="HP")
    printer_model = DeviceModel.objects.create(manufacturer=hp, device_type=printer, name="LaserJet M404")
    site = Location.objects.create(institution=inst, kind="site", name="Hizmet Binası")
    building = Location.objects.create(institution=inst, kind="building", name="A Blok", parent=site)
    floor = Location.objects.create(institution=inst, kind="floor", name="3. Kat", parent=building)
    room = Location.objects.create(institution=inst, kind="room", name="Oda 312", parent=floor, unit=org["yol"])
    meeting = Location.objects.create(institution=inst, kind="room", name="Toplantı Salonu", parent=floor,
                                      shared=True, unit=org["fen"])
    warehouse = Warehouse.objects.create(institution=inst, code="BT", name="Bilgi İşlem Ambarı", unit=org["it"],
                                         kayit_officer=people["ipek"], kontrol_officer=people["emre"])
    users = {
        "ipek": make_user("ipek", person=people["ipek"], roles=[("BT personeli", "it_service")]),
        "emre": make_user("emre", person=people["emre"], roles=[("BT personeli", "it_service")]),
        "cagri": make_user("cagri", person=people["cagri"], roles=[("Birim personeli", "own")]),
        "ismail": make_user("ismail", person=people["ismail"],
                            roles=[("Birim personeli", "own"), ("Birim yöneticisi", "unit_tree")]),
        "ilgaz": make_user("ilgaz", person=people["ilgaz"], roles=[("Birim personeli", "own")]),
    }
    return {**org, "codes": {"pc": pc_code, "printer": printer_code}, "types": {"pc": pc, "printer": printer},
            "models": {"pc": pc_model, "printer": printer_model},
            "locations": {"site": site, "building": building, "floor": floor, "room": room, "meeting": meeting},
            "warehouse": warehouse, "users": users}


@pytest.fixture
def make_device(inv):
    """make_device(type="pc", **fields): a registered device (through the service, with its sicil no)."""
    from bilge.assets.models import Device
    from bilge.assets.services.devices import register_device

    def factory(kind="pc", user=None, **fields):
        fields.setdefault("serial", f"SN{Device.objects.count() + 1:05d}")
        fields.setdefault("warehouse", inv["warehouse"])
        device = Device(institution=inv["institution"], device_type=inv["types"][kind], model=inv["models"][kind],
                        **fields)
        return register_device(user or inv["users"]["ipek"], device)

    return factory
