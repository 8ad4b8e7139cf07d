"""Getting an API token: user name (or e-mail) and password, plus the TOTP code when the user
has two-factor sign-in or must have it, so tokens cannot bypass the second factor."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response

from bilge.core import audit
from bilge.core.middleware import requires_two_factor


class TokenRequestSerializer(AuthTokenSerializer):
    otp_token = serializers.CharField(label=_("Code"), required=False, allow_blank=True, write_only=True,
                                      help_text=_("The six-digit code of the authenticator app, when two-factor "
                                                  "sign-in is on for the account."))

    def validate(self, attrs):
        attrs = super().validate(attrs)
        user = attrs["user"]
        from django_otp import devices_for_user, match_token

        has_device = any(True for _ in devices_for_user(user, confirmed=True))
        if has_device or requires_two_factor(user):
            code = (attrs.get("otp_token") or "").strip().replace(" ", "")
            if not has_device:
                raise serializers.ValidationError(
                    {"otp_token": [_("Set up two-factor sign-in in the web interface first.")]}, code="authorization")
            if not code or match_token(user, code) is None:
                raise serializers.ValidationError(
                    {"otp_token": [_("The code is not correct or has expired.")]}, code="authorization")
        return attrs


class TokenView(ObtainAuthToken):
    serializer_class = TokenRequestSerializer

    @extend_schema(request=TokenRequestSerializer,
                   responses=inline_serializer("Token", {"token": serializers.CharField()}))
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        token, created = Token.objects.get_or_create(user=user)
        with audit.acting_as(user, source="api", ip=audit.current_context().ip):
            audit.record("login", user, {"method": "api token"})
        return Response({"token": token.key})
