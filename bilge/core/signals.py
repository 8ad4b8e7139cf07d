"""Sign-ins, sign-outs, failures and lockouts land in the audit trail."""

from bilge.core import audit


def _ip(request):
    from bilge.core.middleware import client_ip

    return None if request is None else client_ip(request)


def on_login(sender, request, user, **kwargs):
    with audit.acting_as(user, ip=_ip(request)):
        audit.record("login", user, {})


def on_logout(sender, request, user, **kwargs):
    if user is not None:
        with audit.acting_as(user, ip=_ip(request)):
            audit.record("logout", user, {})


def on_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    with audit.audit_context(ip=_ip(request), user_id=None, user_label=username):
        audit.record("login_failed", object_type="auth.user", object_id="", object_repr=username,
                     changes={"username": username})


def on_lockout(sender, request, username, ip_address, **kwargs):
    with audit.audit_context(ip=ip_address, user_id=None, user_label=str(username or "")):
        audit.record("lockout", object_type="auth.user", object_id="", object_repr=str(username or ip_address),
                     changes={"username": username or "", "ip": ip_address})
