"""Sign-in: user name or e-mail, password policy, lockout and unlock, TOTP, idle sessions."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from bilge.core.models import AuditEntry

pytestmark = pytest.mark.django_db
PASSWORD = "Bilge-test-2026"


def login(client, username, password=PASSWORD, **extra):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=extra.get("ip", "10.0.0.1"))


@pytest.mark.smoke
def test_sign_in_with_user_name_or_email_is_recorded(client, make_user):
    user = make_user("ayse")
    r = login(client, "ayse")
    assert r.status_code == 302 and r.url == "/"
    client.logout()
    r = login(client, "AYSE@example.org")
    assert r.status_code == 302
    assert AuditEntry.objects.filter(action="login", actor=user).count() == 2


def test_failed_sign_in_is_recorded_with_the_address(client, make_user):
    make_user("ayse")
    r = login(client, "ayse", "yanlış", ip="10.9.9.9")
    assert r.status_code == 200
    entry = AuditEntry.objects.filter(action="login_failed").latest("id")
    assert entry.object_repr == "ayse" and entry.ip == "10.9.9.9"


def test_lockout_per_account_then_admin_unlock(client, make_user, admin_user, settings):
    make_user("ayse")
    for i in range(settings.AXES_FAILURE_LIMIT):
        login(client, "ayse", "yanlış", ip=f"10.0.1.{i}")  # different addresses: the account locks
    r = login(client, "ayse", ip="10.0.2.1")
    assert r.status_code == 429
    assert "data-testid=\"locked-out\"" in r.content.decode()
    assert AuditEntry.objects.filter(action="lockout").exists()
    # The administrator sees the lockout and lifts it.
    client.force_login(admin_user)
    page = client.get("/org/locked/").content.decode()
    assert "ayse" in page
    client.post("/org/locked/", {"username": "ayse"})
    assert AuditEntry.objects.filter(action="unlock").exists()
    client.logout()
    assert login(client, "ayse", ip="10.0.2.1").status_code == 302


def test_lockout_per_address(client, make_user, settings):
    for i in range(settings.AXES_FAILURE_LIMIT):
        login(client, f"someone{i}", "yanlış", ip="10.7.7.7")  # different accounts: the address locks
    make_user("mehmet")
    assert login(client, "mehmet", ip="10.7.7.7").status_code == 429
    assert login(client, "mehmet", ip="10.7.7.8").status_code == 302


def test_password_policy():
    for weak in ("kısa1", "1234567890123", "sadeceharfler", "password123"):
        with pytest.raises(ValidationError):
            validate_password(weak)
    validate_password("Güçlü-parola-2026")


def _token(device):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def test_totp_second_step(client, make_user):
    user = make_user("teknisyen")
    device = TOTPDevice.objects.create(user=user, name="telefon", confirmed=True)
    login(client, "teknisyen")
    r = client.get("/org/people/")
    assert r.status_code == 302 and r.url.startswith("/login/two-factor/")
    assert client.post("/login/two-factor/", {"token": "000000" if _token(device) != "000000" else "111111"}).status_code == 400
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # a wrong code slows the next attempts down
    device.throttle_reset()  # as if the user waited
    r = client.post("/login/two-factor/", {"token": _token(device)})
    assert r.status_code == 302
    assert client.get("/").status_code == 200
    assert AuditEntry.objects.filter(action="two_factor", actor=user).exists()
    # The API (session) is closed until the second step too.
    client.logout()
    login(client, "teknisyen")
    assert client.get("/api/people/").status_code == 403


def test_two_factor_mandatory_for_it_staff(client, make_user, org, settings):
    settings.BILGE_2FA_REQUIRED = True
    make_user("bt", person=org["people"]["ipek"])  # works in an IT unit
    login(client, "bt")
    r = client.get("/")
    assert r.status_code == 302 and r.url == "/account/two-factor/"
    setup = client.get("/account/two-factor/")
    assert b"data:image/svg+xml" in setup.content
    device = TOTPDevice.objects.get(user__username="bt")
    assert client.post("/account/two-factor/", {"token": "12"}).status_code == 400
    device.refresh_from_db()
    device.throttle_reset()
    assert client.post("/account/two-factor/", {"token": _token(device)}).status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/").status_code == 200
    # Other staff are not forced.
    make_user("fen", person=org["people"]["cagri"])
    client.logout()
    login(client, "fen")
    assert client.get("/").status_code == 200


def test_sessions_expire_after_inactivity_and_are_renewed_at_most_once_a_minute(client, make_user, org,
                                                                               settings, monkeypatch):
    import time

    from django.contrib.sessions.models import Session

    from bilge.core import middleware

    assert settings.SESSION_COOKIE_AGE == 30 * 60
    make_user("fen", person=org["people"]["cagri"])
    login(client, "fen")
    now = [time.time()]
    monkeypatch.setattr(middleware.time, "time", lambda: now[0])
    key = client.cookies[settings.SESSION_COOKIE_NAME].value

    def expiry():
        return Session.objects.get(session_key=key).expire_date

    assert client.get("/").status_code == 200
    first = expiry()
    now[0] += 30  # within the minute: no write
    assert client.get("/").status_code == 200 and expiry() == first
    now[0] += 31  # more than a minute after the last save: the expiry moves on
    time.sleep(0.01)
    assert client.get("/").status_code == 200 and expiry() > first
    # A session left alone for longer than the idle time is over.
    Session.objects.filter(session_key=key).update(expire_date=first.replace(year=2000))
    assert client.get("/").status_code == 302


def test_api_token_authentication(client, make_user, org):
    user = make_user("api", person=org["people"]["ipek"], roles=[(["org.view"], "institution")])
    r = client.post("/api/token/", {"username": "api", "password": PASSWORD})
    token = r.json()["token"]
    r = client.get("/api/people/", HTTP_AUTHORIZATION=f"Token {token}")
    assert r.status_code == 200 and r.json()["count"] == 5
    assert client.get("/api/people/", HTTP_AUTHORIZATION="Token yanlis").status_code in (401, 403)
    # A header that is not even Latin-1 is a malformed request: 400, never a 500.
    assert client.get("/api/people/", HTTP_AUTHORIZATION="Token yanlış").status_code == 400
    assert user.auth_token.key == token


def test_api_token_needs_the_second_factor_when_the_account_has_one(client, make_user, org):
    user = make_user("bt2", person=org["people"]["ipek"], roles=[(["org.view", "org.change"], "institution")])
    device = TOTPDevice.objects.create(user=user, name="telefon", confirmed=True)
    r = client.post("/api/token/", {"username": "bt2", "password": PASSWORD})
    assert r.status_code == 400 and "otp_token" in r.json()
    r = client.post("/api/token/", {"username": "bt2", "password": PASSWORD, "otp_token": _token(device)})
    token = r.json()["token"]
    # Writes with the token name the user in the audit trail.
    r = client.patch(f"/api/people/{org['people']['oya'].pk}/", {"title": "Şef"}, content_type="application/json",
                     HTTP_AUTHORIZATION=f"Token {token}")
    assert r.status_code == 200
    entry = AuditEntry.objects.filter(object_type="core.person", object_id=str(org["people"]["oya"].pk)).latest("id")
    assert entry.actor_id == user.pk and entry.source == "api"


def test_api_token_refused_when_two_factor_is_mandatory_and_not_set_up(client, make_user, org, settings):
    settings.BILGE_2FA_REQUIRED = True
    make_user("bt3", person=org["people"]["ipek"])
    r = client.post("/api/token/", {"username": "bt3", "password": PASSWORD})
    assert r.status_code == 400 and "otp_token" in r.json()


def test_forwarded_address_trusts_only_the_proxy(rf, settings):
    from bilge.core.middleware import client_ip

    settings.BEHIND_PROXY = True
    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 10.1.1.5", REMOTE_ADDR="127.0.0.1")
    assert client_ip(request) == "10.1.1.5"


def test_behind_the_proxy_lockout_and_trail_use_the_forwarded_address(client, make_user, settings):
    settings.BEHIND_PROXY = True

    def attempt(username, password, address):
        return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR="127.0.0.1",
                           HTTP_X_FORWARDED_FOR=address)

    for i in range(settings.AXES_FAILURE_LIMIT):
        attempt(f"someone{i}", "yanlış", f"10.5.0.{i}")  # different people, different addresses
    make_user("mehmet")
    assert attempt("mehmet", PASSWORD, "10.5.1.1").status_code == 302  # the proxy's address is not locked
    entry = AuditEntry.objects.filter(action="login_failed").order_by("id").first()
    assert entry.ip == "10.5.0.0"
