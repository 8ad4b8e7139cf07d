"""Custody and stock imports: handovers of existing devices (one Taşınır Teslim Belgesi per receiver
and date), opening balances as a receipt per warehouse; a bad row imports nothing."""

import datetime
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from bilge.assets.models import Custody, Device, ImportJob, Movement, StockItem, StockLevel
from bilge.assets.services import imports

SAMPLES = Path(__file__).parent / "samples"


@pytest.fixture(autouse=True)
def _english(client):
    """The reasons are asserted in English (the worker writes them in the language of the moment)."""
    from django.utils import translation

    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


def run(user, kind, name, content=None):
    data = content if content is not None else (SAMPLES / name).read_bytes()
    job = imports.start(user, kind, SimpleUploadedFile(name, data))
    job.refresh_from_db()
    if job.state == ImportJob.State.PREVIEW:
        imports.confirm(user, job)
        job.refresh_from_db()
    return job


@pytest.fixture
def held(inv, make_device):
    """The devices of custody_good.xlsx: one by its sicil no (bought in 2025), two by serial."""
    first = make_device(purchase_date=datetime.date(2025, 1, 10), serial="CUS-0001")
    assert first.sicil_no == "255.01.02.01/25/000001"
    return [first, make_device(serial="CUS-0002"), make_device(serial="CUS-0003")]


def test_custody_file_hands_devices_over(inv, held):
    job = run(inv["users"]["ipek"], "custody", "custody_good.xlsx")
    assert job.state == ImportJob.State.DONE, job.errors
    assert job.imported_rows == 3
    cagri, ilgaz = inv["people"]["cagri"], inv["people"]["ilgaz"]
    assert set(Device.objects.filter(holder=cagri).values_list("serial", flat=True)) == {"CUS-0001", "CUS-0002"}
    assert Device.objects.get(serial="CUS-0003").holder == ilgaz
    documents = {c.receiver: c for c in Custody.objects.all()}
    assert set(documents) == {cagri, ilgaz}
    assert documents[cagri].lines.count() == 2 and documents[cagri].date == datetime.date(2025, 6, 2)
    assert documents[cagri].note == "Devir" and documents[cagri].giver == inv["people"]["ipek"]


def test_custody_bad_row_imports_nothing(inv, held, make_device):
    held[1].holder = inv["people"]["oya"]
    held[1].status = "in_use"
    held[1].save()
    job = run(inv["users"]["ipek"], "custody", "custody_good.xlsx")
    assert job.state == ImportJob.State.REJECTED
    assert job.errors == [[3, "Sicil no", f"{held[1].sicil_no} is already held by Oya Cem."]]
    assert Custody.objects.count() == 0
    assert Device.objects.filter(holder=inv["people"]["cagri"]).count() == 0


def test_custody_reasons(inv, held):
    body = ("Sicil no;Seri no;Teslim alan sicil no;Tarih\n"
            "255.01.02.01/25/000099;;1002;01.01.2025\n"  # 2: no such device
            ";NOPE;1002;01.01.2025\n"                     # 3: no such serial
            ";CUS-0002;7777;01.01.2025\n"                 # 4: no such person
            ";CUS-0002;1002;01.01.2099\n"                 # 5: future
            ";CUS-0003;1002;01.01.2025\n"
            "255.01.02.01/25/000001;;1003;01.01.2025\n"
            ";CUS-0001;1003;01.01.2025\n")                # 8: twice
    job = run(inv["users"]["ipek"], "custody", "c.csv", body.encode())
    assert job.state == ImportJob.State.REJECTED
    assert [e[0] for e in job.errors] == [2, 3, 4, 5, 8]
    assert "appears also in row 7" in job.errors[-1][2]


def test_custody_needs_a_person_behind_the_account(inv, make_user):
    user = make_user("robot", roles=[(["assets.*"], "institution")], institution=inv["institution"])
    with pytest.raises(ValidationError):
        imports.start(user, "custody", SimpleUploadedFile("c.csv", b"Sicil no;Teslim alan sicil no;Tarih\n"))
    # (a user without a person has no institution: refused before anything is stored)
    assert ImportJob.objects.count() == 0


def test_stock_opening_balances(inv, make_user):
    # May add, but neither approve nor inspect: the receipt waits for the kontrol officer.
    clerk = make_user("oya", person=inv["people"]["oya"], roles=[(["assets.view", "assets.add"], "institution")])
    job = run(clerk, "stock", "stock_good.csv")
    assert job.state == ImportJob.State.DONE, job.errors
    assert job.counts == {"lines": 3, "new_items": 3, "warehouses": 1, "quantity": 66}
    toner = StockItem.objects.get(code="TNR-59A")
    assert toner.kind == "toner" and toner.reorder_level == 3
    assert StockItem.objects.get(code="CAT6-3M").kind == "cable"  # "kablo"
    movement = Movement.objects.get()
    assert movement.kind == "receipt" and movement.lines.count() == 3
    assert movement.state == "pending_inspection"
    assert not StockLevel.objects.filter(quantity__gt=0).exists()  # usable after the inspection


def test_stock_accepted_at_once_by_the_kontrol_officer(inv):
    job = run(inv["users"]["emre"], "stock", "stock_good.csv")
    assert job.state == ImportJob.State.DONE
    assert Movement.objects.get().state == "accepted"
    level = StockLevel.objects.get(item__code="TNR-59A", warehouse=inv["warehouse"])
    assert level.quantity == 12


def test_stock_bad_rows(inv):
    body = ("Malzeme kodu;Malzeme adı;Tür;Ambar kodu;Miktar\n"
            "A;Toner A;toner;BT;5\n"
            "A;Toner A;toner;BT;2\n"     # 3: twice for the warehouse
            "B;;toner;BT;1\n"            # 4: new item without a name
            "C;C;boya;BT;1\n"            # 5: unknown kind
            "D;D;;XX;1\n"                # 6: no warehouse
            "E;E;;BT;-2\n"               # 7: negative
            "F;F;;BT;iki\n")             # 8: not a number
    job = run(inv["users"]["emre"], "stock", "s.csv", body.encode())
    assert job.state == ImportJob.State.REJECTED
    assert [e[0] for e in job.errors] == [3, 4, 5, 6, 7, 8]
    assert StockItem.objects.count() == 0 and Movement.objects.count() == 0
