"""Notifications: ``notify()`` writes to the outbox in the caller's transaction; the worker's
``send_pending_notifications`` e-mails them with retries.

``notify(users, kind, context, url)`` renders the subject and body for each recipient in the
recipient's language (their notification preference, else the installation's language), with the
administrators' override of that kind and language when there is one, else the shipped template.
The in-app notification is always written; the e-mail is skipped when the recipient has no
address or turned that kind off."""

from __future__ import annotations

import datetime
import decimal
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise, lazy

from bilge.core import configcache
from bilge.core.models import Notification, NotificationPreference, NotificationTemplate
from bilge.core.notification_kinds import get_kind
from bilge.core.notification_render import language_of, render_pair

log = logging.getLogger("bilge.notify")
MAX_DELAY = datetime.timedelta(days=1)
# Context values are plain data: the templates can never reach a model (and its personal data).
PLAIN = (str, int, float, bool, decimal.Decimal, datetime.date, datetime.datetime, Promise, type(None))


def _pick(by_language: dict) -> str:
    from django.utils.translation import get_language

    lang = (get_language() or "")[:2]
    return str(by_language.get(lang) or next((v for v in by_language.values() if v), ""))


_lazy_pick = lazy(_pick, str)


def localized(**by_language) -> Promise:
    """A context value read in the recipient's language: ``localized(tr="Yazıcı", en="Printer")``."""
    return _lazy_pick(by_language)


def _check_context(kind, context: dict) -> dict:
    unknown = set(context) - set(kind.variables)
    if unknown:
        raise ValueError(f"notification kind {kind.key!r} does not offer {sorted(unknown)}")
    for key, value in context.items():
        if not isinstance(value, PLAIN):
            raise TypeError(f"notification context {key!r}: plain values only, not {type(value).__name__}")
    return {**{name: "" for name in kind.variables}, **context}


def preferences(users) -> dict[int, NotificationPreference]:
    """The stored preferences of these users by user id, as unsaved copies to read (missing ones
    are not created). Each process keeps them between changes of any preference."""
    ids = [u.pk for u in users if u is not None]

    def load(keys):
        if len(keys) == 1:  # the common case: one recipient, by a query compiled once
            found = configcache.read_row(NotificationPreference, keys[0][1], field="user")
            return {keys[0]: found[0]} if found is not None else {}
        rows = NotificationPreference.objects.filter(user_id__in=[key[1] for key in keys])
        return {("notification-preference", row["user_id"]): row
                for row in rows.values("user_id", "language", "email")}

    kept = configcache.get_many([("notification-preference", user_id) for user_id in ids], load)
    return {key[1]: NotificationPreference(user_id=key[1], language=row["language"], email=dict(row["email"] or {}))
            for key, row in kept.items() if row is not None}


def preference_for(user) -> NotificationPreference:
    """The user's preference, unsaved with the defaults when they never chose."""
    pref = NotificationPreference.objects.filter(user_id=user.pk).first()
    return pref if pref is not None else NotificationPreference(user=user)


def template_overrides(kind: str) -> dict[str, NotificationTemplate]:
    """The administrators' current templates of ``kind`` by language (kept between changes)."""
    return configcache.get(("notification-templates", kind), lambda: {
        t.language: t for t in NotificationTemplate.objects.filter(kind=kind, archived_at__isnull=True)})


def notify(users, kind: str, context: dict | None = None, url: str = "", prefs: dict | None = None
           ) -> list[Notification]:
    """Tell ``users`` (a user or several; None, inactive and duplicates are skipped) about an event
    of ``kind``. ``context`` holds the values the kind's templates use (plain values; user input
    only ever goes in here, never into template code). ``prefs``: the recipients' preferences read
    beforehand with ``preferences()`` (a caller about to lock something reads them first)."""
    spec = get_kind(kind)
    context = _check_context(spec, context or {})
    if not isinstance(users, (list, tuple, set)):
        users = [users]
    recipients, seen = [], set()
    for user in users:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        recipients.append(user)
    if not recipients:
        return []
    prefs = preferences(recipients) if prefs is None else prefs
    overrides = template_overrides(kind)
    texts: dict[str, tuple[str, str]] = {}  # rendered once per language
    rows = []
    for user in recipients:
        pref = prefs.get(user.pk)
        language = language_of(pref.language if pref is not None else settings.LANGUAGE_CODE)
        if language not in texts:
            texts[language] = render_pair(spec, context, language, overrides.get(language))
        subject, body = texts[language]
        email = user.email or getattr(getattr(user, "person", None), "email", "") or ""
        wanted = pref.wants_email(spec) if pref is not None else spec.email_default
        rows.append(Notification(recipient=user, kind=kind, subject=subject, body=body, url=url, email=email,
                                 mail_status=Notification.Mail.PENDING if email and wanted
                                 else Notification.Mail.SKIPPED,
                                 next_attempt_at=timezone.now()))
    # One INSERT for all recipients (recorded in the audit trail like a save, without its signals).
    return Notification.objects.bulk_create(rows)


def preview(kind: str, language: str, subject: str | None = None, body: str | None = None) -> tuple[str, str]:
    """(subject, body) of ``kind`` rendered with its sample context; with ``subject``/``body``
    given, those template texts are checked and used (raises ValidationError)."""
    from bilge.core.notification_render import check, clean_body, clean_subject, render

    spec = get_kind(kind)
    context = _check_context(spec, dict(spec.sample))
    language = language_of(language)
    if subject is None and body is None:
        return render_pair(spec, context, language)
    return (clean_subject(render(check(subject or "", spec, language), context, language)),
            clean_body(render(check(body or "", spec, language), context, language)))


@transaction.atomic
def save_preferences(user, *, language: str | None = None, email: dict | None = None) -> NotificationPreference:
    """Store the user's own choices (their language, e-mail on/off per registered kind)."""
    from django.core.exceptions import ValidationError

    from bilge.core.notification_kinds import all_kinds

    pref = NotificationPreference.objects.select_for_update().filter(user_id=user.pk).first() \
        or NotificationPreference(user=user)
    if language is not None:
        if language not in dict(NotificationPreference._meta.get_field("language").choices):
            raise ValidationError({"language": ["tr / en"]})
        pref.language = language
    if email is not None:
        known = {k.key for k in all_kinds()}
        unknown = set(email) - known
        if unknown:
            raise ValidationError({"email": [", ".join(sorted(unknown))]})
        pref.email = {**(pref.email or {}), **{k: bool(v) for k, v in email.items()}}
    pref.save()
    return pref


def _delay(attempts: int) -> datetime.timedelta:
    return min(datetime.timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_DELAY)


def send_pending(limit: int = 200) -> dict:
    """E-mail what is due. Each message is claimed under a row lock, so several workers never
    send the same one; a failure is retried later with a growing delay."""
    counts = {"sent": 0, "failed": 0}
    now = timezone.now()
    ids = list(Notification.objects.filter(mail_status__in=[Notification.Mail.PENDING, Notification.Mail.FAILED],
                                           next_attempt_at__lte=now).order_by("id").values_list("id", flat=True)[:limit])
    for pk in ids:
        with transaction.atomic():
            row = (Notification.objects.select_for_update(skip_locked=True)
                   .filter(pk=pk, mail_status__in=[Notification.Mail.PENDING, Notification.Mail.FAILED]).first())
            if row is None:
                continue
            link = f"\n\n{settings.BILGE_BASE_URL.rstrip('/')}{row.url}" if row.url and settings.BILGE_BASE_URL else ""
            try:
                EmailMessage(subject=row.subject, body=row.body + link, to=[row.email]).send()
            except Exception as exc:  # the mail server is down or refuses: keep it for later
                row.attempts += 1
                row.mail_status = Notification.Mail.FAILED
                row.last_error = f"{type(exc).__name__}: {exc}"[:300]
                row.next_attempt_at = timezone.now() + _delay(row.attempts)
                counts["failed"] += 1
                log.warning("notification %s not sent (attempt %s): %s", row.pk, row.attempts, row.last_error)
            else:
                row.attempts += 1
                row.mail_status = Notification.Mail.SENT
                row.last_error = ""
                counts["sent"] += 1
            row.save(update_fields=["attempts", "mail_status", "last_error", "next_attempt_at"])
    return counts
