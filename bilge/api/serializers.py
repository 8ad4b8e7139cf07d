"""Base serializer: related choices limited to what the user may see, and the model's own
``clean()`` rules applied, so the API accepts exactly what the web forms accept."""

import copy

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

# The largest id a request may name: JavaScript's safe-integer limit. Ids are BigAutoField, and an
# explicit bound keeps the schema the same on SQLite and PostgreSQL.
MAX_ID = 2**53 - 1


def id_field(**kwargs):
    """An integer field for a record's id."""
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


class ModelSerializer(serializers.ModelSerializer):
    # DRF builds a model serializer's fields from the model on every instance (a third of the
    # time of a ticket's API answer). They depend only on the class: build them once per class and
    # hand each instance a copy, as DRF does with declared fields. (A comment, not a docstring:
    # the schema would give it as the description of every serializer.)

    def get_fields(self):
        cls = type(self)
        built = cls.__dict__.get("_built_fields")
        if built is None:
            built = super().get_fields()
            cls._built_fields = built
        return copy.deepcopy(built)


class VisibleRelatedMixin:
    # Related records named by id are looked up among those the caller may see. (A comment: a
    # docstring would become the schema's description of every serializer using it.)

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        user = getattr(request, "user", None)
        for field in fields.values():
            target = getattr(field, "child_relation", field)
            queryset = getattr(target, "queryset", None)
            if user is not None and queryset is not None and hasattr(queryset.model.objects, "visible_to"):
                target.queryset = queryset.model.objects.visible_to(user, "view")
        return fields


class BilgeModelSerializer(VisibleRelatedMixin, ModelSerializer):

    def validate(self, attrs):
        attrs = super().validate(attrs)
        model = self.Meta.model
        instance = copy.copy(self.instance) if self.instance is not None else model()
        m2m = {f.name for f in model._meta.many_to_many}
        for name, value in attrs.items():
            if name not in m2m:
                setattr(instance, name, value)
        try:
            instance.clean()
        except DjangoValidationError as exc:
            raise serializers.ValidationError(
                exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
            ) from exc
        return attrs


class KeptRelatedField(serializers.PrimaryKeyRelatedField):
    """A record of a small configuration table named by id, read from what each process keeps
    between changes (``bilge.core.configcache.instance``) instead of a query per request. Archived
    records are refused like missing ones. The model must be registered with configcache."""

    def __init__(self, related: tuple = (), **kwargs):
        self.related = tuple(related)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        from bilge.core import configcache

        if isinstance(data, bool) or not isinstance(data, (int, str)):
            self.fail("incorrect_type", data_type=type(data).__name__)
        obj = configcache.instance(self.queryset.model, data, self.related)
        if obj is None or getattr(obj, "is_archived", False):
            self.fail("does_not_exist", pk_value=data)
        return obj
