import datetime

from xiuhao.catalog.tests.factories import ProductModelFactory
from xiuhao.core.testing import crud_case
from xiuhao.customers.tests.factories import CustomerFactory

from .factories import DevicePartFactory, ShipmentFactory, WarrantyAlertFactory, device_in

crud_case("assets.device", make=lambda b, o: device_in(b, o),
          data=lambda b: {"serial": "SN-CRUD-0001", "product_model": ProductModelFactory(),
                          "customer": CustomerFactory(branch=b), "install_date": datetime.date(2026, 1, 10)},
          update={"lot": "LOT-2026-02"})
crud_case("assets.devicepart", make=lambda b, o: DevicePartFactory(device=device_in(b, o)), data=lambda b: {})
crud_case("assets.shipment",
          make=lambda b, o: (lambda d: ShipmentFactory(serial=d.serial, device=d, branch=b))(device_in(b, o)),
          data=lambda b: {"serial": "SN-SHIP-0001", "order_no": "SO-0001", "shipped_on": datetime.date(2026, 2, 1),
                          "product_code": ProductModelFactory().code, "customer_code": CustomerFactory(branch=b).code},
          update={"warehouse": "上海成品仓"})
crud_case("assets.warrantyalert", make=lambda b, o: WarrantyAlertFactory(device=device_in(b, o)), data=lambda b: {})
