"""Base serializers: fields built once per class and cloned for each instance, related choices
limited to what the user may see, and the model's own ``clean()`` rules applied, so the API
accepts exactly what the web forms accept."""

import copy

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

# The largest id a request may name: JavaScript's safe-integer limit. Ids are BigAutoField, and an
# explicit bound keeps the schema the same on SQLite and PostgreSQL.
MAX_ID = 2**53 - 1


def id_field(**kwargs):
    """An integer field for a record's id."""
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def _clone(field):
    # One serializer instance's own copy of a field: a new object with the field's attributes. DRF
    # deep-copies instead, running __init__ again with deep-copied arguments: most of the time of
    # a ticket's API answer. DRF itself treats validators as shared; every attribute Bilge sets on
    # a field (queryset, required) is set on the copy. Fields inside a field (a list's child, a
    # many-related field's child) get their own copy too; nested serializers are deep-copied.
    if isinstance(field, serializers.BaseSerializer):
        return copy.deepcopy(field)
    new = object.__new__(type(field))
    new.__dict__.update(field.__dict__)
    for name in ("child", "child_relation"):
        inner = field.__dict__.get(name)
        if inner is not None:
            inner = _clone(inner)
            inner.parent = new  # already bound to the field's name ("") when the field was built
            new.__dict__[name] = inner
    return new


class ClonedFieldsMixin:
    # A serializer's fields depend only on its class (DRF builds a model serializer's from the
    # model on every instance, and deep-copies declared ones): build them once per class and give
    # each instance clones. (A comment, not a docstring: the schema would give it as the
    # description of every serializer.)

    def get_fields(self):
        cls = type(self)
        built = cls.__dict__.get("_built_fields")
        if built is None:
            built = super().get_fields()
            cls._built_fields = built
        return {name: _clone(field) for name, field in built.items()}


# Field classes whose to_representation reads only the value and the field's own settings (never
# the serializer, the request or other state): one bound set of them can serve every instance.
_PURE_OUTPUT = frozenset({
    serializers.BigIntegerField, serializers.BooleanField, serializers.CharField, serializers.ChoiceField,
    serializers.DateField, serializers.DateTimeField, serializers.DecimalField, serializers.EmailField,
    serializers.FloatField, serializers.IntegerField, serializers.JSONField, serializers.PrimaryKeyRelatedField,
    serializers.ReadOnlyField, serializers.SlugField, serializers.URLField, serializers.UUIDField,
})


def _shared_output_fields(cls):
    # The readable fields of a model serializer that neither changes its fields per instance (no
    # get_fields of its own) nor has a field needing more than the value, bound once for the class:
    # writing out a record then costs no copy of its fields. None for the others.
    if "_output_fields" not in cls.__dict__:
        shared = None
        if cls.get_fields is ClonedFieldsMixin.get_fields:
            try:
                fields = [f for f in cls(context={}).fields.values() if not f.write_only]
            except Exception:  # noqa: BLE001 - a serializer that needs more to be made: the usual way
                fields = [None]
            if all(type(f) in _PURE_OUTPUT for f in fields):
                shared = tuple(fields)
        cls._output_fields = shared
    return cls._output_fields


class ModelSerializer(ClonedFieldsMixin, serializers.ModelSerializer):
    # (Comments, not docstrings: the schema would show them.) Writing out a record uses the fields
    # bound once per class when they allow it (see _shared_output_fields).

    @property
    def _readable_fields(self):
        shared = _shared_output_fields(type(self)) if "fields" not in self.__dict__ else None
        return shared if shared is not None else super()._readable_fields


class Serializer(ClonedFieldsMixin, serializers.Serializer):
    pass


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
