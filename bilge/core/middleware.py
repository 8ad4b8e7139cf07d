"""Request middleware: the idle timeout of sessions, the audit context of each request, and
mandatory two-factor sign-in."""

import time
import uuid

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext

from bilge.core import audit


def client_ip(request) -> str | None:
    """The client's address. Behind our reverse proxy, the address the proxy appended to
    X-Forwarded-For (the last entry): earlier entries come from the client and can be forged."""
    if settings.BEHIND_PROXY:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if forwarded:
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR")


class IdleSessionMiddleware:
    """A session ends ``BILGE_SESSION_IDLE_MINUTES`` after its last request. Its expiry is moved on
    by saving it, at most once a minute (``REFRESH_SECONDS``): saving on every request would be a
    database write per page. Sits right after SessionMiddleware, which saves what is marked here.
    Requests without a session (API tokens) are left alone."""

    REFRESH_SECONDS = 60
    KEY = "_bilge_seen"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.session_key and not session.is_empty():
            now = int(time.time())
            if session.get(self.KEY, 0) <= now - self.REFRESH_SECONDS:
                session[self.KEY] = now
        return response


class AuditContextMiddleware:
    """Attributes every write made while handling a request to its user and address."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.id = uuid.uuid4().hex[:16]
        user = getattr(request, "user", None)
        authenticated = bool(user is not None and user.is_authenticated)
        source = "api" if request.path.startswith("/api/") else "web"
        with audit.audit_context(
            user_id=user.pk if authenticated else None,
            user_label=audit.user_label(user) if authenticated else "",
            on_behalf_of_id=None,
            on_behalf_of_label="",
            ip=client_ip(request),
            source=source,
            request_id=request.id,
        ):
            return self.get_response(request)


def requires_two_factor(user) -> bool:
    """IT staff and administrators must use TOTP when BILGE_2FA_REQUIRED is on."""
    if not settings.BILGE_2FA_REQUIRED or not user.is_authenticated:
        return False
    if user.is_superuser or user.is_staff:
        return True
    person = getattr(user, "person", None)
    return bool(person is not None and person.unit.is_it)


class TwoFactorMiddleware:
    """A user who has a TOTP device (or must have one) reaches nothing but the second step and
    sign-out until verified."""

    EXEMPT_PREFIXES = ("/static/", "/health/", "/i18n/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated and not request.path.startswith(self.EXEMPT_PREFIXES)
                and not user.is_verified()):
            allowed = {reverse("two_factor"), reverse("two_factor_setup"), reverse("logout")}
            if request.path not in allowed:
                from django_otp import devices_for_user

                has_device = any(True for _ in devices_for_user(user, confirmed=True))
                if (has_device or requires_two_factor(user)) and request.path.startswith("/api/"):
                    return JsonResponse({"detail": gettext("Two-factor verification required.")}, status=403)
                if has_device:
                    return redirect(f"{reverse('two_factor')}?next={request.get_full_path()}")
                if requires_two_factor(user):
                    return redirect("two_factor_setup")
        return self.get_response(request)


class LoginRequiredMiddleware(DjangoLoginRequired):
    """Every page needs a signed-in user, except those marked ``login_not_required``. The API
    answers for itself (401/403 in JSON; token authentication happens inside the API view)."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
