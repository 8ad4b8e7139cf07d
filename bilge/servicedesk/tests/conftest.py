import pytest

from bilge.servicedesk.models import RequestType, Service


@pytest.fixture
def desk(org, make_user):
    """A hardware queue worked by the system unit, a printer-fault type (no approval) and an EBYS
    access type (the requester's unit manager approves); staff users with realistic roles."""
    from bilge.core.services import ensure_builtin_roles

    ensure_builtin_roles()
    people = org["people"]
    org["fen"].manager = people["ismail"]
    org["fen"].save()
    hardware = Service.objects.create(institution=org["institution"], unit=org["sys"], code="donanim",
                                      name="Donanım ve Teknik Destek", chief=people["ipek"])
    printer = RequestType.objects.create(
        service=hardware, code="yazici-arizasi", name_tr="Yazıcı arızası", name_en="Printer fault", kind="fault",
        keywords="yazıcı printer toner kağıt sıkışması", default_impact=3, default_urgency=2,
        form=[{"key": "printer", "type": "text", "label_tr": "Yazıcı", "label_en": "Printer", "required": True}])
    access = RequestType.objects.create(
        service=hardware, code="ebys-yetki", name_tr="EBYS yetki talebi", name_en="EBYS access", kind="access",
        keywords="ebys yetki erişim", approval_chain=[{"kind": "unit_manager", "label": "Birim müdürü onayı"}],
        form=[{"key": "system", "type": "choice", "label_tr": "Sistem", "required": True,
               "choices": [["ebys", "EBYS"], ["ybs", "YBS"]]},
              {"key": "until", "type": "date", "label_tr": "Bitiş tarihi"}])
    users = {
        "cagri": make_user("cagri", person=people["cagri"], roles=[("Birim personeli", "own")]),
        "ismail": make_user("ismail", person=people["ismail"],
                            roles=[("Birim personeli", "own"), ("Birim yöneticisi", "unit_tree")]),
        "ipek": make_user("ipek", person=people["ipek"], roles=[("BT personeli", "it_service")]),
        "ilgaz": make_user("ilgaz", person=people["ilgaz"], roles=[("Birim personeli", "own")]),
    }
    return {**org, "service": hardware, "printer": printer, "access": access, "users": users}

