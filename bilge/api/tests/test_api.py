"""The REST API: same permissions and filters as the UI, 400 with field errors in the user's
language, never a 500; the committed OpenAPI schema matches the code."""

from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.django_db
SCHEMA = Path(__file__).resolve().parents[3] / "docs" / "openapi.yaml"


@pytest.fixture
def api(client, org, make_user):
    user = make_user("api", person=org["people"]["ipek"],
                     roles=[(["org.view", "org.add", "org.change", "org.delete"], "institution")])
    client.force_login(user)
    return client


def test_create_read_update_archive_person(api, org):
    data = {"institution": org["institution"].pk, "registration_no": "3001", "first_name": "Şükrü",
            "last_name": "Işıklı", "unit": org["zabita"].pk, "employment_type": "isci", "tc_kimlik": "10000000146"}
    r = api.post("/api/people/", data, content_type="application/json")
    assert r.status_code == 201, r.content
    body = r.json()
    assert "tc_kimlik" not in body and body["tc_kimlik_masked"] == "10*******46"
    pk = body["id"]
    r = api.patch(f"/api/people/{pk}/", {"title": "Usta"}, content_type="application/json")
    assert r.json()["title"] == "Usta"
    assert api.delete(f"/api/people/{pk}/").status_code == 204
    assert api.get(f"/api/people/{pk}/").json()["archived_at"] is not None


def test_filters_and_turkish_search_in_the_api(api, org):
    assert {p["first_name"] for p in api.get("/api/people/?q=ışık").json()["results"]} == {"İSMAİL"}
    ids = {p["id"] for p in api.get(f"/api/people/?unit={org['fen'].pk}&subunits=true").json()["results"]}
    assert ids == {org["people"][k].pk for k in ("ismail", "cagri", "oya")}
    names = [p["first_name"] for p in api.get("/api/people/").json()["results"]]
    assert names == ["Oya", "İSMAİL", "Çağrı", "Ilgaz", "İpek"]  # Cem, IŞIK, Öztürk, Şahin, Ünal


@pytest.mark.smoke
def test_bad_input_gets_field_errors_in_turkish(api, org):
    r = api.post("/api/people/", {"first_name": "", "unit": 99999, "tc_kimlik": "123", "email": "x@"},
                 content_type="application/json", HTTP_ACCEPT_LANGUAGE="tr")
    assert r.status_code == 400
    errors = r.json()
    assert {"first_name", "unit", "registration_no", "email", "institution"} <= set(errors)
    assert errors["first_name"] == ["Bu alan boş bırakılmamalı."]
    r = api.post("/api/people/", {"first_name": ""}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert "This field may not be blank." in r.json()["first_name"]


@pytest.mark.parametrize("payload", [
    "not json", '{"unit": "abc"}', '{"start_date": "31.02.2026"}', '{"registration_no": null}', "[]",
    '{"first_name": "' + "x" * 5000 + '"}', '{"unit": {"id": 1}}', '{"employment_type": "kral"}',
])
def test_malformed_input_never_gives_500(api, payload):
    r = api.post("/api/people/", payload, content_type="application/json")
    assert r.status_code == 400


def test_duplicate_registration_number_is_a_clear_error(api, org):
    data = {"institution": org["institution"].pk, "registration_no": "1001", "first_name": "A", "last_name": "B",
            "unit": org["fen"].pk}
    r = api.post("/api/people/", data, content_type="application/json")
    assert r.status_code in (400, 409)
    assert r.json()


def test_cross_institution_unit_is_refused(api, org):
    from bilge.core.models import Institution, Unit

    other = Institution.objects.create(slug="diger", name="Diğer Belediye")
    foreign = Unit.objects.create(institution=other, code="F", name="Yabancı Birim")
    r = api.patch(f"/api/people/{org['people']['oya'].pk}/", {"unit": foreign.pk}, content_type="application/json")
    assert r.status_code == 400


def test_committed_schema_matches_the_code(client, admin_user):
    client.force_login(admin_user)
    generated = yaml.safe_load(client.get("/api/schema/?format=yaml&lang=en").content)
    assert SCHEMA.exists(), "run `make schema` and commit docs/openapi.yaml"
    committed = yaml.safe_load(SCHEMA.read_text(encoding="utf-8"))
    assert generated == committed, "the API changed: run `make schema` and commit docs/openapi.yaml"


def test_schema_has_no_limits_that_depend_on_the_database(client, admin_user):
    """Integer limits Django takes from the database (SQLite 2**63-1, PostgreSQL 2**31-1 / 2**15-1)
    would make the committed schema differ between the two: every such field needs its own bound."""
    client.force_login(admin_user)
    text = client.get("/api/schema/?format=yaml&lang=en").content.decode()
    for limit in ("9223372036854775807", "2147483647", "32767"):
        assert limit not in text, f"a field without an explicit bound ({limit}) — add a MaxValueValidator"
    for limit in ("-9223372036854775808", "-2147483648", "-32768"):
        assert limit not in text, f"a field without an explicit lower bound ({limit}) — add a MinValueValidator"


def test_docs_page_is_served_from_vendored_files(client, admin_user):
    client.force_login(admin_user)
    html = client.get("/api/docs/").content.decode()
    assert "http://" not in html.replace("http://testserver", "") and "https://" not in html


def test_account_creation_through_the_api_needs_the_admin_right(api, org, make_user, client):
    person = org["people"]["cagri"]
    assert api.post(f"/api/people/{person.pk}/account/").status_code == 403
    admin = make_user("sysapi", person=org["people"]["ismail"], roles=[(["org.view", "admin.add"], "institution")])
    client.force_login(admin)
    r = client.post(f"/api/people/{person.pk}/account/")
    assert r.status_code == 201 and r.json()["username"] == "1002"
    assert client.post(f"/api/people/{person.pk}/account/").status_code == 400
