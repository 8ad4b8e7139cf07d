"""Notifications per recipient: their language, their e-mail choices, the administrators' templates."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils.translation import override

from bilge.core.models import AuditEntry, Notification, NotificationPreference, NotificationTemplate
from bilge.core.notification_kinds import all_kinds, get_kind
from bilge.core.notification_render import check, default_source
from bilge.core.notify import localized, notify, preview, save_preferences, send_pending

pytestmark = pytest.mark.django_db

ASSIGNED = {"number": "2026-000042", "title": "Yazıcı çıktı vermiyor"}
ADMIN = ["admin.view", "admin.add", "admin.change", "admin.delete"]


@pytest.fixture
def readers(make_user):
    turkish, english = make_user("tr.reader"), make_user("en.reader")
    save_preferences(turkish, language="tr")
    save_preferences(english, language="en")
    return turkish, english


def test_each_recipient_reads_the_same_event_in_their_own_language(readers, settings):
    turkish, english = readers
    rows = notify([turkish, english, turkish, None], "assigned", ASSIGNED, "/servicedesk/tickets/1/")
    by_user = {row.recipient_id: row for row in rows}
    assert len(rows) == 2, "duplicates and None are skipped"
    assert by_user[turkish.pk].subject == "Size atandı: 2026-000042"
    assert by_user[english.pk].subject == "Assigned to you: 2026-000042"
    # A value given in both languages (a request type's name) is read in each reader's language.
    notify([turkish, english], "approval_needed",
           {"number": "2026-000043", "title": "EBYS", "requester": "Çağrı Öztürk",
            "type": localized(tr="Yetki talebi", en="Access request")})
    assert "Yetki talebi" in Notification.objects.get(recipient=turkish, kind="approval_needed").body
    assert "talep ediyor" in Notification.objects.get(recipient=turkish, kind="approval_needed").body
    assert "Access request" in Notification.objects.get(recipient=english, kind="approval_needed").body
    # The e-mails go out in the same languages.
    assert send_pending() == {"sent": 4, "failed": 0}
    subjects = {m.to[0]: m.subject for m in mail.outbox if "000042" in m.subject}
    assert subjects == {"tr.reader@example.org": "Size atandı: 2026-000042",
                        "en.reader@example.org": "Assigned to you: 2026-000042"}


def test_without_a_preference_the_installation_language_applies(make_user, settings):
    settings.LANGUAGE_CODE = "en"
    [row] = notify(make_user("plain"), "sla_breach",
                   {**ASSIGNED, "due": datetime.datetime(2026, 11, 24, 12, 0, tzinfo=datetime.UTC)})
    assert row.subject == "SLA breached: 2026-000042" and "was due 24.11.2026" in row.body
    assert not NotificationPreference.objects.exists(), "reading the defaults stores nothing"


def test_an_override_is_used_for_its_language_and_archiving_it_brings_the_default_back(readers, admin_user):
    turkish, english = readers
    override = NotificationTemplate.objects.create(
        kind="assigned", language="en", subject="[IT] {{ number }} is yours",
        body="{% if escalated %}Escalated{% else %}Hello{% endif %}: {{ title|upper }}")
    rows = {r.recipient_id: r for r in notify([turkish, english], "assigned", ASSIGNED)}
    assert (rows[english.pk].subject, rows[english.pk].body) == ("[IT] 2026-000042 is yours",
                                                                 "Hello: YAZICI ÇIKTI VERMIYOR")
    assert rows[turkish.pk].subject == "Size atandı: 2026-000042", "the Turkish text is still the default"
    assert AuditEntry.objects.filter(object_type="core.notificationtemplate", action="create").exists()
    override.archive("back to the default")
    [row] = notify(english, "assigned", ASSIGNED)
    assert row.subject == "Assigned to you: 2026-000042"


def test_overrides_kept_by_each_process_follow_every_change(readers, admin_user, shared_cache):
    """The same with the production cache (each process keeps the templates between changes),
    read once before the override exists."""
    _turkish, english = readers
    [row] = notify(english, "assigned", ASSIGNED)
    assert row.subject == "Assigned to you: 2026-000042"
    test_an_override_is_used_for_its_language_and_archiving_it_brings_the_default_back(readers, admin_user)


def test_user_input_is_printed_never_run(readers):
    _turkish, english = readers
    NotificationTemplate.objects.create(kind="comment", language="en", subject="{{ number }}",
                                        body="{{ author }} wrote: {{ comment }}")
    hostile = "{{ number }} {% debug %} {% include 'web/base.html' %} %(number)s <b>"
    [row] = notify(english, "comment", {**ASSIGNED, "author": "{{ title }}", "comment": hostile})
    assert row.body == "{{ title }} wrote: " + hostile
    # The shipped default (blocktranslate, %-formatting inside) does not run it either.
    [row] = notify(english, "resolved", {**ASSIGNED, "title": "{% debug %} %(x)s", "resolution": "{{ number }}"})
    assert "“{% debug %} %(x)s”: {{ number }}" in row.body


@pytest.mark.parametrize(("field", "source", "message"), [
    ("body", "{% if escalated %}unclosed", "Unclosed tag"),
    ("body", "Hello {{ requester }}", "Unknown variables: requester"),
    ("subject", "{% blocktranslate %}{{ secret }}{% endblocktranslate %}", "Unknown variables: secret"),
    ("body", "{% include 'web/base.html' %}", "“include” cannot be used"),
    ("body", "{% load static %}{% static 'x' %}", "only the i18n library"),
    ("subject", "Assigned {{ number", "is not closed"),
])
def test_a_bad_template_is_refused_with_a_clear_message_and_nothing_is_saved(client, make_user, field, source,
                                                                            message):
    client.force_login(make_user("templates.admin", roles=[(ADMIN, "institution")]))
    data = {"kind": "assigned", "language": "tr", "subject": "{{ number }}", "body": "{{ title }}", field: source}
    response = client.post("/org/notification-templates/add/", data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    with override("en"):
        assert message in " ".join(response.context["form"].errors[field])
    assert not NotificationTemplate.objects.exists()
    with pytest.raises(ValidationError):  # the shell and the API cannot save it either
        NotificationTemplate.objects.create(**data)
    assert not NotificationTemplate.objects.exists()


def test_preview_renders_the_sample_without_saving_then_save_and_detail(client, make_user):
    client.force_login(make_user("templates.admin", roles=[(ADMIN, "institution")]))
    start = client.get("/org/notification-templates/add/?kind=sla_warning&language=tr")
    assert start.status_code == 200
    form = start.context["form"]
    assert form["subject"].value() == default_source(get_kind("sla_warning"), "subject").strip()
    assert "{{ due }}" in start.content.decode(), "the kind's variables are listed"
    data = {"kind": "sla_warning", "language": "tr", "subject": "Süre azalıyor: {{ number }}",
            "body": "{{ title }} — {{ due|date:'d.m.Y H:i' }}"}
    shown = client.post("/org/notification-templates/add/", {**data, "preview": "1"})
    assert shown.status_code == 200 and shown.context["preview"] == (
        "Süre azalıyor: 2026-000123", "Yazıcı çıktı vermiyor — 24.11.2026 18:30")
    assert not NotificationTemplate.objects.exists()
    saved = client.post("/org/notification-templates/add/", data)
    assert saved.status_code == 302
    template = NotificationTemplate.objects.get()
    detail = client.get(template.get_absolute_url())
    assert detail.status_code == 200 and detail.context["preview_subject"] == "Süre azalıyor: 2026-000123"
    # A second current template for the same kind and language is refused.
    again = client.post("/org/notification-templates/add/", data, HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 400 and NotificationTemplate.objects.count() == 1
    assert "already a template" in again.content.decode()


def test_turning_email_off_for_a_kind_keeps_the_in_app_notification(readers, client):
    _turkish, english = readers
    client.force_login(english)
    page = client.get("/notifications/preferences/")
    assert page.status_code == 200 and page.context["form"]["email_assigned"].value() is True
    form = {"language": "en", **{f"email_{k.key}": "on" for k in all_kinds() if k.key != "assigned"}}
    assert client.post("/notifications/preferences/", form).status_code == 302
    [off] = notify(english, "assigned", ASSIGNED)
    [on] = notify(english, "comment", {**ASSIGNED, "author": "İpek", "comment": "OK"})
    assert off.mail_status == Notification.Mail.SKIPPED and on.mail_status == Notification.Mail.PENDING
    assert send_pending() == {"sent": 1, "failed": 0}
    assert [m.subject for m in mail.outbox] == ["New comment: 2026-000042"]
    inbox = client.get("/notifications/").content.decode()
    assert "Assigned to you: 2026-000042" in inbox, "the in-app notification is still there"


def test_a_mail_outage_is_retried_with_back_off(readers, monkeypatch):
    turkish, _english = readers
    [row] = notify(turkish, "assigned", ASSIGNED)
    from django.core.mail.backends.locmem import EmailBackend

    def down(self, messages):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(EmailBackend, "send_messages", down)
    assert send_pending() == {"sent": 0, "failed": 1}
    row.refresh_from_db()
    assert row.mail_status == "failed" and row.attempts == 1 and row.next_attempt_at > row.created_at
    assert send_pending() == {"sent": 0, "failed": 0}, "not before the back-off delay"
    monkeypatch.undo()
    Notification.objects.filter(pk=row.pk).update(next_attempt_at=row.next_attempt_at - datetime.timedelta(hours=1))
    assert send_pending() == {"sent": 1, "failed": 0}
    assert mail.outbox[0].subject == "Size atandı: 2026-000042"


def test_template_pages_need_the_administration_right(client, make_user):
    template = NotificationTemplate.objects.create(kind="assigned", language="tr", subject="{{ number }}",
                                                   body="{{ title }}")
    urls = ["/org/notification-templates/", "/org/notification-templates/add/",
            f"/org/notification-templates/{template.pk}/", f"/org/notification-templates/{template.pk}/edit/"]
    client.force_login(make_user("nobody"))
    for url in urls:
        assert client.get(url).status_code in (403, 404), url
    assert client.post(urls[1], {"kind": "assigned", "language": "en", "subject": "x", "body": "y"}).status_code == 403
    reader = make_user("reader", roles=[(["admin.view"], "institution")])
    client.force_login(reader)
    assert client.get(urls[0]).status_code == 200 and client.get(urls[2]).status_code == 200
    assert client.get(urls[1]).status_code == 403 and client.get(urls[3]).status_code == 403
    assert client.post(urls[3], {"kind": "assigned", "language": "tr", "subject": "x", "body": "y"}).status_code == 403
    template.refresh_from_db()
    assert template.subject == "{{ number }}"


def test_preferences_are_only_ever_the_users_own(readers, client):
    turkish, english = readers
    client.force_login(english)
    # The page and the API have no user in them: a posted user id changes nothing for that user.
    client.post("/notifications/preferences/", {"language": "tr", "user": turkish.pk})
    assert NotificationPreference.objects.get(user=english).language == "tr"
    assert NotificationPreference.objects.get(user=turkish).email == {}
    response = client.patch("/api/notification-preferences/me/", {"language": "en", "email": {"sla_breach": False}},
                            content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["language"] == "en" and response.json()["email"]["sla_breach"] is False
    assert response.json()["email"]["assigned"] is False, "the page above saved every box unticked"
    assert client.get("/api/notification-preferences/me/").json()["language"] == "en"
    bad = client.patch("/api/notification-preferences/me/", {"email": {"no_such_kind": True}},
                       content_type="application/json")
    assert bad.status_code == 400 and "no_such_kind" in bad.content.decode()
    assert client.get(f"/api/notification-preferences/{turkish.pk}/").status_code == 404
    client.logout()
    assert client.get("/api/notification-preferences/me/").status_code in (401, 403)
    assert client.get("/notifications/preferences/").status_code == 302


def test_every_registered_default_passes_its_own_check_in_both_languages():
    keys = {kind.key for kind in all_kinds()}
    assert {"created", "assigned", "comment", "approval_needed", "decision", "resolved", "sla_warning",
            "sla_breach"} <= keys
    for kind in all_kinds():
        for part in ("subject", "body"):
            check(default_source(kind, part), kind)
        for language in ("tr", "en"):
            subject, body = preview(kind.key, language)
            assert subject and body and "{" not in subject + body, (kind.key, language)


def test_notify_refuses_unknown_kinds_and_non_plain_values(make_user):
    user = make_user("someone")
    with pytest.raises(LookupError):
        notify(user, "no_such_kind", {})
    with pytest.raises(ValueError):
        notify(user, "assigned", {**ASSIGNED, "secret": "x"})
    with pytest.raises(TypeError):  # a model would open the templates to its (personal) data
        notify(user, "assigned", {**ASSIGNED, "title": user})
    assert not Notification.objects.exists()


@pytest.mark.browser
def test_an_administrator_writes_previews_and_saves_a_template_in_the_browser(page, admin_user, sign_in):
    from playwright.sync_api import expect

    sign_in(page, admin_user)
    page.goto("/org/notification-templates/add/")
    page.get_by_test_id("kind-list").get_by_role("link", name="English").nth(1).click()  # "assigned"
    expect(page.locator("#id_kind")).to_have_value("assigned")
    expect(page.get_by_test_id("kind-variables")).to_contain_text("escalated")
    page.locator("#id_body").fill("Dear colleague, {{ title }} is yours ({{ requester }}).")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("error-body")).to_contain_text("requester")
    page.locator("#id_body").fill("Dear colleague, {{ title }} is yours.")
    page.get_by_test_id("preview").click()
    expect(page.get_by_test_id("preview-body")).to_have_text("Dear colleague, Yazıcı çıktı vermiyor is yours.")
    page.screenshot(path="/tmp/bilge-notification-template.png", full_page=True)
    assert not NotificationTemplate.objects.exists()
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("preview-subject")).to_have_text("Assigned to you: 2026-000123")
    assert NotificationTemplate.objects.get().language == "en"
    page.goto("/notifications/")
    page.get_by_test_id("notification-preferences").click()
    page.locator("#id_email_comment").uncheck()
    page.get_by_test_id("save").click()
    expect(page.locator("#id_email_comment")).not_to_be_checked()
    page.screenshot(path="/tmp/bilge-notification-preferences.png", full_page=True)
    assert NotificationPreference.objects.get(user=admin_user).email["comment"] is False
