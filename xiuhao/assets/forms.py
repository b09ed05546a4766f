"""Forms of the installed base: the device form (warranty fields may be left open for the
service's defaults) and the small forms of the BOM and status actions."""

from django import forms
from django.utils.translation import gettext_lazy as _

from xiuhao.core.forms import ScopedModelForm
from xiuhao.core.widgets import autocomplete_widget_for

from .models import Device, DevicePart, Shipment

DEVICE_FORM_FIELDS = ["serial", "lot", "product_model", "customer", "address", "install_date", "installed_by",
                      "warranty_start", "warranty_end", "warranty_kind", "outlet", "order_no", "shipped_on",
                      "remark"]
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DeviceForm(ScopedModelForm):
    class Meta:
        model = Device
        fields = DEVICE_FORM_FIELDS
        widgets = {"install_date": DATE, "warranty_start": DATE, "warranty_end": DATE, "shipped_on": DATE,
                   "remark": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kind = self.fields.get("warranty_kind")
        if kind is not None:
            kind.required = False
            kind.choices = [("", _("Automatic (by the warranty end)")), *Device.WarrantyKind.choices]
        hints = {
            "address": _("A site of the chosen customer; the device takes its region and coordinates."),
            "warranty_start": _("Empty: the install date, else the shipping date."),
            "warranty_end": _("Empty: the start plus the product model's warranty months."),
        }
        for name, hint in hints.items():
            if name in self.fields:
                self.fields[name].help_text = hint


class ShipmentForm(ScopedModelForm):
    class Meta:
        model = Shipment
        fields = ["serial", "product_code", "customer_code", "customer_name", "order_no", "shipped_on", "warehouse"]
        widgets = {"shipped_on": DATE}


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=255,
                             widget=forms.TextInput(attrs={"class": "form-control"}))


def _part_field(required=True, label=None):
    from xiuhao.catalog.models import Part

    field = forms.ModelChoiceField(queryset=Part.objects.all(), label=label or _("part"), required=required)
    field.widget = autocomplete_widget_for(field, "form-select") or forms.Select(attrs={"class": "form-select"})
    field.queryset = Part.objects.order_by("code")
    return field


class PartAddForm(forms.Form):
    quantity = forms.DecimalField(label=_("quantity"), min_value=0.001, max_digits=12, decimal_places=3,
                                  initial=1, widget=forms.NumberInput(attrs={"class": "form-control", "step": "any"}))
    part_serial = forms.CharField(label=_("part serial number"), max_length=100, required=False,
                                  widget=forms.TextInput(attrs={"class": "form-control"}))
    position = forms.CharField(label=_("position"), max_length=50, required=False,
                               widget=forms.TextInput(attrs={"class": "form-control"}))

    def __init__(self, *args, device, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {"part": _part_field(), **self.fields}
        self.fields["parent"] = forms.ModelChoiceField(
            queryset=DevicePart.objects.filter(device=device, status=DevicePart.Status.FITTED).select_related("part"),
            label=_("parent line"), required=False, widget=forms.Select(attrs={"class": "form-select"}))


class PartReplaceForm(forms.Form):
    part_serial = forms.CharField(label=_("serial number of the new part"), max_length=100, required=False,
                                  widget=forms.TextInput(attrs={"class": "form-control"}))
    on = forms.DateField(label=_("replaced on"), required=False, widget=forms.DateInput(
        attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {"new_part": _part_field(required=False, label=_("new part (empty: the same part)")),
                       **self.fields}


class PartRemoveForm(forms.Form):
    on = forms.DateField(label=_("removed on"), required=False, widget=forms.DateInput(
        attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"))
