"""Base viewsets: the queryset comes from ``visible_to``, writes are scope-checked after
validation (a record cannot be moved out of the writer's scope), and delegation is recorded."""

from django.db import transaction
from rest_framework import viewsets
from rest_framework.exceptions import PermissionDenied

from bilge.core import audit
from bilge.core.permissions import authorize

ACTION_BY_METHOD = {"GET": "view", "HEAD": "view", "OPTIONS": "view", "POST": "add", "PUT": "change",
                    "PATCH": "change", "DELETE": "delete"}


class AuditedAPIMixin:
    """Token authentication happens inside the view, after the middleware set the audit context:
    name the authenticated user for the writes of this request."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        user = request.user
        if user is not None and user.is_authenticated:
            self._audit_token = audit.set_context(user_id=user.pk, user_label=audit.user_label(user))

    def finalize_response(self, request, response, *args, **kwargs):
        token = getattr(self, "_audit_token", None)
        if token is not None:
            audit.reset_context(token)
            self._audit_token = None
        return super().finalize_response(request, response, *args, **kwargs)


class BilgeViewSetMixin(AuditedAPIMixin):
    select_related: tuple = ()
    ordering: tuple = ("pk",)
    # An extra action may name the module right it needs (default: by HTTP method).
    required_action: str | None = None

    def get_queryset(self):
        model = self.queryset.model
        action = ACTION_BY_METHOD.get(self.request.method, "change")
        if action == "add":
            action = "view"
        qs = model.objects.visible_to(self.request.user, action)
        if self.select_related:
            qs = qs.select_related(*self.select_related)
        return qs.order_by(*self.ordering)

    def filter_queryset(self, queryset):
        # Filters (including "archived: no" by default) narrow lists; a record's own route finds it
        # whether archived or not.
        if getattr(self, "action", None) not in (None, "list"):
            return queryset
        return super().filter_queryset(queryset)

    def _checked_save(self, serializer, action):
        instance = serializer.instance
        model = self.queryset.model
        candidate = instance if instance is not None else model()
        for name, value in serializer.validated_data.items():
            field = next((f for f in model._meta.concrete_fields if f.name == name), None)
            if field is not None:
                setattr(candidate, field.attname if field.is_relation else name,
                        value.pk if field.is_relation and value is not None else value)
        allowed, principal = authorize(self.request.user, action, candidate)
        if not allowed:
            raise PermissionDenied()
        with transaction.atomic(), audit.acting_for(self.request.user, principal):
            if instance is None:
                serializer.instance = None
            serializer.save()

    def perform_create(self, serializer):
        self._checked_save(serializer, "add")

    def perform_update(self, serializer):
        self._checked_save(serializer, "change")

    def perform_destroy(self, instance):
        from bilge.core.services import archive

        if hasattr(instance, "archive"):
            archive(instance, self.request.user, "API")
        else:
            instance.delete()


class ModelViewSet(BilgeViewSetMixin, viewsets.ModelViewSet):
    pass


class ReadOnlyModelViewSet(BilgeViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass
