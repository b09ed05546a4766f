"""Installed base 安装记录/产品档案: devices with warranty, their BOM instance, ERP shipments and
warranty-expiry alerts."""

import uuid
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from xiuhao.core import constraints
from xiuhao.core.fields import latitude_field, longitude_field
from xiuhao.core.models import OwnedModel, TimeStampedModel
from xiuhao.core.moves import REASON_REQUIRED, Move, ReasonForm, Refusal, StateMachine
from xiuhao.core.scope import ScopedManager, ScopedQuerySet, ScopeFields


class DeviceQuerySet(ScopedQuerySet):
    def serviceable(self):
        """Devices that may be chosen for service: every device picker uses this (an invalid
        device — scrapped, returned, wrongly registered — never gets a new request)."""
        return self.filter(status=Device.Status.REGISTERED)

    def for_choices(self, user):
        """Pickers (forms, autocompletes) offer serviceable devices only."""
        return super().for_choices(user).serviceable()


class Device(OwnedModel):
    """A device sold and installed at a customer's site."""

    class WarrantyKind(models.TextChoices):
        MANUFACTURER = "manufacturer", _("Manufacturer warranty")  # 厂家保修
        CONTRACT = "contract", _("Contract warranty")  # 合同保修
        REPAIR = "repair", _("Repair warranty")  # 维修保修: after a paid repair
        OUT = "out", _("Out of warranty")  # 保外

    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")  # may be chosen for service
        INVALID = "invalid", _("Invalid")  # scrapped, returned or wrong: cannot be chosen for service

    moves = StateMachine(
        Move("set-invalid", _("Set invalid"), sources=[Status.REGISTERED], target=Status.INVALID, form=ReasonForm,
             danger=True, intro=_("An invalid device can no longer be chosen for service."),
             refusals=[REASON_REQUIRED]),
        Move("restore", _("Restore"), sources=[Status.INVALID], target=Status.REGISTERED, form=ReasonForm,
             refusals=[REASON_REQUIRED]),
    )

    class Source(models.TextChoices):
        MANUAL = "manual", _("Entered by hand")
        IMPORT = "import", _("Imported")
        SHIPMENT = "shipment", _("ERP shipment")
        REQUEST = "request", _("Service request")

    serial = models.CharField(_("serial number"), max_length=100, unique=True)
    lot = models.CharField(_("lot number"), max_length=100, blank=True)
    product_model = models.ForeignKey("catalog.ProductModel", verbose_name=_("product model"),
                                      on_delete=models.PROTECT, related_name="devices")
    customer = models.ForeignKey("customers.Customer", verbose_name=_("customer"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="devices")
    address = models.ForeignKey("customers.Address", verbose_name=_("site"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="devices")
    region = models.ForeignKey("org.Region", verbose_name=_("region"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    lat = latitude_field()
    lng = longitude_field()
    install_date = models.DateField(_("install date"), null=True, blank=True)
    installed_by = models.ForeignKey("org.User", verbose_name=_("installed by"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    warranty_start = models.DateField(_("warranty start"), null=True, blank=True)
    warranty_end = models.DateField(_("warranty end"), null=True, blank=True, db_index=True)
    warranty_kind = models.CharField(_("warranty type"), max_length=20, choices=WarrantyKind.choices,
                                     default=WarrantyKind.MANUFACTURER)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.REGISTERED)
    invalid_reason = models.CharField(_("reason invalid"), max_length=255, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.MANUAL)
    order_no = models.CharField(_("sales order no."), max_length=50, blank=True)
    shipped_on = models.DateField(_("shipped on"), null=True, blank=True)
    outlet = models.ForeignKey("org.Outlet", verbose_name=_("serving outlet"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="devices")
    qr_token = models.UUIDField(_("QR token"), default=uuid.uuid4, unique=True, editable=False)
    remark = models.TextField(_("remark"), blank=True)

    objects = models.Manager.from_queryset(DeviceQuerySet)()
    scope_fields = ScopeFields(branch="branch", department="department", owner="customer__owner",
                               outlet="outlet")

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        ordering = ["-id"]
        permissions = [("export_device", _("Can export devices")), ("import_device", _("Can import devices")),
                       ("print_labels_device", _("Can print device QR labels"))]
        constraints = [
            constraints.CheckConstraint(
                condition=models.Q(warranty_end__isnull=True) | models.Q(warranty_start__isnull=True)
                | models.Q(warranty_end__gte=models.F("warranty_start")),
                name="device_warranty_period",
            field="warranty_end", message=_("The warranty cannot end before it starts.")),
        ]

    def clean(self):
        super().clean()
        errors = constraints.past_dates(self, "install_date", "shipped_on")
        if errors:
            raise ValidationError(errors)

    def __str__(self):
        return self.serial

    @property
    def warranty_state(self):
        """"active", "expiring" (within 30 days), "expired" or "none" — for badges in lists."""
        from django.utils import timezone

        if self.warranty_end is None:
            return "none"
        left = (self.warranty_end - timezone.localdate()).days
        return "expired" if left < 0 else "expiring" if left <= 30 else "active"


class DevicePart(TimeStampedModel):
    """A part fitted in a device: the device's own BOM instance, copied from its model's BOM and
    updated when a service report replaces a part."""

    class Status(models.TextChoices):
        FITTED = "fitted", _("Fitted")
        REMOVED = "removed", _("Removed")

    class Refusals:
        ALREADY_REMOVED = Refusal("device_part_already_removed", _("This part has already been removed."))
        ALREADY_REPLACED = Refusal("device_part_already_replaced",
                                   _("This part has already been removed or replaced."))

    device = models.ForeignKey(Device, verbose_name=_("device"), on_delete=models.CASCADE, related_name="parts")
    parent = models.ForeignKey("self", verbose_name=_("parent line"), null=True, blank=True,
                               on_delete=models.CASCADE, related_name="children")
    part = models.ForeignKey("catalog.Part", verbose_name=_("part"), on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3, default=Decimal("1"),
                                   validators=[MinValueValidator(Decimal("0.001"))])
    part_serial = models.CharField(_("part serial number"), max_length=100, blank=True)
    position = models.CharField(_("position"), max_length=50, blank=True)
    fitted_on = models.DateField(_("fitted on"), null=True, blank=True)
    removed_on = models.DateField(_("removed on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.FITTED)

    objects = ScopedManager()
    scope_fields = ScopeFields.via("device")

    class Meta:
        verbose_name = _("device part")
        verbose_name_plural = _("device parts")
        ordering = ["device", "id"]
        permissions = [("export_devicepart", _("Can export device parts"))]
        constraints = [constraints.CheckConstraint(condition=models.Q(quantity__gt=0), name="devicepart_quantity_positive",
            field="quantity", message=_("The quantity must be greater than zero."))]

    def clean(self):
        super().clean()
        errors = constraints.past_dates(self, "fitted_on", "removed_on")
        if self.part_id:
            errors.update(constraints.whole_quantity(self.quantity, self.part.unit))
        if errors:
            raise ValidationError(errors)

    def __str__(self):
        return f"{self.part} × {self.quantity}"


class Shipment(TimeStampedModel):
    """An ERP shipment line 出库记录: which serial went to which customer on which order."""

    serial = models.CharField(_("serial number"), max_length=100, db_index=True)
    product_code = models.CharField(_("model code"), max_length=50, blank=True)
    customer_code = models.CharField(_("customer code"), max_length=30, blank=True)
    customer_name = models.CharField(_("customer name"), max_length=200, blank=True)
    order_no = models.CharField(_("sales order no."), max_length=50)
    shipped_on = models.DateField(_("shipped on"))
    warehouse = models.CharField(_("warehouse"), max_length=100, blank=True)
    device = models.ForeignKey(Device, verbose_name=_("device"), null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="shipments")
    branch = models.ForeignKey("org.Branch", verbose_name=_("branch"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")

    objects = ScopedManager()
    scope_fields = ScopeFields(branch="branch", department=None, owner=None, outlet="device__outlet")

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["-shipped_on", "-id"]
        permissions = [("export_shipment", _("Can export shipments")),
                       ("import_shipment", _("Can import shipments"))]
        constraints = [constraints.UniqueConstraint(fields=["serial", "order_no"], name="shipment_serial_order_unique",
            field="serial", message=_("This serial number is already recorded for this order."))]

    def clean(self):
        super().clean()
        errors = constraints.past_dates(self, "shipped_on")
        if errors:
            raise ValidationError(errors)

    def __str__(self):
        return f"{self.serial} {self.order_no}"


class WarrantyAlert(models.Model):
    """A warranty-expiry alert sent for one device, threshold and warranty end. The unique
    constraint makes the periodic job send each alert exactly once, even when it runs twice; a
    new warranty end (an extension) arms the thresholds again."""

    device = models.ForeignKey(Device, verbose_name=_("device"), on_delete=models.CASCADE,
                               related_name="warranty_alerts")
    days_before = models.PositiveSmallIntegerField(_("days before expiry"))
    warranty_end = models.DateField(_("warranty end"))
    recipient = models.ForeignKey("org.User", verbose_name=_("recipient"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    objects = ScopedManager()
    scope_fields = ScopeFields.via("device")

    class Meta:
        verbose_name = _("warranty alert")
        verbose_name_plural = _("warranty alerts")
        ordering = ["-created_at"]
        permissions = [("export_warrantyalert", _("Can export warranty alerts"))]
        constraints = [constraints.UniqueConstraint(fields=["device", "days_before", "warranty_end"],
                                               name="warrantyalert_once",
            message=_("This warranty alert was already sent."))]

    def __str__(self):
        return f"{self.device} −{self.days_before}d"
