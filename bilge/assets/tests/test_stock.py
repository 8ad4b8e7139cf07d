"""Warehouses and stock: Varlık İşlem Fişi numbering, the two officers, issues only against an
approved request or a written order, stock never negative, receipts unusable before inspection,
reorder alerts once, consumption, the PDF."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from bilge.assets.models import Custody, Device, Movement, MovementSequence, StockItem, StockLevel, Warehouse
from bilge.assets.services import stock as services
from bilge.core.models import Notification


@pytest.fixture
def stock(inv, make_user):
    """A toner that fits the printer model (reorder level 3), a hardware and material request type
    approved by the requester's unit manager, and one approved and one waiting request."""
    from bilge.servicedesk import services as desk
    from bilge.servicedesk.models import RequestType, Service

    inst, people, users = inv["institution"], inv["people"], inv["users"]
    inv["fen"].manager = people["ismail"]
    inv["fen"].save()
    toner = StockItem.objects.create(institution=inst, code="TN-59A", name="HP 59A siyah toner", kind="toner",
                                     reorder_level=3)
    toner.fits.add(inv["models"]["printer"])
    cable = StockItem.objects.create(institution=inst, code="KB-C6", name="Cat6 ağ kablosu 3 m", kind="cable")
    service = Service.objects.create(institution=inst, unit=inv["sys"], code="donanim",
                                     name="Donanım ve Teknik Destek", chief=people["ipek"])
    material = RequestType.objects.create(
        service=service, code="donanim-malzeme-talebi", name_tr="Donanım ve malzeme talebi",
        name_en="Hardware and material request", kind="hardware",
        approval_chain=[{"kind": "unit_manager", "label": "Birim amiri onayı"}],
        form=[{"key": "item", "type": "text", "label_tr": "Malzeme", "label_en": "Item", "required": True}])

    def request(title, approve=True):
        ticket = desk.create_ticket(users["cagri"], requester=people["cagri"], request_type=material, title=title,
                                    answers={"item": "toner"})
        if approve:
            desk.decide(users["ismail"], ticket.approvals.get(), True)
            ticket.refresh_from_db()
        return ticket

    return {**inv, "toner": toner, "cable": cable, "material": material, "request": request,
            "approved": request("Yazıcı için toner"), "waiting": request("Toner lazım", approve=False)}


def stocked(stock, quantity=10, item=None, warehouse=None, user=None):
    """Receive and accept ``quantity`` of an item (the toner by default)."""
    warehouse = warehouse or stock["warehouse"]
    movement = services.receive(user or stock["users"]["ipek"], warehouse,
                                [{"item": item or stock["toner"], "quantity": quantity, "unit_price": "850.00"}],
                                supplier="Özgür Bilişim Ltd.", invoice_no="ABC2026000017")
    return services.accept(stock["users"]["emre"], movement)


def level(stock, item=None, warehouse=None):
    found = StockLevel.objects.filter(warehouse=warehouse or stock["warehouse"], item=item or stock["toner"]).first()
    return found.quantity if found else 0


# --- numbering -----------------------------------------------------------------------------------

def test_numbers_run_per_warehouse_and_fiscal_year_from_one(stock):
    ipek = stock["users"]["ipek"]
    other = Warehouse.objects.create(institution=stock["institution"], code="01", name="Merkez Ambarı",
                                     unit=stock["it"], kayit_officer=stock["people"]["emre"],
                                     kontrol_officer=stock["people"]["ipek"])
    line = [{"item": stock["toner"], "quantity": 1}]
    day = datetime.date(2026, 3, 2)
    first = services.receive(ipek, stock["warehouse"], line, date=day)
    second = services.receive(ipek, stock["warehouse"], line, date=day)
    elsewhere = services.receive(ipek, other, line, date=day)
    next_year = services.receive(ipek, stock["warehouse"], line, date=datetime.date(2027, 1, 4))
    assert (first.number, second.number, elsewhere.number, next_year.number) == (
        "2026/000001", "2026/000002", "2026/000001", "2027/000001")
    assert (first.year, first.sequence, next_year.year) == (2026, 1, 2027)


# --- the two officers and the code -------------------------------------------------------------------

def test_one_person_cannot_be_both_officers(stock):
    warehouse = stock["warehouse"]
    warehouse.kontrol_officer = warehouse.kayit_officer
    with pytest.raises(ValidationError) as exc:
        warehouse.full_clean()
    assert "two different people" in str(exc.value.message_dict["kontrol_officer"])
    with pytest.raises(IntegrityError), transaction.atomic():
        warehouse.save()


def test_warehouse_code_is_two_characters(stock):
    warehouse = Warehouse(institution=stock["institution"], code="b", name="Yedek", unit=stock["it"])
    with pytest.raises(ValidationError) as exc:
        warehouse.full_clean()
    assert "code" in exc.value.message_dict
    warehouse.code = "y1"
    warehouse.full_clean()
    assert warehouse.code == "Y1"


def test_the_form_refuses_one_person_as_both_officers(stock, rf):
    from bilge.assets.forms.stock import WarehouseForm

    request = rf.get("/")
    request.user = stock["users"]["ipek"]
    person = stock["people"]["emre"].pk
    form = WarehouseForm({"code": "02", "name": "Yedek Ambar", "unit": stock["it"].pk, "kayit_officer": person,
                          "kontrol_officer": person}, request=request)
    assert not form.is_valid()
    assert "two different people" in form.errors["kontrol_officer"][0]


# --- issues rest on an approved request or a written order ---------------------------------------

def test_issue_without_an_approved_request_is_refused_and_nothing_is_written(stock):
    stocked(stock)
    before = (Movement.objects.count(), MovementSequence.objects.get().last)
    with pytest.raises(ValidationError) as exc:
        services.issue(stock["users"]["ipek"], stock["warehouse"], [{"item": stock["toner"], "quantity": 1}],
                       to_unit=stock["yol"])
    assert "Nothing leaves the warehouse without an approved request" in " ".join(exc.value.messages)
    with pytest.raises(ValidationError) as exc:
        services.issue(stock["users"]["ipek"], stock["warehouse"], [{"item": stock["toner"], "quantity": 1}],
                       ticket=stock["waiting"])
    assert stock["waiting"].number in " ".join(exc.value.messages)
    assert "not approved" in " ".join(exc.value.messages)
    assert (Movement.objects.count(), MovementSequence.objects.get().last) == before
    assert level(stock) == 10


def test_issue_against_an_approved_request_goes_to_the_requesters_unit(stock):
    stocked(stock)
    movement = services.issue(stock["users"]["ipek"], stock["warehouse"],
                              [{"item": stock["toner"], "quantity": 2}], ticket=stock["approved"])
    assert movement.kind == "issue" and movement.state == "accepted" and movement.number.endswith("/000002")
    assert movement.ticket == stock["approved"] and movement.to_unit == stock["yol"]
    assert movement.accepted_by == stock["users"]["ipek"]
    assert level(stock) == 8


def test_a_rejected_request_or_another_kind_of_request_carries_no_issue(stock):
    from bilge.servicedesk import services as desk

    stocked(stock)
    rejected = stock["request"]("Renkli toner", approve=False)
    desk.decide(stock["users"]["ismail"], rejected.approvals.get(), False, "Bütçe yok")
    rejected.refresh_from_db()
    with pytest.raises(ValidationError, match="not approved"):
        services.issue(stock["users"]["ipek"], stock["warehouse"], [{"item": stock["toner"], "quantity": 1}],
                       ticket=rejected)
    stock["material"].kind = "request"
    stock["material"].save()
    stock["approved"].refresh_from_db()
    with pytest.raises(ValidationError, match="not a hardware or material request"):
        services.issue(stock["users"]["ipek"], stock["warehouse"], [{"item": stock["toner"], "quantity": 1}],
                       ticket=stock["approved"])


def test_a_written_order_needs_the_right_to_approve(stock, make_user):
    stocked(stock)
    clerk = make_user("clerk", person=stock["people"]["oya"],
                      roles=[(["assets.view", "assets.add", "assets.change"], "institution")])
    line = [{"item": stock["toner"], "quantity": 1}]
    with pytest.raises(ValidationError, match="right to approve"):
        services.issue(clerk, stock["warehouse"], line, order_ref="Başkanlık oluru 12.03.2026/45", to_unit=stock["yol"])
    movement = services.issue(stock["users"]["ipek"], stock["warehouse"], line,
                              order_ref="Başkanlık oluru 12.03.2026/45", to_unit=stock["yol"])
    assert movement.order_ref.startswith("Başkanlık") and level(stock) == 9


def test_unit_staff_cannot_issue(stock):
    stocked(stock)
    with pytest.raises(PermissionError):
        services.issue(stock["users"]["cagri"], stock["warehouse"], [{"item": stock["toner"], "quantity": 1}],
                       ticket=stock["approved"])
    with pytest.raises(PermissionError):
        services.receive(stock["users"]["cagri"], stock["warehouse"], [{"item": stock["toner"], "quantity": 1}])
    assert level(stock) == 10


# --- stock never negative ------------------------------------------------------------------------------

def test_issuing_more_than_in_stock_is_refused_with_nothing_written(stock, make_device):
    stocked(stock, quantity=2)
    printer = make_device("printer")
    before = (Movement.objects.count(), MovementSequence.objects.get().last)
    with pytest.raises(ValidationError) as exc:
        services.issue(stock["users"]["ipek"], stock["warehouse"],
                       [{"device": printer}, {"item": stock["toner"], "quantity": 2},
                        {"item": stock["toner"], "quantity": 1}], ticket=stock["approved"])
    assert "Only 2 adet of TN-59A HP 59A siyah toner left in warehouse BT; 3 asked." in exc.value.messages
    assert (Movement.objects.count(), MovementSequence.objects.get().last) == before
    assert level(stock) == 2
    printer.refresh_from_db()
    assert printer.status == Device.Status.IN_WAREHOUSE and printer.holder is None


@pytest.mark.django_db(transaction=True)
def test_parallel_issues_never_take_more_than_there_is_and_keep_numbers_gapless(stock):
    """40 issues of one toner from 8 threads at once (each its own connection) against 30 in stock:
    30 go through with consecutive numbers, 10 are refused, the level ends at 0."""
    import threading

    from django.db import connection

    stocked(stock, 30)
    threads_n, each, done, refused, errors = 8, 5, [], [], []
    lock, barrier = threading.Lock(), threading.Barrier(threads_n)

    def worker():
        try:
            barrier.wait(timeout=30)
            for _ in range(each):
                try:
                    movement = services.issue(stock["users"]["ipek"], stock["warehouse"],
                                              [{"item": stock["toner"], "quantity": 1}], ticket=stock["approved"])
                except ValidationError:
                    with lock:
                        refused.append(1)
                else:
                    with lock:
                        done.append(movement.sequence)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[:3]
    assert (sorted(done), len(refused)) == (list(range(2, 32)), 10)  # 1 is the receipt
    assert level(stock) == 0


# --- receipts wait for inspection ---------------------------------------------------------------------

def test_a_receipt_is_not_usable_before_it_is_accepted(stock):
    ipek, emre = stock["users"]["ipek"], stock["users"]["emre"]
    new_printer = Device(device_type=stock["types"]["printer"], model=stock["models"]["printer"], serial="PHB8K1")
    receipt = services.receive(ipek, stock["warehouse"], [{"item": stock["toner"], "quantity": 5,
                                                            "unit_price": "850.00"},
                                                           {"device": new_printer, "unit_price": "12500.00"}],
                               supplier="Özgür Bilişim Ltd.", invoice_no="ABC2026000017", procurement_ref="2026/115")
    assert receipt.state == "pending_inspection" and level(stock) == 0
    new_printer.refresh_from_db()
    assert new_printer.sicil_no.startswith("255.01.02.05/") and new_printer.status == "in_warehouse"
    assert new_printer.supplier == "Özgür Bilişim Ltd." and new_printer.price == 12500
    assert services.awaiting_inspection(new_printer) == receipt
    with pytest.raises(ValidationError, match="Only 0 adet"):
        services.issue(ipek, stock["warehouse"], [{"item": stock["toner"], "quantity": 1}], ticket=stock["approved"])
    with pytest.raises(ValidationError, match="waits for the inspection of receipt"):
        services.issue(ipek, stock["warehouse"], [{"device": new_printer}], ticket=stock["approved"])

    services.accept(emre, receipt)
    receipt.refresh_from_db()
    assert receipt.state == "accepted" and receipt.accepted_by == emre and level(stock) == 5
    assert services.awaiting_inspection(new_printer) is None
    issued = services.issue(ipek, stock["warehouse"], [{"device": new_printer}], ticket=stock["approved"],
                            to_person=stock["people"]["cagri"])
    new_printer.refresh_from_db()
    assert issued.to_unit == stock["yol"]
    assert (new_printer.status, new_printer.holder, new_printer.unit, new_printer.warehouse) == (
        "in_use", stock["people"]["cagri"], stock["yol"], stock["warehouse"])  # the warehouse it returns to
    handover = Custody.objects.get()  # a person receives a device against a Taşınır Teslim Belgesi
    assert handover.receiver == stock["people"]["cagri"] and issued.number in handover.note
    with pytest.raises(ValidationError, match="not waiting for inspection"):
        services.accept(emre, receipt)


def test_only_the_kontrol_officer_or_an_approver_accepts(stock, make_user):
    clerk = make_user("clerk", person=stock["people"]["oya"],
                      roles=[(["assets.view", "assets.add", "assets.change"], "institution")])
    receipt = services.receive(clerk, stock["warehouse"], [{"item": stock["toner"], "quantity": 4}])
    assert not services.can_accept(clerk, receipt)
    with pytest.raises(PermissionError, match="kontrol yetkilisi"):
        services.accept(clerk, receipt)
    assert level(stock) == 0
    stock["warehouse"].kontrol_officer = stock["people"]["oya"]  # the clerk becomes the kontrol officer
    stock["warehouse"].save()
    receipt.refresh_from_db()
    assert services.can_accept(clerk, receipt)
    services.accept(clerk, receipt)
    assert level(stock) == 4


def test_a_cancelled_receipt_archives_its_devices_and_adds_nothing(stock):
    new_pc = Device(device_type=stock["types"]["pc"], model=stock["models"]["pc"], serial="CSP-0042")
    receipt = services.receive(stock["users"]["ipek"], stock["warehouse"],
                               [{"item": stock["toner"], "quantity": 4}, {"device": new_pc}])
    with pytest.raises(ValidationError):
        services.cancel(stock["users"]["ipek"], receipt, " ")
    services.cancel(stock["users"]["ipek"], receipt, "Muayenede hasarlı çıktı")
    receipt.refresh_from_db()
    new_pc.refresh_from_db()
    assert receipt.state == "cancelled" and "hasarlı" in receipt.note
    assert new_pc.is_archived and level(stock) == 0
    with pytest.raises(ValidationError):
        services.accept(stock["users"]["emre"], receipt)
    accepted = stocked(stock, 1)
    with pytest.raises(ValidationError, match="Only a movement waiting for inspection"):
        services.cancel(stock["users"]["ipek"], accepted, "yanlış")


# --- transfers and returns ------------------------------------------------------------------------------

def test_transfer_and_return(stock, make_device):
    ipek = stock["users"]["ipek"]
    other = Warehouse.objects.create(institution=stock["institution"], code="01", name="Merkez Ambarı",
                                     unit=stock["it"])
    stocked(stock, 6)
    printer = make_device("printer")
    moved = services.transfer(ipek, stock["warehouse"], other, [{"item": stock["toner"], "quantity": 4},
                                                                 {"device": printer}])
    printer.refresh_from_db()
    assert moved.to_warehouse == other and moved.warehouse == stock["warehouse"]
    assert (level(stock), level(stock, warehouse=other), printer.warehouse) == (2, 4, other)
    with pytest.raises(ValidationError):
        services.transfer(ipek, other, other, [{"item": stock["toner"], "quantity": 1}])
    services.issue(ipek, other, [{"device": printer}], order_ref="Olur 2026/7", to_person=stock["people"]["oya"])
    printer.refresh_from_db()
    assert (printer.status, printer.holder) == ("in_use", stock["people"]["oya"])
    back = services.return_to_stock(ipek, stock["warehouse"], [{"device": printer},
                                                               {"item": stock["toner"], "quantity": 1}],
                                    from_person=stock["people"]["oya"])
    printer.refresh_from_db()
    assert back.kind == "return" and back.to_person == stock["people"]["oya"] and back.to_unit == stock["yol"]
    assert (printer.status, printer.warehouse, printer.holder) == ("in_warehouse", stock["warehouse"], None)
    assert list(Custody.objects.values_list("kind", flat=True).order_by("id")) == ["handover", "return"]
    assert level(stock) == 3
    with pytest.raises(ValidationError, match="cannot come back"):
        services.return_to_stock(ipek, stock["warehouse"], [{"device": printer}])


def test_a_device_issued_to_a_unit_needs_no_handover_and_comes_back(stock, make_device):
    ipek = stock["users"]["ipek"]
    pc = make_device("pc")
    services.issue(ipek, stock["warehouse"], [{"device": pc}], order_ref="Olur 2026/9", to_unit=stock["zabita"])
    pc.refresh_from_db()
    assert (pc.status, pc.unit, pc.holder) == ("in_use", stock["zabita"], None) and not Custody.objects.exists()
    with pytest.raises(ValidationError, match="is not in warehouse BT"):
        services.issue(ipek, stock["warehouse"], [{"device": pc}], order_ref="Olur 2026/9", to_unit=stock["yol"])
    services.return_to_stock(ipek, stock["warehouse"], [{"device": pc}], from_unit=stock["zabita"])
    pc.refresh_from_db()
    assert (pc.status, pc.unit, pc.warehouse) == ("in_warehouse", stock["it"], stock["warehouse"])


# --- reorder alerts ----------------------------------------------------------------------------------------

def test_reorder_alert_is_sent_once_until_the_level_rises_again(stock):
    stock["it"].manager = stock["people"]["emre"]
    stock["it"].save()
    ipek, approved = stock["users"]["ipek"], stock["approved"]
    stocked(stock, 5)

    def alerts():
        return list(Notification.objects.filter(kind="stock_reorder").order_by("id"))

    services.issue(ipek, stock["warehouse"], [{"item": stock["toner"], "quantity": 1}], ticket=approved)
    assert alerts() == []  # 4 left, above 3
    services.issue(ipek, stock["warehouse"], [{"item": stock["toner"], "quantity": 1}], ticket=approved)
    sent = alerts()
    assert {n.recipient for n in sent} == {stock["users"]["ipek"], stock["users"]["emre"]}
    assert "TN-59A" in sent[0].subject and sent[0].email
    assert StockLevel.objects.get().alerted_at is not None
    services.issue(ipek, stock["warehouse"], [{"item": stock["toner"], "quantity": 1}], ticket=approved)
    assert len(alerts()) == 2  # still low: no second alert
    stocked(stock, 4)  # 6: above the reorder level again
    assert StockLevel.objects.get().alerted_at is None
    services.issue(ipek, stock["warehouse"], [{"item": stock["toner"], "quantity": 3}], ticket=approved)
    assert len(alerts()) == 4
    stocked(stock, 5, item=stock["cable"])  # no reorder level: never alerts
    services.issue(ipek, stock["warehouse"], [{"item": stock["cable"], "quantity": 5}], ticket=approved)
    assert len(alerts()) == 4


# --- consumption and the PDF -----------------------------------------------------------------------------

def test_consumption_per_unit_and_per_printer(stock, make_device):
    ipek = stock["users"]["ipek"]
    stocked(stock, 10)
    printer = make_device("printer", name="Yol Bakım yazıcısı")
    services.issue(ipek, stock["warehouse"], [{"item": stock["toner"], "quantity": 2, "for_device": printer}],
                   ticket=stock["approved"])
    services.issue(ipek, stock["warehouse"], [{"item": stock["toner"], "quantity": 1}], order_ref="Olur 3",
                   to_unit=stock["zabita"])
    services.issue(ipek, stock["warehouse"], [{"item": stock["toner"], "quantity": 4}], ticket=stock["approved"],
                   date=datetime.date(2020, 1, 2))
    today = datetime.date.today()
    data = services.consumption(ipek, today.replace(month=1, day=1), today)
    by_unit = {(r["movement__to_unit__name"], r["item__code"]): r["total"] for r in data["units"]}
    assert by_unit == {(stock["yol"].name, "TN-59A"): 2, (stock["zabita"].name, "TN-59A"): 1}
    assert [(r["for_device__sicil_no"], r["total"]) for r in data["devices"]] == [(printer.sicil_no, 2)]
    assert services.consumption(stock["users"]["cagri"], today.replace(month=1, day=1), today)["units"] == []


def test_the_varlik_islem_fisi_pdf(stock, rf):
    import io

    from pypdf import PdfReader

    from bilge.assets.views.stock import movement_pdf_bytes

    stocked(stock, 10)
    movement = services.issue(stock["users"]["ipek"], stock["warehouse"], [{"item": stock["toner"], "quantity": 2,
                                                                            "unit_price": "850.00"}],
                              ticket=stock["approved"])
    stock["toner"].tasinir_code = stock["codes"]["printer"]
    stock["toner"].save()
    request = rf.get("/")
    request.user = stock["users"]["ipek"]
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(movement_pdf_bytes(request, movement))).pages)
    for expected in ("Varlık İşlem Fişi", "TEST BÜYÜKŞEHİR BELEDİYESİ", "BT — Bilgi İşlem Ambarı", movement.number,
                     "255.01.02.05", "HP 59A siyah toner", "1700", stock["approved"].number, "İpek Ünal",
                     "Emre Güneş", stock["yol"].name):
        assert expected in text, expected
