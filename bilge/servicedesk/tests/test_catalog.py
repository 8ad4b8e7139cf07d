"""The built-in request catalog (bilge/servicedesk/catalog/default.yaml) loaded into each of the
five presets: every type validates, the types of issue 3 exist with their approval chains and
duty links, loading again changes nothing, and a ticket counts as work on the type's duties."""

import io
import re

import pytest
import yaml
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import translation

from bilge.core.models import AuditEntry, Duty, Person, Position, Unit
from bilge.core.services import PRESETS, duty_work_counts, ensure_builtin_roles, load_preset
from bilge.servicedesk import services
from bilge.servicedesk.catalog_loader import (
    ARCHIVE_REASON,
    DEFAULT_CATALOG,
    CatalogError,
    load_catalog,
    read_catalog,
)
from bilge.servicedesk.models import Approval, RequestType, Service, Ticket

CATALOG = read_catalog()
TYPES = {item["code"]: item for item in CATALOG["types"]}

# Everything issue 3 lists under "Why", by the code of the built-in type that serves it.
ISSUE_TYPES = {
    "yazici-arizasi": "fault", "bilgisayar-arizasi": "fault", "ag-arizasi": "fault",
    "donanim-arizasi": "fault", "yazilim-talebi": "software", "rapor-talebi": "report",
    "donanim-malzeme-talebi": "hardware", "ybs-yetki": "access", "ebys-yetki": "access",
    "e-imza-basvuru": "esignature", "e-imza-yenileme": "esignature", "e-imza-iptal": "esignature",
    "eposta-hesabi": "email", "etkinlik-destegi": "event", "kamera-goruntusu": "footage",
    "genel-talep": "request",
}
# Duty links the issue names, per preset (F = defne, D = denizli, İ = izmir, K = kocaeli, B = batman).
ISSUE_DUTIES = {
    "defne": {"donanim-arizasi": {"md.11/2", "md.11/5"}, "bilgisayar-arizasi": {"md.11/2", "md.11/51"},
              "yazilim-talebi": {"md.10/17", "md.10/24"}, "donanim-malzeme-talebi": {"md.11/15"},
              "eposta-hesabi": {"md.10/36"}},
    "denizli": {"yazilim-talebi": {"md.8.2/d"}, "rapor-talebi": {"md.7/d", "md.8.2/ğ"},
                "donanim-malzeme-talebi": {"md.8.3/b"}, "ybs-yetki": {"md.8.1/ç"}, "eposta-hesabi": {"md.8.3/u"},
                "etkinlik-destegi": {"md.8.3/c"}},
    "izmir": {"ebys-yetki": {"md.12/e"}, "e-imza-basvuru": {"md.5/i", "md.12/g"},
              "e-imza-yenileme": {"md.5/i", "md.12/g"}, "e-imza-iptal": {"md.5/i", "md.12/g"}},
    "kocaeli": {"e-imza-basvuru": {"md.4/c"}, "e-imza-yenileme": {"md.4/c"}, "e-imza-iptal": {"md.4/c"}},
    "batman": {"kamera-goruntusu": {"md.7/16"}, "e-imza-yenileme": {"md.12/d"}},
}
TURKISH = str.maketrans("çğıöşüâîûÇĞİÖŞÜ", "cgiosuaiuCGIOSU")


def refs_of(request_type) -> set:
    return set(request_type.duties.values_list("ref", flat=True))


@pytest.fixture(params=PRESETS)
def loaded(request, db):
    """An institution from one preset with the built-in catalog loaded."""
    load_preset(request.param)
    result = load_catalog(request.param)
    return result


@pytest.fixture
def staff(make_user):
    """For the loaded institution: Fen İşleri with a manager and an employee, and the
    data-protection officer; sign-in accounts with the built-in roles."""

    def make(institution):
        ensure_builtin_roles()
        fen = Unit.objects.create(institution=institution, code="FEN", name="Fen İşleri Dairesi Başkanlığı",
                                  kind="daire_baskanligi")
        personel, _created = Position.objects.get_or_create(institution=institution, name="Personel")
        head = Position.objects.create(institution=institution, name="Fen İşleri Daire Başkanı", is_manager=True)
        dpo_position = Position.objects.create(institution=institution, name="Kişisel Verileri Koruma Sorumlusu")
        manager = Person.objects.create(institution=institution, registration_no="9001", first_name="İsmail",
                                        last_name="Işık", unit=fen, position=head)
        fen.manager = manager
        fen.save()
        employee = Person.objects.create(institution=institution, registration_no="9002", first_name="Çağrı",
                                         last_name="Öztürk", unit=fen, position=personel)
        dpo = Person.objects.create(institution=institution, registration_no="9003", first_name="Şule",
                                    last_name="Güneş", unit=fen, position=dpo_position)
        user = make_user(f"{institution.slug}-9002", person=employee, roles=[("Birim personeli", "own")])
        return {"manager": manager, "employee": employee, "dpo": dpo, "user": user}

    return make


def request_type(institution, code) -> RequestType:
    return RequestType.objects.get(service__institution=institution, code=code)


# --- the file ---------------------------------------------------------------------------------

def test_the_catalog_has_a_type_for_everything_the_issue_lists():
    assert {code: TYPES[code]["kind"] for code in ISSUE_TYPES} == ISSUE_TYPES
    assert TYPES["yazilim-talebi"]["phases"] and [p["key"] for p in TYPES["yazilim-talebi"]["phases"]] == [
        "analiz", "onay", "gelistirme", "test", "teslim"]
    assert "business_need" in {f["key"] for f in TYPES["yazilim-talebi"]["form"] if f.get("required")}


@pytest.mark.parametrize("code", list(TYPES))
def test_every_type_is_complete_and_bilingual(code):
    item = TYPES[code]
    for name in ("name_tr", "name_en", "help_tr", "help_en", "keywords"):
        assert item[name], name
    assert set(item["sla"]) == {"1", "2", "3", "4"}
    assert [item["sla"][p]["resolution"] for p in "1234"] == sorted(item["sla"][p]["resolution"] for p in "1234")
    for field in item["form"]:
        assert field.get("label_tr") and field.get("label_en"), field["key"]
        assert bool(field.get("help_tr")) == bool(field.get("help_en")), field["key"]


@pytest.mark.parametrize("code", list(TYPES))
def test_keywords_are_found_also_when_typed_without_turkish_letters(code):
    """People type "yazici" for "yazıcı": every keyword with Turkish letters has its plain twin."""
    words = {w for w in re.split(r"\s+", TYPES[code]["keywords"]) if w}
    missing = {w for w in words if w.translate(TURKISH) not in words}
    assert not missing, missing


def test_every_service_and_type_names_units_and_duties_only_for_the_five_presets():
    for service in CATALOG["services"]:
        assert set(service["units"]) == set(PRESETS), service["code"]
    for item in CATALOG["types"]:
        assert set(item["duties"]) <= set(PRESETS), item["code"]


# --- loaded into each preset -------------------------------------------------------------------

def test_every_type_loads_and_validates(loaded):
    institution = loaded.institution
    assert loaded.created == {"service": len(CATALOG["services"]), "requesttype": len(TYPES),
                              "duty link": sum(len(t["duties"].get(institution.slug, [])) for t in TYPES.values())}
    types = RequestType.objects.filter(service__institution=institution)
    assert {t.code for t in types} == set(TYPES) >= set(ISSUE_TYPES)
    for item in types.select_related("service__unit"):
        item.full_clean()
        expected = TYPES[item.code]
        assert item.kind == expected["kind"] and item.service.code == expected["service"]
        assert item.sla == expected["sla"] and item.form == expected["form"]
        assert item.service.unit.is_it and item.service.unit.institution == institution
    for service in Service.objects.filter(institution=institution):
        units = next(s["units"] for s in CATALOG["services"] if s["code"] == service.code)
        assert service.unit.code == units[institution.slug]


def test_the_duty_links_are_those_of_this_presets_regulation(loaded):
    institution = loaded.institution
    for item in RequestType.objects.filter(service__institution=institution):
        assert refs_of(item) == set(TYPES[item.code]["duties"].get(institution.slug, [])), item.code
        assert not item.duties.exclude(regulation__institution=institution).exists()
    for code, refs in ISSUE_DUTIES[institution.slug].items():
        assert refs <= refs_of(request_type(institution, code)), code
    # Every preset has at least its faults, software and general requests covered by some duty.
    assert request_type(institution, "genel-talep").duties.exists()
    assert request_type(institution, "yazilim-talebi").duties.exists()


def test_camera_footage_needs_a_legal_basis_and_the_manager_then_the_dpo(loaded, staff):
    institution = loaded.institution
    footage = request_type(institution, "kamera-goruntusu")
    assert footage.requires_legal_basis
    assert [step["kind"] for step in footage.approval_chain] == ["unit_manager", "dpo"]
    basis = next(f for f in footage.form if f["key"] == "legal_basis")
    assert basis["required"] and basis["type"] == "choice"
    assert {c[0] for c in basis["choices"]} == {"yargi", "idari_sorusturma", "kvkk_basvuru", "diger"}
    required = {f["key"] for f in footage.form if f.get("required")}
    assert {"basis_detail", "start_date", "start_time", "end_date", "end_time", "camera_location"} <= required

    people = staff(institution)
    answers = {"basis_detail": "Cumhuriyet Başsavcılığının 12.03.2026 tarihli yazısı", "start_date": "10.03.2026",
               "start_time": "14:00", "end_date": "10.03.2026", "end_time": "15:00",
               "camera_location": "Ana bina giriş", "delivery": "kopya"}
    with pytest.raises(ValidationError) as info:
        services.create_ticket(people["user"], requester=people["employee"], request_type=footage,
                               title="Kamera kaydı", answers=answers)
    assert "legal_basis" in info.value.message_dict
    ticket = services.create_ticket(people["user"], requester=people["employee"], request_type=footage,
                                    title="Kamera kaydı", answers={**answers, "legal_basis": "yargi"})
    assert ticket.status == Ticket.Status.AWAITING_APPROVAL and ticket.priority == 2
    steps = list(ticket.approvals.order_by("step").values_list("approver", "decision"))
    assert steps == [(people["manager"].pk, Approval.Decision.PENDING), (people["dpo"].pk, Approval.Decision.WAITING)]


@pytest.mark.parametrize("code", ["ybs-yetki", "ebys-yetki"])
def test_access_rights_need_the_unit_manager(loaded, staff, code):
    institution = loaded.institution
    access = request_type(institution, code)
    assert access.kind == "access"
    assert [step["kind"] for step in access.approval_chain] == ["unit_manager"]
    assert {"system", "role", "until"} <= {f["key"] for f in access.form}
    people = staff(institution)
    ticket = services.create_ticket(people["user"], requester=people["employee"], request_type=access,
                                    title="Yetki", answers={"action": "yeni", "system": access.form[2]["choices"][0][0],
                                                            "role": "Evrak kayıt", "until": "31.12.2026",
                                                            "reason": "Görevlendirme"})
    assert ticket.status == Ticket.Status.AWAITING_APPROVAL
    assert ticket.approvals.get().approver == people["manager"]
    assert ticket.form_data["until"] == "2026-12-31"


def test_other_approval_chains(loaded):
    institution = loaded.institution
    for code in ("yazilim-talebi", "donanim-malzeme-talebi"):
        assert [s["kind"] for s in request_type(institution, code).approval_chain] == ["unit_manager"], code
    for code in ("yazici-arizasi", "bilgisayar-arizasi", "ag-arizasi", "donanim-arizasi", "e-imza-iptal"):
        assert request_type(institution, code).approval_chain == [], code


def test_loading_again_changes_nothing(loaded):
    institution = loaded.institution
    entries = AuditEntry.objects.count()
    again = load_catalog(institution.slug)
    assert not again.changed
    assert AuditEntry.objects.count() == entries
    assert Service.objects.filter(institution=institution).count() == len(CATALOG["services"])


def test_a_ticket_counts_as_work_on_the_duties_of_its_type(loaded, staff):
    institution = loaded.institution
    general = request_type(institution, "genel-talep")
    duties = list(general.duties.all())
    assert duties
    other = Duty.objects.filter(regulation__institution=institution).exclude(pk__in=[d.pk for d in duties]).first()
    assert duty_work_counts(duties + [other]) == dict.fromkeys([d.pk for d in duties + [other]], 0)
    people = staff(institution)
    ticket = services.create_ticket(people["user"], requester=people["employee"], request_type=general,
                                    title="Toplantı odasına ekran", answers={})
    assert ticket.status == Ticket.Status.OPEN and ticket.service.code == "donanim"
    counts = duty_work_counts(duties + [other])
    assert counts == {**dict.fromkeys([d.pk for d in duties], 1), other.pk: 0}


# --- changing the catalog ------------------------------------------------------------------------

def write_catalog(tmp_path, change) -> str:
    data = yaml.safe_load(DEFAULT_CATALOG.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return str(path)


def type_in(data, code) -> dict:
    return next(t for t in data["types"] if t["code"] == code)


@pytest.fixture
def defne(db):
    load_preset("defne")
    load_catalog("defne")
    from bilge.core.models import Institution

    return Institution.objects.get(slug="defne")


def test_a_changed_file_updates_and_a_removed_type_is_archived_not_deleted(defne, tmp_path, staff):
    people = staff(defne)
    event = request_type(defne, "etkinlik-destegi")
    ticket = services.create_ticket(people["user"], requester=people["employee"], request_type=event,
                                    title="Tören", answers={"event_date": "01.06.2026", "event_time": "10:00–12:00",
                                                            "place": "Meclis salonu", "equipment": ["ses"]})

    def change(data):
        printer = type_in(data, "yazici-arizasi")
        printer["name_tr"] = "Yazıcı veya tarayıcı arızası"
        printer["duties"]["defne"] = ["md.11/2", "md.11/5"]
        data["types"].remove(type_in(data, "etkinlik-destegi"))

    path = write_catalog(tmp_path, change)
    result = load_catalog("defne", path)
    assert result.updated == {"requesttype": 1} and result.archived == {"requesttype": 1}
    assert result.removed == {"duty link": 2} and not result.created
    printer = request_type(defne, "yazici-arizasi")
    assert printer.name_tr == "Yazıcı veya tarayıcı arızası" and refs_of(printer) == {"md.11/2", "md.11/5"}
    event.refresh_from_db()
    assert event.is_archived and event.archive_reason == ARCHIVE_REASON
    assert Ticket.objects.get(pk=ticket.pk).request_type == event  # old tickets keep their type
    with pytest.raises(ValidationError):
        services.create_ticket(people["user"], requester=people["employee"], request_type=event, title="x",
                               answers={"event_date": "01.06.2026", "event_time": "10:00", "place": "Salon",
                                        "equipment": ["ses"]})
    assert not load_catalog("defne", path).changed

    back = load_catalog("defne")  # the type is in the file again: it comes back
    event.refresh_from_db()
    assert not event.is_archived and back.updated["requesttype"] == 2 and back.created == {"duty link": 2}


def test_types_the_administrator_adds_or_archives_are_left_alone(defne, tmp_path):
    hardware = Service.objects.get(institution=defne, code="donanim")
    own = RequestType.objects.create(service=hardware, code="telefon-arizasi", name_tr="Telefon arızası",
                                     kind="fault")
    archived = request_type(defne, "genel-talep")
    archived.archive("Kurumumuzda kullanılmıyor")
    assert not load_catalog("defne").changed
    archived.refresh_from_db()
    assert archived.is_archived
    load_catalog("defne", write_catalog(tmp_path, lambda data: data["types"].remove(type_in(data, "yazici-arizasi"))))
    own.refresh_from_db()
    assert not own.is_archived and request_type(defne, "yazici-arizasi").is_archived


def test_a_removed_service_is_archived_with_its_types(defne, tmp_path):
    def change(data):
        data["services"] = [s for s in data["services"] if s["code"] != "kamera"]
        data["types"].remove(type_in(data, "kamera-goruntusu"))

    result = load_catalog("defne", write_catalog(tmp_path, change))
    assert result.archived == {"requesttype": 1, "service": 1}
    assert Service.objects.get(institution=defne, code="kamera").is_archived


@pytest.mark.parametrize("change, message", [
    (lambda d: d["services"][0]["units"].update(defne="YOK"), "no unit with the code 'YOK'"),
    (lambda d: d["services"][0]["units"].pop("defne"), "names no unit for the preset 'defne'"),
    (lambda d: type_in(d, "yazici-arizasi")["duties"].update(defne=["md.11/2", "md.99/z"]),
     "yazici-arizasi: the regulation of Defne Belediyesi has no duty md.99/z"),
    (lambda d: type_in(d, "yazici-arizasi")["form"].append({"key": "x", "type": "colour", "label_tr": "X"}),
     "yazici-arizasi: form: Field 4: unknown type colour"),
    (lambda d: type_in(d, "ebys-yetki")["approval_chain"].append({"kind": "mayor"}),
     "ebys-yetki: approval_chain: Step 2: unknown approver mayor"),
    (lambda d: type_in(d, "ebys-yetki").update(kind="wish"), "ebys-yetki: unknown kind 'wish'"),
    (lambda d: type_in(d, "ebys-yetki").update(sla="hizli"), "ebys-yetki: unknown SLA profile 'hizli'"),
    (lambda d: type_in(d, "ebys-yetki").update(sla={"1": {"response": 60, "resolution": 30}}),
     "exactly the priorities 1, 2, 3 and 4"),
    (lambda d: type_in(d, "ebys-yetki").update(default_urgency=5), "default_urgency is 1"),
    (lambda d: type_in(d, "ebys-yetki").update(colour="red"), "ebys-yetki: unknown keys colour"),
    (lambda d: type_in(d, "kamera-goruntusu")["form"].pop(0), "requires a legal basis needs a required form field"),
    (lambda d: d["types"].append(dict(type_in(d, "ebys-yetki"))), "ebys-yetki is defined twice"),
])
def test_errors_are_clear_and_nothing_is_written(defne, tmp_path, change, message):
    def broken(data):
        data["services"][0]["name"] = "Teknik Destek"  # written before the error, and must not survive it
        change(data)

    entries = AuditEntry.objects.count()
    with translation.override("en"), pytest.raises(CatalogError) as info:  # the model's messages are translated
        load_catalog("defne", write_catalog(tmp_path, broken))
    assert message in str(info.value)
    assert AuditEntry.objects.count() == entries
    assert Service.objects.get(institution=defne, code="donanim").name == "Donanım ve Teknik Destek"


def test_an_institution_without_its_preset_is_refused(db):
    with pytest.raises(CatalogError, match="load its preset first"):
        load_catalog("defne")


def test_the_command_prints_counts_then_no_changes(db):
    load_preset("batman")
    out = io.StringIO()
    call_command("load_catalog", "all", stdout=out)
    first = out.getvalue()
    assert first.startswith("batman: Batman İl Özel İdaresi — 6 services, 17 request types")
    assert "created {'service': 6, 'requesttype': 17" in first and "defne" not in first
    out = io.StringIO()
    call_command("load_catalog", "batman", stdout=out)
    assert out.getvalue().strip().endswith("no changes")
