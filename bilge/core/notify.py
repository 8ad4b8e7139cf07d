"""Notifications: ``notify()`` writes to the outbox in the caller's transaction; the worker's
``send_pending_notifications`` e-mails them with retries."""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation

from bilge.core.models import Notification

log = logging.getLogger("bilge.notify")
MAX_DELAY = datetime.timedelta(days=1)


def notify(users, kind: str, subject, body, url: str = "") -> list[Notification]:
    """Tell ``users`` (a user or several; None and duplicates are skipped) about an event. The
    texts are rendered now, in the installation's language."""
    if not isinstance(users, (list, tuple, set)):
        users = [users]
    seen, rows = set(), []
    with translation.override(settings.LANGUAGE_CODE):
        subject, body = str(subject)[:200], str(body)
    for user in users:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        email = user.email or getattr(getattr(user, "person", None), "email", "") or ""
        rows.append(Notification(recipient=user, kind=kind, subject=subject, body=body, url=url, email=email,
                                 mail_status=Notification.Mail.PENDING if email else Notification.Mail.SKIPPED,
                                 next_attempt_at=timezone.now()))
    for row in rows:
        row.save()
    return rows


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
