import datetime

import factory

from xiuhao.assets.models import Device, DevicePart, Shipment, WarrantyAlert
from xiuhao.catalog.tests.factories import PartFactory, ProductModelFactory
from xiuhao.customers.tests.factories import CustomerFactory


class DeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Device

    serial = factory.Sequence(lambda n: f"SN{n:08d}")
    product_model = factory.SubFactory(ProductModelFactory)
    customer = factory.SubFactory(CustomerFactory)
    branch = factory.LazyAttribute(lambda o: o.customer.branch if o.customer else None)
    install_date = datetime.date(2026, 1, 10)
    warranty_start = datetime.date(2026, 1, 10)
    warranty_end = datetime.date(2027, 1, 9)


class DevicePartFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DevicePart

    device = factory.SubFactory(DeviceFactory)
    part = factory.SubFactory(PartFactory)


class ShipmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shipment

    serial = factory.Sequence(lambda n: f"SN{n:08d}")
    order_no = factory.Sequence(lambda n: f"SO{n:06d}")
    shipped_on = datetime.date(2026, 1, 5)


class WarrantyAlertFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WarrantyAlert

    device = factory.SubFactory(DeviceFactory)
    days_before = 30
    warranty_end = factory.LazyAttribute(lambda o: o.device.warranty_end)


def device_in(branch, outlet=None, **kwargs):
    """A device of a customer of `branch` (served by `outlet`, if given)."""
    customer = kwargs.pop("customer", None) or CustomerFactory(branch=branch)
    return DeviceFactory(customer=customer, branch=branch, outlet=outlet, **kwargs)
