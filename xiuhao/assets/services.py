"""Writes of the installed base: devices with their warranty defaults and BOM instance, status
changes, part replacements and ERP shipments. Every function checks permission and data scope,
writes in one transaction and records the audit event there."""

import calendar
import datetime
import functools
from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xiuhao.catalog.selectors import bom_lines
from xiuhao.core import audit
from xiuhao.core.errors import ValidationFailed
from xiuhao.core.moves import REASON_REQUIRED, require_reason, transition
from xiuhao.core.services import (
    check_still_in_scope,
    integrity_failure,
    object_create,
    object_delete,
    object_update,
    require_perm,
    require_visible,
    stamp_ownership,
)

from .models import Device, DevicePart, Shipment


# -- warranty rules ------------------------------------------------------------------------------
def add_months(day, months):
    """`day` moved by whole months; the 31st becomes the last day of a shorter month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


@functools.lru_cache(maxsize=65536)  # pure; an import of 10^5 devices asks for a few thousand pairs
def warranty_end_for(start, months):
    """The last day of a warranty of `months` starting on `start` (inclusive: 12 months from
    2026-01-10 end on 2027-01-09)."""
    if start is None or not months:
        return None
    return add_months(start, months) - datetime.timedelta(days=1)


def default_warranty_kind(warranty_end, today=None):
    """Manufacturer warranty while the warranty runs, out of warranty after it (or without any).
    Contract coverage is decided by the contracts' coverage engine, not stored here."""
    today = today or timezone.localdate()
    if warranty_end is not None and warranty_end >= today:
        return Device.WarrantyKind.MANUFACTURER
    return Device.WarrantyKind.OUT


def apply_device_defaults(device, *, kind_given, site_changed, customer_changed=True, today=None):
    """Fill what the caller left open: ownership (branch, department, outlet) from the customer
    — a device belongs where its customer does —, place from the site, the warranty period from
    the install (or shipping) date and the model's warranty months. The site must be one of the
    customer's (callers pass a site resolved for that customer or check it here)."""
    customer, site = device.customer, device.address
    if site is not None and site.customer_id != device.customer_id:
        raise ValidationFailed(fields={"address": [_("The site belongs to another customer.")]})
    if customer is not None and customer_changed:
        device.branch_id = customer.branch_id or device.branch_id
        device.department_id = customer.department_id if customer.branch_id else device.department_id
        device.outlet_id = device.outlet_id or customer.outlet_id
    if site is not None and (site_changed or device.lat is None):
        device.region_id, device.lat, device.lng = site.region_id, site.lat, site.lng
    if device.warranty_start is None:
        device.warranty_start = device.install_date or device.shipped_on
    if device.warranty_end is None and device.warranty_start is not None:
        device.warranty_end = warranty_end_for(device.warranty_start, device.product_model.warranty_months)
    if not kind_given:
        device.warranty_kind = default_warranty_kind(device.warranty_end, today)


def _device_before_save(kind_given, site_changed, customer_changed):
    def before(device):
        if not kind_given:
            device.warranty_kind = ""
        apply_device_defaults(device, kind_given=kind_given, site_changed=site_changed,
                              customer_changed=customer_changed)

    return before


def _clean_kind(data):
    data = dict(data)
    if not data.get("warranty_kind"):
        data.pop("warranty_kind", None)
    return data


# -- devices ---------------------------------------------------------------------------------------
def device_create(*, actor, data, source=Device.Source.MANUAL, copy_bom=True):
    """Register a device; its BOM instance is copied from the model's BOM."""
    require_perm(actor, Device, "add")
    return _register(actor, data, source=source, copy_bom=copy_bom)


def _register(actor, data, *, source, copy_bom=True):
    """Create a device without the add permission check: device_create checks it; an ERP
    shipment registers its serial as part of recording the shipment."""
    kind_given = bool(data.get("warranty_kind"))
    device = Device(source=source)
    with transaction.atomic():
        for name, value in _clean_kind(data).items():
            setattr(device, name, value)
        if not kind_given:
            device.warranty_kind = ""
        apply_device_defaults(device, kind_given=kind_given, site_changed=True)
        stamp_ownership(device, actor)  # what the customer did not decide (no customer: the actor's)
        try:
            device.full_clean()
        except DjangoValidationError as exc:
            raise ValidationFailed.from_django(exc) from exc
        try:
            with transaction.atomic():
                device.save()
        except IntegrityError as exc:
            failure = integrity_failure(Device, exc)  # a constraint's own message, else the serial
            if not failure.fields:
                failure = ValidationFailed(fields={"serial": [_("A device with this serial number already exists.")]})
            raise failure from exc
        check_still_in_scope(actor, device)
        audit.record(actor=actor, action="create", obj=device, after=audit.snapshot(device))
        if copy_bom:
            copy_model_bom(device)
    return device


def device_update(*, actor, obj, data):
    old_site, old_customer = Device.objects.filter(pk=obj.pk).values_list("address_id", "customer_id").first()
    new_site = data["address"].pk if data.get("address") else (None if "address" in data else old_site)
    new_customer = data["customer"].pk if data.get("customer") else (None if "customer" in data else old_customer)
    # Left out (a PATCH without it) keeps the stored kind; sent blank means "work it out".
    kind_given = "warranty_kind" not in data or bool(data["warranty_kind"])
    before = _device_before_save(kind_given, site_changed=new_site != old_site,
                                 customer_changed=new_customer != old_customer)
    return object_update(actor=actor, obj=obj, data=_clean_kind(data), before_save=before)


def device_delete(*, actor, obj):
    return object_delete(actor=actor, obj=obj)


def _set_status(*, actor, device, move, message, reason):
    reason = require_reason(reason, REASON_REQUIRED)
    with transaction.atomic():
        stored = Device.moves.fresh(actor, device, move)
        # Two clicks race here: the conditional UPDATE lets exactly one of them through.
        target = Device.moves[move].target
        transition(stored, to=target, actor=actor, verb=Device.moves[move].verb, message=message % {"reason": reason},
                   values={"invalid_reason": reason[:255] if target == Device.Status.INVALID else ""})
        device.refresh_from_db()
    return device


@Device.moves.implements("set-invalid")
def device_set_invalid(*, actor, device, reason):
    """Registered → invalid: the device can no longer be chosen for service."""
    return _set_status(actor=actor, device=device, move="set-invalid", reason=reason,
                       message=_("Set invalid: %(reason)s"))


@Device.moves.implements("restore")
def device_restore(*, actor, device, reason):
    """Invalid → registered again."""
    return _set_status(actor=actor, device=device, move="restore", reason=reason, message=_("Restored: %(reason)s"))


# -- BOM instance ----------------------------------------------------------------------------------
def copy_model_bom(device, lines=None):
    """Copy the model's BOM into the device's parts, one insert per tree level (parents first,
    so children can point at them); quantities are per device (the extended quantities)."""
    lines = bom_lines(device.product_model) if lines is None else lines
    fitted_on = device.install_date or device.shipped_on or timezone.localdate()
    made = {}
    for depth in sorted({line.depth for line in lines}):
        level = [line for line in lines if line.depth == depth]
        rows = DevicePart.objects.bulk_create([
            DevicePart(device=device, part_id=line.part_id, quantity=line.extended_quantity,
                       position=line.position, fitted_on=fitted_on,
                       parent=made.get(line.parent_id))
            for line in level
        ])
        made.update({line.pk: row for line, row in zip(level, rows, strict=True)})
    return list(made.values())


def _device_of(actor, line):
    require_perm(actor, Device, "change")
    device = Device.objects.get(pk=line.device_id)
    require_visible(actor, device)
    return device


def _check_quantity(quantity):
    if quantity is None or quantity <= 0:
        raise ValidationFailed(fields={"quantity": [_("The quantity must be greater than zero.")]})


def device_part_add(*, actor, device, part, quantity=1, parent=None, part_serial="", position="", on=None):
    """Fit an extra part into the device (optionally under another line)."""
    quantity = Decimal(str(quantity))
    _check_quantity(quantity)
    with transaction.atomic():
        require_perm(actor, Device, "change")
        require_visible(actor, device)
        if parent is not None and (parent.device_id != device.pk or parent.status != DevicePart.Status.FITTED):
            raise ValidationFailed(fields={"parent": [_("The parent line is not a fitted part of this device.")]})
        line = DevicePart.objects.create(device=device, part=part, quantity=quantity, parent=parent,
                                         part_serial=part_serial, position=position,
                                         fitted_on=on or timezone.localdate())
        audit.record(actor=actor, action="action", obj=device, verb="part_add",
                     changes={"part": [None, str(part)], "part_serial": [None, part_serial or None]},
                     message=_("Fitted %(part)s × %(qty)s") % {"part": part, "qty": quantity})
    return line


def device_part_remove(*, actor, line, on=None):
    """Take a part out of the device: the line stays, marked removed with the date."""
    with transaction.atomic():
        device = _device_of(actor, line)
        on = on or timezone.localdate()
        changed = DevicePart.objects.filter(pk=line.pk, status=DevicePart.Status.FITTED).update(
            status=DevicePart.Status.REMOVED, removed_on=on, updated_at=timezone.now())
        if not changed:
            raise DevicePart.Refusals.ALREADY_REMOVED()
        line.refresh_from_db()
        audit.record(actor=actor, action="action", obj=device, verb="part_remove",
                     changes={"part": [str(line.part), None]},
                     message=_("Removed %(part)s on %(date)s") % {"part": line.part, "date": on.isoformat()})
    return line


def device_part_replace(*, actor, line, new_part=None, part_serial="", on=None, quantity=None):
    """Replace a fitted part (the service report calls this): the old line is marked removed
    on `on`, a new line of `new_part` (default: the same part) takes its place in the tree, and
    the old line's fitted sub-parts move under the new one. Returns the new line."""
    with transaction.atomic():
        device = _device_of(actor, line)
        on = on or timezone.localdate()
        old = DevicePart.objects.select_related("part").get(pk=line.pk)
        quantity = old.quantity if quantity is None else quantity
        _check_quantity(quantity)
        # A second replacement of the same line (double submit, two reports) loses here.
        changed = DevicePart.objects.filter(pk=old.pk, status=DevicePart.Status.FITTED).update(
            status=DevicePart.Status.REMOVED, removed_on=on, updated_at=timezone.now())
        if not changed:
            raise DevicePart.Refusals.ALREADY_REPLACED()
        part = new_part or old.part
        new = DevicePart.objects.create(device=device, part=part, quantity=quantity, parent_id=old.parent_id,
                                        position=old.position, part_serial=part_serial, fitted_on=on)
        DevicePart.objects.filter(parent=old, status=DevicePart.Status.FITTED).update(parent=new)
        audit.record(actor=actor, action="action", obj=device, verb="part_replace",
                     changes={"part": [str(old.part), str(part)],
                              "part_serial": [old.part_serial or None, part_serial or None]},
                     message=_("Replaced %(old)s by %(new)s on %(date)s") % {
                         "old": old.part, "new": part, "date": on.isoformat()})
    line.refresh_from_db()
    return new


# -- shipments -----------------------------------------------------------------------------------------
def _by_code(queryset, code):
    """The record of `code`; failing that, the one record whose code differs only in case."""
    if not code:
        return None
    found = queryset.filter(code=code).first()
    if found is None:
        hits = list(queryset.filter(code__iexact=code)[:2])
        found = hits[0] if len(hits) == 1 else None
    return found


def _product_model(code):
    from xiuhao.catalog.models import ProductModel

    return _by_code(ProductModel.objects.all(), code)


def _customer(code):
    from xiuhao.customers.models import Customer

    return _by_code(Customer.objects.all(), code)


def _link_device(actor, shipment):
    """Find or create the device of the shipment's serial (source: shipment) and bring its
    shipping data up to the latest shipment."""
    device = Device.objects.filter(serial=shipment.serial).first()
    customer = _customer(shipment.customer_code)
    if device is None:
        model = _product_model(shipment.product_code)
        if model is None:
            raise ValidationFailed(fields={"product_code": [
                _("No product model with model code “%(value)s”; a new serial needs a known model.")
                % {"value": shipment.product_code}]})
        return _register(actor, source=Device.Source.SHIPMENT, data={
            "serial": shipment.serial, "product_model": model, "customer": customer,
            "shipped_on": shipment.shipped_on, "order_no": shipment.order_no})
    if device.shipped_on is None or shipment.shipped_on >= device.shipped_on:
        before = audit.snapshot(device)
        device.shipped_on, device.order_no = shipment.shipped_on, shipment.order_no
        gains_customer = device.customer_id is None and customer is not None
        if gains_customer:
            device.customer = customer
        kind_given = device.warranty_start is not None
        apply_device_defaults(device, kind_given=kind_given, site_changed=False, customer_changed=gains_customer)
        device.save()
        changes = audit.diff(before, audit.snapshot(device))
        if changes:
            audit.record(actor=actor, action="update", obj=device, changes=changes, verb="shipment",
                         message=_("ERP shipment %(order)s") % {"order": shipment.order_no})
    return device


def _shipment_before_save(actor):
    def before(shipment):
        device = _link_device(actor, shipment)
        shipment.device = device
        shipment.branch_id = device.branch_id or shipment.branch_id

    return before


def shipment_create(*, actor, data):
    """Record an ERP shipment line and link (or create) its device."""
    return object_create(actor=actor, model=Shipment, data=data, before_save=_shipment_before_save(actor))


def shipment_update(*, actor, obj, data):
    return object_update(actor=actor, obj=obj, data=data, before_save=_shipment_before_save(actor))


def shipment_upsert(*, actor, data):
    """Create or update the shipment line of (serial, order no.) — what the ERP import does."""
    existing = Shipment.objects.filter(serial=data.get("serial"), order_no=data.get("order_no")).first()
    if existing is None:
        return shipment_create(actor=actor, data=data), True
    return shipment_update(actor=actor, obj=existing, data=data), False

