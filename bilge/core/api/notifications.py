"""The current user's notification preferences: GET/PUT/PATCH /api/notification-preferences/me/.
There is no route to anyone else's preferences."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from bilge.api.serializers import Serializer
from bilge.api.viewsets import BilgeViewSetMixin
from bilge.core.models import NotificationPreference
from bilge.core.models.notification_settings import LANGUAGE_CHOICES
from bilge.core.notification_kinds import all_kinds
from bilge.core.notify import preference_for, save_preferences


class NotificationPreferenceSerializer(Serializer):
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES, required=False,
                                       help_text=_("Language of the user's notifications (tr or en)."))
    email = serializers.DictField(
        child=serializers.BooleanField(), required=False,
        help_text=_("Per notification kind, whether it is also e-mailed (the in-app notification always "
                    "appears). Writing only some kinds leaves the others as they are."))

    def validate_email(self, value):
        known = {kind.key for kind in all_kinds()}
        unknown = sorted(set(value) - known)
        if unknown:
            raise serializers.ValidationError(_("Unknown notification kinds: %(kinds)s. Known: %(known)s.")
                                              % {"kinds": ", ".join(unknown), "known": ", ".join(sorted(known))})
        return value

    def to_representation(self, pref):
        return {"language": pref.language, "email": {kind.key: pref.wants_email(kind) for kind in all_kinds()}}


class NotificationPreferenceViewSet(BilgeViewSetMixin, viewsets.GenericViewSet):
    queryset = NotificationPreference.objects.all()
    serializer_class = NotificationPreferenceSerializer
    permission_classes = [IsAuthenticated]  # every signed-in user, for their own preferences only

    def get_queryset(self):
        return NotificationPreference.objects.filter(user_id=self.request.user.pk)

    @extend_schema(request=NotificationPreferenceSerializer, responses=NotificationPreferenceSerializer)
    @action(detail=False, methods=["get", "put", "patch"], url_path="me")
    def me(self, request):
        """The signed-in user's notification language and e-mail choices per kind."""
        if request.method == "GET":
            return Response(self.get_serializer(preference_for(request.user)).data)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            pref = save_preferences(request.user, language=serializer.validated_data.get("language"),
                                    email=serializer.validated_data.get("email"))
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return Response(self.get_serializer(pref).data)
