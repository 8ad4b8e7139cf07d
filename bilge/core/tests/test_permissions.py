"""Permissions live in one place: every page, API route and export goes through visible_to/can."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from bilge.core.models import AuditEntry, Delegation, Person, Role, Unit
from bilge.core.permissions import can, has_module_perm
from bilge.core.services import ensure_builtin_roles

pytestmark = pytest.mark.django_db

PUBLIC = {"login", "health", "set_language", "javascript-catalog", "api-token"}
# Open to every signed-in user, whatever their roles (their own account, the API description).
ANY_USER = {"home", "logout", "two_factor", "two_factor_setup", "password_change", "notifications", "api-root", "api-schema",
            "api-docs", "notification_preferences", "notificationpreference-me"}


def _walk(patterns, prefix="", namespace=None):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            name = f"{namespace}:{p.name}" if namespace and p.name else p.name
            yield prefix + str(p.pattern), name, p


def all_routes():
    routes = []
    for route, name, _pattern in _walk(get_resolver().url_patterns):
        if route.startswith(("static", "media")) or "<drf_format_suffix" in route or "\\.(?P<format>" in route:
            continue
        routes.append((route, name))
    return routes


def concrete(route, pk):
    import re

    path = "/" + route.replace("^", "").replace("$", "")
    path = re.sub(r"<int:\w+>|<\w+>|\(\?P<pk>[^)]+\)", str(pk), path)
    path = re.sub(r"\(\?P<\w+>[^)]+\)", str(pk), path)
    return path.replace("\\", "").replace("//", "/")


@pytest.fixture
def everything(org):
    ensure_builtin_roles()
    p = org["people"]
    Delegation.objects.create(principal=p["ismail"], delegate=p["cagri"], start_date="2026-01-01",
                              end_date="2026-12-31")
    return org


def test_every_route_refuses_anonymous_and_users_without_rights(everything, client, make_user):
    routes = all_routes()
    assert len(routes) > 40, "the walk found the routes"
    nobody = make_user("nobody")  # signed in, no role at all
    checked = 0
    for route, name in routes:
        if name in PUBLIC:
            continue
        url = concrete(route, everything["people"]["ismail"].pk)
        client.logout()
        anon = client.get(url)
        assert anon.status_code in (302, 401, 403), (url, anon.status_code)
        if anon.status_code == 302:
            assert anon.url.startswith("/login/"), url
        client.force_login(nobody)
        if name in ANY_USER:
            assert client.get(url).status_code in (200, 302, 405), url
            continue
        denied = client.get(url)
        assert denied.status_code in (403, 404, 405), (url, denied.status_code)
        post = client.post(url, {})
        assert post.status_code in (403, 404, 405), (url, post.status_code)
        assert {denied.status_code, post.status_code} & {403, 404}, url
        checked += 1
    assert checked > 40


def test_home_is_reachable_for_every_signed_in_user(everything, client, make_user):
    client.force_login(make_user("plain"))
    assert client.get("/").status_code == 200


def _ids(response):
    return {row["id"] for row in response.json()["results"]}


def test_scopes_limit_lists_details_api_and_exports(everything, client, make_user):
    p = everything["people"]
    # A manager of Fen İşleri with org.view over their unit and sub-units.
    manager = make_user("fen.mudur", person=p["ismail"], roles=[(["org.view", "org.export"], "unit_tree")])
    client.force_login(manager)
    visible = {p["ismail"].pk, p["cagri"].pk, p["oya"].pk}  # Fen İşleri + Yol Bakım below it
    assert _ids(client.get("/api/people/")) == visible
    html = client.get("/org/people/").content.decode()
    assert "Çağrı" in html and "Ilgaz" not in html
    assert client.get(f"/org/people/{p['ilgaz'].pk}/").status_code == 404
    assert client.get(f"/api/people/{p['ilgaz'].pk}/").status_code == 404
    csv = b"".join(client.get("/org/people/?export=csv").streaming_content).decode("utf-8-sig")
    assert "Öztürk" in csv and "Şahin" not in csv
    # Only the own unit, not below.
    unit_only = make_user("fen.sef", person=None, roles=[(["org.view"], "unit", everything["fen"])])
    client.force_login(unit_only)
    assert _ids(client.get("/api/people/")) == {p["ismail"].pk}
    # Own records only.
    own = make_user("oya", person=p["oya"], roles=[(["org.view"], "own")])
    client.force_login(own)
    assert _ids(client.get("/api/people/")) == {p["oya"].pk}
    # The whole institution.
    everyone = make_user("ik", person=p["ipek"], roles=[(["org.view"], "institution")])
    client.force_login(everyone)
    assert _ids(client.get("/api/people/")) == {x.pk for x in p.values()}


def test_it_service_scope_follows_the_handling_service(everything, make_user):
    p = everything["people"]
    tech = make_user("tech", person=p["ipek"], roles=[(["org.view"], "it_service")])
    units = set(Unit.objects.visible_to(tech, "view").values_list("code", flat=True))
    assert units == {"SYS"}


def test_writes_outside_the_scope_are_refused(everything, client, make_user):
    p = everything["people"]
    editor = make_user("editor", person=p["ismail"], roles=[(["org.view", "org.change", "org.add"], "unit_tree")])
    client.force_login(editor)
    # Cannot edit someone outside the scope ...
    assert client.patch(f"/api/people/{p['ilgaz'].pk}/", {"title": "x"}, content_type="application/json").status_code == 404
    # ... nor move someone of the scope out of it.
    r = client.patch(f"/api/people/{p['cagri'].pk}/", {"unit": everything["zabita"].pk}, content_type="application/json")
    assert r.status_code in (400, 403)
    p["cagri"].refresh_from_db()
    assert p["cagri"].unit_id == everything["yol"].pk
    # Inside the scope it works.
    r = client.patch(f"/api/people/{p['cagri'].pk}/", {"title": "Şef"}, content_type="application/json")
    assert r.status_code == 200, r.content


def test_auditor_reads_everything_and_changes_nothing(everything, client, make_user):
    roles = ensure_builtin_roles()
    auditor = make_user("denetci", roles=[("Denetçi", "institution")], institution=everything["institution"])
    assert roles["Denetçi"].is_read_only
    client.force_login(auditor)
    assert len(_ids(client.get("/api/people/"))) == 5
    assert client.get("/org/audit/").context["total"] == AuditEntry.objects.count() > 0
    assert client.get("/api/audit/").json()["count"] == AuditEntry.objects.count()
    assert client.get("/api/roles/").json()["count"] == Role.objects.count()
    person = everything["people"]["oya"]
    for action in ("add", "change", "delete", "approve", "personal"):
        assert not can(auditor, action, person)
    assert client.patch(f"/api/people/{person.pk}/", {"title": "x"}, content_type="application/json").status_code == 403
    assert client.post("/org/people/add/", {}).status_code == 403
    assert client.get(f"/org/people/{person.pk}/edit/").status_code == 403


def test_delegation_gives_the_principals_rights_and_records_both_names(everything, make_user, client):
    p = everything["people"]
    principal = make_user("mudur", person=p["ismail"], roles=[(["org.view", "org.change"], "unit_tree")])
    deputy = make_user("vekil", person=p["ilgaz"])  # Zabıta, no rights of their own
    assert not has_module_perm(deputy, "org", "change")
    Delegation.objects.create(principal=p["ismail"], delegate=p["ilgaz"], start_date="2000-01-01",
                              end_date="2099-12-31", kind=Delegation.Kind.FULL)
    from bilge.core.permissions import clear_cache

    clear_cache(deputy)
    assert can(deputy, "change", p["cagri"])
    client.force_login(deputy)
    r = client.patch(f"/api/people/{p['cagri'].pk}/", {"title": "Vekaleten"}, content_type="application/json")
    assert r.status_code == 200, r.content
    entry = AuditEntry.objects.filter(object_type="core.person", object_id=str(p["cagri"].pk)).order_by("id").last()
    assert entry.actor_id == deputy.pk and entry.on_behalf_of_id == principal.pk


def test_approvals_only_delegation_gives_only_approvals(everything, make_user):
    p = everything["people"]
    make_user("mudur2", person=p["ismail"], roles=[(["org.view", "org.approve"], "unit_tree")])
    deputy = make_user("vekil2", person=p["ilgaz"])
    Delegation.objects.create(principal=p["ismail"], delegate=p["ilgaz"], start_date="2000-01-01",
                              end_date="2099-12-31", kind=Delegation.Kind.APPROVALS)
    assert can(deputy, "approve", p["cagri"])
    assert not can(deputy, "view", p["cagri"])


def test_expired_delegation_gives_nothing(everything, make_user):
    p = everything["people"]
    make_user("mudur3", person=p["ismail"], roles=[(["org.view"], "unit_tree")])
    deputy = make_user("vekil3", person=p["ilgaz"])
    Delegation.objects.create(principal=p["ismail"], delegate=p["ilgaz"], start_date="2001-01-01",
                              end_date="2001-12-31")
    assert not Person.objects.visible_to(deputy, "view").exists()


def test_personal_data_full_view_is_allowed_only_with_the_right_and_recorded(everything, client, make_user):
    p = everything["people"]
    viewer = make_user("viewer", person=p["ipek"], roles=[(["org.view"], "institution")])
    client.force_login(viewer)
    assert client.get(f"/api/people/{p['ismail'].pk}/tc_kimlik/").status_code == 403
    body = client.get(f"/org/people/{p['ismail'].pk}/").content.decode()
    assert "10*******46" in body and "10000000146" not in body
    hr = make_user("hr", person=p["oya"], roles=[(["org.view", "org.export", "org.personal"], "institution")])
    client.force_login(hr)
    before = AuditEntry.objects.filter(action="view_personal").count()
    assert client.get(f"/api/people/{p['ismail'].pk}/tc_kimlik/").json() == {"tc_kimlik": "10000000146"}
    assert client.post(f"/org/people/{p['ismail'].pk}/reveal/").content.decode().count("10000000146") == 1
    entries = AuditEntry.objects.filter(action="view_personal").order_by("id")
    assert entries.count() == before + 2 and entries.last().actor_id == hr.pk
    # Lists and exports stay masked even for them.
    csv = b"".join(client.get("/org/people/?export=csv&columns=name&columns=tc_kimlik").streaming_content)
    assert b"10000000146" not in csv


def test_role_grants_are_validated():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        Role(name="x", grants=["org.fly"]).full_clean()


def test_system_administrator_role_manages_roles_and_assignments(everything, client, make_user):
    roles = ensure_builtin_roles()
    admin = make_user("sys", person=everything["people"]["ipek"], roles=[("Sistem yöneticisi", "institution")])
    client.force_login(admin)
    assert client.get("/api/roles/").json()["count"] == len(roles)
    r = client.post("/api/roles/", {"name": "Okur", "grants": ["org.view"]}, content_type="application/json")
    assert r.status_code == 201, r.content
    assert client.get("/org/assignments/").status_code == 200


def test_own_scope_on_the_audit_trail_shows_own_actions(everything, client, make_user):
    from bilge.core import audit

    me = make_user("ben", person=everything["people"]["oya"], roles=[(["audit.view"], "own")])
    with audit.acting_as(me):
        everything["people"]["oya"].title = "Şef"
        everything["people"]["oya"].save()
    client.force_login(me)
    ids = _ids(client.get("/api/audit/"))
    assert ids and all(AuditEntry.objects.get(pk=i).actor_id == me.pk for i in ids)


def test_administrator_creates_and_disables_a_persons_account(everything, client, make_user):
    from django.contrib.auth import get_user_model

    person = everything["people"]["oya"]
    staff = make_user("ik2", person=everything["people"]["ipek"], roles=[(["org.view"], "institution")])
    client.force_login(staff)
    assert client.post(f"/org/people/{person.pk}/account/", {"action": "create"}).status_code == 403
    sysadmin = make_user("sys2", person=everything["people"]["ismail"],
                         roles=[(["org.view", "admin.add", "admin.change"], "institution")])
    client.force_login(sysadmin)
    r = client.post(f"/org/people/{person.pk}/account/", {"action": "create"}, follow=True)
    text = r.content.decode()
    person.refresh_from_db()
    assert person.user.username == "1005"
    password = text.split("1005")[1].split(":")[1].split("—")[0].strip()
    assert get_user_model().objects.get(username="1005").check_password(password)
    client.post(f"/org/people/{person.pk}/account/", {"action": "disable"})
    person.user.refresh_from_db()
    assert not person.user.is_active
    assert AuditEntry.objects.filter(object_type="auth.user", object_id=str(person.user_id), action="update").exists()
