"""Device pages: the list with its filters and export, the two-step add form with the type's own
fields, the device page's actions, the catalogue editors, and the ticket page's device card."""

import datetime

import pytest
from django.urls import reverse

from bilge.assets.models import Contract, Device, DeviceType, Location
from bilge.assets.services.custody import hand_over

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_for(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def test_list_filters_and_export(inv, make_device, client_for):
    pc = make_device(warranty_end=datetime.date.today() + datetime.timedelta(days=30))
    printer = make_device("printer")
    hand_over(inv["users"]["ipek"], [printer], receiver=inv["people"]["cagri"])
    c = client_for(inv["users"]["ipek"])
    url = reverse("assets:device_list")
    page = c.get(url).content.decode()
    assert pc.sicil_no in page and printer.sicil_no in page
    page = c.get(url, {"device_type": inv["types"]["pc"].pk}).content.decode()
    assert pc.sicil_no in page and printer.sicil_no not in page
    page = c.get(url, {"unit": inv["yol"].pk, "status": "in_use"}).content.decode()
    assert printer.sicil_no in page and pc.sicil_no not in page
    page = c.get(url, {"warranty": "soon"}).content.decode()
    assert pc.sicil_no in page and printer.sicil_no not in page
    page = c.get(url, {"location": inv["locations"]["site"].pk}).content.decode()
    assert pc.sicil_no not in page
    export = c.get(url, {"export": "xlsx"})
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_an_employee_sees_only_the_devices_in_their_custody(inv, make_device, client_for):
    mine, other = make_device(), make_device()
    hand_over(inv["users"]["ipek"], [mine], receiver=inv["people"]["cagri"])
    c = client_for(inv["users"]["cagri"])
    page = c.get(reverse("assets:device_list")).content.decode()
    assert mine.sicil_no in page and other.sicil_no not in page
    assert c.get(other.get_absolute_url()).status_code == 404
    assert c.get(reverse("assets:device_add")).status_code == 403


def test_register_a_pc_with_its_own_fields(inv, client_for):
    c = client_for(inv["users"]["ipek"])
    c.defaults["HTTP_ACCEPT_LANGUAGE"] = "tr"  # the type's own fields with their Turkish labels
    url = reverse("assets:device_add")
    chooser = c.get(url).content.decode()
    assert "Masaüstü bilgisayar" in chooser and "?type=" in chooser
    form = c.get(url, {"type": inv["types"]["pc"].pk}).content.decode()
    assert 'name="attr_cpu"' in form and 'name="attr_os"' in form and 'name="mac_address"' in form
    data = {"model": inv["models"]["pc"].pk, "serial": "CSP-1", "mac_address": "aabb.ccdd.eeff",
            "attr_cpu": "i5-13400", "attr_ram_gb": "on altı", "attr_os": "pardus", "warehouse": inv["warehouse"].pk}
    bad = c.post(f"{url}?type={inv['types']['pc'].pk}", data)
    assert bad.status_code == 400 and "Bellek (GB)" in bad.content.decode()
    data["attr_ram_gb"] = "16"
    response = c.post(f"{url}?type={inv['types']['pc'].pk}", data)
    device = Device.objects.get()
    assert response.status_code == 302 and response["Location"] == device.get_absolute_url()
    assert device.mac_address == "AA:BB:CC:DD:EE:FF" and device.attributes["os"] == "pardus"
    assert device.attributes["ram_gb"] == "16" and device.created_by == inv["users"]["ipek"]
    page = c.get(device.get_absolute_url()).content.decode()
    assert "Pardus" in page and "İşlemci" in page and device.sicil_no in page
    # the printer type is not on the network's list of own fields, and has no IP fields
    form = c.get(url, {"type": inv["types"]["printer"].pk}).content.decode()
    assert 'name="attr_cpu"' not in form


def test_device_page_actions(inv, make_device, client_for):
    pc, monitor = make_device(), make_device("printer")
    c = client_for(inv["users"]["ipek"])
    c.post(reverse("assets:device_status", args=[pc.pk]), {"status": "in_repair", "note": "fan"})
    pc.refresh_from_db()
    assert pc.status == "in_repair"
    response = c.post(reverse("assets:device_status", args=[pc.pk]), {"status": "disposed"}, follow=True)
    assert "disposal decision" in response.content.decode()
    c.post(reverse("assets:device_links", args=[pc.pk]), {"kind": "connected", "target": monitor.sicil_no})
    page = c.get(monitor.get_absolute_url()).content.decode()
    assert pc.sicil_no in page  # the relation shows on both devices
    assert c.get(reverse("assets:device_history", args=[pc.pk])).status_code == 200
    cagri = client_for(inv["users"]["cagri"])
    assert cagri.post(reverse("assets:device_status", args=[pc.pk]), {"status": "in_use"}).status_code == 403


def test_device_type_fields_are_validated_with_clear_errors(inv, client_for):
    c = client_for(inv["users"]["ipek"])
    data = {"code": "switch", "name_tr": "Ağ anahtarı", "name_en": "Switch", "tasinir_code": inv["codes"]["pc"].pk,
            "is_network": "on", "fields": '[{"key": "Ports", "type": "number"}]'}
    response = c.post(reverse("assets:devicetype_add"), data)
    text = response.content.decode()
    assert response.status_code == 400 and "data-testid=\"error-fields\"" in text and not DeviceType.objects.filter(code="switch").exists()
    data["fields"] = '[{"key": "ports", "type": "number", "label_tr": "Port sayısı", "required": true}]'
    assert c.post(reverse("assets:devicetype_add"), data).status_code == 302
    switch = DeviceType.objects.get(code="switch")
    assert switch.fields[0]["key"] == "ports"
    assert "Port sayısı" in c.get(switch.get_absolute_url()).content.decode()


def test_locations_form_a_tree(inv, client_for):
    c = client_for(inv["users"]["ipek"])
    data = {"kind": "room", "name": "Sunucu Odası", "parent": inv["locations"]["site"].pk, "shared": "on"}
    ok = c.post(reverse("assets:location_add"), data)
    assert ok.status_code == 302
    room = Location.objects.get(name="Sunucu Odası")
    assert room.path == "Hizmet Binası / Sunucu Odası" and room.institution == inv["institution"]
    bad = c.post(reverse("assets:location_add"), {"kind": "floor", "name": "Zemin", "parent": room.pk,
                                                  "internet_provider": "TT"})
    assert bad.status_code == 400 and not Location.objects.filter(name="Zemin").exists()
    site = inv["locations"]["site"]
    c.post(reverse("assets:location_edit", args=[site.pk]), {"kind": "site", "name": "Ana Bina"})
    room.refresh_from_db()
    assert room.path == "Ana Bina / Sunucu Odası"


def test_the_code_list_is_read_only(inv, client_for):
    c = client_for(inv["users"]["ipek"])
    page = c.get(reverse("assets:tasinircode_list"), {"account": "255"}).content.decode()
    assert "255.01.02.01" in page
    assert c.get("/assets/tasinir-codes/add/").status_code == 404


def test_the_ticket_page_shows_devices_and_whom_to_call(inv, make_device, client_for):
    from bilge.servicedesk.models import RequestType, Service
    from bilge.servicedesk.services import create_ticket

    service = Service.objects.create(institution=inv["institution"], unit=inv["sys"], code="bt", name="BT Destek")
    kind = RequestType.objects.create(service=service, code="ariza", name_tr="Arıza", name_en="Fault",
                                      kind="incident")
    ticket = create_ticket(inv["users"]["cagri"], requester=inv["people"]["cagri"], request_type=kind,
                           title="Yazıcı çalışmıyor")
    printer = make_device("printer")
    today = datetime.date.today()
    contract = Contract.objects.create(institution=inv["institution"], number="BK-7", title="Yazıcı bakımı",
                                       vendor="Baskı Servis", vendor_phone="0312 000 11 22", start_date=today,
                                       end_date=today + datetime.timedelta(days=365), response_terms="ertesi gün")
    contract.devices.add(printer)
    c = client_for(inv["users"]["ipek"])
    c.post(reverse("assets:ticket_devices", args=[ticket.pk]), {"sicil_no": printer.sicil_no})
    page = c.get(ticket.get_absolute_url()).content.decode()
    assert printer.get_absolute_url() in page and "Baskı Servis" in page and "BK-7" in page and "ertesi gün" in page
    assert ticket.number in c.get(printer.get_absolute_url()).content.decode()  # fault history
    c.post(reverse("assets:ticket_devices", args=[ticket.pk]), {"unlink": printer.pk})
    assert not ticket.devices.exists()
    requester = client_for(inv["users"]["cagri"])
    assert requester.post(reverse("assets:ticket_devices", args=[ticket.pk]),
                          {"sicil_no": printer.sicil_no}).status_code == 403


def test_the_list_reads_a_fixed_number_of_queries(inv, make_device, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    c = client_for(inv["users"]["ipek"])
    url = reverse("assets:device_list")
    make_device()
    c.get(url)  # warm the per-user caches
    with CaptureQueriesContext(connection) as few:
        c.get(url)
    for _ in range(6):
        make_device("printer")
    hand_over(inv["users"]["ipek"], [make_device()], receiver=inv["people"]["cagri"])
    with CaptureQueriesContext(connection) as many:
        assert c.get(url).status_code == 200
    assert len(many) == len(few), [q["sql"][:120] for q in many]
