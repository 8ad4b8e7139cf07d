"""Forms of warehouses, stock items, stock levels and the Varlık İşlem Fişi entry (receipt, issue,
transfer, return). The rules themselves are in bilge.assets.services.stock and the models' clean()."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from bilge.assets.models import Device, DeviceModel, Movement, StockItem, StockLevel, Warehouse
from bilge.core.models import Person, Unit
from bilge.web.forms import BilgeModelForm
from bilge.web.widgets import AutocompleteSelect

LINE_ROWS = 6


class WarehouseForm(BilgeModelForm):
    class Meta:
        model = Warehouse
        fields = ["institution", "code", "name", "unit", "location", "kayit_officer", "kontrol_officer"]
        widgets = {"kayit_officer": AutocompleteSelect("core:person_autocomplete"),
                   "kontrol_officer": AutocompleteSelect("core:person_autocomplete")}


class StockItemForm(BilgeModelForm):
    class Meta:
        model = StockItem
        fields = ["institution", "code", "name", "kind", "tasinir_code", "measure", "reorder_level", "fits"]


class StockLevelForm(BilgeModelForm):
    """A warehouse's own reorder level of an item; the quantity changes only through movements."""

    class Meta:
        model = StockLevel
        fields = ["warehouse", "item", "reorder_level"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["warehouse"].disabled = True
            self.fields["item"].disabled = True


def counterparts(user):
    """(units, people) a movement may go to or come from: the current units and people of the
    user's institution (the IT department serves every unit, whatever its own view of the
    organization)."""
    from bilge.core.permissions import person_of

    person = person_of(user)
    if person is None:
        if getattr(user, "is_superuser", False):
            return Unit.objects.filter(archived_at__isnull=True), Person.objects.current()
        return Unit.objects.none(), Person.objects.none()
    return (Unit.objects.filter(institution_id=person.institution_id, archived_at__isnull=True),
            Person.objects.current().filter(institution_id=person.institution_id))


def _styled(field, css="form-control"):
    field.widget.attrs.setdefault("class", css)
    return field


class MovementForm(forms.Form):
    """The header of a movement, with the fields its kind needs, and LINE_ROWS lines below it.
    A line is a stock item with its quantity, or a device by its sicil no; an issued toner may name
    the printer it is for; a receipt line may register a new device (model and serial)."""

    FIELDS = {
        Movement.Kind.RECEIPT: ("warehouse", "date", "supplier", "invoice_no", "procurement_ref", "note"),
        Movement.Kind.ISSUE: ("warehouse", "date", "ticket", "order_ref", "to_unit", "to_person", "note"),
        Movement.Kind.TRANSFER: ("warehouse", "date", "to_warehouse", "note"),
        Movement.Kind.RETURN: ("warehouse", "date", "from_unit", "from_person", "note"),
    }
    LINE_FIELDS = {
        Movement.Kind.RECEIPT: ("item", "quantity", "unit_price", "device_model", "serial"),
        Movement.Kind.ISSUE: ("item", "quantity", "for_device", "device"),
        Movement.Kind.TRANSFER: ("item", "quantity", "device"),
        Movement.Kind.RETURN: ("item", "quantity", "device"),
    }

    warehouse = forms.ModelChoiceField(queryset=Warehouse.objects.none(), label=_("warehouse"))
    date = forms.DateField(label=_("date"), required=False, help_text=_("Empty: today."),
                           input_formats=["%d.%m.%Y", "%Y-%m-%d"])
    supplier = forms.CharField(label=_("supplier"), max_length=200, required=False)
    invoice_no = forms.CharField(label=_("invoice number"), max_length=60, required=False)
    procurement_ref = forms.CharField(label=_("procurement reference"), max_length=100, required=False)
    ticket = forms.ModelChoiceField(queryset=None, required=False, label=_("approved request"),
                                    help_text=_("The approved hardware or material request the issue rests on."))
    order_ref = forms.CharField(label=_("written order"), max_length=200, required=False,
                                help_text=_("Only when there is no approved request: the manager's written order "
                                            "(number, date, by whom)."))
    to_unit = forms.ModelChoiceField(queryset=Unit.objects.none(), required=False, label=_("to unit"),
                                     help_text=_("Empty: the requester's unit."))
    to_person = forms.ModelChoiceField(queryset=Person.objects.none(), required=False, label=_("to person"),
                                       widget=AutocompleteSelect("assets:stock_person_autocomplete"))
    to_warehouse = forms.ModelChoiceField(queryset=Warehouse.objects.none(), required=False,
                                          label=_("to warehouse"))
    from_unit = forms.ModelChoiceField(queryset=Unit.objects.none(), required=False, label=_("from unit"))
    from_person = forms.ModelChoiceField(queryset=Person.objects.none(), required=False, label=_("from person"),
                                         widget=AutocompleteSelect("assets:stock_person_autocomplete"))
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, kind, user, **kwargs):
        super().__init__(*args, **kwargs)
        from bilge.assets.services.stock import approved_requests
        from bilge.servicedesk.models import Ticket

        self.kind, self.user = kind, user
        warehouses = Warehouse.objects.visible_to(user, "add", "assets").filter(archived_at__isnull=True)
        self.fields["warehouse"].queryset = warehouses
        self.fields["to_warehouse"].queryset = Warehouse.objects.visible_to(user, "view").filter(
            archived_at__isnull=True)
        units, people = counterparts(user)
        self.fields["to_unit"].queryset = self.fields["from_unit"].queryset = units.order_by("name")
        self.fields["to_person"].queryset = self.fields["from_person"].queryset = people
        open_requests = approved_requests(user).filter(status__in=Ticket.QUEUE_STATUSES).order_by("-id")
        ids = list(open_requests.values_list("pk", flat=True)[:300])
        self.fields["ticket"].queryset = Ticket.objects.filter(pk__in=ids).select_related("requester").order_by("-id")
        self.fields["ticket"].label_from_instance = lambda t: f"{t.number} {t.title} — {t.requester.full_name}"
        for name in list(self.fields):
            if name not in self.FIELDS[kind]:
                del self.fields[name]
        for field in self.fields.values():
            if not isinstance(field.widget, AutocompleteSelect):
                _styled(field, "form-select" if isinstance(field.widget, forms.Select) else "form-control")
        if "date" in self.fields:
            self.fields["date"].widget.attrs.update({"placeholder": _("dd.mm.yyyy"), "inputmode": "numeric"})
        items = StockItem.objects.visible_to(user, "view").filter(archived_at__isnull=True)
        self.line_fields = self.LINE_FIELDS[kind]
        self.rows = []
        for index in range(LINE_ROWS):
            row = {}
            for name in self.line_fields:
                key = f"line-{index}-{name}"
                if name == "item":
                    field = forms.ModelChoiceField(queryset=items, required=False, label=_("stock item"))
                elif name == "quantity":
                    field = forms.IntegerField(min_value=1, max_value=1_000_000, required=False, label=_("quantity"))
                elif name == "unit_price":
                    field = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False,
                                               label=_("unit price"))
                elif name == "device_model":
                    field = forms.ModelChoiceField(queryset=DeviceModel.objects.filter(archived_at__isnull=True)
                                                   .select_related("manufacturer"), required=False,
                                                   label=_("new device: model"))
                elif name == "serial":
                    field = forms.CharField(max_length=100, required=False, label=_("serial number"))
                else:  # device, for_device: typed sicil numbers (a select of every device would not scale)
                    field = forms.CharField(max_length=50, required=False,
                                            label=_("device (sicil no)") if name == "device"
                                            else _("for printer (sicil no)"))
                _styled(field, "form-select" if isinstance(field.widget, forms.Select) else "form-control")
                field.widget.attrs["data-testid"] = key
                self.fields[key] = field
                row[name] = key
            self.rows.append(row)

    def line_rows(self):
        """[(row number, [bound fields])] for the template."""
        return [(index + 1, [self[key] for key in row.values()]) for index, row in enumerate(self.rows)]

    def line_labels(self):
        return [self.fields[key].label for key in self.rows[0].values()]

    def _device(self, sicil_no: str, key: str):
        device = Device.objects.visible_to(self.user, "view").filter(sicil_no=sicil_no.strip()).first()
        if device is None:
            self.add_error(key, _("No device with the sicil no %(sicil)s.") % {"sicil": sicil_no})
        return device

    def clean(self):
        cleaned = super().clean()
        lines = []
        for index, row in enumerate(self.rows, start=1):
            value = {name: cleaned.get(key) for name, key in row.items()}
            if not any(v not in (None, "") for v in value.values()):
                continue
            line = {"quantity": value.get("quantity") or 1, "unit_price": value.get("unit_price")}
            if value.get("item") and (value.get("device") or value.get("device_model")):
                self.add_error(row["item"], _("Line %(n)s: choose either a stock item or a device.") % {"n": index})
                continue
            if value.get("device"):
                line["device"] = self._device(value["device"], row["device"])
            elif value.get("device_model"):
                model = value["device_model"]
                line["device"] = Device(device_type=model.device_type, model=model,
                                        serial=(value.get("serial") or "").strip())
                line["quantity"] = 1
            elif value.get("item"):
                line["item"] = value["item"]
                if not value.get("quantity"):
                    self.add_error(row["quantity"], _("How many?"))
            else:
                self.add_error(row.get("item", next(iter(row.values()))),
                               _("Line %(n)s: choose a stock item or a device.") % {"n": index})
                continue
            if value.get("for_device"):
                line["for_device"] = self._device(value["for_device"], row["for_device"])
            lines.append(line)
        if not lines and not self.errors:
            raise ValidationError(_("Add at least one line."))
        cleaned["lines"] = lines
        return cleaned
