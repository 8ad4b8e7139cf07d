"""The request-type editor: administrators build a type's form, approval chain, SLA targets and
phases as rows (no JSON); the page writes the same JSON as before, refuses the whole save on any
error, never touches the form a ticket was filled with, and is only for those who may change the
catalog. One browser walk: an administrator builds a type, an employee files it, it waits for
the manager's approval."""

import re

import pytest
from django.utils import translation
from playwright.sync_api import expect

from bilge.core.models import AuditEntry, Institution, Person, Position, Unit
from bilge.servicedesk import services
from bilge.servicedesk.models import RequestType, Ticket
from bilge.servicedesk.type_editor import FieldRow, SLAForm, suggest_key

ADD = "/servicedesk/types/add/"
PREVIEW = "/servicedesk/types/preview/"


def _rows(prefix, rows, initial=0):
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": str(initial),
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{name}": value for name, value in row.items()})
    return data


def payload(desk, *, fields=(), steps=(), phases=(), sla=None, initial=(0, 0, 0), **own):
    """What the page posts: the type's own fields, the three formsets and the SLA grid."""
    data = {"service": desk["service"].pk, "code": "projeksiyon", "name_tr": "Projeksiyon talebi",
            "name_en": "Projector request", "kind": "event", "default_impact": "2", "default_urgency": "2",
            "keywords": "projeksiyon sunum", **own}
    data.update(_rows("fields", fields, initial[0]))
    data.update(_rows("steps", steps, initial[1]))
    data.update(_rows("phases", phases, initial[2]))
    data.update({f"sla-{name}": value for name, value in (sla or {}).items()})
    return data


@pytest.fixture
def admin(desk, client):
    """İpek, IT staff of the service's unit: may add and change its request types."""
    client.force_login(desk["users"]["ipek"])
    return client


def test_key_suggested_from_the_turkish_label():
    assert suggest_key("Kullanıcı adı") == "kullanici_adi"
    assert suggest_key("İŞLEM ŞEKLİ (Güncel)") == "islem_sekli_guncel"
    assert suggest_key("2. kat odası") == "f_2_kat_odasi"
    assert suggest_key("Çağrı öğün") == "cagri_ogun"


def test_saving_a_type_through_the_editor_writes_the_expected_json(desk, admin):
    people = desk["people"]
    data = payload(
        desk,
        fields=[
            # Shown second: the page moved it down (ORDER).
            {"key": "", "type": "text", "label_tr": "Toplantı salonu", "label_en": "Meeting room",
             "help_tr": "Kat ve oda", "required": "on", "ORDER": "2"},
            {"key": "usage", "type": "choice", "label_tr": "Kullanım", "label_en": "Use", "required": "on",
             "choices": "sunum | Sunum | Presentation\nVideo konferans\n\nses | Ses sistemi", "ORDER": "1"},
            {"key": "silinen", "type": "text", "label_tr": "Silinen alan", "DELETE": "on", "ORDER": "3"},
            {"key": "", "type": "text", "label_tr": "", "ORDER": ""},  # added, left empty: skipped
        ],
        steps=[
            {"kind": "unit_manager", "label": "Birim amiri onayı", "ORDER": "1"},
            {"kind": "position", "position": "Daire Başkanı", "label": "Daire başkanı", "ORDER": "2"},
            {"kind": "person", "person": str(people["ipek"].pk), "position": "Personel", "ORDER": "3"},
        ],
        phases=[{"key": "", "name_tr": "Kurulum", "name_en": "Set-up", "ORDER": "1"},
                {"key": "teslim", "name_tr": "Teslim", "name_en": "", "ORDER": "2"}],
        sla={"p1_response_hours": "0", "p1_response_minutes": "30", "p1_resolution_hours": "4",
             "p3_response_hours": "2", "p3_resolution_hours": "16", "p3_resolution_minutes": "15"},
    )
    r = admin.post(ADD, data)
    assert r.status_code == 302, r.content.decode()[:3000]
    saved = RequestType.objects.get(code="projeksiyon")
    assert r.url == saved.get_absolute_url()
    assert saved.form == [
        {"key": "usage", "type": "choice", "label_tr": "Kullanım", "label_en": "Use", "required": True,
         "choices": [["sunum", "Sunum"], ["video_konferans", "Video konferans"], ["ses", "Ses sistemi"]],
         "choices_en": {"sunum": "Presentation"}},
        {"key": "toplanti_salonu", "type": "text", "label_tr": "Toplantı salonu", "label_en": "Meeting room",
         "help_tr": "Kat ve oda", "required": True},
    ]
    assert saved.approval_chain == [
        {"kind": "unit_manager", "label": "Birim amiri onayı"},
        {"kind": "position", "position": "Daire Başkanı", "label": "Daire başkanı"},
        {"kind": "person", "registration_no": people["ipek"].registration_no},
    ]
    assert saved.phases == [{"key": "kurulum", "name_tr": "Kurulum", "name_en": "Set-up"},
                            {"key": "teslim", "name_tr": "Teslim", "name_en": ""}]
    assert saved.sla == {"1": {"response": 30, "resolution": 240}, "3": {"response": 120, "resolution": 975}}
    # The model's own validation accepts what the editor wrote; the save is in the audit trail.
    saved.full_clean()
    assert AuditEntry.objects.filter(object_type="servicedesk.requesttype", object_id=str(saved.pk)).exists()


def test_the_edit_page_shows_the_rows_and_saving_them_unchanged_keeps_the_json(desk, admin):
    access = desk["access"]
    access.phases = [{"key": "analiz", "name_tr": "Analiz", "name_en": "Analysis"}]
    access.sla = {"2": {"response": 90, "resolution": 480}}
    access.approval_chain = [{"kind": "unit_manager", "label": "Birim amiri onayı"},
                             {"kind": "person", "registration_no": "1001"}]
    access.save()
    before = RequestType.objects.values("form", "approval_chain", "phases", "sla").get(pk=access.pk)
    html = admin.get(f"/servicedesk/types/{access.pk}/edit/").content.decode()
    assert 'name="fields-0-label_tr" value="Sistem"' in html and "ebys | EBYS" in html
    assert 'name="sla-p2_response_hours" value="1"' in html and 'name="sla-p2_response_minutes" value="30"' in html
    assert f'<option value="{desk["people"]["ismail"].pk}" selected>' in html  # the person step's picker
    # What the page posts back when nothing is touched.
    fields = [{k: ("on" if v is True else v) for k, v in FieldRow.initial_from(f).items() if v is not False}
              for f in access.form]
    steps = [{"kind": "unit_manager", "label": "Birim amiri onayı"},
             {"kind": "person", "person": str(desk["people"]["ismail"].pk)}]
    sla = {k: str(v) for k, v in SLAForm.initial_from(access.sla).items()}
    data = payload(desk, code=access.code, name_tr=access.name_tr, kind=access.kind, fields=fields, steps=steps,
                   phases=access.phases, sla=sla, initial=(len(fields), len(steps), 1))
    r = admin.post(f"/servicedesk/types/{access.pk}/edit/", data)
    assert r.status_code == 302, r.content.decode()[:3000]
    assert RequestType.objects.values("form", "approval_chain", "phases", "sla").get(pk=access.pk) == before


def _base_field():
    return {"key": "salon", "type": "text", "label_tr": "Salon", "required": "on"}


ERRORS = {
    "duplicate field keys": (
        {"fields": [_base_field(), {"key": "salon", "type": "number", "label_tr": "Kişi sayısı"}]},
        "is used twice"),
    "duplicate key made from the label": (
        {"fields": [{"key": "", "type": "text", "label_tr": "Oda no"}, {"key": "oda_no", "type": "text",
                                                                        "label_tr": "Oda numarası"}]},
        "is used twice"),
    "choice field without choices": (
        {"fields": [{"key": "kullanim", "type": "choice", "label_tr": "Kullanım", "choices": "  \n"}]},
        "needs at least one choice"),
    "choice value twice": (
        {"fields": [{"key": "kullanim", "type": "multichoice", "label_tr": "Kullanım", "choices": "a | A\na | B"}]},
        "is used twice"),
    "field key with Turkish letters": (
        {"fields": [{"key": "kullanım", "type": "text", "label_tr": "Kullanım"}]}, "lower-case letters"),
    "field without a Turkish label": (
        {"fields": [{"key": "oda", "type": "text", "label_tr": "", "label_en": "Room"}]}, "This field is required"),
    "unknown position": (
        {"steps": [{"kind": "position", "position": "Genel Sekreter"}]}, "Unknown position Genel Sekreter"),
    "position step without a position": (
        {"steps": [{"kind": "position", "position": ""}]}, "Choose the position that approves"),
    "person step without a person": (
        {"steps": [{"kind": "person", "label": "Onay"}]}, "Choose the person who approves"),
    "unknown person": ({"steps": [{"kind": "person", "person": "999999"}]}, "Unknown person"),
    "resolution shorter than the first response": (
        {"sla": {"p2_response_hours": "8", "p2_resolution_hours": "4"}}, "shorter than the first response"),
    "only one of the two targets": ({"sla": {"p1_resolution_hours": "4"}}, "give both"),
    "negative minutes": ({"sla": {"p1_response_minutes": "-5", "p1_resolution_hours": "4"}},
                         "greater than or equal to 0"),
    "absurd hours": ({"sla": {"p4_response_hours": "1", "p4_resolution_hours": "100000"}},
                     "less than or equal to 960"),
    "minutes over 59": ({"sla": {"p4_response_minutes": "75", "p4_resolution_hours": "9"}},
                        "less than or equal to 59"),
    "duplicate phase keys": (
        {"phases": [{"key": "test", "name_tr": "Test"}, {"key": "", "name_tr": "TEST"}]}, "is used twice"),
    "legal basis required but missing (the model's own check)": (
        {"requires_legal_basis": "on", "fields": [_base_field()]}, "legal_basis"),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_each_error_refuses_the_whole_save(desk, admin, case):
    parts, message = ERRORS[case]
    with translation.override("en"):
        data = payload(desk, **{"fields": [_base_field()], "steps": [{"kind": "unit_manager"}],
                                "sla": {"p1_response_hours": "1", "p1_resolution_hours": "4"}, **parts})
        # A new type: nothing is created.
        types, audit = RequestType.objects.count(), AuditEntry.objects.count()
        r = admin.post(ADD, data, HTTP_ACCEPT_LANGUAGE="en")
        assert r.status_code == 400
        html = r.content.decode()
        assert message in html, case
        assert 'data-testid="form-errors"' in html
        assert RequestType.objects.count() == types and AuditEntry.objects.count() == audit
        # An existing type: nothing of it changes, not even the fields that were right.
        access = desk["access"]
        before = RequestType.objects.values().get(pk=access.pk)
        data.update(code=access.code, name_tr="Değişmemeli")
        r = admin.post(f"/servicedesk/types/{access.pk}/edit/", data, HTTP_ACCEPT_LANGUAGE="en")
        assert r.status_code == 400 and message in r.content.decode()
        assert RequestType.objects.values().get(pk=access.pk) == before


def test_a_person_of_another_institution_is_refused(desk, admin):
    other = Institution.objects.create(slug="baska", name="Başka Belediye", kind="belediye")
    unit = Unit.objects.create(institution=other, code="X", name="X Birimi", kind="birim")
    stranger = Person.objects.create(institution=other, registration_no="9", first_name="Ali", last_name="Veli",
                                     unit=unit)
    Position.objects.create(institution=other, name="Genel Sekreter")
    data = payload(desk, steps=[{"kind": "person", "person": str(stranger.pk)},
                                {"kind": "position", "position": "Genel Sekreter"}])
    data.update(_rows("phases", [{"key": "b", "name_tr": "B", "ORDER": "2"}, {"key": "a", "name_tr": "A",
                                                                          "ORDER": "1"}]))
    r = admin.post(ADD, data, HTTP_ACCEPT_LANGUAGE="en")
    html = r.content.decode()
    # The page comes back with the rows in the order the user gave them.
    assert html.index('name="phases-1-key"') < html.index('name="phases-0-key"')
    assert r.status_code == 400 and "Unknown person" in html and "Unknown position Genel Sekreter" in html
    select = re.search(r'<select name="steps-1-position"[^>]*>', html).group(0)
    assert "is-invalid" in select and 'aria-invalid="true"' in select
    assert not RequestType.objects.filter(code="projeksiyon").exists()


def test_editing_the_form_of_a_type_does_not_change_an_existing_ticket(desk, admin):
    access = desk["access"]
    ticket = services.create_ticket(desk["users"]["cagri"], requester=desk["people"]["cagri"], request_type=access,
                                    title="EBYS yetkisi", answers={"system": "ebys", "until": "31.12.2026"})
    filled_with = list(ticket.form_schema)
    assert filled_with == access.form
    # The administrator renames the field, drops its choices but one, removes the date and adds a field.
    data = payload(desk, code=access.code, name_tr=access.name_tr, kind=access.kind, initial=(2, 1, 0), fields=[
        {"key": "system", "type": "choice", "label_tr": "Uygulama", "required": "on", "choices": "ybs | YBS"},
        {"key": "until", "type": "date", "label_tr": "Bitiş tarihi", "DELETE": "on"},
        {"key": "gerekce", "type": "textarea", "label_tr": "Gerekçe", "required": "on"},
    ], steps=[{"kind": "unit_manager", "label": "Birim amiri onayı"}])
    r = admin.post(f"/servicedesk/types/{access.pk}/edit/", data)
    assert r.status_code == 302, r.content.decode()[:3000]
    access.refresh_from_db()
    assert [f["key"] for f in access.form] == ["system", "gerekce"]
    ticket.refresh_from_db()
    assert ticket.form_schema == filled_with and ticket.form_data == {"system": "ebys", "until": "2026-12-31"}
    # The ticket still shows its answers with the labels of the form it was filled with.
    admin.force_login(desk["users"]["cagri"])
    html = admin.get(ticket.get_absolute_url()).content.decode()
    assert "Sistem" in html and "EBYS" in html and "Bitiş tarihi" in html and "Gerekçe" not in html


def test_only_those_who_may_change_the_catalog_get_the_editor(desk, client, make_user):
    access = desk["access"]
    edit = f"/servicedesk/types/{access.pk}/edit/"
    nobody = make_user("nobody")
    employee = desk["users"]["cagri"]  # servicedesk.add (files requests), not the catalog
    for user in (nobody, employee):
        client.force_login(user)
        assert client.get(ADD).status_code == 403
        assert client.get(edit).status_code in (403, 404)
        assert client.post(ADD, payload(desk)).status_code == 403
        assert client.post(edit, payload(desk)).status_code in (403, 404)
        assert client.post(PREVIEW, payload(desk)).status_code == 403
    assert not RequestType.objects.filter(code="projeksiyon").exists()
    client.logout()
    assert client.get(ADD).status_code == 302 and client.post(PREVIEW, {}).status_code == 302
    client.force_login(desk["users"]["ipek"])
    assert client.get(ADD).status_code == 200 and client.get(edit).status_code == 200
    assert client.get(PREVIEW).status_code == 405


def test_a_type_outside_the_users_scope_is_refused(desk, client, make_user, org):
    """IT staff of another IT unit may open the editor but not write a type for this service."""
    other_it = Unit.objects.create(institution=org["institution"], code="NET", name="Ağ Birimi", kind="birim",
                                   is_it=True, parent=org["it"])
    person = Person.objects.create(institution=org["institution"], registration_no="2001", first_name="Nur",
                                   last_name="Ağ", unit=other_it)
    client.force_login(make_user("nur", person=person, roles=[("BT personeli", "it_service")]))
    r = client.post(ADD, payload(desk))
    assert r.status_code in (400, 403)
    assert not RequestType.objects.filter(code="projeksiyon").exists()
    assert client.get(f"/servicedesk/types/{desk['access'].pk}/edit/").status_code == 404


def test_the_preview_shows_the_requesters_form(desk, admin):
    data = payload(desk, name_tr="Projeksiyon talebi", help_tr="Salonu ve saati yazın.", fields=[
        {"key": "salon", "type": "text", "label_tr": "Salon", "help_tr": "Kat ve oda", "required": "on", "ORDER": "2"},
        {"key": "kullanim", "type": "choice", "label_tr": "Kullanım", "choices": "sunum | Sunum\nses | Ses",
         "ORDER": "1"},
        {"key": "bozuk", "type": "choice", "label_tr": "Bozuk alan", "choices": ""},
    ], steps=[{"kind": "unit_manager", "label": "Birim amiri onayı"}])
    r = admin.post(PREVIEW, data, HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="tr")
    assert r.status_code == 200
    html = r.content.decode()
    assert "<html" not in html  # a partial
    assert "Projeksiyon talebi" in html and "Salonu ve saati yazın." in html
    assert 'name="f_salon"' in html and "Kat ve oda" in html
    assert '<select class="form-select" id="f_kullanim" name="f_kullanim">' in html
    assert '<option value="sunum">Sunum</option>' in html
    assert html.index("f_kullanim") < html.index("f_salon")  # the order of the rows
    assert "Birim amiri onayı" in html and 'data-testid="preview-skipped"' in html
    assert "Bozuk alan" not in html
    assert not RequestType.objects.filter(code="projeksiyon").exists()
    assert admin.post(PREVIEW, {}).status_code == 200  # no rows at all (a broken post): an empty preview


def tr(label) -> str:
    with translation.override("tr"):
        return str(label)


@pytest.mark.browser
def test_an_administrator_builds_a_type_that_an_employee_files_and_the_manager_approves(desk, new_page, sign_in):
    admin = sign_in(new_page(), desk["users"]["ipek"])
    admin.goto(ADD)
    admin.select_option("#id_service", label=desk["service"].name)
    admin.fill("#id_code", "projeksiyon")
    admin.fill("#id_name_tr", "Projeksiyon talebi")
    admin.fill("#id_name_en", "Projector request")
    admin.fill("#id_keywords", "projeksiyon sunum")

    fields = admin.get_by_test_id("editor-fields")
    fields.get_by_test_id("add-field").click()
    first = fields.get_by_test_id("field-row").nth(0)
    first.locator("[data-label]").fill("Toplantı salonu")
    expect(first.locator("[data-key]")).to_have_value("toplanti_salonu")  # suggested as typed
    expect(first.locator("[data-show-for-type]")).to_be_hidden()  # a text field has no choices
    fields.get_by_test_id("add-field").click()
    second = fields.get_by_test_id("field-row").nth(1)
    second.locator("[data-label]").fill("Kullanım şekli")
    second.locator("[data-type]").select_option("choice")
    second.locator("input[name$='-required']").check()
    second.locator("textarea").fill("sunum | Sunum\nvideo | Video konferans")
    second.locator("[data-editor-action=up]").click()  # the choice first
    fields.get_by_test_id("add-field").click()
    third = fields.get_by_test_id("field-row").nth(2)
    third.locator("[data-label]").fill("Yanlışlıkla eklendi")
    third.get_by_test_id("remove-row").click()
    expect(third).to_be_hidden()

    steps = admin.get_by_test_id("editor-steps")
    steps.get_by_test_id("add-step").click()
    step = steps.get_by_test_id("step-row").nth(0)
    step.locator("[data-kind]").select_option("unit_manager")
    expect(step.locator("[data-show-for-kind=position]")).to_be_hidden()
    step.locator("input[name$='-label']").fill("Birim amiri onayı")
    admin.fill("[name=sla-p3_response_hours]", "2")
    admin.fill("[name=sla-p3_resolution_hours]", "16")

    preview = admin.get_by_test_id("type-preview")
    expect(preview.locator("#f_kullanim_sekli")).to_be_visible()
    expect(preview.locator("#f_toplanti_salonu")).to_be_visible()
    expect(preview).to_contain_text("Birim amiri onayı")
    expect(preview).not_to_contain_text("Yanlışlıkla eklendi")
    admin.get_by_test_id("save").click()
    admin.wait_for_url(re.compile(r"/servicedesk/types/\d+/$"))
    created = RequestType.objects.get(code="projeksiyon")
    assert [(f["key"], f["type"], f.get("required", False)) for f in created.form] == [
        ("kullanim_sekli", "choice", True), ("toplanti_salonu", "text", False)]
    assert created.form[0]["choices"] == [["sunum", "Sunum"], ["video", "Video konferans"]]
    assert created.approval_chain == [{"kind": "unit_manager", "label": "Birim amiri onayı"}]
    assert created.sla == {"3": {"response": 120, "resolution": 960}}

    employee = sign_in(new_page(), desk["users"]["cagri"])
    employee.goto("/servicedesk/new/")
    employee.get_by_test_id("type-search").fill("projeksiyon")
    employee.get_by_role("link", name="Projeksiyon talebi").click()
    employee.fill("#title", "Genel kurul sunumu")
    employee.get_by_test_id("submit-request").click()  # the required choice is missing
    expect(employee.get_by_test_id("form-errors")).to_be_visible()
    employee.select_option("#f_kullanim_sekli", "sunum")
    employee.fill("#f_toplanti_salonu", "Meclis salonu")
    employee.get_by_test_id("submit-request").click()
    expect(employee.get_by_test_id("status")).to_have_text(tr(Ticket.Status.AWAITING_APPROVAL.label))
    ticket = Ticket.objects.get(request_type=created)
    assert ticket.form_data == {"kullanim_sekli": "sunum", "toplanti_salonu": "Meclis salonu"}
    approval = ticket.approvals.get()
    assert approval.approver == desk["people"]["ismail"] and approval.label == "Birim amiri onayı"
