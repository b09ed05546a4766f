"""Registry declarations of the installed base: devices (with BOM, repair history and shipment
tabs, status and label actions), device parts, ERP shipments and warranty alerts."""

import django_filters
from django.urls import path
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from xiuhao.core import audit
from xiuhao.core.filtersets import ScopedFilterSet
from xiuhao.core.registry import Action, ModelConfig, Tab, register, registry
from xiuhao.customers.models import Address
from xiuhao.org.regions import RegionFilter

from . import selectors, services, views, workbench  # noqa: F401  (workbench: the start page card)
from .forms import DEVICE_FORM_FIELDS, DeviceForm, ShipmentForm
from .importing import DeviceImportPipeline, ShipmentImportPipeline
from .models import Device, DevicePart, Shipment, WarrantyAlert

registry.section("assets", _("Installed base"), "devices", 40)

# What the operation log and history tabs call this app's audit verbs (moves name their own).
audit.verb_labels({**{verb: selectors.HISTORY_TITLES[verb] for verb in ("part_add", "part_remove", "part_replace",
                                                                       "shipment")},
                   "assets.device_labels": _("QR labels")})
DATE_RANGE = django_filters.widgets.RangeWidget(attrs={"type": "date"})


class DeviceFilterSet(ScopedFilterSet):
    search_fields = ("serial", "lot", "order_no", "customer__name", "customer__code")
    region = RegionFilter(field_name="region", label=_("region"))
    warranty_end = django_filters.DateFromToRangeFilter(label=_("warranty end"), widget=DATE_RANGE)

    class Meta:
        model = Device
        fields = ["status", "warranty_kind", "product_model", "customer", "region", "source", "warranty_end"]


@register
class DeviceConfig(ModelConfig):
    model = Device
    menu = "assets"
    menu_order = 10
    icon = "devices"
    list_fields = ["serial", "product_model", "customer", "install_date", "warranty_end", "warranty_kind", "status"]
    search_fields = list(DeviceFilterSet.search_fields)
    filter_fields = DeviceFilterSet.Meta.fields
    form_fields = DEVICE_FORM_FIELDS
    detail_fields = ["serial", "lot", "product_model", "customer", "address", "region", "lat", "lng", "install_date",
                     "installed_by", "warranty_start", "warranty_end", "warranty_kind", "status", "invalid_reason",
                     "source", "order_no", "shipped_on", "outlet", "branch", "remark"]
    export_fields = ["serial", "lot", "product_model", "customer", "address", "install_date", "warranty_start",
                     "warranty_end", "warranty_kind", "status", "source", "order_no", "shipped_on", "outlet",
                     "branch"]
    import_fields = ["serial", "lot", "product_model", "customer", "address", "install_date", "warranty_start",
                     "warranty_end", "warranty_kind", "status", "order_no", "shipped_on", "remark"]
    select_related = ["product_model", "customer"]
    natural_key = "serial"
    import_pipeline = DeviceImportPipeline  # the fast path: set-wise checks, bulk writes
    filterset_class = DeviceFilterSet
    form_class = DeviceForm
    tabs = [
        Tab("bom", _("BOM"), "assets/tabs/bom.html", views.bom_tab),
        Tab("repairs", _("Repair history"), "assets/tabs/repairs.html", views.repairs_tab),
        Tab("shipments", _("Shipments"), "assets/tabs/shipments.html", views.shipments_tab),
    ]
    actions = [
        Action("label", _("Print label"), views.device_label, permission="assets.print_labels_device"),
    ]

    @cached_property
    def table(self):
        from .tables import device_table

        return device_table(self)

    def create(self, *, actor, data):
        return services.device_create(actor=actor, data=data)

    def update(self, *, actor, obj, data):
        return services.device_update(actor=actor, obj=obj, data=data)

    def delete(self, *, actor, obj):
        return services.device_delete(actor=actor, obj=obj)

    def extra_urls(self):
        return [
            path("assets/device/labels/", views.print_labels, name="assets_device_labels"),
            path("assets/device/<int:pk>/parts/add/", views.part_add, name="assets_device_part_add"),
            path("assets/device/<int:pk>/parts/<int:line_pk>/replace/", views.part_replace,
                 name="assets_device_part_replace"),
            path("assets/device/<int:pk>/parts/<int:line_pk>/remove/", views.part_remove,
                 name="assets_device_part_remove"),
            path("assets/lookup/", views.lookup, name="assets_lookup"),
            path("assets/warranties-ending/", views.warranties_ending, name="assets_warranties_ending"),
            path("d/<uuid:token>/", views.qr_redirect, name="device_qr"),
        ]


@register
class DevicePartConfig(ModelConfig):
    """The device's BOM lines: read here; changed on the device's BOM tab through the services."""

    model = DevicePart
    menu = None
    list_fields = ["part", "device", "quantity", "position", "part_serial", "fitted_on", "removed_on", "status"]
    search_fields = ["device__serial", "part__code", "part__name", "part_serial"]
    filter_fields = ["status"]
    form_fields = []
    detail_fields = ["device", "parent", "part", "quantity", "position", "part_serial", "fitted_on", "removed_on",
                     "status"]
    select_related = ["part", "device", "parent__part"]
    deletable = False


@register
class ShipmentConfig(ModelConfig):
    model = Shipment
    menu = "assets"
    menu_order = 20
    icon = "truck-delivery"
    list_fields = ["serial", "order_no", "shipped_on", "product_code", "customer_code", "customer_name", "warehouse",
                   "device"]
    search_fields = ["serial", "order_no", "customer_code", "customer_name"]
    filter_fields = ["shipped_on", "warehouse"]
    form_fields = ShipmentForm.Meta.fields
    form_class = ShipmentForm
    select_related = ["device"]
    natural_key = "serial"  # with the order no.: ShipmentImportPipeline upserts by (serial, order no.)
    import_pipeline = ShipmentImportPipeline

    def create(self, *, actor, data):
        return services.shipment_create(actor=actor, data=data)

    def update(self, *, actor, obj, data):
        return services.shipment_update(actor=actor, obj=obj, data=data)


@register
class WarrantyAlertConfig(ModelConfig):
    """Warranty-expiry alerts sent by the daily job: a read-only, scoped record."""

    model = WarrantyAlert
    menu = None  # people work from the list of warranties ending (保修到期); this log is linked from it
    list_fields = ["device", "days_before", "warranty_end", "recipient", "created_at"]
    search_fields = ["device__serial"]
    filter_fields = ["days_before"]
    form_fields = []
    detail_fields = ["device", "days_before", "warranty_end", "recipient", "created_at"]
    select_related = ["device", "recipient"]
    deletable = False


# Device pickers search by serial and offer serviceable devices only (DeviceQuerySet.for_choices).
registry.choices_search(Device, ["serial"])
# The device form's site picker: a customer's sites are found by site, address or customer name
# (a <select> of every site does not scale past a few thousand customers).
if registry.search_fields_for_choices(Address) is None:
    registry.choices_search(Address, ["label", "address", "customer__name", "customer__code"])
registry.add_tab("customers.customer", Tab("devices", _("Devices"), "assets/tabs/customer_devices.html",
                                           views.customer_devices_tab, permission="assets.view_device"))
registry.menu_item("assets", _("S/N look-up"), "assets_lookup", order=15, perm="assets.view_device")
registry.menu_item("assets", _("Warranties ending"), "assets_warranties_ending", order=30, perm="assets.view_device")
registry.message_kind("warranty_expiry", _("Warranty expiry"))
