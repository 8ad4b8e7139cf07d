"""Sending webhook deliveries: sign, POST, record the outcome, retry with back-off.

A delivery is sent at least once (never lost), and by one worker at a time:

1. **claim** — a short transaction takes the row under ``SELECT … FOR UPDATE SKIP LOCKED``
   (PostgreSQL; SQLite's IMMEDIATE transactions serialize writers), checks it is still due, counts
   the attempt and moves ``next_attempt_at`` past the call's timeout (a lease). Another worker
   skips a locked row and, once committed, no longer finds it due.
2. **send** — the HTTP call, outside any transaction (a slow receiver never holds a database
   lock; on SQLite that would stop every writer).
3. **record** — a short transaction stores the outcome, only if the row is still at the attempt
   this worker claimed. A worker that dies during the call leaves the lease to expire, and the
   delivery is sent again: receivers deduplicate on ``X-Bilge-Delivery``.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from bilge.conf import env_int
from bilge.integrations.models import PING, Webhook, WebhookDelivery

log = logging.getLogger("bilge.integrations")
S = WebhookDelivery.Status
FIRST_DELAY = datetime.timedelta(minutes=1)
MAX_DELAY = datetime.timedelta(hours=1)
LEASE_MARGIN = datetime.timedelta(seconds=30)
MAX_REDIRECTS = 3
READ_LIMIT = 64 * 1024
USER_AGENT = "Bilge-Webhook/1"


def max_attempts() -> int:
    """Read lazily: a Django setting of the same name (tests) wins over the environment."""
    return int(getattr(settings, "BILGE_WEBHOOK_MAX_ATTEMPTS", None) or env_int("BILGE_WEBHOOK_MAX_ATTEMPTS"))


def default_timeout() -> int:
    return int(getattr(settings, "BILGE_WEBHOOK_TIMEOUT", None) or env_int("BILGE_WEBHOOK_TIMEOUT"))


def timeout_of(webhook: Webhook) -> int:
    return webhook.timeout or default_timeout()


def backoff(attempts: int) -> datetime.timedelta:
    """The pause after the ``attempts``-th failure: 1, 2, 4, 8 … minutes, at most an hour."""
    return min(FIRST_DELAY * (2 ** max(attempts - 1, 0)), MAX_DELAY)


# --- signing --------------------------------------------------------------------------------------

def body_of(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` of HMAC-SHA256 over ``"<timestamp>.<body>"`` keyed with the secret."""
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def headers_for(delivery: WebhookDelivery, secret: str, body: bytes, timestamp: str | None = None) -> dict:
    timestamp = timestamp or str(int(time.time()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-Bilge-Event": delivery.event,
        "X-Bilge-Delivery": str(delivery.delivery_id),
        "X-Bilge-Timestamp": timestamp,
        "X-Bilge-Signature": signature(secret, timestamp, body),
    }
    if delivery.redelivery_of_id:
        headers["X-Bilge-Redelivery"] = "1"
    return headers


# --- HTTP ----------------------------------------------------------------------------------------

@dataclass
class Outcome:
    ok: bool
    code: int | None = None
    excerpt: str = ""
    error: str = ""
    duration_ms: int = 0


class _SameOriginRedirects(urllib.request.HTTPRedirectHandler):
    """Follow 307/308 (which keep the method and the body) to the same scheme, host and port
    only; every other redirect is an answer that is not 2xx, so the delivery fails visibly."""

    max_redirections = MAX_REDIRECTS

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        newurl = urljoin(req.full_url, newurl)
        old, new = urlsplit(req.full_url), urlsplit(newurl)
        same = (old.scheme, old.hostname, old.port) == (new.scheme, new.hostname, new.port)
        if code not in (307, 308) or not same:
            return None  # urllib raises HTTPError with this 3xx code
        return urllib.request.Request(newurl, data=req.data, headers=dict(req.header_items()),
                                      method=req.get_method())


_opener = urllib.request.build_opener(_SameOriginRedirects)


def _excerpt(raw: bytes) -> str:
    return raw[:2000].decode("utf-8", errors="replace").strip()[:500]


def post(url: str, body: bytes, headers: dict, timeout: float) -> Outcome:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    started = time.monotonic()
    try:
        with _opener.open(request, timeout=timeout) as response:
            raw = response.read(READ_LIMIT)
            code = response.status
    except urllib.error.HTTPError as exc:
        elapsed = int((time.monotonic() - started) * 1000)
        try:
            raw = exc.read(READ_LIMIT) or b""
        except Exception:  # the body could not be read; the code is what matters
            raw = b""
        error = f"HTTP {exc.code}"
        if 300 <= exc.code < 400:
            error += f": redirect to {exc.headers.get('Location', '?')} not followed"
        return Outcome(False, exc.code, _excerpt(raw), error[:500], elapsed)
    except Exception as exc:  # timeout, refused connection, TLS, DNS: retried later
        elapsed = int((time.monotonic() - started) * 1000)
        reason = getattr(exc, "reason", None) or exc
        return Outcome(False, None, "", f"{type(exc).__name__}: {reason}"[:500], elapsed)
    elapsed = int((time.monotonic() - started) * 1000)
    ok = 200 <= code < 300
    return Outcome(ok, code, _excerpt(raw), "" if ok else f"HTTP {code}", elapsed)


# --- claim, send, record ----------------------------------------------------------------------------

def due_ids(limit: int = 100, now=None) -> list[int]:
    now = now or timezone.now()
    return list(WebhookDelivery.objects.filter(status__in=WebhookDelivery.DUE_STATUSES, next_attempt_at__lte=now)
                .order_by("next_attempt_at", "id").values_list("id", flat=True)[:limit])


def claim(pk: int) -> WebhookDelivery | None:
    """Take one due delivery for this worker (None when another worker has it, or it is not due)."""
    with transaction.atomic():
        now = timezone.now()
        row = (WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
               .select_related("webhook")
               .filter(pk=pk, status__in=WebhookDelivery.DUE_STATUSES, next_attempt_at__lte=now).first())
        if row is None:
            return None
        row.attempts += 1
        row.next_attempt_at = now + datetime.timedelta(seconds=timeout_of(row.webhook)) + LEASE_MARGIN
        WebhookDelivery.objects.filter(pk=row.pk).update(attempts=row.attempts, next_attempt_at=row.next_attempt_at)
    return row


def send(row: WebhookDelivery) -> Outcome:
    webhook = row.webhook
    if not webhook.active or webhook.is_archived:
        return Outcome(False, None, "", "The webhook is inactive or archived.")
    body = body_of(row.payload)
    return post(webhook.url, body, headers_for(row, webhook.secret, body), timeout_of(webhook))


def record(row: WebhookDelivery, outcome: Outcome) -> str:
    """Store the outcome of the attempt this worker claimed; returns the new status."""
    now = timezone.now()
    final_refusal = not outcome.ok and not (row.webhook.active and not row.webhook.is_archived)
    if outcome.ok:
        status, next_at = S.DELIVERED, None
    elif final_refusal or row.attempts >= max_attempts() or row.event == PING:  # a test call is tried once
        status, next_at = S.GAVE_UP, None
    else:
        status, next_at = S.RETRYING, now + backoff(row.attempts)
    with transaction.atomic():
        changed = WebhookDelivery.objects.filter(pk=row.pk, attempts=row.attempts,
                                                 status__in=WebhookDelivery.DUE_STATUSES).update(
            status=status, next_attempt_at=next_at, response_code=outcome.code,
            response_excerpt=outcome.excerpt[:500], error=outcome.error[:500], duration_ms=outcome.duration_ms,
            delivered_at=now if outcome.ok else None)
        if not changed:  # the lease expired and another worker took over: its outcome counts
            return ""
        counters = {"delivered_count": F("delivered_count") + 1} if outcome.ok else \
            {"failed_count": F("failed_count") + 1}
        Webhook.objects.filter(pk=row.webhook_id).update(
            last_status=status, last_response_code=outcome.code, last_attempt_at=now, **counters)
    row.status, row.next_attempt_at, row.response_code = status, next_at, outcome.code
    row.response_excerpt, row.error, row.duration_ms = outcome.excerpt[:500], outcome.error[:500], outcome.duration_ms
    if status == S.GAVE_UP:
        log.warning("webhook %s: delivery %s given up after %s attempts: %s", row.webhook_id, row.delivery_id,
                    row.attempts, outcome.error)
    elif status == S.RETRYING:
        log.info("webhook %s: delivery %s failed (attempt %s): %s", row.webhook_id, row.delivery_id, row.attempts,
                 outcome.error)
    return status


def deliver(pk: int) -> str:
    """Claim, send and record one delivery; "" when it was not ours to send."""
    row = claim(pk)
    if row is None:
        return ""
    return record(row, send(row))


def deliver_due(limit: int = 100) -> dict:
    """Send what is due (the periodic task and the on-commit nudge both call this)."""
    counts = {"delivered": 0, "retrying": 0, "gave_up": 0}
    for pk in due_ids(limit):
        status = deliver(pk)
        if status in counts:
            counts[status] += 1
    return counts
