"""Contract pages: list (with "ends within 90 days"), detail with the covered devices and days
left, add/edit (devices by sicil no), history, Excel export."""

from django.core.exceptions import PermissionDenied, ValidationError

from bilge.assets.filters.contracts import ContractFilterSet
from bilge.assets.forms.contracts import ContractForm
from bilge.assets.models import Contract
from bilge.assets.services import contracts as services
from bilge.assets.tables.contracts import contract_table
from bilge.web.generic import ModelUI

DEVICES_SHOWN = 200


class ContractUI(ModelUI):
    model = Contract
    namespace = "assets"
    url_prefix = "contracts"
    filterset = ContractFilterSet
    form = ContractForm
    table = contract_table
    detail_template = "assets/contract_detail.html"
    detail_fields = ("institution", "number", "title", "kind", "vendor", "vendor_phone", "vendor_email",
                     "start_date", "end_date", "response_terms", "cost", "procurement_ref", "unit", "responsible",
                     "notes")

    @classmethod
    def detail_context(cls, request, obj):
        devices = obj.devices.select_related("device_type", "model__manufacturer", "holder").order_by("sicil_no")
        return {"days_left": obj.days_left(), "active": obj.is_active(),
                "device_count": devices.count(), "devices": devices[:DEVICES_SHOWN],
                "licences": obj.licences.select_related("software")}

    @classmethod
    def save_form(cls, request, form, creating):
        obj = form.save(commit=False)
        try:
            return services.save_contract(request.user, obj, form.devices)
        except PermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                raise
            raise ValidationError(exc.messages) from exc


UIS = [ContractUI]
urlpatterns = []


