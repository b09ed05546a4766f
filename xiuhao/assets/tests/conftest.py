import datetime
from decimal import Decimal

import pytest

from xiuhao.catalog.tests.factories import BomLineFactory, PartFactory, ProductModelFactory
from xiuhao.customers.tests.factories import AddressFactory, CustomerFactory
from xiuhao.org.tests.factories import user_with


@pytest.fixture
def manager(branch):
    """A service manager of `branch` with every device permission (data scope: own branch)."""
    perms = [f"assets.{p}" for p in (
        "view_device", "add_device", "change_device", "delete_device", "export_device", "import_device",
        "print_labels_device", "view_shipment", "add_shipment", "change_shipment", "import_shipment",
        "view_devicepart", "view_warrantyalert")]
    return user_with(*perms, "customers.view_customer", data_scope="branch", branch=branch,
                     email="manager@example.com")


@pytest.fixture
def model_with_bom(db):
    """A product model (24 months' warranty) whose BOM is: board × 1 (fan × 2 under it), cable × 3."""
    model = ProductModelFactory(warranty_months=24)
    board = BomLineFactory(product_model=model, part=PartFactory(name="主板"), quantity=Decimal("1"))
    BomLineFactory(product_model=model, part=PartFactory(name="风扇"), quantity=Decimal("2"), parent=board)
    BomLineFactory(product_model=model, part=PartFactory(name="线缆"), quantity=Decimal("3"))
    return model


@pytest.fixture
def customer(branch):
    return CustomerFactory(branch=branch)


@pytest.fixture
def site(customer):
    return AddressFactory(customer=customer, label="住院部", lat=Decimal("22.543100"), lng=Decimal("114.057900"))


INSTALLED = datetime.date(2026, 3, 31)
