"""API of disposals: read here; proposed, given a committee, decided, given wiping evidence and
completed only through the actions, which call the same services as the web pages."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from bilge.api.serializers import ModelSerializer, Serializer, id_field
from bilge.api.viewsets import ReadOnlyModelViewSet
from bilge.assets.filters.disposal import DisposalFilterSet
from bilge.assets.forms.disposal import institution_people
from bilge.assets.models import Device, Disposal, Warehouse
from bilge.assets.services import disposal as services


class DisposalItemSerializer(Serializer):
    id = serializers.IntegerField()
    device = serializers.IntegerField(source="device_id")
    sicil_no = serializers.CharField(source="device.sicil_no")
    stores_data = serializers.BooleanField(source="device.device_type.stores_data")
    wipe_method = serializers.CharField()
    wipe_evidence = serializers.CharField()
    wiped_at = serializers.DateTimeField()
    wiped_by = serializers.IntegerField(source="wiped_by_id")


class DisposalMemberSerializer(Serializer):
    person = serializers.IntegerField(source="person_id")
    is_chair = serializers.BooleanField()
    is_expert = serializers.BooleanField()


class DisposalSerializer(ModelSerializer):
    items = DisposalItemSerializer(many=True, read_only=True)
    members = DisposalMemberSerializer(many=True, read_only=True)

    class Meta:
        model = Disposal
        fields = ["id", "number", "institution", "warehouse", "state", "reason", "method", "decision_date",
                  "decision_no", "decision_note", "proposed_by", "completed_at", "movement", "items", "members",
                  "created_at"]
        read_only_fields = fields


class DisposalProposeSerializer(Serializer):
    devices = serializers.ListField(child=id_field(), min_length=1, max_length=1000, help_text="Device ids.")
    reason = serializers.CharField()
    method = serializers.ChoiceField(choices=Disposal.Method.choices, default=Disposal.Method.SCRAP)
    warehouse = id_field(required=False)


class DisposalMemberInSerializer(Serializer):
    person = id_field()
    is_chair = serializers.BooleanField(default=False)
    is_expert = serializers.BooleanField(default=False)


class DisposalCommitteeSerializer(Serializer):
    members = DisposalMemberInSerializer(many=True)


class DisposalDecisionSerializer(Serializer):
    approved = serializers.BooleanField()
    decision_date = serializers.DateField()
    decision_no = serializers.CharField(max_length=60)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class DisposalWipingSerializer(Serializer):
    item = id_field(help_text="The disposal item's id.")
    method = serializers.CharField(max_length=200)
    evidence = serializers.CharField(max_length=300)
    wiped_by = id_field(help_text="The person's id.")


class DisposalViewSet(ReadOnlyModelViewSet):
    queryset = Disposal.objects.all()
    serializer_class = DisposalSerializer
    filterset_class = DisposalFilterSet
    ordering = ("-id",)

    def get_queryset(self):
        return super().get_queryset().prefetch_related("items__device__device_type", "members")

    def _reply(self, disposal, code=status.HTTP_200_OK):
        return Response(DisposalSerializer(self.get_queryset().get(pk=disposal.pk)).data, status=code)

    @extend_schema(request=DisposalProposeSerializer, responses={201: DisposalSerializer})
    def create(self, request):
        """Propose devices for disposal (they become "awaiting disposal")."""
        data = DisposalProposeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v, user = data.validated_data, request.user
        devices = list(Device.objects.visible_to(user, "change").filter(pk__in=v["devices"]))
        if len(devices) != len(set(v["devices"])):
            return Response({"devices": ["A chosen device does not exist or is outside your scope."]},
                            status=status.HTTP_400_BAD_REQUEST)
        warehouse = (get_object_or_404(Warehouse.objects.visible_to(user), pk=v["warehouse"])
                     if v.get("warehouse") else None)
        disposal = services.propose(user, devices, v["reason"], v["method"], warehouse=warehouse)
        return self._reply(disposal, status.HTTP_201_CREATED)

    @extend_schema(request=DisposalCommitteeSerializer, responses=DisposalSerializer)
    @action(detail=True, methods=["post"], required_action="change")
    def committee(self, request, pk=None):
        """Set the committee: at least three people, exactly one chair, at least one expert."""
        disposal = get_object_or_404(self.get_queryset(), pk=pk)
        data = DisposalCommitteeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rows = data.validated_data["members"]
        people = institution_people(request.user).in_bulk([r["person"] for r in rows])
        if len(people) != len({r["person"] for r in rows}):
            return Response({"members": ["A person does not exist or is outside your scope."]},
                            status=status.HTTP_400_BAD_REQUEST)
        services.set_committee(request.user, disposal,
                               [(people[r["person"]], r["is_chair"], r["is_expert"]) for r in rows])
        return self._reply(disposal)

    @extend_schema(request=DisposalDecisionSerializer, responses=DisposalSerializer)
    @action(detail=True, methods=["post"], required_action="approve")
    def decide(self, request, pk=None):
        """Record the committee's decision (needs ``assets.approve``)."""
        disposal = get_object_or_404(self.get_queryset(), pk=pk)
        data = DisposalDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        services.decide(request.user, disposal, v["approved"], v["decision_date"], v["decision_no"], v["note"])
        return self._reply(disposal)

    @extend_schema(request=DisposalWipingSerializer, responses=DisposalSerializer)
    @action(detail=True, methods=["post"], required_action="change")
    def wiping(self, request, pk=None):
        """Record the wiping or destruction evidence of one device (guide measure 3.1.1.6)."""
        disposal = get_object_or_404(self.get_queryset(), pk=pk)
        data = DisposalWipingSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        item = get_object_or_404(disposal.items, pk=v["item"])
        person = get_object_or_404(institution_people(request.user), pk=v["wiped_by"])
        services.record_wiping(request.user, item, v["method"], v["evidence"], person)
        return self._reply(disposal)

    @extend_schema(request=None, responses=DisposalSerializer)
    @action(detail=True, methods=["post"], required_action="change")
    def complete(self, request, pk=None):
        """Mark the devices disposed (refused while a data-bearing device lacks wiping evidence)."""
        disposal = get_object_or_404(self.get_queryset(), pk=pk)
        services.complete(request.user, disposal)
        return self._reply(disposal)


ROUTES = [("disposals", DisposalViewSet)]
