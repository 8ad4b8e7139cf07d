"""Home, health, sign-in with the TOTP second step, and two-factor enrolment."""

import base64

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache

from bilge.core import audit
from bilge.core.permissions import has_module_perm, person_of
from bilge.web.auth_forms import LoginForm, TokenForm


class HomeView(View):
    def get(self, request):
        from bilge.core.models import Duty, Person, Unit

        user = request.user
        context = {"person": person_of(user)}
        if has_module_perm(user, "org", "view"):
            context.update(
                units=Unit.objects.visible_to(user).filter(archived_at__isnull=True).count(),
                people=Person.objects.visible_to(user).filter(archived_at__isnull=True).count(),
                duties=Duty.objects.visible_to(user).filter(archived_at__isnull=True).count(),
            )
        return render(request, "web/home.html", context)


@login_not_required
@never_cache
def health(request):
    """Database and task-queue status: 200 when both answer, 503 otherwise."""
    status = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        status["database"] = {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # report, do not crash
        status["database"] = {"ok": False, "error": exc.__class__.__name__}
    try:
        from huey.contrib.djhuey import HUEY

        pending = HUEY.pending_count()
        status["tasks"] = {"ok": True, "engine": type(HUEY).__name__, "pending": pending}
    except Exception as exc:
        status["tasks"] = {"ok": False, "error": exc.__class__.__name__}
    healthy = all(part["ok"] for part in status.values())
    return JsonResponse({"status": "ok" if healthy else "error", **status}, status=200 if healthy else 503)


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "web/login.html"
    redirect_authenticated_user = True


class TwoFactorView(View):
    """Second step: a TOTP code (or a backup code) from a confirmed device."""

    def get(self, request):
        return render(request, "web/two_factor.html", {"form": TokenForm(request.user)})

    def post(self, request):
        form = TokenForm(request.user, request.POST)
        if form.is_valid():
            from django_otp import login as otp_login

            otp_login(request, form.device)
            audit.record("two_factor", request.user, {"device": form.device.name})
            target = request.GET.get("next") or settings.LOGIN_REDIRECT_URL
            if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
                target = settings.LOGIN_REDIRECT_URL
            return redirect(target)
        return render(request, "web/two_factor.html", {"form": form}, status=400)


class TwoFactorSetupView(View):
    """Enrol a TOTP authenticator: show the QR code, confirm with a first code."""

    def _device(self, request):
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
        if device is None:
            device = TOTPDevice.objects.create(user=request.user, name="Bilge", confirmed=False)
        return device

    def get(self, request):
        device = self._device(request)
        return render(request, "web/two_factor_setup.html", self._context(device))

    def _context(self, device, form=None):
        import segno

        qr = segno.make(device.config_url, micro=False)
        svg = qr.svg_data_uri(scale=5)
        secret = base64.b32encode(device.bin_key).decode().rstrip("=")
        return {"qr": svg, "secret": secret, "form": form}

    def post(self, request):
        device = self._device(request)
        token = (request.POST.get("token") or "").strip().replace(" ", "")
        if token.isdigit() and device.verify_token(token):
            device.confirmed = True
            device.save()
            from django_otp import login as otp_login

            otp_login(request, device)
            messages.success(request, _("Two-factor sign-in is on for your account."))
            return redirect("home")
        messages.error(request, _("The code is not correct. Check the time on your phone and try again."))
        return render(request, "web/two_factor_setup.html", self._context(device), status=400)


class NotificationsView(View):
    """The user's own notifications; opening the page marks them read."""

    def get(self, request):
        from django.core.paginator import Paginator
        from django.utils import timezone

        from bilge.core.models import Notification

        mine = Notification.objects.filter(recipient=request.user)
        page = Paginator(mine, 30).get_page(request.GET.get("page"))
        rows = list(page.object_list)
        unread = [n.pk for n in rows if n.read_at is None]
        if unread:
            Notification.objects.filter(pk__in=unread).update(read_at=timezone.now())
        return render(request, "web/notifications.html", {"page": page, "rows": rows, "unread": set(unread)})
