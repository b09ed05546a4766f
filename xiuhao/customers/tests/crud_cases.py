from xiuhao.core.testing import crud_case
from xiuhao.org.models import Region

from .factories import AddressFactory, ContactFactory, CustomerFactory


def _region(code="440305"):
    return Region.objects.get(code=code)


crud_case("customers.customer", make=lambda b, o: CustomerFactory(branch=b, outlet=o),
          data=lambda b: {"name": "深圳市南山区人民医院", "tier": "gold", "kind": "company", "status": "active",
                          "region": _region(), "address": "深圳市南山区桃园路89号", "phone": "0755-26553111",
                          "branch": b},
          update={"remark": "重点客户"})
crud_case("customers.contact", make=lambda b, o: ContactFactory(customer=CustomerFactory(branch=b, outlet=o)),
          data=lambda b: {"customer": CustomerFactory(branch=b), "name": "王建国", "title": "设备科科长",
                          "mobile": "13902345678"},
          update={"title": "设备处处长"})
crud_case("customers.address", make=lambda b, o: AddressFactory(customer=CustomerFactory(branch=b, outlet=o)),
          data=lambda b: {"customer": CustomerFactory(branch=b), "label": "住院部大楼",
                          "address": "深圳市南山区桃园路89号住院部", "region": _region()},
          update={"address": "深圳市南山区桃园路89号门诊部"})
