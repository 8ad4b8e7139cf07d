"""The knowledge base: who reads what, versions, Turkish search, suggestions before a request."""

import pytest

from bilge.servicedesk.models import Article

pytestmark = pytest.mark.django_db


@pytest.fixture
def articles(desk):
    inst, unit = desk["institution"], desk["sys"]
    public = Article.objects.create(institution=inst, owner_unit=unit, title="Yazıcıda kağıt sıkışması",
                                    body="Arka kapağı açın, kağıdı düz çekin.", keywords="yazıcı printer kağıt",
                                    category="Yazıcılar")
    public.request_types.add(desk["printer"])
    internal = Article.objects.create(institution=inst, owner_unit=unit, title="IŞIK sunucusunun yeniden başlatılması",
                                      body="Yalnız bilgi işlem.", visibility="it", category="Sunucular")
    return {"public": public, "internal": internal}


def test_staff_read_public_articles_and_it_reads_all(desk, articles, client):
    client.force_login(desk["users"]["cagri"])
    html = client.get("/servicedesk/kb/").content.decode()
    assert "kağıt sıkışması" in html and "IŞIK sunucusunun" not in html
    assert client.get(articles["internal"].get_absolute_url()).status_code == 404
    assert [a["title"] for a in client.get("/api/articles/").json()["results"]] == ["Yazıcıda kağıt sıkışması"]
    client.force_login(desk["users"]["ipek"])
    html = client.get("/servicedesk/kb/", {"q": "ışık"}).content.decode()
    assert "IŞIK sunucusunun" in html and "kağıt sıkışması" not in html


def test_editing_keeps_the_previous_version(desk, articles, client):
    article = articles["public"]
    client.force_login(desk["users"]["cagri"])
    assert client.get(f"/servicedesk/kb/{article.pk}/edit/").status_code == 403
    client.force_login(desk["users"]["ipek"])
    form = client.get(f"/servicedesk/kb/{article.pk}/edit/").context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k != "request_types"}
    data.update(body="Önce yazıcıyı kapatın, sonra arka kapağı açın.", request_types=[desk["printer"].pk])
    assert client.post(f"/servicedesk/kb/{article.pk}/edit/", data).status_code == 302
    article.refresh_from_db()
    assert article.version == 2 and article.body.startswith("Önce")
    [old] = article.versions.all()
    assert old.version == 1 and old.body.startswith("Arka") and old.saved_by == desk["users"]["ipek"]
    r = client.patch(f"/api/articles/{article.pk}/", {"category": "Yazıcı"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["version"] == 3


def test_the_portal_suggests_articles_before_a_request(desk, articles, client):
    client.force_login(desk["users"]["cagri"])
    html = client.get("/servicedesk/new/", {"type": desk["printer"].pk}).content.decode()
    assert 'data-testid="suggested-articles"' in html and "kağıt sıkışması" in html
    html = client.get("/servicedesk/new/", {"q": "KAĞIT"}, HTTP_HX_REQUEST="true").content.decode()
    assert "kağıt sıkışması" in html and "IŞIK" not in html
